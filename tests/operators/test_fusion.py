"""Fusion, boosting and background suppression (paper III-A..C, III-I)."""

import pytest
import torch

from drivexplain.operators.fusion import boost, fuse, minmax, suppress_background


@pytest.fixture
def maps() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    return torch.rand(3, 2, 49, generator=gen) * 5 - 1, torch.randn(3, 2, 49, generator=gen)


def test_minmax_range_and_eps() -> None:
    x = torch.tensor([[2.0, 4.0, 6.0], [1.0, 1.0, 1.0]])
    out = minmax(x, eps=1e-8)
    assert torch.allclose(out[0], torch.tensor([0.0, 0.5, 1.0]), atol=1e-6)
    assert torch.equal(out[1], torch.zeros(3))  # constant map: eps avoids 0/0


def test_alpha_zero_is_normalised_attention(maps) -> None:
    sa, g = maps
    assert torch.allclose(fuse(sa, g, alpha=0.0, beta=0.5), minmax(sa))


def test_alpha_one_is_normalised_boosted_gradient(maps) -> None:
    sa, g = maps
    assert torch.allclose(fuse(sa, g, alpha=1.0, beta=1.0), minmax(g))
    assert torch.allclose(fuse(sa, g, alpha=1.0, beta=0.5), minmax(g) ** 2)


@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.8, 1.0])
@pytest.mark.parametrize("beta", [0.1, 0.5, 1.0, 20.0])
def test_fused_range(maps, alpha: float, beta: float) -> None:
    w = fuse(*maps, alpha=alpha, beta=beta)
    assert w.min() >= 0.0 and w.max() <= 1.0 + 1e-6


def test_alpha_half_weighs_both_equally(maps) -> None:
    sa, g = maps
    w = fuse(sa, g, alpha=0.5, beta=1.0)
    assert torch.allclose(w, 0.5 * minmax(sa) + 0.5 * minmax(g))


def test_beta_below_one_is_a_high_pass_filter() -> None:
    g = torch.linspace(0, 1, 101)
    weak, strong = g < 0.3, g > 0.9
    boosted = boost(g, beta=0.5)
    assert (boosted[weak] < 0.1).all(), "weak gradients must be pushed towards zero"
    assert (boosted[strong] > 0.8).all(), "strong gradients must survive"
    # the share of patches that stand out (> 0.5) shrinks as beta falls
    shares = [float((boost(g, b) > 0.5).float().mean()) for b in (1.0, 0.5, 0.1)]
    assert shares[0] > shares[1] > shares[2]


def test_beta_above_ten_saturates() -> None:
    g = minmax(torch.randn(1000, generator=torch.Generator().manual_seed(1)))
    saturated = boost(g, beta=20.0)
    assert float((saturated > 0.8).float().mean()) > 0.95
    assert saturated.std() < 0.25 * g.std()


def test_beta_one_is_identity() -> None:
    g = torch.rand(50)
    assert torch.allclose(boost(g, 1.0), g)


def test_background_suppression_zeroes_at_or_below_tau() -> None:
    h = torch.tensor([[0.0, 0.1, 0.2, 0.25, 0.5, 1.0]])
    out = suppress_background(h, tau_ratio=0.2)  # tau = 0.2
    assert out.tolist() == [[0.0, 0.0, 0.0, 0.25, 0.5, 1.0]]


@pytest.mark.parametrize("bad", [{"alpha": 1.5, "beta": 0.5}, {"alpha": 0.5, "beta": 0.0}])
def test_bad_parameters(maps, bad) -> None:
    with pytest.raises(ValueError, match="alpha|beta"):
        fuse(*maps, **bad)
