"""Ray orchestration, video sources and sinks, and the `drivexplain` command line."""
