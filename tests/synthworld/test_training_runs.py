"""`train_clip`'s run mechanics: batches that do not depend on where they are built, resuming,
and the device a config asks for. The losses themselves are tested in test_supervision.py."""

from __future__ import annotations

import json

import open_clip
import pytest
import torch
from safetensors.torch import load_file

from drivexplain.operators.models.tiny_clip import register_model_configs
from drivexplain.synthworld.training.train_batches import BatchSource, build_batch
from drivexplain.synthworld.training.train_clip import resolve_device, train


def _config(tmp_path, run: str, **extra) -> dict:
    # warm-up longer than the run: the learning rate follows the step, not the clock, so two
    # runs of the same steps can be compared exactly
    return {"model": "TinyDriveCLIP", "render_size": [192, 108], "batch_size": 2,
            "captions_per_image": 1, "positives": "each", "presence_weight": 1.0,
            "dense_weight": 0.5, "mask_augment_prob": 0.5, "lr": 1e-3, "min_lr": 1e-5,
            "weight_decay": 0.1, "warmup_steps": 100, "time_budget_min": 30, "max_steps": 4,
            "threads": 1, "train_seed_base": 123, "log_every": 1, "seed": 7,
            "run_dir": str(tmp_path / run), "export_path": str(tmp_path / run / "export.st"),
            **extra}


def _model_geometry(name: str = "TinyDriveCLIP"):
    register_model_configs()
    model = open_clip.create_model(name)
    return (open_clip.get_tokenizer(name), tuple(int(v) for v in model.visual.image_size),
            tuple(int(v) for v in model.visual.grid_size))


def _same_batch(a, b) -> None:
    assert a.n_paired == b.n_paired
    for x, y in ((a.images, b.images), (a.texts, b.texts), (a.truth, b.truth),
                 (a.targets.presence, b.targets.presence),
                 (a.targets.patches, b.targets.patches),
                 (a.targets.background, b.targets.background)):
        assert torch.equal(x, y)
    assert a.targets.prompts == b.targets.prompts


def test_a_step_has_the_same_batch_in_the_loop_and_in_a_worker(tmp_path) -> None:
    cfg = _config(tmp_path, "run", boost_classes=["bicycle"], boost_prob=0.5)
    tok, size, grid = _model_geometry()
    source = BatchSource(cfg, "TinyDriveCLIP", tok, size, grid, start=5, workers=1)
    try:
        built = [b for b, _ in zip(source, range(2), strict=False)]
    finally:
        source.close()
    for step, batch in zip((5, 6), built, strict=True):
        _same_batch(batch, build_batch(step, cfg, tok, size, grid))
    # and a step's batch is its own: the next step's differs
    assert not torch.equal(built[0].images, built[1].images)


def test_a_resumed_run_ends_where_an_unbroken_one_does(tmp_path, capsys) -> None:
    whole = train(_config(tmp_path, "whole"))
    train(_config(tmp_path, "parts", max_steps=2))
    state = json.loads((tmp_path / "parts" / "checkpoint.json").read_text())
    assert state["step"] == 1 and state["images_seen"] == 4
    capsys.readouterr()
    parts = train(_config(tmp_path, "parts"), resume=True)
    out = capsys.readouterr().out
    assert '"first_step": 2' in out
    logged = [json.loads(line)["step"] for line in out.splitlines() if line.startswith('{"step"')]
    assert logged == [2, 3]
    a, b = load_file(str(whole)), load_file(str(parts))
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert json.loads((tmp_path / "parts" / "checkpoint.json").read_text())["images_seen"] == 8


def test_resuming_a_run_that_never_checkpointed_says_what_to_do(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="nothing to resume in .*without resume"):
        train(_config(tmp_path, "empty"), resume=True)


def test_a_device_the_machine_lacks_is_refused_by_name() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="asks for device 'cuda'.*no CUDA"):
            resolve_device("cuda")
