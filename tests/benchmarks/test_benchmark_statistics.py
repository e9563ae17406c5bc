"""The localisation benchmark's uncertainty: frames are resampled, not pairs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import load_benchmark

localisation = load_benchmark("localisation")


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


def test_rare_classes_are_topped_up_with_their_own_pairs_only() -> None:
    frames, pairs, labels, top_up = localisation.evaluation_frames(
        [(localisation.HELD_OUT_SEED, 3)], (320, 180), min_pairs=2, limit=40
    )
    before, after = top_up["pairs_before"], top_up["pairs_after"]
    short = {c for c, n in before.items() if n < 2}
    extra = [p for p in pairs if p.extra]
    assert {p.concept for p in extra} <= short
    assert len(frames) == 3 + top_up["frames_added"]
    assert all(frames[p.frame].seed >= localisation.TOP_UP_SEED for p in extra)
    assert all(after[c] == before[c] + sum(p.concept == c for p in extra) for c in after)
    assert set(top_up["still_short"]) == {c for c, n in after.items() if n < 2}
    assert all(f < 3 for f, _, _ in labels)  # top-up frames carry no present/absent labels
    # salient-instance masks lie inside the any-instance masks
    assert all(not (p.salient & ~p.mask).any() and p.salient.any() for p in pairs)


def test_priors_and_point_metrics() -> None:
    priors = localisation.fit_priors(6, (320, 180))
    for points in priors.values():
        for y, x in points.values():
            assert 0 <= y < 180 and 0 <= x < 320
    mask = np.zeros((180, 320), bool)
    mask[50:60, 100:110] = True
    pair = localisation.Pair(0, "car", mask, mask)
    near = localisation.near_mask(mask)
    # Chebyshev distance 15 from the mask hits, 16 misses; strict needs the mask itself
    hit = localisation.point_metrics(59 + 15, 109 + 15, pair, near, near)
    miss = localisation.point_metrics(59 + 16, 109, pair, near, near)
    assert (hit["pointing"], hit["pointing_strict"], miss["pointing"]) == (1.0, 0.0, 0.0)
    assert np.isnan(hit["iou"])


def test_wilson_interval_and_breakdown() -> None:
    lo, hi = localisation.wilson(np.array([1.0] * 8 + [0.0] * 2))
    assert lo == pytest.approx(0.49, abs=0.01) and hi == pytest.approx(0.943, abs=0.01)
    assert np.isnan(localisation.wilson(np.array([]))).all()
    big = np.zeros((100, 100), bool)
    big[:50] = True  # 50 % of the frame
    small = np.zeros((100, 100), bool)
    small[0, :5] = True  # 0.05 %
    pairs = [localisation.Pair(0, "bus", big), localisation.Pair(1, "bicycle", small)]
    rows = [{"pointing": 1.0}, {"pointing": 0.0}]
    out = localisation.breakdown(rows, pairs, "pointing")
    assert out["class"]["bus"]["pointing"] == 1.0 and out["class"]["bicycle"]["n"] == 1
    assert out["size"]["small<1%"]["pointing"] == 0.0 and out["size"]["mid1-3%"]["n"] == 0
