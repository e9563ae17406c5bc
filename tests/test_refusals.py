"""Issue 18, part B: inputs that must be refused with one sentence, before any compute.

Each test reproduces what a hostile but fair new user did and checks the sentence that now
comes back instead of a traceback (or a silently wrong result).
"""

from __future__ import annotations

import logging
from pathlib import Path

import open_clip
import pytest
import torch
from typer.testing import CliRunner

from drivexplain.operators.backbone import BackboneError, check_checkpoint
from drivexplain.pipeline.cli import app
from drivexplain.pipeline.commands import EXIT_USAGE, run_command


def _not_a_checkpoint(tmp_path: Path) -> Path:
    path = tmp_path / "passwd"
    path.write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/bin/sh\n")
    return path


def _run(tmp_path: Path, caplog: pytest.LogCaptureFixture, **kwargs) -> int:
    (tmp_path / "x.mp4").write_text("x")
    args = {"inputs": [str(tmp_path / "x.mp4")], "prompts": ["is there a car?"],
            "prompts_file": None, "concepts": [], "config_path": None, "address": None,
            "out": tmp_path / "out", "progress": False}
    args.update(kwargs)
    with caplog.at_level(logging.INFO, logger="drivexplain.pipeline"):
        return run_command(**args)


# ----------------------------------------------------------------------------- item 6
def test_not_a_checkpoint_is_one_sentence(tmp_path: Path, model_config_dir: Path,
                                          tiny_vit_checkpoint: Path) -> None:
    with pytest.raises(BackboneError, match=r"passwd is not a model checkpoint"):
        check_checkpoint("TestTinyViT", _not_a_checkpoint(tmp_path))
    check_checkpoint("TestTinyViT", tiny_vit_checkpoint)  # the real thing passes
    with pytest.raises(BackboneError, match=r"is not a ViT-B-32 checkpoint: \d+ of the model"):
        check_checkpoint("ViT-B-32", tiny_vit_checkpoint)
    # the right keys with a wrong shape: another width of the same architecture
    state = open_clip.create_model("TestTinyViT").state_dict()
    state["visual.proj"] = torch.zeros(48, 16)
    pt = tmp_path / "wrong_shape.pt"
    torch.save(state, pt)
    with pytest.raises(BackboneError, match=r"visual.proj has shape \[48, 16\] in the file but "
                                            r"\[48, 32\] in the model"):
        check_checkpoint("TestTinyViT", pt)
    # a pickled state dict under 'state_dict' with DDP's 'module.' prefix is a checkpoint
    wrapped = tmp_path / "ddp.pt"
    torch.save({"state_dict": {f"module.{k}": v for k, v in
                               open_clip.create_model("TestTinyViT").state_dict().items()}},
               wrapped)
    check_checkpoint("TestTinyViT", wrapped)
    with pytest.raises(BackboneError, match="not a file"):
        check_checkpoint("TestTinyViT", tmp_path)


def test_explain_with_a_non_checkpoint_exits_2(tmp_path: Path, model_config_dir: Path) -> None:
    import cv2
    import numpy as np

    image = tmp_path / "frame.png"
    cv2.imwrite(str(image), np.full((48, 80, 3), 90, np.uint8))
    result = CliRunner().invoke(app, [
        "explain", str(image), "--concept", "car", "--model", "TestTinyViT",
        "--pretrained", str(_not_a_checkpoint(tmp_path)), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "is not a model checkpoint" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_run_with_a_non_checkpoint_fails_before_ray(tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    import ray

    config = tmp_path / "c.yaml"
    config.write_text(f"model:\n  pretrained: {_not_a_checkpoint(tmp_path)}\n")
    assert _run(tmp_path, caplog, config_path=config) == EXIT_USAGE
    assert "is not a model checkpoint" in caplog.text
    assert not ray.is_initialized()
