"""The colour under a concept's heatmap (`operators.verdicts.colours`)."""

from __future__ import annotations

import numpy as np
import pytest

from drivexplain.operators.verdicts.colours import (
    colour_name,
    colour_shares,
    exposure_gain,
    hsv_planes,
    split_concept,
)
from drivexplain.operators.verdicts.grounding import GroundingFeatures, fit_grounding

PAINT = {"red": (200, 30, 35), "blue": (35, 70, 200), "white": (232, 232, 236),
         "black": (28, 28, 32), "silver": (165, 170, 178), "yellow": (235, 200, 30),
         "green": (30, 145, 65)}
ROAD = (92, 92, 98)


SKY = (200, 205, 210)


def scene(colour: tuple[int, int, int], box: tuple[slice, slice]) -> np.ndarray:
    """A daylight frame: sky over road, and a patch of `colour`. The sky matters: a frame whose
    brightest tenth is dim reads as underexposed and is brightened (`exposure_gain`)."""
    frame = np.empty((90, 160, 3), np.uint8)
    frame[:] = ROAD
    frame[:20] = SKY
    frame[box] = colour
    return frame


def heat_on(box: tuple[slice, slice], grid: tuple[int, int] = (9, 16)) -> np.ndarray:
    """A heatmap on a coarse grid that is hot over `box` of a 90x160 frame."""
    heat = np.zeros(grid, np.float32)
    rows, cols = box
    heat[rows.start // 10 : rows.stop // 10, cols.start // 10 : cols.stop // 10] = 1.0
    return heat


BOX = (slice(40, 70), slice(60, 110))


@pytest.mark.parametrize("colour", sorted(PAINT))
def test_the_painted_colour_under_the_heatmap_wins(colour: str) -> None:
    frame = scene(PAINT[colour], BOX)
    maps = {f"{c} car": heat_on(BOX) for c in PAINT}
    shares = colour_shares([frame], [maps])[0]
    assert max(shares, key=shares.get) == f"{colour} car", shares
    assert shares[f"{colour} car"] > 0.5


def at_night(frame: np.ndarray) -> np.ndarray:
    """`frame` as the synthetic world darkens it at night (every value times 0.32), under a
    dim sky band that holds the frame's 90th-percentile value near a night frame's 0.27."""
    night = (frame.astype(np.float32) * 0.32).round().astype(np.uint8)
    night[:20] = (66, 68, 72)
    return night


@pytest.mark.parametrize("colour", sorted(PAINT))
def test_paint_is_read_after_exposure_compensation_at_night(colour: str) -> None:
    frame = at_night(scene(PAINT[colour], BOX))
    assert 2.5 < exposure_gain(hsv_planes(frame).value) < 3.5
    maps = {f"{c} car": heat_on(BOX) for c in PAINT}
    shares = colour_shares([frame], [maps])[0]
    assert max(shares, key=shares.get) == f"{colour} car", shares


def test_a_well_lit_frame_is_read_as_it_is() -> None:
    planes = hsv_planes(scene(PAINT["silver"], BOX))
    assert exposure_gain(planes.value) == 1.0
    assert np.array_equal(planes.paint, planes.value)


def test_the_share_follows_the_heatmap_not_the_frame() -> None:
    """A red car in one place and the heat in another: the red is not where the concept is."""
    frame = scene(PAINT["red"], BOX)
    elsewhere = (slice(0, 30), slice(0, 50))
    on, off = colour_shares([frame, frame], [{"red car": heat_on(BOX)},
                                             {"red car": heat_on(elsewhere)}])
    assert on["red car"] > 0.5 > 0.05 > off["red car"]


def test_a_lamp_counts_only_when_lit() -> None:
    """A traffic light carries every lamp; only the lit one shows its colour."""
    frame = np.zeros((90, 160, 3), np.uint8)
    frame[:] = (20, 20, 20)
    frame[40:50, 60:70] = (70, 25, 25)     # red lamp, off
    frame[50:60, 60:70] = (70, 55, 15)     # amber lamp, off
    frame[60:70, 60:70] = (40, 235, 110)   # green lamp, lit
    box = (slice(40, 70), slice(60, 70))
    concepts = ("red traffic light", "amber traffic light", "green traffic light")
    shares = colour_shares([frame], [{c: heat_on(box) for c in concepts}])[0]
    assert shares["green traffic light"] > 0.2
    assert shares["red traffic light"] == shares["amber traffic light"] == 0.0
    # the same dark red as paint is red: a car's colour needs no light of its own
    assert colour_shares([frame], [{"red car": heat_on(box)}])[0]["red car"] > 0.2


def test_only_coloured_concepts_get_a_share() -> None:
    frame = scene(PAINT["red"], BOX)
    shares = colour_shares([frame], [{"car": heat_on(BOX), "brown car": heat_on(BOX),
                                      "grey car": heat_on(BOX)}])[0]
    assert set(shares) == {"grey car"}
    assert colour_shares([], []) == []


def test_colour_words_map_onto_the_names_read() -> None:
    assert colour_name("Grey") == "silver" and colour_name("orange") == "amber"
    assert colour_name("purple") is None
    assert split_concept("red traffic light") == ("red", "traffic light")
    assert split_concept("traffic light") is None and split_concept("car") is None


def test_a_flat_heatmap_weighs_the_whole_frame() -> None:
    frame = scene(PAINT["blue"], BOX)
    share = colour_shares([frame], [{"blue car": np.zeros((9, 16), np.float32)}])[0]["blue car"]
    assert share == pytest.approx(30 * 50 / (90 * 160), abs=0.01)


def test_the_calibration_reads_the_colour_share() -> None:
    """Two coloured concepts the CLIP cannot tell apart (same z), the share can: the fitted
    p_grounded follows the share."""
    rng = np.random.default_rng(0)
    samples, labels = [], []
    for k in range(200):
        present = bool(k % 2)
        share = float(np.clip(rng.normal(0.4 if present else 0.1, 0.08), 0, 1))
        samples.append(GroundingFeatures("black car", float(rng.normal()), None, None, 0.0,
                                         colour_share=share))
        labels.append(present)
    fitted = fit_grounding(samples, labels, "m", None, "test")
    low = fitted.probability(GroundingFeatures("black car", 0.0, None, None, 0.0,
                                               colour_share=0.05))
    high = fitted.probability(GroundingFeatures("black car", 0.0, None, None, 0.0,
                                                colour_share=0.45))
    assert low < 0.2 < 0.8 < high
    assert fitted.concept_auroc["black car"] > 0.9
