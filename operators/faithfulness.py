"""Faithfulness metrics (paper III-H, eq. 4-5) and the heatmap's dynamic adjustment.

The masking operator, stated exactly:
- M is 1 on the top `mask_fraction` of the fused heatmap W after W is upsampled bilinearly from
  the patch grid to the model input, and 0 elsewhere (ties broken by the quantile threshold).
- Removed pixels take the value of a fill image F: a Gaussian blur of the frame (default), the
  dataset mean colour (0 after normalisation), or seeded unit Gaussian noise in normalised space.
- I ⊙ (1 − M) means M·F + (1 − M)·I ("drop"); I ⊙ M means M·I + (1 − M)·F ("keep").

With `method: drop_tokens` the masking happens on the ViT's tokens instead: M is the top
`mask_fraction` of the patch tokens by W; I_keep is the class token and the kept patch tokens
only, I_drop the class token and the rest. No pixel is filled, and the two sequences together
are about one forward instead of two (benchmarks/results/operator_speed.md gives its agreement
with the fill method).

Concept Drop   CD = (cos(I, T) − cos(I_drop, T)) / cos(I, T)            (eq. 4, as a fraction)
Negative Supp. NS = cos(I_keep, T+) / (cos(I_keep, T−) + ε)               (eq. 5)

NS is evaluated on the kept regions: it asks whether what the heatmap highlights is, to the
model, more the concept than its contrast. Both are computed for many (frame, concept) pairs in
one batched forward.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import torch
import torch.nn.functional as F

from drivexplain.operators.config import DynamicAdjustmentConfig, FaithfulnessConfig


def upsample(maps: torch.Tensor, grid: tuple[int, int], size: tuple[int, int]) -> torch.Tensor:
    """(..., gh*gw) patch maps → (..., H, W) bilinear maps."""
    lead = maps.shape[:-1]
    x = maps.reshape(-1, 1, *grid)
    x = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
    return x.reshape(*lead, *size)


def top_fraction_mask(maps: torch.Tensor, fraction: float) -> torch.Tensor:
    """1 where a map is in its top `fraction` (over the last two dims), else 0."""
    flat = maps.flatten(-2)
    threshold = torch.quantile(flat, 1.0 - fraction, dim=-1, keepdim=True)
    return (flat >= threshold).to(maps.dtype).view_as(maps)


def fill_image(pixels: torch.Tensor, config: FaithfulnessConfig) -> torch.Tensor:
    """What removed pixels become, for normalised (B, 3, H, W) pixels."""
    if config.fill == "mean":
        return torch.zeros_like(pixels)
    if config.fill == "noise":
        gen = torch.Generator(device="cpu").manual_seed(config.noise_seed)
        return torch.randn(pixels.shape, generator=gen).to(pixels)
    return gaussian_blur(pixels, config.blur_sigma * min(pixels.shape[-2:]))


def gaussian_blur(pixels: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur with reflect padding, (B, C, H, W) → same shape.

    Two 1-D passes instead of torchvision's single 2-D kernel: at σ ≈ 18 px on a 224 px input
    the 2-D kernel (109²) costs about as much as a ViT-B/32 forward. Each pass is one matrix
    product with the pass's (L, L) operator (padding folded in), which on CPU is about 5x
    cheaper than the depthwise convolution it equals (`_blur_operator`).
    """
    radius = max(1, int(3 * sigma))
    radius = min(radius, min(pixels.shape[-2:]) - 1)
    height, width = pixels.shape[-2:]
    along_w = _blur_operator(width, sigma, radius, pixels.dtype, pixels.device)
    along_h = _blur_operator(height, sigma, radius, pixels.dtype, pixels.device)
    return along_h.T @ (pixels @ along_w)


@lru_cache(maxsize=16)
def _blur_operator(
    length: int, sigma: float, radius: int, dtype: torch.dtype, device: torch.device
) -> torch.Tensor:
    """The 1-D reflect-padded Gaussian blur of a length-`length` signal as an (L, L) matrix:
    row i is the blurred impulse at i, built by running the convolution itself on impulses."""
    x = torch.arange(-radius, radius + 1, dtype=dtype, device=device)
    kernel = torch.exp(-0.5 * (x / sigma) ** 2)
    kernel = kernel / kernel.sum()
    impulses = torch.eye(length, dtype=dtype, device=device)[:, None]  # (L, 1, L)
    padded = F.pad(impulses, (radius, radius), mode="reflect")
    return F.conv1d(padded, kernel.view(1, 1, -1))[:, 0]


