"""`benchmarks/verdicts/colour_evidence.py` reads each colour two ways; the mask reading must
know the paint of a car the world put there, or its oracle column would mean nothing."""

from __future__ import annotations

import pytest
from conftest import load_benchmark

from drivexplain.operators.attribution import ConceptAttribution
from drivexplain.operators.config import load_config
from drivexplain.synthworld.scene import render_scene


@pytest.fixture(scope="module")
def colour_evidence():
    return load_benchmark("colour_evidence")


def test_mask_reading_finds_the_paint_and_not_an_absent_colour(colour_evidence) -> None:
    operator = ConceptAttribution.from_config(
        load_config(None).with_overrides(**{"attribution.faithfulness.enabled": False})
        .without_calibration())
    vocabulary = {v.lower() for v in operator.vocabulary()[0]}
    rows = []
    for seed in range(920_000, 920_012):  # daylight frames: the names are exact there
        frame = render_scene(seed, (640, 360), "clear")
        rows += [r for r in colour_evidence.readings(frame, operator, vocabulary)
                 if r["concept"].endswith(" car")]
    present = [r for r in rows if r["present"]]
    absent = [r for r in rows if not r["present"]]
    assert present and absent
    assert all(0.0 <= r["heatmap"] <= 1.0 and 0.0 <= r["mask"] <= 1.0 for r in rows)
    mask_auroc = colour_evidence.auroc(rows, "mask")
    assert mask_auroc is not None and mask_auroc > 0.9, (mask_auroc, len(present), len(absent))
