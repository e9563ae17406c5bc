"""Input formats side by side: how fast does each one deliver the same frames to the pipeline?

One synthworld clip is written as an H.264 MP4 (the reference), a folder of JPEGs and one of
PNGs (KITTI/BDD100K/nuScenes style), a raw HEVC elementary stream (H.264 when PyAV's FFmpeg
lacks libx265), an MCAP file of ROS 2 CompressedImage (JPEG) messages and one of raw
sensor_msgs/Image (rgb8) messages. Each is read exactly as a run reads it: indexed
(`formats.index_source`), cut into keyframe-aligned chunks (`plan_chunks`) and decoded chunk by
chunk (`formats.read_chunk`), once at transport size (what the decode stage ships to the model
actors) and once at full size (what the overlay writer draws on). The formats are timed in
turn within each repeat, so they share the machine's state, after one warm-up read of each;
the median over repeats is reported as frames per CPU-second of the reading process (single-threaded
decode by default, so this is the per-core cost, steady on a shared machine) and as a ratio
to the MP4; wall-clock frames/s go to the JSON as well.

    python benchmarks/speed/input_formats.py                      # 20 s at 10 fps, 640x360
    python benchmarks/speed/input_formats.py --seconds 60 --size 1280x720 --repeats 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def clip_frames(seconds: float, fps: float, size: tuple[int, int], workdir: Path) -> list[Any]:
    """The synthworld clip's frames as RGB arrays (decoded once from its lossless source)."""
    import av

    from drivexplain.synthworld.clips import write_clip

    path = write_clip(workdir / "source.mp4", seconds=seconds, fps=fps, seed=3, size=size)
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def write_mp4(frames: list[Any], path: Path, fps: float, gop: int) -> Path:
    import av

    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=round(fps))
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = gop
        stream.options = {"preset": "veryfast", "crf": "23", "sc_threshold": "0"}
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def make_inputs(frames: list[Any], workdir: Path, fps: float, gop: int) -> dict[str, Path]:
    import av

    from drivexplain.synthworld.log_formats import (
        write_elementary,
        write_image_folder,
        write_mcap,
    )

    hevc = "libx265" in av.codecs_available
    period = round(1e9 / fps)
    return {
        "mp4 (H.264)": write_mp4(frames, workdir / "clip.mp4", fps, gop),
        "image folder (JPEG)": write_image_folder(frames, workdir / "jpeg", "nuscenes",
                                                  [1_532_402_927_612_460 + round(1e6 / fps) * i
                                                   for i in range(len(frames))], ".jpg"),
        "image folder (PNG)": write_image_folder(frames, workdir / "png", "fps"),
        f"raw {'HEVC' if hevc else 'H.264'} stream": write_elementary(
            frames, workdir / ("clip.hevc" if hevc else "clip.h264"),
            "libx265" if hevc else "libx264", gop=gop),
        "MCAP CompressedImage (JPEG)": write_mcap(workdir / "jpeg.mcap", {"/cam": frames},
                                                  "ros2_jpeg", period_ns=period,
                                                  chunk_size=4 << 20),
        "MCAP Image (rgb8)": write_mcap(workdir / "raw.mcap", {"/cam": frames}, "ros2_raw",
                                        period_ns=period, chunk_size=4 << 20),
    }


