"""`benchmarks/localisation/weights_check.py`'s paired bootstrap: it must see a real AUROC
change as one and keep a difference of zero inside its interval."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import load_benchmark


@pytest.fixture(scope="module")
def weights_check():
    return load_benchmark("weights_check")


def test_paired_bootstrap_of_an_auroc_difference(weights_check) -> None:
    rng = np.random.default_rng(0)
    frames = np.repeat(np.arange(60), 3)
    present = rng.random(frames.size) < 0.5
    signal = present + rng.normal(0, 1.0, frames.size)
    same = weights_check.paired_auroc_difference(frames, present, signal, signal.copy(), boot=300)
    assert same == {"difference": 0.0, "low": 0.0, "high": 0.0}
    noisy = signal + rng.normal(0, 1.0, frames.size)
    worse = weights_check.paired_auroc_difference(frames, present, signal, noisy, boot=300)
    assert worse["difference"] < 0 and worse["high"] < 0
    better = weights_check.paired_auroc_difference(frames, present, noisy, signal, boot=300)
    assert better["low"] > 0 and better["difference"] == pytest.approx(-worse["difference"])
