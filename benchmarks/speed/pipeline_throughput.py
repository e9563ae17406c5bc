"""Pipeline throughput and memory: is the Ray pipeline as fast as its slowest stage, and does
its memory stay flat as videos get longer?

Measures, on synthetic clips (synthworld):
1. each stage alone on the same frames: the bare Concept Attribution operator (frames already
   decoded at transport size), and bare decode + overlay + caption + H.264 encode;
2. the whole pipeline end to end with 1 and with 2 model actors, each in a fresh process:
   steady-state frames/s (first chunk to last) and wall time including Ray start-up;
3. peak memory (sum of PSS over the job's whole process tree, so shared pages count once) for
   a short and a long clip.

    python benchmarks/speed/pipeline_throughput.py --seconds 30 --memory-seconds 60,600
    python benchmarks/speed/pipeline_throughput.py --device cuda --precision bf16 \
        --model ViT-B-16 --concepts 3 --workers 1        # what gpu_check.sh runs
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

CONCEPTS = ["car", "pedestrian", "traffic light", "truck", "bicycle"]


def make_clip(path: Path, seconds: float, fps: float, size: tuple[int, int], gop: int) -> Path:
    """A synthworld clip, re-encoded with a keyframe every `gop` frames.

    Dashcams typically write a keyframe every second or two; x264's default (250) would make
    every chunk of a short clip seek back to frame 0, which is not what the pipeline meets.
    """
    if path.is_file():
        return path
    import av

    from drivexplain.synthworld.clips import write_clip

    raw = write_clip(path.with_name("raw-" + path.name), seconds=seconds, fps=fps, seed=3,
                     size=size)
    with av.open(str(raw)) as source, av.open(str(path), mode="w") as target:
        src = source.streams.video[0]
        src.thread_type = "AUTO"
        stream = target.add_stream("libx264", rate=src.average_rate)
        stream.width, stream.height, stream.pix_fmt = src.width, src.height, "yuv420p"
        stream.codec_context.gop_size = gop
        stream.options = {"preset": "veryfast", "crf": "23", "sc_threshold": "0"}
        for frame in source.decode(src):
            frame.pict_type = av.video.frame.PictureType.NONE
            for packet in stream.encode(frame):
                target.mux(packet)
        for packet in stream.encode():
            target.mux(packet)
    raw.unlink()
    raw.with_suffix(".parquet").unlink(missing_ok=True)
    return path


def _config(args: argparse.Namespace, workers: int) -> Any:
    from drivexplain.operators.config import load_config

    overrides: dict[str, Any] = {
        "runtime.device": args.device,
        "runtime.precision": args.precision,
        "pipeline.num_actors": workers,
        "pipeline.num_cpus_per_actor": args.actor_cpus,
        "pipeline.stride": args.stride,
        "pipeline.sample_fps": args.sample_fps,
        "pipeline.chunk_frames": args.chunk_frames,
        "pipeline.overlay": args.overlay,
    }
    if args.batch:
        overrides["runtime.batch_size"] = args.batch
    if args.device.startswith("cuda"):
        overrides["pipeline.num_gpus_per_actor"] = 1.0 / workers
    if args.model:
        overrides["model.name"] = args.model
    if args.pretrained:
        overrides["model.pretrained"] = args.pretrained
    return load_config(args.config).with_overrides(**overrides)


def bare_operator(clip: Path, args: argparse.Namespace, threads: int | None) -> dict[str, Any]:
    """Concept Attribution alone on the clip's sampled frames, pre-decoded at transport size."""
    import torch

    from drivexplain.operators.attribution import ConceptAttribution
    from drivexplain.pipeline.sources.decode import (
        index_video,
        iter_chunk_frames,
        sample_frames,
        transport_size,
    )

    config = _config(args, 1)
    if threads:
        torch.set_num_threads(threads)
    index = index_video(str(clip))
    sampled = sample_frames(index, config.pipeline.stride, config.pipeline.sample_fps)
    size = transport_size(index.width, index.height, config.pipeline.transport_short_side)
    frames = [f.image for f in iter_chunk_frames(str(clip), index.pts, 0, set(sampled), size)
              if f.index in set(sampled)][: args.operator_frames]
    operator = ConceptAttribution.from_config(config)
    concepts = CONCEPTS[: args.concepts]
    operator.explain(frames[:2], concepts)  # warm-up (allocations, autotuning)
    if config.runtime.device.startswith("cuda"):
        torch.cuda.synchronize()
    start = time.perf_counter()
    operator.explain(frames, concepts)
    if config.runtime.device.startswith("cuda"):
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    return {"stage": "operator", "threads": torch.get_num_threads(), "frames": len(frames),
            "seconds": round(seconds, 2), "fps": round(len(frames) / seconds, 2),
            "model_id": operator.model_id, "device": str(operator.backbone.device)}