def masked_pairs(
    pixels: torch.Tensor, fill: torch.Tensor, masks: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Drop and keep images for (B, K, H, W) masks over (B, 3, H, W) pixels → (B*K, 3, H, W)."""
    m = masks[:, :, None]  # (B, K, 1, H, W)
    image = pixels[:, None]
    filler = fill[:, None]
    drop = m * filler + (1 - m) * image
    keep = m * image + (1 - m) * filler
    return drop.flatten(0, 1), keep.flatten(0, 1)


def concept_drop(sim_full: torch.Tensor, sim_drop: torch.Tensor, eps: float) -> torch.Tensor:
    """Eq. 4 as a fraction (0.118 = 11.8 %); the denominator's magnitude is kept ≥ ε."""
    denom = torch.where(sim_full.abs() < eps, torch.full_like(sim_full, eps), sim_full)
    return (sim_full - sim_drop) / denom


def negative_suppression(sim_pos: torch.Tensor, sim_neg: torch.Tensor, eps: float) -> torch.Tensor:
    """Eq. 5, literally: a ratio of cosines, negative when the contrast's cosine is negative."""
    return sim_pos / (sim_neg + eps)


def keep_count(patches: int, fraction: float) -> int:
    """How many of `patches` tokens the top `fraction` keeps: at least one, never all."""
    return min(patches - 1, max(1, round(fraction * patches)))


def evaluate_drop_tokens(
    embed_subsets: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    pixels: torch.Tensor,
    fused: torch.Tensor,
    grid: tuple[int, int],
    token_grid: tuple[int, int],
    sim_full: torch.Tensor,
    text_pos: torch.Tensor,
    text_neg: torch.Tensor | None,
    config: FaithfulnessConfig,
) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
    """CD and NS with the masked tokens dropped (`method: drop_tokens`); as `evaluate`.

    `embed_subsets(pixels, patches)` embeds each frame through the (B, S, n) patch tokens
    given. A heatmap on another grid than the model's tokens (tiled attribution) is resampled
    to the token grid to choose the tokens, and the mask comes back on the heatmap's grid.
    """
    b, k, _ = fused.shape
    maps = fused if grid == token_grid else upsample(fused, grid, token_grid).flatten(-2)
    count = keep_count(maps.shape[-1], config.mask_fraction)
    order = maps.argsort(dim=-1, descending=True, stable=True)
    kept, dropped = order[..., :count].sort(-1).values, order[..., count:].sort(-1).values
    emb_drop = F.normalize(embed_subsets(pixels, dropped).float(), dim=-1)
    cd = concept_drop(sim_full, (emb_drop * text_pos).sum(-1), config.eps)
    ns = None
    if text_neg is not None:
        emb_keep = F.normalize(embed_subsets(pixels, kept).float(), dim=-1)
        ns = negative_suppression(
            (emb_keep * text_pos).sum(-1), (emb_keep * text_neg).sum(-1), config.eps
        )
    masks = torch.zeros_like(maps).scatter_(-1, kept, 1.0)
    if grid != token_grid:
        masks = F.interpolate(masks.view(b * k, 1, *token_grid), size=grid, mode="nearest")
        masks = masks.view(b, k, -1)
    return cd, ns, masks


def evaluate(
    embed: Callable[[torch.Tensor], torch.Tensor],
    pixels: torch.Tensor,
    fused: torch.Tensor,
    grid: tuple[int, int],
    sim_full: torch.Tensor,
    text_pos: torch.Tensor,
    text_neg: torch.Tensor | None,
    config: FaithfulnessConfig,
) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
    """CD and NS for (B, K) heatmaps in one batched forward of the masked images.

    `fused` is (B, K, P); `text_pos`/`text_neg` are (B, K, D) unit vectors; `embed` maps pixels
    to unnormalised image embeddings. Returns CD (B, K), NS (B, K) or None, and the masks at
    patch resolution (B, K, P) used for the dynamic adjustment.
    """
    b, k, _ = fused.shape
    size = tuple(pixels.shape[-2:])
    masks = top_fraction_mask(upsample(fused, grid, size), config.mask_fraction)
    drop, keep = masked_pairs(pixels, fill_image(pixels, config), masks)
    images = torch.cat([drop, keep]) if text_neg is not None else drop
    emb = F.normalize(embed(images).float(), dim=-1)
    emb_drop = emb[: b * k].view(b, k, -1)
    cd = concept_drop(sim_full, (emb_drop * text_pos).sum(-1), config.eps)
    ns = None
    if text_neg is not None:
        emb_keep = emb[b * k :].view(b, k, -1)
        ns = negative_suppression(
            (emb_keep * text_pos).sum(-1), (emb_keep * text_neg).sum(-1), config.eps
        )
    patch_masks = F.adaptive_avg_pool2d(masks.flatten(0, 1)[:, None], grid).view(b, k, -1)
    return cd, ns, patch_masks


def adjust(
    fused: torch.Tensor,
    masks: torch.Tensor,
    contrast_regions: torch.Tensor,
    cd: torch.Tensor | None,
    ns: torch.Tensor | None,
    config: DynamicAdjustmentConfig,
) -> torch.Tensor:
    """Feed the metrics back into the heatmap (paper III-H).

    - CD above `cd_threshold`: the masked (relevant) regions are amplified in proportion to CD,
      W ← W·(1 + cd_gain·CD·M), divided by its maximum if that exceeds 1 (rescaling rather
      than clipping keeps the ranking inside the mask: clipping would flatten the peak).
    - NS below `ns_threshold`: regions whose gradient favours the contrast are damped,
      W ← W·(1 − λ·C) with λ = ns_gain·clip((ns_threshold − NS)/ns_threshold, 0, 1) and C the
      normalised negative part of the contrastive gradient.
    All tensors are (B, K, P) except cd/ns (B, K).
    """
    out = fused
    if cd is not None:
        gain = torch.where(cd > config.cd_threshold, config.cd_gain * cd, torch.zeros_like(cd))
        out = out * (1 + gain[..., None] * masks)
        out = out / out.amax(dim=-1, keepdim=True).clamp(min=1.0)
    if ns is not None:
        shortfall = ((config.ns_threshold - ns) / config.ns_threshold).clamp(0.0, 1.0)
        shortfall = torch.nan_to_num(shortfall, nan=0.0)
        out = out * (1 - config.ns_gain * shortfall[..., None] * contrast_regions)
    return out
