"""Cost of Concept Attribution per (frame, concept), as a ratio to one plain image forward.

Run:  python benchmarks/speed/attribution_speed.py [--models ViT-B-32 ViT-B-16 TinyDriveCLIP]
      [--device cpu]

Models load as the operator loads them (`OpenClipViT.from_config`, which registers the shipped
model configs): TinyDriveCLIP with its shipped weights, any other open_clip model with random
weights (its id says `@random-init`; cost does not depend on the weights). Every row is
measured in the same process, on the same model, side by side:
- `plain`: `model.encode_image` without gradients — the unit everything is divided by;
- `attribution`: heatmaps only (faithfulness off): one forward, one batched backward;
- `full`: heatmaps + Concept Drop + Negative Suppression (two masked forwards per concept);
- `naive`: one full forward + backward to every layer's attention per (frame, concept), batch
  of one, as in Chefer et al.'s CLIP notebook;
- `tiled`: `full` with `attribution.tiling` = `--tiling` (default grid: 2x2 tiles, 25 %
  overlap, operators/tiling.py), reported as a ratio to `plain` and to untiled `full`.
Ratios are per frame (all its concepts together) and per (frame, concept).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from drivexplain.operators.attribution import ConceptAttribution, similarity_gradients
from drivexplain.operators.config import (
    AttributionConfig,
    FaithfulnessConfig,
    ModelConfig,
    RuntimeConfig,
)
from drivexplain.operators.models.backbone import OpenClipViT
from drivexplain.operators.models.device import resolve_device

CONCEPTS = ["pedestrian", "red traffic light", "car"]


# `--clock cpu` times with the process's CPU time: on a machine shared with other jobs, wall
# time measures the queue for the cores, CPU time the work (use it with --threads 1).
CLOCK: Callable[[], float] = time.perf_counter


def timed(fn: Callable[[], object], repeats: int) -> float:
    """Best-of-`repeats` time after one warm-up call (best-of resists machine noise)."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = CLOCK()
        fn()
        best = min(best, CLOCK() - start)
    return best


def naive(bb: OpenClipViT, frames: list[np.ndarray], concepts: list[str]) -> None:
    layers = list(range(bb.num_layers))
    for frame in frames:
        pixels = bb.preprocess([frame])
        for concept in concepts:
            with torch.enable_grad():
                trace = bb.trace(pixels, capture_layers=layers)
                direction = bb.encode_text([concept])[None]
                similarity_gradients(trace, direction, layers)


def run(
    model_name: str,
    device: torch.device,
    batch: int,
    n_concepts: int,
    repeats: int,
    tiling: str = "grid",
) -> dict:
    torch.manual_seed(0)
    bb = OpenClipViT.from_config(ModelConfig(name=model_name), device=device)
    model = bb.model
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, size=(360, 640, 3), dtype=np.uint8) for _ in range(batch)]
    concepts = CONCEPTS[:n_concepts]
    runtime = RuntimeConfig(batch_size=batch)
    heat_only = ConceptAttribution(
        bb, AttributionConfig(faithfulness=FaithfulnessConfig(enabled=False)), runtime
    )
    full = ConceptAttribution(bb, AttributionConfig(), runtime)
    tiled = ConceptAttribution(bb, AttributionConfig(tiling=tiling), runtime)
    pixels = bb.preprocess(frames)
    bb.encode_text(concepts)

    def plain() -> None:
        with torch.no_grad():
            F.normalize(model.encode_image(pixels), dim=-1)

    t_plain = timed(plain, repeats) / batch
    t_attr = timed(lambda: heat_only.explain(frames, concepts), repeats) / batch
    t_full = timed(lambda: full.explain(frames, concepts), repeats) / batch
    t_tiled = timed(lambda: tiled.explain(frames, concepts), repeats) / batch
    naive_frames = frames[: min(batch, 4)]  # per-item anyway; fewer frames keep it affordable
    t_naive = timed(lambda: naive(bb, naive_frames, concepts), max(1, repeats // 2))
    t_naive /= len(naive_frames)
    return {
        "model": model_name,
        "model_id": bb.model_id,
        "batch": batch,
        "concepts": n_concepts,
        "plain_ms": 1000 * t_plain,
        "attribution_ms": 1000 * t_attr,
        "full_ms": 1000 * t_full,
        "naive_ms": 1000 * t_naive,
        "attribution_x_plain_per_frame": t_attr / t_plain,
        "attribution_x_plain_per_pair": t_attr / t_plain / n_concepts,
        "full_x_plain_per_frame": t_full / t_plain,
        "full_x_plain_per_pair": t_full / t_plain / n_concepts,
        "speedup_vs_naive": t_naive / t_attr,
        "full_speedup_vs_naive": t_naive / t_full,
        "tiling": tiling,
        "tiled_ms": 1000 * t_tiled,
        "tiled_x_plain_per_frame": t_tiled / t_plain,
        "tiled_x_full": t_tiled / t_full,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["ViT-B-32", "ViT-B-16"])
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 16])
    parser.add_argument("--concepts", nargs="+", type=int, default=[1, 3])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    parser.add_argument("--tiling", default="grid", choices=["grid", "pyramid"],
                        help="the tiled row's attribution.tiling")
    parser.add_argument(
        "--json", type=Path, default=Path("benchmarks/results/attribution_speed.json")
    )
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="cpu: process CPU time, for a shared machine (with --threads 1)")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    rows = []
    header = (
        f"{'model':<14}{'B':>4}{'K':>3}{'plain ms':>10}{'attr ms':>10}{'full ms':>10}"
        f"{'naive ms':>10}{'attr/plain':>11}{'full/plain':>11}{'x naive':>9}{'full x naive':>13}"
        f"{'tiled/plain':>12}{'tiled/full':>11}"
    )
    print(f"device={device} torch={torch.__version__} threads={torch.get_num_threads()} "
          f"clock={args.clock}")
    print(header)
    for model_name in args.models:
        for batch in args.batches:
            for k in args.concepts:
                row = run(model_name, device, batch, k, args.repeats, args.tiling)
                rows.append(row)
                print(
                    f"{model_name:<14}{batch:>4}{k:>3}{row['plain_ms']:>10.1f}"
                    f"{row['attribution_ms']:>10.1f}{row['full_ms']:>10.1f}{row['naive_ms']:>10.1f}"
                    f"{row['attribution_x_plain_per_frame']:>11.2f}"
                    f"{row['full_x_plain_per_frame']:>11.2f}{row['speedup_vs_naive']:>9.2f}"
                    f"{row['full_speedup_vs_naive']:>13.2f}"
                    f"{row['tiled_x_plain_per_frame']:>12.2f}{row['tiled_x_full']:>11.2f}",
                    flush=True,
                )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"device": str(device), "rows": rows}, indent=2))
    print(f"per-frame ratios are for all K concepts together; JSON: {args.json}")


if __name__ == "__main__":
    main()
