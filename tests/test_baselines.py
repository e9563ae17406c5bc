"""The benchmark's baselines produce patch maps, and the text-aware ones depend on the text."""

import open_clip
import pytest
import torch

from drivexplain.operators.backbone import OpenClipViT
from drivexplain.operators.baselines import BASELINES

TEXT_AWARE = {"Chefer grad⊙attn (last)", "Chefer grad⊙attn (all)", "LeGrad", "Grad-CAM (grad-cam)"}


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
