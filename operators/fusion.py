"""Image–text fusion (paper III-A..C) and background suppression (paper III-I, eq. 6-7).

All functions work on the last dimension (the flattened patch grid) and broadcast over any
leading (frame, concept) dimensions, so one call handles a whole batch.
"""

from __future__ import annotations

import torch


def minmax(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """(x - min) / (max - min + eps) over the patch dimension: the paper's SA~ and G~."""
    lo = x.amin(dim=-1, keepdim=True)
    hi = x.amax(dim=-1, keepdim=True)
    return (x - lo) / (hi - lo + eps)


def boost(g_norm: torch.Tensor, beta: float) -> torch.Tensor:
    """Text boosting: G~ ** (1/beta).

    The paper gives β's effects but no formula; this power law has exactly those effects on a
    map already in [0, 1]: β = 1 leaves it unchanged; β < 1 (e.g. the paper's 0.5, G~²) pushes
    weak gradients towards 0 while strong ones stay near 1, a soft high-pass filter; β → 0
    keeps only the maximum, so the gradient term fades however large α is (the paper's
    "α = 0.9, β → 0" remark); β > 10 lifts every non-minimal patch close to 1, saturating the
    map so that all patches look equally important.
    """
    if beta <= 0:
        raise ValueError(f"beta must be > 0, got {beta}")
    return g_norm.clamp(min=0.0) ** (1.0 / beta)


def fuse(
    self_attention: torch.Tensor,
    gradient: torch.Tensor,
    alpha: float,
    beta: float,
    eps: float = 1e-8,
) -> torch.Tensor:
    """W = (1 - α)·SA~ + α·boost(G~, β), per patch; the result lies in [0, 1]."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    sa = minmax(self_attention, eps)
    g = boost(minmax(gradient, eps), beta)
    return (1.0 - alpha) * sa + alpha * g


def suppress_background(heatmap: torch.Tensor, tau_ratio: float) -> torch.Tensor:
    """Eq. 6-7: keep H where H > τ, τ = tau_ratio·max(H); zero elsewhere."""
    if not 0.0 <= tau_ratio < 1.0:
        raise ValueError(f"tau_ratio must be in [0, 1), got {tau_ratio}")
    tau = tau_ratio * heatmap.amax(dim=-1, keepdim=True)
    return torch.where(heatmap > tau, heatmap, torch.zeros_like(heatmap))