def reader(path: Path, fps: float, chunk_frames: int, short_side: int | None,
           threads: bool) -> Callable[[], int]:
    """One full read of an input as a run does it; returns the frames decoded."""
    from drivexplain.pipeline.chunks import plan_chunks
    from drivexplain.pipeline.sources.base import DecodedFrame, SourceSettings
    from drivexplain.pipeline.sources.decode import transport_size
    from drivexplain.pipeline.sources.formats import index_source, read_chunk
    from drivexplain.pipeline.sources.inputs import expand_inputs

    (source,) = expand_inputs([str(path)])
    settings = SourceSettings(fps=fps)

    def run() -> int:
        index = index_source(source, settings)
        size = transport_size(index.width, index.height, short_side) if short_side else None
        chunks = plan_chunks(source.video_id, source.uri, index, list(range(index.num_frames)),
                             chunk_frames, kind=source.kind, topic=source.topic or "")
        count = 0
        for chunk in chunks:
            for item in read_chunk(chunk, None, size, threads):
                if not isinstance(item, DecodedFrame):
                    raise RuntimeError(f"{path.name}: frame {item[0]}: {item[1]}")
                count += 1
        return count

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--fps", type=float, default=10.0)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--gop", type=int, default=10, help="keyframe interval of the streams")
    parser.add_argument("--chunk-frames", type=int, default=64)
    parser.add_argument("--short-side", type=int, default=224, help="transport size")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", action="store_true",
                        help="let FFmpeg decode with threads (default: one thread each)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" /
                        "input_formats.json")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))

    with tempfile.TemporaryDirectory(prefix="input-formats-") as tmp:
        workdir = Path(tmp)
        frames = clip_frames(args.seconds, args.fps, (width, height), workdir)
        inputs = make_inputs(frames, workdir, args.fps, args.gop)
        sizes = {name: (sum(p.stat().st_size for p in path.iterdir()) if path.is_dir()
                        else path.stat().st_size) for name, path in inputs.items()}
        modes = {"transport": args.short_side, "full": None}
        seconds: dict[tuple[str, str], list[float]] = {}
        cpu: dict[tuple[str, str], list[float]] = {}
        counts: dict[str, int] = {}
        for path in inputs.values():  # warm-up: imports, codecs, the page cache
            reader(path, args.fps, args.chunk_frames, args.short_side, args.threads)()
        for _ in range(args.repeats):
            for mode, short in modes.items():
                for name, path in inputs.items():
                    run = reader(path, args.fps, args.chunk_frames, short, args.threads)
                    started, cpu_started = time.perf_counter(), time.process_time()
                    counts[name] = run()
                    cpu.setdefault((name, mode), []).append(time.process_time() - cpu_started)
                    seconds.setdefault((name, mode), []).append(time.perf_counter() - started)

    n = len(frames)
    rows = []
    for name in inputs:
        assert counts[name] == n, (name, counts[name], n)
        row: dict[str, Any] = {"format": name, "bytes_per_frame": sizes[name] / n}
        for mode in modes:
            row[f"{mode}_fps"] = n / statistics.median(cpu[(name, mode)])
            row[f"{mode}_wall_fps"] = n / statistics.median(seconds[(name, mode)])
        rows.append(row)
    reference = rows[0]
    print(f"{n} frames {width}x{height} at {args.fps:g} fps, keyframe every {args.gop}, "
          f"chunks of {args.chunk_frames}; median of {args.repeats}; "
          f"{'threaded' if args.threads else 'single-threaded'} decode; "
          f"{os.cpu_count()} CPUs; frames per CPU-second of this process (wall-clock "
          "figures, which other load on the machine distorts, are in the JSON)")
    header = (f"{'format':<30} {'bytes/frame':>11} {'transport f/cpu-s':>17} {'x MP4':>6} "
              f"{'full f/cpu-s':>12} {'x MP4':>6}")
    print(header)
    print("-" * len(header))
    for row in rows:
        row["transport_vs_mp4"] = row["transport_fps"] / reference["transport_fps"]
        row["full_vs_mp4"] = row["full_fps"] / reference["full_fps"]
        print(f"{row['format']:<30} {row['bytes_per_frame']:>11.0f} "
              f"{row['transport_fps']:>17.1f} {row['transport_vs_mp4']:>6.2f} "
              f"{row['full_fps']:>12.1f} {row['full_vs_mp4']:>6.2f}")
    # The kept heatmaps' bytes per frame (issue 19, outputs) are reported by their own line.
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "frames": n, "size": [width, height], "fps": args.fps, "gop": args.gop,
        "chunk_frames": args.chunk_frames, "short_side": args.short_side,
        "repeats": args.repeats, "threads": args.threads, "cpus": os.cpu_count(),
        "rows": rows}, indent=2) + "\n")
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
