"""Where frames come from: input discovery (`inputs`), the records every reader shares
(`base`), one reader per format family (`decode` for containers, `images`, `elementary`,
`mcap`, `rosbag`, with `messages` for the logs' camera messages) and the two entry points
over them (`formats.index_source`, `formats.read_chunk`)."""