def bare_writer(clip: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Decode the original, overlay a heatmap, caption, encode: the writer stage alone."""
    import numpy as np

    from drivexplain.operators.overlay import overlay_heatmap
    from drivexplain.pipeline.sinks.writers import SegmentEncoder, caption_band
    from drivexplain.pipeline.sources.decode import DecodedFrame, index_video, iter_chunk_frames

    config = _config(args, 1)
    index = index_video(str(clip))
    heat = np.random.default_rng(0).random((12, 12)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        encoder = SegmentEncoder(Path(tmp) / "w.mp4", index.width, index.height,
                                 index.time_base, index.average_rate,
                                 config.pipeline.video_crf, config.pipeline.video_preset)
        start = time.perf_counter()
        count = 0
        for item in iter_chunk_frames(str(clip), index.pts, 0):
            if isinstance(item, DecodedFrame):
                image = caption_band(overlay_heatmap(item.image, heat),
                                     ["Q: benchmark | CD +0.10"] * 2)
                encoder.add(image, item.pts)
                count += 1
        encoder.close()
        seconds = time.perf_counter() - start
    return {"stage": "decode+overlay+encode", "frames": count, "seconds": round(seconds, 2),
            "fps": round(count / seconds, 2)}


def _tree_pss_kib(root: int) -> int:
    """Sum of PSS over `root` and all its descendants (KiB)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(
                int(entry.name))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
    return total


def pipeline_run(clip: Path, args: argparse.Namespace, workers: int) -> dict[str, Any]:
    """The whole pipeline in a fresh process (its own Ray), sampling the tree's memory."""
    out = Path(tempfile.mkdtemp(prefix="dx-bench-"))
    overrides = json.dumps(_config(args, workers).model_dump(mode="json"))
    script = textwrap.dedent(f"""
        import json, sys, time
        sys.path.insert(0, {str(REPO)!r})
        from pathlib import Path
        from drivexplain.operators.config import DrivexplainConfig
        from drivexplain.pipeline.run import RunOptions, run_pipeline
        config = DrivexplainConfig.model_validate(json.loads({overrides!r}))
        stamps = []
        start = time.perf_counter()
        clock = time.time() - start  # wall clock at perf_counter 0, to compare with the parent
        summary = run_pipeline(RunOptions(
            inputs=[{str(clip)!r}], prompts=["benchmark"], concepts={CONCEPTS[:args.concepts]!r},
            out=Path({str(out)!r}), config=config, progress=False),
            on_chunk=lambda row: stamps.append(
                (time.perf_counter() - start, row["frames"], row["video_frames"])))
        wall = time.perf_counter() - start
        print("RESULT", json.dumps({{"wall": wall, "stamps": stamps, "started": start + clock,
                                     "status": summary.videos[0]["status"]}}))
    """)
    launched = time.time()
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    peak = 0
    first_written: float | None = None
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak, first_written
        while not stop.is_set():
            peak = max(peak, _tree_pss_kib(proc.pid))
            if first_written is None:  # a chunk's marker is written last: its rows are on disk
                markers = [p.stat().st_mtime for p in out.glob("*/.work/chunk_*.json")]
                first_written = min(markers) if markers else None
            stop.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = proc.communicate()
    stop.set()
    sampler.join()
    lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"pipeline run failed (exit {proc.returncode})")
    result = json.loads(lines[-1].removeprefix("RESULT "))
    stamps = result["stamps"]
    frames = sum(s[1] for s in stamps)
    video_frames = sum(s[2] for s in stamps)
    steady = steady_video = None
    if len(stamps) > 1:
        # first chunk to last chunk: excludes Ray start-up and model loading
        span = stamps[-1][0] - stamps[0][0]
        if span > 0:
            steady = round(sum(s[1] for s in stamps[1:]) / span, 2)
            steady_video = round(sum(s[2] for s in stamps[1:]) / span, 2)
    if not args.keep_output:
        subprocess.run(["rm", "-rf", str(out)], check=False)
    return {"out": str(out) if args.keep_output else None,
            "workers": workers, "frames": frames, "video_frames": video_frames,
            "chunks": len(stamps), "wall_s": round(result["wall"], 1),
            "overlay": args.overlay,
            # start-up (Ray, actors, model, vocabulary) plus the first chunk's work, from the
            # call to run_pipeline (the process's imports excluded)
            "first_chunk_s": round(stamps[0][0], 1) if stamps else None,
            # time to the first processed frame: from launching the process (interpreter and
            # imports included) until the first chunk is written (its rows in the chunk log,
            # then its marker, whose mtime this is: durable, and skipped by a resumed run)
            "first_frame_s": (round(first_written - launched, 1)
                              if first_written is not None else None),
            # ... and until the driver hears of it (its progress bar, on_chunk)
            "first_chunk_seen_s": (round(result["started"] + stamps[0][0] - launched, 1)
                                   if stamps else None),
            "first_chunk_frames": stamps[0][1] if stamps else None,
            "fps_wall": round(frames / result["wall"], 2), "fps_steady": steady,
            "video_fps_steady": steady_video, "peak_pss_mib": round(peak / 1024, 1),
            "status": result["status"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="throughput clip length")
    parser.add_argument("--fps", type=float, default=10.0)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--concepts", type=int, default=1)
    parser.add_argument("--workers", default="1,2", help="actor counts to compare")
    parser.add_argument("--actor-cpus", type=float, default=1.0)
    parser.add_argument("--stride", type=int, default=1)
    parser.add_argument("--chunk-frames", type=int, default=64)
    parser.add_argument("--gop", type=int, default=None, help="keyframe interval (default: fps)")
    parser.add_argument("--sample-fps", type=float, default=None)
    parser.add_argument("--memory-seconds", default="60,600",
                        help="clip lengths for the memory comparison; empty to skip")
    parser.add_argument("--memory-sample-fps", type=float, default=1.0,
                        help="model sampling for the memory runs (all frames are still "
                        "decoded, overlaid and encoded)")
    parser.add_argument("--operator-frames", type=int, default=64)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--overlay", choices=("all", "flagged", "none"), default="all",
                        help="run --overlay: overlay videos for every frame, flagged episodes "
                        "only, or none")
    parser.add_argument("--precision", default="fp32")
    parser.add_argument("--model", default=None)
    parser.add_argument("--pretrained", default=None)
    parser.add_argument("--config", default=None)
    parser.add_argument("--clips", default=str(REPO / "runs" / "bench-clips"))
    parser.add_argument("--skip-pipeline", action="store_true",
                        help="only the bare stages (the GPU check)")
    parser.add_argument("--batch", type=int, default=None,
                        help="frames per forward (runtime.batch_size; default: the config's)")
    parser.add_argument("--skip-writer", action="store_true",
                        help="do not time decode+overlay+encode alone (the GPU check, whose "
                        "pipeline runs with --overlay flagged)")
    parser.add_argument("--skip-stages", action="store_true",
                        help="only the pipeline runs, without timing each stage alone (start-up "
                        "comparisons: first_frame_s)")
    parser.add_argument("--keep-output", action="store_true",
                        help="keep each pipeline run's output folder (to compare two trees' rows)")
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    clips = Path(args.clips)
    clips.mkdir(parents=True, exist_ok=True)
    gop = args.gop or max(1, round(args.fps))
    name = f"{args.fps:g}fps-{args.size}-gop{gop}.mp4"
    clip = make_clip(clips / f"clip-{args.seconds:g}s-{name}", args.seconds, args.fps,
                     (width, height), gop)
    from drivexplain.operators.assets import package_relative

    # paths inside the checkout are recorded relative to it: results hold no machine's paths
    results: dict[str, Any] = {"command": "python " + " ".join(sys.argv),
                               "clip": package_relative(clip),
                               "args": {**vars(args), "clips": package_relative(args.clips)}}

    threads = max(1, int(args.actor_cpus))
    stages = [] if args.skip_stages else [bare_operator(clip, args, threads)]
    if (os.cpu_count() or 1) > threads and args.device == "cpu" and not args.skip_stages:
        stages.append(bare_operator(clip, args, os.cpu_count()))
    if not args.skip_writer and not args.skip_stages:
        stages.append(bare_writer(clip, args))
    results["stages"] = stages
    for stage in stages:
        print(json.dumps(stage))
    if not args.skip_pipeline:
        runs = []
        for workers in (int(w) for w in args.workers.split(",") if w):
            run = pipeline_run(clip, args, workers)
            runs.append(run)
            if run["chunks"] < 4:
                print("warning: fewer than 4 chunks; the steady rate is not meaningful "
                      "(lower --chunk-frames or lengthen the clip)")
            if not stages:
                print(json.dumps(run))
                continue
            # Compare in video frames/s: the operator sees only the sampled frames, the
            # writer every frame. The operator alone is timed with the actor's thread count.
            per_video_frame = run["frames"] / run["video_frames"] if run["video_frames"] else 1
            operator_video_fps = stages[0]["fps"] / per_video_frame
            writer_fps = stages[-1]["fps"] if not args.skip_writer else float("inf")
            slowest = min(operator_video_fps, writer_fps)
            run["slowest_stage"] = ("operator" if operator_video_fps <= writer_fps
                                    else "decode+overlay+encode")
            run["ratio_to_slowest_stage"] = (round(run["video_fps_steady"] / slowest, 2)
                                             if run["video_fps_steady"] else None)
            print(json.dumps(run))
        results["pipeline"] = runs
        memory = []
        for seconds in (float(s) for s in args.memory_seconds.split(",") if s):
            long_clip = make_clip(clips / f"clip-{seconds:g}s-{name}", seconds, args.fps,
                                  (width, height), gop)
            mem_args = argparse.Namespace(**vars(args))
            mem_args.sample_fps = args.memory_sample_fps
            run = pipeline_run(long_clip, mem_args, 1)
            run["clip_seconds"] = seconds
            memory.append(run)
            print(json.dumps(run))
        results["memory"] = memory
        if len(memory) >= 2:
            results["memory_ratio_long_to_short"] = round(
                memory[-1]["peak_pss_mib"] / memory[0]["peak_pss_mib"], 3)
            print("memory ratio (longest/shortest):", results["memory_ratio_long_to_short"])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
