"""Overlay encode cost by `--overlay` mode, and what the kept heatmaps add to frames.parquet.

1. One run (shipped tiny CLIP, logged answers audited, `overlay: none`) on a synthworld clip
   with a keyframe every second, as dashcams write them. The prompt asks about a bus and every
   logged answer claims one (a VLM that hallucinates); in the default clip (seed 3) the
   ground truth has no bus for its first 8.5 s, so the frames the run flags (`ungrounded`,
   grouped into episodes by its own temporal layer) are a part of the clip, whatever their
   number: the share is the run's, not chosen.
2. From that run's kept heatmaps, the overlay encode the pipeline would do in each mode,
   through the same function the pipeline calls (`pipeline.sinks.render.encode_overlays`:
   decode, draw, H.264): `all` draws every frame, `flagged` only the clips around the
   episodes (`pipeline.overlay_context_s` either side), `none` nothing. Median of --repeats,
   side by side with the flagged share (frames in clips / frames in the video).
3. Bytes the kept heatmaps add to frames.parquet: measured on the run (Parquet written with
   and without the three heatmap columns), and for 3 concepts at the ViT-B/16 (14x14) and
   ViT-L/14-336 (24x24) grids filled with random bytes (incompressible), over a 10-minute
   10 frames/s run.

    python benchmarks/speed/overlay_encode.py --seconds 30 --repeats 3
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

PROMPT = "Is there a bus ahead?"
ANSWER = "Yes, there is a bus ahead."
HEATMAP_COLUMNS = ["heatmap_concepts", "heatmap_grid", "heatmaps"]


def _parquet_bytes(table: Any) -> int:
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.tell()


def heatmap_bytes(table: Any, grids: tuple[int, ...] = (14, 24), concepts: int = 3,
                  rows: int = 6000) -> dict[str, Any]:
    """Bytes per frame the heatmap columns add, measured and for random maps on real grids."""
    import numpy as np

    from drivexplain.pipeline.sinks.records import KeptHeatmaps, to_table

    frames = len(set(table.column("frame_index").to_pylist()))
    added = _parquet_bytes(table) - _parquet_bytes(table.drop_columns(HEATMAP_COLUMNS))
    grid = next((g for g in table.column("heatmap_grid").to_pylist() if g), None)
    out: dict[str, Any] = {"run": {"grid": grid, "frames": frames, "rows": table.num_rows,
                                   "bytes_per_frame": added / frames}}
    base = table.slice(0, 1).to_pylist()[0]
    rng = np.random.default_rng(0)
    for size in grids:
        made = to_table([
            dict(base, frame_index=i, **KeptHeatmaps(
                tuple(f"c{k}" for k in range(concepts)),
                rng.integers(0, 256, (concepts, size, size), dtype=np.uint8)).columns())
            for i in range(rows)])
        extra = _parquet_bytes(made) - _parquet_bytes(made.drop_columns(HEATMAP_COLUMNS))
        out[f"random_{size}x{size}"] = {"concepts": concepts, "rows": rows,
                                        "bytes_per_frame": extra / rows,
                                        "mb_per_10_min_10_fps": extra / 1e6}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--fps", type=float, default=10.0)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--contexts", default="2,0.5,0",
                        help="seconds of context around each episode to measure `flagged` "
                        "with (pipeline.overlay_context_s; the run's own is the default 2 s)")
    parser.add_argument("--work", type=Path, default=None, help="keep the run here")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    from pipeline_throughput import make_clip

    import drivexplain
    from drivexplain.operators.config import load_config
    from drivexplain.pipeline.sinks.render import (
        OverlaySpec,
        PromptRows,
        clip_range,
        encode_overlays,
    )
    from drivexplain.pipeline.sinks.run_dir import open_run

    width, height = (int(v) for v in args.size.split("x"))
    work = args.work or Path(tempfile.mkdtemp(prefix="overlay-encode-"))
    work.mkdir(parents=True, exist_ok=True)
    clip = make_clip(work / "clip.mp4", args.seconds, args.fps, (width, height),
                     gop=max(1, round(args.fps)))
    answers = work / "answers.jsonl"
    import av

    with av.open(str(clip)) as container:
        total = container.streams.video[0].frames or sum(1 for _ in container.decode(video=0))
    answers.write_text("".join(json.dumps({"frame": i, "answer": ANSWER, "prompt": PROMPT})
                               + "\n" for i in range(total)))
    config = load_config()
    started = time.perf_counter()
    for attempt in range(3):  # Ray gives its node 30 s to start; a loaded machine may miss it
        try:
            result = drivexplain.audit(clip, [PROMPT], answers=answers, config=config,
                                       out=work / "run", overlay="none")
            break
        except Exception as err:
            if "timed out during startup" not in str(err) or attempt == 2:
                raise
            print(f"Ray did not start in time (attempt {attempt + 1}); trying again")
    run_seconds = time.perf_counter() - started
    kept = open_run(work / "run")[0]
    index = kept.index()
    rows = kept.table().to_pylist()
    spec = OverlaySpec(PROMPT, 1)
    table = PromptRows.build(spec, rows)
    pipeline = kept.config["pipeline"]
    crf, preset = int(pipeline["video_crf"]), str(pipeline["video_preset"])
    size = (index.width, index.height)
    contexts = [float(v) for v in args.contexts.split(",")]

    def encode_all() -> int:
        stats = encode_overlays(kept.frames(index), [(work / "all.mp4", table)], size,
                                index.time_base, index.average_rate, crf, preset)
        return stats.frames

    def encode_flagged(context: float) -> int:
        frames = 0
        for n, episode in enumerate(result.episodes):
            start, stop = clip_range(index, episode.start_t, episode.end_t, context)
            stats = encode_overlays(kept.frames(index, start, stop),
                                    [(work / f"clip_{n}.mp4", table)], size, index.time_base,
                                    index.average_rate, crf, preset, skip_before=start,
                                    rebase=True)
            frames += stats.frames
        return frames

    jobs = [("all", encode_all)] + [
        (f"flagged ({c:g} s)", lambda c=c: encode_flagged(c)) for c in contexts
    ] + [("none", lambda: 0)]
    timings: dict[str, list[float]] = {mode: [] for mode, _ in jobs}
    written: dict[str, int] = {}
    for _ in range(args.repeats):  # interleaved, so load changes hit every mode alike
        for mode, job in jobs:
            t0 = time.perf_counter()
            written[mode] = job()
            timings[mode].append(time.perf_counter() - t0)
    median = {mode: statistics.median(values) for mode, values in timings.items()}
    bytes_info = heatmap_bytes(result.frames)
    flagged_rows = sum(1 for r in rows if r.get("verdict") in ("ungrounded",
                                                               "divergent_grounded"))

    print(f"clip: {total} frames {width}x{height} at {args.fps:g} fps, keyframe every second; "
          f"run (overlay none) {run_seconds:.1f} s; {flagged_rows} of {len(rows)} rows flagged, "
          f"{len(result.episodes)} episodes: "
          + "; ".join(f"{e.start_t:.1f}-{e.end_t:.1f} s" for e in result.episodes))
    print(f"{'mode (context)':<16} {'frames encoded':>15} {'share':>7} {'encode s':>9} "
          f"{'vs all':>7} {'(vs all)/share':>15}")
    for mode, _ in jobs:
        share = written[mode] / written["all"]
        ratio = median[mode] / median["all"]
        per = f"{ratio / share:.3f}" if share else "-"
        print(f"{mode:<16} {written[mode]:>15d} {share:>7.3f} {median[mode]:>9.3f} "
              f"{ratio:>7.3f} {per:>15}")
    print(f"(median of {args.repeats}; share: frames in the clips / frames in the video)")
    run = bytes_info["run"]
    print(f"kept heatmaps in frames.parquet: {run['bytes_per_frame']:.0f} bytes per frame "
          f"(this run: grid {run['grid']}, {run['rows'] // run['frames']} prompt rows per frame)")
    for key, value in bytes_info.items():
        if key.startswith("random_"):
            print(f"  3 concepts, {key[7:]} grid, random bytes: {value['bytes_per_frame']:.0f} "
                  f"bytes per frame, {value['mb_per_10_min_10_fps']:.1f} MB per 10-minute "
                  "10 fps run (budget 20 MB)")
    if args.json:
        args.json.write_text(json.dumps({
            "frames": total, "size": [width, height], "fps": args.fps,
            "episodes": [[e.start_t, e.end_t] for e in result.episodes], "written": written,
            "seconds": timings, "median": median, "heatmap_bytes": bytes_info,
        }, indent=2))


if __name__ == "__main__":
    main()
