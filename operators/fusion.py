"""Image–text fusion (paper III-A..C) and background suppression (paper III-I, eq. 6-7).

All functions work on the last dimension (the flattened patch grid) and broadcast over any
leading (frame, concept) dimensions, so one call handles a whole batch.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import torch

MapT = TypeVar("MapT", torch.Tensor, np.ndarray)


def minmax(x: MapT, eps: float = 1e-8, *, dim: int | None = -1, exact: bool = False) -> MapT:
    """Min-max normalisation to [0, 1]: the paper's SA~ and G~, and every other map's norm(.).

    The one implementation every operator uses, so that all maps mean the same by "normalised".
    `dim=-1` normalises each map over its last (flattened patch) dimension and broadcasts over
    leading (frame, concept) dimensions; `dim=None` normalises the whole array as one map.

    A flat map (max == min) becomes all zeros under both rules: it carries no "where", and
    zeros keep it from outweighing a real map in a fusion. The rules differ only on maps whose
    range is comparable to `eps`, and on maps with NaN/inf:

    * `exact=False` (the paper's formula): (x - min) / (max - min + eps). A range near `eps`
      comes out compressed (maximum below 1); NaN/inf pass through, so a broken attribution
      stays visibly broken instead of becoming a plausible empty map.
    * `exact=True`: (x - min) / (max - min) when max - min > eps, else zeros (a range that is
      not finite counts as flat). Every non-flat map reaches exactly 1 however small its range:
      for gradient maps whose raw scale is arbitrary, so tiny answer gradients do not look
      weaker than large ones; their non-finite gradients are flagged by the caller
      (`VLMAnswer.grad_finite`).

    A tensor comes back as a tensor of its own dtype; a NumPy array comes back as float32, the
    dtype every stored map uses.
    """
    if isinstance(x, np.ndarray):
        return minmax(torch.from_numpy(np.array(x, copy=True)), eps, dim=dim, exact=exact).numpy(
        ).astype(np.float32)
    dims = tuple(range(x.ndim)) if dim is None else (dim,)
    lo = x.amin(dim=dims, keepdim=True)
    span = x.amax(dim=dims, keepdim=True) - lo
    if not exact:
        return (x - lo) / (span + eps)
    flat = ~torch.isfinite(span) | (span <= eps)
    return torch.where(flat, torch.zeros_like(x), (x - lo) / torch.where(flat, 1.0, span))


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
