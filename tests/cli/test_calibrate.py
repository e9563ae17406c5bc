"""`drivexplain calibrate`: labels in, a calibration for the loaded CLIP out."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest
from typer.testing import CliRunner

from drivexplain.operators.config import DrivexplainConfig
from drivexplain.operators.verdicts.grounding import (
    grounding_for,
    load_calibration,
    steady_labels,
)
from drivexplain.pipeline.calibrate import LabelsError, read_labels
from drivexplain.pipeline.cli import app
from drivexplain.synthworld.clips import write_clip
from drivexplain.synthworld.scene import render_scene


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Images and video frames from the synthetic world, labelled from its scene graph."""
    root = tmp_path_factory.mktemp("labels")
    lines = []
    for k in range(6):
        frame = render_scene(930_000 + k, (320, 180))
        name = f"f{k}.png"
        cv2.imwrite(str(root / name), cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR))
        for concept in ("car", "bus", "pedestrian", "stop sign"):
            lines.append({"image": name, "concept": concept,
                          "present": concept in frame.present_concepts()})
    write_clip(root / "clip.mp4", seconds=1.0, fps=4.0, seed=3, size=(320, 180))
    lines += [{"video": "clip.mp4", "frame": 0, "concept": "crosswalk", "present": False},
              {"video": "clip.mp4", "frame": 2, "concept": "car", "present": True}]
    path = root / "labels.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return path


def test_calibrate_fits_for_the_loaded_clip(labelled: Path, tmp_path: Path) -> None:
    out = tmp_path / "calibration.json"
    result = CliRunner().invoke(app, ["calibrate", str(labelled), "--out", str(out),
                                      "--false-flag-rate", "0.2"])
    assert result.exit_code == 0, result.output
    assert "fitted on 26 labels" in result.output
    # one line per labelled concept; too few labels per side: no AUROC and no bounds
    assert "false_flag_rate 0.2" in result.output
    assert "stop sign                AUROC n/a    affirm none   deny none" in result.output
    lines = [json.loads(line) for line in labelled.read_text().splitlines()]
    signs = [line["present"] for line in lines if line["concept"] == "stop sign"]
    assert (f"labels {sum(signs)} present / {len(signs) - sum(signs)} absent"
            in result.output)
    # unmeasured concepts are named as such, not again as coarse
    assert "move with one odd frame" not in result.output
    cal = load_calibration(out)
    # six frames give no concept 10 labels on each side: every one is named as unmeasured
    assert set(cal.unmeasured) == {"car", "bus", "pedestrian", "stop sign", "crosswalk"}
    assert "too few present or absent labels" in result.output and "pedestrian" in result.output
    assert cal.fitted_on["samples"] == 26
    assert cal.false_flag_rate == 0.2
    config = DrivexplainConfig()
    from drivexplain.operators.models.backbone import OpenClipViT

    backbone = OpenClipViT.from_config(config.model)
    # the file is accepted for the CLIP it was fitted on, and refused for another
    assert grounding_for(str(out), backbone.model_id, backbone.weights_sha256) == cal
    with pytest.raises(ValueError, match="ViT-B-16@openai"):
        grounding_for(str(out), "ViT-B-16@openai", None)


def test_steady_labels_put_four_beyond_the_bound() -> None:
    assert steady_labels(0.1) == 40
    assert steady_labels(0.2) == 20
    assert steady_labels(0.15) == 27


def test_calibrate_names_concepts_whose_bounds_rest_on_few_labels(
    labelled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A measured concept with fewer than `steady_labels` on a side is named; one with
    enough, or one too rare to measure, is not."""
    import drivexplain.pipeline.calibrate as calibrate_module

    def fitted(*_: object) -> dict:
        row = {"bounds": (0.2, 0.8)}
        return {"samples": 207, "present": 92, "model": "m", "crop_scales": [],
                "unmeasured": ["bicycle"], "false_flag_rate": 0.1, "steady_labels": 40,
                "concepts": {"bicycle": row | {"auroc": None, "present": 3, "absent": 30},
                             "bus": row | {"auroc": 0.9, "present": 12, "absent": 50},
                             "car": row | {"auroc": 0.95, "present": 77, "absent": 40}}}

    monkeypatch.setattr(calibrate_module, "calibrate", fitted)
    result = CliRunner().invoke(app, ["calibrate", str(labelled), "--out",
                                      str(tmp_path / "c.json")])
    assert result.exit_code == 0, result.output
    coarse = next(line for line in result.output.splitlines() if "odd frame" in line)
    assert "fewer than 40 labels a side" in coarse
    assert "bus" in coarse and "car" not in coarse and "bicycle" not in coarse


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("not json", "not JSON"),
        ('{"image": "f0.png", "concept": "car"}', "'present' must be true or false"),
        ('{"image": "f0.png", "video": "clip.mp4", "concept": "car", "present": true}',
         "exactly one of"),
        ('{"video": "clip.mp4", "concept": "car", "present": true}', "needs 'frame'"),
        ('{"image": "missing.png", "concept": "car", "present": true}', "does not exist"),
        ('{"image": "f0.png", "concept": "", "present": true}', "non-empty text"),
        ('{"image": "f0.png", "concept": "car", "present": true, "x": 1}', "unknown keys"),
    ],
)
def test_bad_label_lines_are_named(labelled: Path, tmp_path: Path, line: str, problem: str
                                   ) -> None:
    bad = labelled.parent / "bad.jsonl"
    bad.write_text(labelled.read_text().splitlines()[0] + "\n" + line + "\n")
    with pytest.raises(LabelsError, match=problem) as err:
        read_labels(bad)
    assert f"{bad}:2" in str(err.value)
    result = CliRunner().invoke(app, ["calibrate", str(bad), "--out", str(tmp_path / "c.json")])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_labels_need_both_classes(labelled: Path) -> None:
    one_sided = labelled.parent / "one.jsonl"
    one_sided.write_text('{"image": "f0.png", "concept": "car", "present": true}\n')
    with pytest.raises(LabelsError, match="both present and absent"):
        read_labels(one_sided)
