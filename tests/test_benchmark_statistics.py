"""The localisation benchmark's uncertainty: frames are resampled, not pairs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "localisation.py"
_SPEC = importlib.util.spec_from_file_location("localisation_benchmark", _PATH)
localisation = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = localisation  # dataclasses look their module up
_SPEC.loader.exec_module(localisation)


def test_bootstrap_draws_whole_frames() -> None:
    values = np.array([1.0] * 9 + [0.0])  # frame 0: nine hits; frame 1: one miss
    frames = np.array([0] * 9 + [1])
    means = localisation.frame_bootstrap(values, frames)
    assert means.shape == (localisation.BOOTSTRAP,)
    # two frames drawn with replacement: both frame 0, both frame 1, or one of each
    assert set(np.round(means, 6)) <= {1.0, 0.0, 0.9}


def test_comparison_of_identical_and_opposite_methods() -> None:
    frames = np.repeat(np.arange(10), 2)
    hits = {
        "ca": np.ones(20),
        "same": np.ones(20),
        "never": np.zeros(20),
        "mixed": np.tile([1.0, 0.0], 10),
    }
    intervals, versus = localisation.compare_pointing(hits, frames, "ca")
    assert set(versus) == {"same", "never", "mixed"}
    assert intervals["ca"] == [1.0, 1.0]
    assert versus["same"]["difference_ci95"] == [0.0, 0.0]
    assert versus["same"]["mcnemar_p"] == 1.0
    assert versus["never"]["difference"] == 1.0
    assert versus["never"]["pairs_only_best_hits"] == 20
    assert versus["never"]["mcnemar_p"] < 1e-5
    mixed = versus["mixed"]
    assert (mixed["pairs_only_best_hits"], mixed["pairs_only_other_hits"]) == (10, 0)
    # every frame has one hit and one miss, so resampling frames cannot move the difference
    assert mixed["difference_ci95"] == pytest.approx([0.5, 0.5])


def test_held_out_frames_stay_below_the_training_seeds() -> None:
    limit = localisation.EVALUATION_SEED_LIMIT
    with pytest.raises(ValueError, match="trained on seeds above"):
        localisation.held_out_frames(3, (64, 36), seed=limit - 2)
    with pytest.raises(ValueError, match="leave the held-out seeds"):
        localisation.held_out_frames(1, (64, 36), seed=-1)
    benchmark, _, _ = localisation.held_out_frames(1, (64, 36))
    validation, _, _ = localisation.held_out_frames(1, (64, 36), seed=700_000)
    last, _, _ = localisation.held_out_frames(1, (64, 36), seed=limit - 1)
    assert benchmark[0].seed == localisation.HELD_OUT_SEED and last[0].seed == limit - 1
    assert not np.array_equal(benchmark[0].image, validation[0].image)


def test_sizes_are_width_by_height_and_bad_ones_name_the_flag(capsys) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    assert localisation.parse_size(parser, "--input-size", "252x144") == (252, 144)
    for bad in ("144", "0x144", "ax144", "252x144x3"):
        with pytest.raises(SystemExit):
            localisation.parse_size(parser, "--input-size", bad)
        assert f"--input-size '{bad}'" in capsys.readouterr().err


def test_perfect_grid_map_is_the_mask_share_and_its_ceiling_depends_on_the_grid() -> None:
    # A thin object (4 px wide) on a 360x640 frame: each grid's best map holds the mask's share
    # per patch (summing to its area) and peaks on the object.
    mask = np.zeros((360, 640), bool)
    mask[100:200, 300:304] = True
    pair = localisation.Pair(0, "pedestrian", mask)
    for grid in [(12, 12), (12, 21)]:
        share = localisation.perfect_grid_maps([pair], grid)
        assert share.shape == (1, *grid)
        cell = (360 / grid[0]) * (640 / grid[1])
        assert share.sum() * cell == pytest.approx(mask.sum(), rel=0.02)
    near = [localisation.near_mask(mask)]
    assert localisation.summarise(share, [pair], near)["pointing"] == 1.0
    # a map peaking far from the object misses: the ceiling is not a constant
    wrong = np.zeros_like(share)
    wrong[0, 0, 0] = 1.0
    assert localisation.summarise(wrong, [pair], near)["pointing"] == 0.0
