"""Where a frame's time goes inside Concept Attribution.

Run:  python benchmarks/profile_operator.py [--models TinyDriveCLIP ViT-B-16] [--frames 16]
                                           [--batch 16] [--concepts 3] [--threads 1]

The operator marks its stages with `torch.profiler.record_function` (`ca::preprocess`,
`ca::text`, `ca::forward`, `ca::contrast`, `ca::backward`, `ca::head selection`,
`ca::faithfulness`, `ca::adjust and suppress`, `ca::results to host`); this script runs
`explain` under the profiler after one warm-up batch and prints each stage's wall time per frame
and its share of the total. "other" is what no stage covers: attention and gradient gathering,
fusion, and Python between the stages. One plain image forward of the same frames is timed
beside it, so the table also reads as multiples of a forward. On a CUDA machine the device is
synchronised around each run, so wall times include the GPU work.

ViT-B-16 has random weights here (no model hub): its timings are real, its maps are not.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from drivexplain.operators.attribution import ConceptAttribution
from drivexplain.operators.backbone import OpenClipViT
from drivexplain.operators.config import AttributionConfig, ModelConfig, RuntimeConfig
from drivexplain.operators.device import resolve_device

CONCEPTS = ["pedestrian", "red traffic light", "car", "bus", "truck"]
STAGES = ("preprocess", "text", "forward", "contrast", "backward", "head selection",
          "faithfulness", "adjust and suppress", "results to host")


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def profile(model: str, frames: list[np.ndarray], concepts: list[str], batch: int,
            device: torch.device) -> dict[str, float]:
    """Milliseconds per frame for each stage, `other`, `total` and one plain forward."""
    backbone = OpenClipViT.from_config(ModelConfig(name=model), device=device)
    operator = ConceptAttribution(backbone, AttributionConfig(),
                                  RuntimeConfig(batch_size=batch, device=str(device)))
    operator.explain(frames[:batch], concepts)  # warm-up: text cache, vocabulary, kernels
    _sync(device)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        start = time.perf_counter()
        operator.explain(frames, concepts)
        _sync(device)
        total = time.perf_counter() - start
    spans: dict[str, float] = {}
    for event in prof.events():
        if event.name.startswith("ca::"):
            name = event.name[4:]
            spans[name] = spans.get(name, 0.0) + event.time_range.elapsed_us() / 1e3
    with torch.no_grad():
        pixels = backbone.preprocess(frames)
        backbone.embed_images(pixels[:batch])
        _sync(device)
        start = time.perf_counter()
        backbone.embed_images(pixels)
        _sync(device)
        plain = time.perf_counter() - start
    n = len(frames)
    out = {name: spans.get(name, 0.0) / n for name in STAGES}
    out["other"] = max(0.0, 1000 * total / n - sum(out.values()))
    out["total"] = 1000 * total / n
    out["plain forward"] = 1000 * plain / n
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["TinyDriveCLIP", "ViT-B-16"])
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--concepts", type=int, default=3)
    parser.add_argument("--size", default="640x360", help="frame WxH")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    width, height = (int(v) for v in args.size.lower().split("x"))
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
              for _ in range(args.frames)]
    concepts = CONCEPTS[: args.concepts]
    print(f"{args.frames} frames {width}x{height}, batch {args.batch}, {len(concepts)} concepts, "
          f"{device}, {args.threads} thread(s); ms per frame (share of total)")
    for model in args.models:
        row = profile(model, frames, concepts, args.batch, device)
        plain = row["plain forward"]
        print(f"\n{model}: total {row['total']:.1f} ms = {row['total'] / plain:.2f} plain "
              f"forwards ({plain:.1f} ms)")
        for name in (*STAGES, "other"):
            print(f"  {name:<22} {row[name]:8.2f} ms  {100 * row[name] / row['total']:5.1f} %"
                  f"  {row[name] / plain:5.2f} forwards")


if __name__ == "__main__":
    main()
