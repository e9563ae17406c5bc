"""The benchmark's baselines produce patch maps, and the text-aware ones depend on the text."""

import copy
import math

import open_clip
import pytest
import torch

from drivexplain.operators.baselines import BASELINES
from drivexplain.operators.models.backbone import OpenClipViT

TEXT_AWARE = {"Chefer grad⊙attn (last)", "Chefer grad⊙attn (all)", "LeGrad (legrad_torch)",
              "Grad-CAM (grad-cam)"}


@pytest.fixture(scope="module")
def backbone(model_config_dir) -> OpenClipViT:
    torch.manual_seed(0)
    return OpenClipViT(open_clip.create_model("TestTinyViT").eval(), "TestTinyViT")


@pytest.mark.parametrize("name", list(BASELINES))
def test_baseline_maps(backbone: OpenClipViT, name: str) -> None:
    pixels = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    car, bus = backbone.encode_text(["car", "bus"])
    maps = BASELINES[name](backbone, pixels, torch.stack([car, car]))
    assert maps.shape == (2, 16) and torch.isfinite(maps).all()
    assert not torch.allclose(maps[0], maps[1]), "different frames give different maps"
    other = BASELINES[name](backbone, pixels, torch.stack([bus, bus]))
    if name in TEXT_AWARE:
        assert not torch.allclose(maps, other)
    else:
        assert torch.allclose(maps, other)


@pytest.mark.parametrize("name", list(BASELINES))
def test_baselines_at_a_non_native_input_size(backbone: OpenClipViT, name: str) -> None:
    """The benchmark's `--input-size` applies to every method, Grad-CAM's library included."""
    wide = OpenClipViT(backbone.model, "TestTinyViT", input_size=(32, 56))
    pixels = torch.randn(2, 3, 32, 56, generator=torch.Generator().manual_seed(0))
    car = wide.encode_text(["car"])[0]
    maps = BASELINES[name](wide, pixels, torch.stack([car, car]))
    assert maps.shape == (2, 4 * 7) and torch.isfinite(maps).all()
    assert not torch.allclose(maps[0], maps[1])


def test_legrad_is_the_packages_map_on_a_square_input(backbone: OpenClipViT) -> None:
    """On a square grid, LeWrapper.compute_legrad_clip itself can run: its map (bilinear x patch,
    min-max) is ours upsampled the same way. Its wrapper is a separate copy of the model."""
    from legrad import LeWrapper
    from legrad.utils import min_max

    from drivexplain.operators.baselines import legrad, legrad_wrapper

    pixels = torch.randn(1, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    text = backbone.encode_text(["car"])
    ours = legrad(backbone, pixels, text)
    assert ours.shape == (1, 16)
    side = int(math.sqrt(ours.shape[1]))
    patch = backbone.grid.patch_size[0]
    ours_up = min_max(torch.nn.functional.interpolate(
        ours.view(1, 1, side, side), scale_factor=patch, mode="bilinear"))
    theirs = legrad_wrapper(backbone).compute_legrad_clip(text, pixels)
    assert theirs.shape == ours_up.shape
    assert torch.allclose(ours_up, theirs.detach(), atol=1e-5)
    # the backbone's own model is untouched: still frozen, forwards not rebound
    assert not any(p.requires_grad for p in backbone.model.parameters())
    assert "forward" not in vars(backbone.model.visual)
    # and the package, unadapted, on a fresh copy, gives a different map under open_clip >= 3
    # (its unhooked blocks attend across the batch): the adaptation is needed, not decoration
    raw = LeWrapper(copy.deepcopy(backbone.model))
    raw_map = raw.compute_legrad_clip(text, pixels).detach()
    assert not torch.allclose(raw_map, theirs.detach(), atol=1e-3)


def test_legrad_wrapper_forward_is_the_models(backbone: OpenClipViT) -> None:
    """The adapted wrapper's forward gives the model's own embedding, square grid or not."""
    from drivexplain.operators.baselines import legrad_wrapper

    pixels = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        expected = backbone.trace(pixels).embedding
        got = legrad_wrapper(backbone).encode_image(pixels)
    assert torch.allclose(got, expected, atol=1e-5)
    wide = OpenClipViT(backbone.model, "TestTinyViT", input_size=(32, 56))
    pixels = torch.randn(2, 3, 32, 56, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        assert torch.allclose(
            legrad_wrapper(wide).encode_image(pixels), wide.trace(pixels).embedding, atol=1e-5
        )
