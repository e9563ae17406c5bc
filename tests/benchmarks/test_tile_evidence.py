"""`benchmarks/verdicts/tile_evidence.py` reads each concept's best tile into the close-ups'
place; a tiling of one tile over the frame it is given must read as that frame does."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import load_benchmark

from drivexplain.operators.attribution import ConceptAttribution
from drivexplain.operators.config import load_config
from drivexplain.operators.verdicts.grounding import GroundingFeatures
from drivexplain.synthworld.scene import render_scene


@pytest.fixture(scope="module")
def tile_evidence():
    return load_benchmark("tile_evidence")


def test_one_tile_of_the_full_resolution_frame_is_that_frame(tile_evidence) -> None:
    presence_z = load_benchmark("presence_z")
    operator = ConceptAttribution.from_config(load_config(None).without_calibration())
    frames = [render_scene(920_000 + i, (640, 360), "clear") for i in range(2)]
    whole = presence_z.cosines(operator, [f.image for f in frames]).numpy()
    _, raw = presence_z.best_tile(operator, frames, 1, 0.25, lambda f: f.image)
    np.testing.assert_allclose(raw, whole, atol=1e-5)
    _, shrunk = presence_z.best_tile(operator, frames, 1, 0.25)  # the transported frame
    assert not np.allclose(shrunk, whole, atol=1e-5)


def test_best_tile_readings_take_the_closeups_place_for_vocabulary_concepts(
        tile_evidence) -> None:
    samples = [GroundingFeatures("bus", 1.0, None, None, 0.0),
               GroundingFeatures("Car", 0.5, None, None, 0.0),
               GroundingFeatures("unicorn", 0.1, None, None, 0.0)]
    z = np.array([[0.0, 0.0], [3.0, 4.0]])
    cosine = np.array([[0.0, 0.0], [0.3, 0.4]])
    out = tile_evidence.with_tiles(samples, [1, 1, 0], z, cosine, ["car", "bus"])
    assert (out[0].crop_z, out[0].crop_similarity) == (4.0, 0.4)
    assert (out[1].crop_z, out[1].crop_similarity) == (3.0, 0.3)
    assert out[2] == samples[2]
    assert out[0].vocab_z == 1.0
