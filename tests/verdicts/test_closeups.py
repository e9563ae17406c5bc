"""Close-up evidence: crops are cut around the concept's own heatmap peak, from the frame as
given, and read two ways: as the whole frame is (z over the vocabulary, the concept left out),
and as the concept's raw cosine."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from drivexplain.operators.verdicts.closeups import closeup_scores

VOCABULARY = ["red thing", "green thing", "blue thing", "grey thing"]
COLOURS = {"red thing": [1.0, 0.0, 0.0], "green thing": [0.0, 1.0, 0.0],
           "blue thing": [0.0, 0.0, 1.0], "grey thing": [0.6, 0.6, 0.6]}


class _Backbone:
    """Embeds an image as its mean colour, so a crop's score says what it contains."""

    def __init__(self) -> None:
        self.crops: list[np.ndarray] = []

    def preprocess(self, crops: list[np.ndarray]) -> torch.Tensor:
        self.crops.extend(crops)
        return torch.tensor(np.stack([c.reshape(-1, 3).mean(0) / 255.0 for c in crops]))

    def embed_images(self, pixels: torch.Tensor) -> torch.Tensor:
        return pixels + 1e-3

    def encode_text(self, texts: list[str]) -> torch.Tensor:
        return torch.nn.functional.normalize(torch.tensor([COLOURS[t] for t in texts]), dim=-1)


class _Operator:
    def __init__(self) -> None:
        self.backbone = _Backbone()

    def vocabulary(self) -> tuple[list[str], torch.Tensor]:
        return VOCABULARY, self.backbone.encode_text(VOCABULARY)


def _frame() -> np.ndarray:
    frame = np.full((100, 200, 3), 90, np.uint8)  # grey road
    frame[70:80, 150:160] = (255, 0, 0)  # a small red object, 0.5 % of the frame
    return frame


def _heatmap(row: int, col: int) -> np.ndarray:
    heat = np.zeros((10, 20))
    heat[row, col] = 1.0
    return heat


def test_the_crop_is_cut_around_the_heatmap_peak_at_the_frame_resolution() -> None:
    operator = _Operator()
    closeup_scores(operator, [_frame()], [{"red thing": _heatmap(7, 15)}], (0.2,))
    (crop,) = operator.backbone.crops
    assert crop.shape == (20, 40, 3)  # 0.2 of the frame's sides, not the model's input
    assert (crop == (255, 0, 0)).all(axis=-1).sum() == 100  # the whole object is inside


def test_a_crop_on_the_object_scores_it_higher_than_the_whole_frame_view_or_a_miss() -> None:
    frame = _frame()
    on = closeup_scores(_Operator(), [frame], [{"red thing": _heatmap(7, 15)}], (0.2,))[0]
    off = closeup_scores(_Operator(), [frame], [{"red thing": _heatmap(1, 1)}], (0.2,))[0]
    whole = closeup_scores(_Operator(), [frame], [{"red thing": _heatmap(7, 15)}], (1.0,))[0]
    assert on["red thing"].z > whole["red thing"].z > off["red thing"].z
    assert on["red thing"].similarity > whole["red thing"].similarity > off["red thing"].similarity


def test_the_raw_reading_is_the_crops_cosine_with_the_concept() -> None:
    operator = _Operator()
    (scores,) = closeup_scores(operator, [_frame()], [{"red thing": _heatmap(7, 15)}], (0.2,))
    (crop,) = operator.backbone.crops
    embedding = torch.nn.functional.normalize(
        torch.tensor(crop.reshape(-1, 3).mean(0) / 255.0 + 1e-3), dim=-1)
    assert scores["red thing"].similarity == pytest.approx(float(embedding[0]), rel=1e-5)


def test_several_scales_keep_the_best_crop_and_no_scales_cut_nothing() -> None:
    frame = _frame()
    heat = {"red thing": _heatmap(7, 15)}
    best = closeup_scores(_Operator(), [frame], [heat], (0.2, 1.0))[0]["red thing"]
    alone = closeup_scores(_Operator(), [frame], [heat], (0.2,))[0]["red thing"]
    assert (best.z, best.similarity) == pytest.approx((alone.z, alone.similarity))
    operator = _Operator()
    assert closeup_scores(operator, [frame], [heat], ()) == [{}]
    assert operator.backbone.crops == []
