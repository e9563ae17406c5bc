"""Concept Drop, Negative Suppression, masking and dynamic adjustment on hand-made cases."""

import pytest
import torch
import torch.nn.functional as F

from drivexplain.operators.config import DynamicAdjustmentConfig, FaithfulnessConfig
from drivexplain.operators.faithfulness import (
    adjust,
    concept_drop,
    evaluate,
    fill_image,
    masked_pairs,
    negative_suppression,
    top_fraction_mask,
)


def test_concept_drop_by_hand() -> None:
    # sim 0.25 falls to 0.20: 20 % of the similarity was lost
    assert float(concept_drop(torch.tensor(0.25), torch.tensor(0.20), 1e-8)) == pytest.approx(0.2)
    # removing the region raised similarity: negative drop, as for the paper's "cat"
    assert float(concept_drop(torch.tensor(0.2), torch.tensor(0.3), 1e-8)) == pytest.approx(-0.5)


def test_negative_suppression_by_hand() -> None:
    assert float(negative_suppression(torch.tensor(0.3), torch.tensor(0.05), 0.0)) == pytest.approx(
        6
    )
    assert float(
        negative_suppression(torch.tensor(0.3), torch.tensor(-0.03), 0.0)
    ) == pytest.approx(-10)


def test_top_fraction_mask_area() -> None:
    maps = torch.arange(100.0).view(1, 1, 10, 10)
    mask = top_fraction_mask(maps, 0.2)
    assert int(mask.sum()) == 20
    assert mask[0, 0, -2:].all() and not mask[0, 0, :8].any()


def test_masked_pairs_swap_regions() -> None:
    pixels = torch.ones(1, 3, 4, 4)
    fill = torch.zeros(1, 3, 4, 4)
    masks = torch.zeros(1, 1, 4, 4)
    masks[..., :2, :] = 1
    drop, keep = masked_pairs(pixels, fill, masks)
    assert drop[0, :, :2].eq(0).all() and drop[0, :, 2:].eq(1).all()
    assert keep[0, :, :2].eq(1).all() and keep[0, :, 2:].eq(0).all()


@pytest.mark.parametrize("fill", ["blur", "mean", "noise"])
def test_fill_modes(fill: str) -> None:
    pixels = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    out = fill_image(pixels, FaithfulnessConfig(fill=fill))
    assert out.shape == pixels.shape
    if fill == "mean":
        assert out.eq(0).all()
    elif fill == "blur":
        assert out.std() < pixels.std()
    else:
        assert torch.equal(out, fill_image(pixels, FaithfulnessConfig(fill=fill)))


def test_evaluate_toy_embedding() -> None:
    """A toy 'model' whose embedding is the mean colour of the left and right halves.

    The concept lives in the left half; a heatmap on the left must give a positive CD and a
    heatmap on the right a CD of ~0, both matching the hand-computed formula.
    """

    def embed(images: torch.Tensor) -> torch.Tensor:
        left = images[:, 0, :, :4].mean(dim=(1, 2))
        right = images[:, 0, :, 4:].mean(dim=(1, 2))
        return torch.stack([left, right], dim=-1)

    pixels = torch.zeros(1, 3, 8, 8)
    pixels[:, :, :, :4] = 1.0  # the concept: bright left half
    pixels[:, :, :, 4:] = 0.2
    grid = (2, 2)
    on_left = torch.tensor([[[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0]]])  # (B=1, K=2, P=4)
    text_pos = F.normalize(torch.tensor([[[1.0, 0.0], [1.0, 0.0]]]), dim=-1)
    text_neg = F.normalize(torch.tensor([[[0.0, 1.0], [0.0, 1.0]]]), dim=-1)
    image = F.normalize(embed(pixels), dim=-1)
    sim_full = (image[:, None] * text_pos).sum(-1)
    cfg = FaithfulnessConfig(mask_fraction=0.5, fill="mean")
    cd, ns, masks = evaluate(embed, pixels, on_left, grid, sim_full, text_pos, text_neg, cfg)
    # left masked → embedding (0, 0.2) → cos with (1, 0) = 0; CD = (s - 0)/s = 1
    assert float(cd[0, 0]) == pytest.approx(1.0, abs=1e-5)
    # right masked → embedding (1, 0) → cos = 1 > s: negative CD
    s = float(sim_full[0, 1])
    assert float(cd[0, 1]) == pytest.approx((s - 1.0) / s, abs=1e-5)
    # keeping the left half: embedding (1, 0): NS = 1 / (0 + eps), huge; keeping the right:
    # embedding (0, 0.2): cos+ = 0, NS = 0
    assert float(ns[0, 0]) > 1e6
    assert float(ns[0, 1]) == pytest.approx(0.0, abs=1e-6)
    assert masks.shape == (1, 2, 4)


def test_dynamic_adjustment() -> None:
    fused = torch.full((1, 2, 4), 0.5)
    masks = torch.tensor([[[1.0, 0, 0, 0], [1.0, 0, 0, 0]]])
    contrast = torch.tensor([[[0.0, 0, 0, 1.0], [0.0, 0, 0, 1.0]]])
    cfg = DynamicAdjustmentConfig(cd_threshold=0.1, cd_gain=1.0, ns_threshold=2.0, ns_gain=1.0)
    out = adjust(
        fused, masks, contrast, torch.tensor([[0.5, 0.05]]), torch.tensor([[5.0, 1.0]]), cfg
    )
    # concept 0: high CD amplifies the masked patch, high NS leaves the contrast alone
    assert out[0, 0].tolist() == pytest.approx([0.75, 0.5, 0.5, 0.5])
    # concept 1: CD below threshold: no amplification; NS = 1 < 2 halves the contrast patch
    assert out[0, 1].tolist() == pytest.approx([0.5, 0.5, 0.5, 0.25])


def test_amplification_rescales_instead_of_clipping() -> None:
    fused = torch.tensor([[[0.9, 0.8, 0.1, 0.0]]])
    masks = torch.tensor([[[1.0, 1.0, 0.0, 0.0]]])
    cfg = DynamicAdjustmentConfig(cd_threshold=0.0, cd_gain=1.0)
    out = adjust(fused, masks, torch.zeros_like(fused), torch.tensor([[1.0]]), None, cfg)
    assert float(out.max()) == pytest.approx(1.0)
    assert out[0, 0, 0] > out[0, 0, 1] > out[0, 0, 2], "the peak must stay a single peak"
    assert float(out[0, 0, 2]) == pytest.approx(0.1 / 1.8)


def test_separable_blur_equals_torchvision() -> None:
    from torchvision.transforms.functional import gaussian_blur as reference

    from drivexplain.operators.faithfulness import gaussian_blur

    pixels = torch.randn(2, 3, 48, 64, generator=torch.Generator().manual_seed(2))
    sigma = 4.0
    kernel = 2 * int(3 * sigma) + 1
    expected = reference(pixels, [kernel, kernel], [sigma, sigma])
    assert torch.allclose(gaussian_blur(pixels, sigma), expected, atol=1e-5)
