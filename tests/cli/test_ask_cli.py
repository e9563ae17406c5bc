"""`drivexplain ask` on the shipped tiny LLaVA, offline."""

import json
from pathlib import Path

import cv2
import pytest
from typer.testing import CliRunner

from drivexplain.operators.vlm.hybrid import DEFAULT_VLM_DIR
from drivexplain.pipeline.cli import app
from drivexplain.synthworld.scene import render_scene


@pytest.mark.skipif(not DEFAULT_VLM_DIR.is_dir(), reason="the shipped tiny LLaVA is missing")
def test_ask_writes_answer_and_overlays(tmp_path: Path) -> None:
    image = tmp_path / "frame.png"
    frame = render_scene(900_001, size=(320, 180))
    cv2.imwrite(str(image), cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["ask", str(image), "--prompt", "Can you see any pedestrians?", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    record = json.loads((out / "answer.json").read_text())
    assert isinstance(record["answer"], str) and record["answer"].strip()
    assert (out / "answer_overlay.png").is_file()
    assert (out / "clip_pedestrian.png").is_file() and (out / "hybrid_pedestrian.png").is_file()


def test_ask_missing_image_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["ask", str(tmp_path / "nope.png"), "--prompt", "x", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2 and "nope.png" in result.output
