"""The pipeline with model actors on a GPU (run by benchmarks/speed/gpu_check.sh)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from pipeline_support import PROMPTS, read_rows, run_tiny, tiny_config, write_video

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]


def test_actors_run_on_the_gpu_in_bf16(
    tmp_path: Path, model_config_dir: Path, tiny_vit_checkpoint: Path
) -> None:
    clip = write_video(tmp_path / "clip.mp4", 24, gop=8)
    config = tiny_config(tiny_vit_checkpoint, **{
        "runtime.device": "cuda", "runtime.precision": "bf16",
        "pipeline.num_gpus_per_actor": 1.0, "pipeline.actor_batch_size": 2,
    })
    out = tmp_path / "out"
    summary = run_tiny([clip], out, model_config_dir, tiny_vit_checkpoint, config=config,
                       keep_work=True)
    assert summary.exit_code == 0, summary.videos
    video_id = summary.videos[0]["video_id"]
    rows = read_rows(out, video_id)
    assert len(rows) == 24 * len(PROMPTS) and {r["status"] for r in rows} == {"ok"}
    devices = {json.loads(m.read_text())["worker"]["model"]["device"]
               for m in (out / video_id / ".work").glob("chunk_*.json")}
    assert devices and all(d.startswith("cuda") for d in devices), devices
