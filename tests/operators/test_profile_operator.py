"""The operator's stages are visible to the profiler that
benchmarks/speed/profile_operator.py reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from conftest import load_benchmark

profile_operator = load_benchmark("profile_operator")


def test_every_heavy_stage_is_seen(model_config_dir: Path) -> None:
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in range(2)]
    row = profile_operator.profile("TestTinyViT", frames, ["car", "bus"], 2,
                                   torch.device("cpu"))
    for stage in ("preprocess", "forward", "backward", "head selection", "faithfulness"):
        assert row[stage] > 0, stage
    labelled = sum(row[s] for s in profile_operator.STAGES)
    assert labelled <= row["total"] + 1e-6 and row["plain forward"] > 0
