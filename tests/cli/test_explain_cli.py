"""`drivexplain explain` end to end on a tiny random model, in process."""

import json
from pathlib import Path

import cv2
import numpy as np
from typer.testing import CliRunner

from drivexplain.pipeline.cli import app


def _image(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    path = tmp_path / "frame.png"
    cv2.imwrite(str(path), rng.integers(0, 256, size=(48, 80, 3), dtype=np.uint8))
    return path


def test_explain_writes_overlay_and_json(tmp_path: Path, model_config_dir: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "explain",
            str(_image(tmp_path)),
            "--concept",
            "pedestrian",
            "--contrastive",
            "auto",
            "--alpha",
            "0.7",
            "--beta",
            "0.5",
            "--heads",
            "heads",
            "--model",
            "TestTinyViT",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    record = json.loads((out / "result.json").read_text())
    for key in ("concept", "contrastive", "concept_drop", "negative_suppression", "heads"):
        assert key in record
    assert record["alpha"] == 0.7 and record["beta"] == 0.5 and record["strategy"] == "heads"
    assert record["concept"] == "pedestrian" and record["contrastive"] != "pedestrian"
    assert all(layer == 3 for layer, _ in record["heads"]) and len(record["heads"]) == 6
    assert "random-init" in record["model"]  # a random model is never passed off as trained
    overlay = cv2.imread(str(out / "overlay.png"))
    assert overlay.shape == (48, 80, 3)


def test_explain_bad_inputs_exit_2(tmp_path: Path, model_config_dir: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(
        app, ["explain", str(tmp_path / "nope.png"), "--concept", "car", "--out", str(tmp_path)]
    )
    assert missing.exit_code == 2 and "does not exist" in missing.output
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    corrupt = runner.invoke(
        app,
        ["explain", str(bad), "--concept", "car", "--model", "TestTinyViT", "--out", str(tmp_path)],
    )
    assert corrupt.exit_code == 2 and "could not be decoded" in corrupt.output
    alpha = runner.invoke(
        app,
        [
            "explain",
            str(_image(tmp_path)),
            "--concept",
            "car",
            "--alpha",
            "2",
            "--model",
            "TestTinyViT",
            "--out",
            str(tmp_path),
        ],
    )
    assert alpha.exit_code == 2 and "attribution.alpha" in alpha.output
