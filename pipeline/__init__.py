"""Ray orchestration, video sources and sinks, and the `drivexplain` command line.

The streaming pipeline (`drivexplain run`, `drivexplain.pipeline.run.run_pipeline`):

    index (driver: demux only)  -> keyframe-aligned chunks, one Ray Data block each
    decode      (CPU tasks)     -> sampled frames at transport size (shorter side 224)
    attribution (actor pool)    -> Concept Attribution; heatmaps at patch resolution
    write       (CPU tasks)     -> per chunk: log rows, H.264 overlay segment, marker
    finalize    (1 task/video)  -> remux segments, concat logs, report.html, manifest

Outputs under `--out`: `run.json` and `report.html` for the run, and per input video a folder
`<name>-<hash>/` with `overlay.mp4`, `frames.parquet`, `frames.jsonl`, `report.html` and
`manifest.json`. A chunk is the unit of work, retry and resume; the manifest marks a finished
video, which a rerun skips.
"""
