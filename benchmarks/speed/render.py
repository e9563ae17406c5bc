"""Measure rendering and clip-writing speed on one core.

Run: `python benchmarks/speed/render.py [--size 640x360] [--frames 300]`.
Reports CPU-time rates (robust when other jobs share the machine) next to wall-clock ones.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import cv2

from drivexplain.synthworld.clips import CLIP_START_S, parse_size, write_clip
from drivexplain.synthworld.scene import World


def measure(size: tuple[int, int], frames: int, seed: int = 1) -> dict:
    cv2.setNumThreads(1)
    world = World(seed, size)
    world.frame(CLIP_START_S)
    c0, w0 = time.process_time(), time.perf_counter()
    for i in range(frames):
        world.frame(CLIP_START_S + i / 10)
    c1, w1 = time.process_time(), time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        fps = 10.0
        write_clip(Path(d) / "b.mp4", seconds=frames / fps, fps=fps, seed=seed, size=size)
        c2, w2 = time.process_time(), time.perf_counter()
    return {
        "size": f"{size[0]}x{size[1]}",
        "frames": frames,
        "render_fps_cpu": round(frames / (c1 - c0), 1),
        "render_fps_wall": round(frames / (w1 - w0), 1),
        "write_clip_fps_cpu": round(frames / (c2 - c1), 1),
        "write_clip_fps_wall": round(frames / (w2 - w1), 1),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--frames", type=int, default=300)
    args = ap.parse_args(argv)
    print(json.dumps(measure(parse_size(args.size), args.frames)))


if __name__ == "__main__":
    main()
