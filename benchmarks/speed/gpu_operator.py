"""The bare Concept Attribution operator on a GPU: frames/s and GPU utilisation.

Run:  python benchmarks/speed/gpu_operator.py --device cuda --precision bf16 --model ViT-B-16 \
          --concepts 3 --frames 4096 --batch 64 --json $OUT/gpu_operator.json

For each variant (full with CD/NS and contrast, full with `drop_tokens` faithfulness, heatmaps
only) the operator explains `--frames` frames (a pool of distinct synthetic frames at transport
size, cycled) after one warm-up batch; the device is synchronised around the timed run. GPU
utilisation and memory are sampled by `nvidia-smi` every 200 ms during each run (mean and
peak); without nvidia-smi they are reported as missing. One plain image forward of the same
frames gives the ratios. ViT-B-16 has random weights unless --pretrained names a checkpoint:
its frames/s is real, its maps are not.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import torch

from drivexplain.operators.attribution import ConceptAttribution
from drivexplain.operators.config import load_config

CONCEPTS = ["car", "pedestrian", "traffic light", "truck", "bicycle"]


class GpuSampler:
    """`nvidia-smi` utilisation and memory every 200 ms while a run lasts."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> GpuSampler:
        if shutil.which("nvidia-smi"):
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        query = ["nvidia-smi", "--query-gpu=utilization.gpu,memory.used",
                 "--format=csv,noheader,nounits", "--id=0"]
        while not self._stop.is_set():
            try:
                line = subprocess.run(query, capture_output=True, text=True,
                                      timeout=5).stdout.strip().splitlines()[0]
                util, memory = (float(v) for v in line.split(","))
                self.samples.append((util, memory))
            except (OSError, ValueError, IndexError, subprocess.SubprocessError):
                pass
            self._stop.wait(0.2)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def summary(self) -> dict:
        if not self.samples:
            return {"gpu_util_mean": None, "gpu_util_peak": None, "gpu_mem_peak_mib": None}
        util = [u for u, _ in self.samples]
        return {"gpu_util_mean": round(float(np.mean(util)), 1),
                "gpu_util_peak": max(util), "gpu_mem_peak_mib": max(m for _, m in self.samples)}


def run_variant(args: argparse.Namespace, name: str, overrides: dict, frames: list[np.ndarray],
                concepts: list[str]) -> dict:
    config = load_config(None).with_overrides(**{
        "model.name": args.model, "runtime.device": args.device,
        "runtime.precision": args.precision, "runtime.batch_size": args.batch,
        "coherence.enabled": False, **({"model.pretrained": args.pretrained}
                                        if args.pretrained else {}), **overrides})
    operator = ConceptAttribution.from_config(config)
    device = operator.backbone.device
    operator.explain(frames[: args.batch], concepts)  # warm-up: kernels, caches
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    stream = [frames[i % len(frames)] for i in range(args.frames)]
    with GpuSampler() as sampler:
        start = time.perf_counter()
        operator.explain(stream, concepts)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        seconds = time.perf_counter() - start
    row = {"variant": name, "frames": len(stream), "seconds": round(seconds, 2),
           "fps": round(len(stream) / seconds, 1), **sampler.summary()}
    if device.type == "cuda":
        row["torch_peak_mem_mib"] = round(torch.cuda.max_memory_allocated(device) / 2**20)
    return row


def plain_forward_fps(args: argparse.Namespace, frames: list[np.ndarray]) -> float:
    config = load_config(None).with_overrides(**{
        "model.name": args.model, "runtime.device": args.device,
        "runtime.precision": args.precision, "coherence.enabled": False})
    operator = ConceptAttribution.from_config(config)
    bb = operator.backbone
    pixels = bb.preprocess(frames[: args.batch])
    with torch.no_grad(), operator._autocast():
        bb.model.encode_image(pixels)
        if bb.device.type == "cuda":
            torch.cuda.synchronize(bb.device)
        start = time.perf_counter()
        count = 0
        while count < args.frames:
            bb.model.encode_image(pixels)
            count += pixels.shape[0]
        if bb.device.type == "cuda":
            torch.cuda.synchronize(bb.device)
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--precision", default="bf16")
    parser.add_argument("--model", default="ViT-B-16")
    parser.add_argument("--pretrained", default=None)
    parser.add_argument("--concepts", type=int, default=3)
    parser.add_argument("--frames", type=int, default=4096)
    parser.add_argument("--pool", type=int, default=256, help="distinct frames, cycled")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--size", default="398x224", help="frame WxH (transport size)")
    parser.add_argument("--variants", default="full,drop_tokens,heatmaps")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
              for _ in range(args.pool)]
    concepts = CONCEPTS[: args.concepts]
    variants = {
        "full": {},
        "drop_tokens": {"attribution.faithfulness.method": "drop_tokens"},
        "heatmaps": {"attribution.faithfulness.enabled": False},
    }
    results: dict = {"command": "python " + " ".join(sys.argv), "model": args.model,
                     "precision": args.precision, "batch": args.batch,
                     "concepts": args.concepts, "size": [width, height], "rows": []}
    if torch.cuda.is_available():
        results["gpu"] = torch.cuda.get_device_name(0)
    plain = plain_forward_fps(args, frames)
    results["plain_forward_fps"] = round(plain, 1)
    print(json.dumps({"plain_forward_fps": results["plain_forward_fps"]}), flush=True)
    for name in (v for v in args.variants.split(",") if v):
        row = run_variant(args, name, variants[name], frames, concepts)
        row["x_plain"] = round(plain / row["fps"], 2)
        results["rows"].append(row)
        print(json.dumps(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
