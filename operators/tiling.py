"""Tiled Concept Attribution: the whole frame plus overlapping tiles, stitched into one map.

A dashcam frame squashed to the model's input (144x252 for the shipped CLIP) puts a pedestrian
40 m ahead inside one patch. Tiles cut from the frame at about the model's native resolution
show it several patches wide. Every tile is one more view in the same batched forward and
backward as its frame (operators/attribution.py), with the frame's concepts and the frame's
contrastive concept; this module makes the views and stitches their maps.

Stitching, per (frame, concept), on a canvas over the whole frame whose cells are the tiles'
patches (a grid tile spans 1/m of the frame's side, m = n - (n-1)*overlap for n tiles per side,
so the canvas is m times the patch grid; a pyramid uses its finest level):
- every view's map (the fused map W in [0, 1], min-max normalised per view) is resampled
  bilinearly onto the canvas cells its box covers: F for the whole frame, M_t for tile t;
- tile t is weighted by how much more it shows the concept than the frame's other tiles of its
  level: w_t = minmax over those tiles of cos(I_t, T) (1 for the best tile, 0 for the worst, 0
  for all when they tie), so a tile that min-max-normalised noise into a full-range map counts
  little unless the model sees the concept in it;
- tiles overlapping a cell are averaged: T(x) = sum_t w_t M_t(x) / #{t covering x};
- S = minmax((1 - lambda) F + lambda T), lambda = `tile_weight`.
The whole-frame map keeps the global context (F covers every cell, T only adds detail where
the tiles see the concept). The contrast map (what favours the contrastive concept) is
stitched the same way. Concept Drop and Negative Suppression stay defined on the whole frame:
their masks are the top share of the stitched map.

Resolution: tiles need the frame's own pixels. The pipeline scales frames for transport to a
short side of 224 by default (`pipeline.transport_short_side`), which would leave a 2x2 tile
(1/1.75 of the frame) about 128 px high, below the model's 144: the config refuses tiling
unless `pipeline.transport_short_side` is null, so tiled runs ship frames whole to the actors
and the tiles are cut there, in `views_for`.

Cost (`python benchmarks/speed/attribution_speed.py --models TinyDriveCLIP --batches 1 16 --concepts
3 --threads 1 --clock cpu`, CPU time): a 2x2 grid makes the full operator 2.2x (batch 1) and
2.4x (batch 16) its untiled cost, 17x and 14x one plain forward; the tiles' forward and
backward are the extra (CD and NS stay one frame's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from drivexplain.operators.config import AttributionConfig
from drivexplain.operators.crops import Box, cut, tile_boxes
from drivexplain.operators.fusion import minmax
from drivexplain.operators.models.backbone import OpenClipViT


def magnification(count: int, overlap: float) -> float:
    """How many tile sides fit in the frame's side: a tile is 1/m of the frame."""
    return count - (count - 1) * overlap


def grids(mode: str, grid: tuple[int, int], levels: Sequence[int]) -> list[tuple[int, int]]:
    """(rows, cols) of every tile level: one grid, or a pyramid's n x n levels."""
    if mode == "none":
        return []
    if mode == "grid":
        return [tuple(grid)]  # type: ignore[list-item]
    if mode == "pyramid":
        return [(n, n) for n in levels]
    raise ValueError(f"tiling {mode!r} is not one of none, grid, pyramid")


def canvas_shape(
    patch_grid: tuple[int, int], levels: list[tuple[int, int]], overlap: float
) -> tuple[int, int]:
    """The stitched map's (rows, cols): the patch grid at the finest tiles' density."""
    gh, gw = patch_grid
    rows = max([magnification(r, overlap) for r, _ in levels], default=1.0)
    cols = max([magnification(c, overlap) for _, c in levels], default=1.0)
    return round(gh * rows), round(gw * cols)


@dataclass
class TileViews:
    """A batch's tiles, ready for the same forward as its frames.

    `pixels` holds every frame's tiles, frame by frame, at the model input; the views of one
    forward are the B frames followed by these tiles, and `view_frame[v]` is view v's frame.
    `boxes[b]` are frame b's tile boxes (frame pixels) and `level[b]` each tile's level index.
    """

    pixels: torch.Tensor
    view_frame: torch.Tensor
    boxes: list[list[Box]]
    level: list[list[int]]
    frame_hw: list[tuple[int, int]]
    shape: tuple[int, int]


def tile_views(
    frames: Sequence[np.ndarray],
    input_size: tuple[int, int],
    patch_grid: tuple[int, int],
    levels: list[tuple[int, int]],
    overlap: float,
    device: torch.device | str = "cpu",
    mean: torch.Tensor | None = None,
    std: torch.Tensor | None = None,
) -> TileViews:
    """Cut every frame's tiles (uint8 RGB) to the model input, normalised like its frames."""
    pixels, view_frame, boxes, level, sizes = [], list(range(len(frames))), [], [], []
    for b, frame in enumerate(frames):
        h, w = frame.shape[:2]
        frame_boxes, frame_level = [], []
        for index, (rows, cols) in enumerate(levels):
            these = tile_boxes(h, w, rows, cols, overlap)
            frame_boxes += these
            frame_level += [index] * len(these)
        tensor = torch.from_numpy(np.ascontiguousarray(frame)).permute(2, 0, 1).float() / 255.0
        pixels.append(cut(tensor, frame_boxes, input_size))
        view_frame += [b] * len(frame_boxes)
        boxes.append(frame_boxes)
        level.append(frame_level)
        sizes.append((h, w))
    out = torch.cat(pixels).to(device)
    if mean is not None and std is not None:
        out = (out - mean.to(device)) / std.to(device)
    return TileViews(
        pixels=out,
        view_frame=torch.tensor(view_frame, dtype=torch.long, device=device),
        boxes=boxes,
        level=level,
        frame_hw=sizes,
        shape=canvas_shape(patch_grid, levels, overlap),
    )


def _sampling_grid(
    box: Box, frame_hw: tuple[int, int], shape: tuple[int, int]
) -> tuple[torch.Tensor, torch.Tensor]:
    """grid_sample coordinates of every canvas cell centre in `box`'s map, and its coverage."""
    fh, fw = frame_hw
    rows, cols = shape
    y = (torch.arange(rows, dtype=torch.float32) + 0.5) * fh / rows
    x = (torch.arange(cols, dtype=torch.float32) + 0.5) * fw / cols
    v = (y - box.top) / box.height * 2 - 1
    u = (x - box.left) / box.width * 2 - 1
    grid = torch.stack(torch.meshgrid(u, v, indexing="xy"), dim=-1)  # (rows, cols, 2): (u, v)
    covered = (grid.abs() <= 1).all(-1).float()
    return grid, covered


def stitch(
    maps: torch.Tensor,
    scores: torch.Tensor,
    views: TileViews,
    patch_grid: tuple[int, int],
    tile_weight: float,
    eps: float = 1e-8,
) -> torch.Tensor:
    """(B + N, K, P) view maps in [0, 1] -> (B, K, rows * cols) stitched maps (module doc).

    `scores` (B + N, K) is each view's cos(I_view, T) for each concept: the tile weights.
    """
    batch = len(views.boxes)
    k = maps.shape[1]
    gh, gw = patch_grid
    out = []
    tile_start = batch
    for b in range(batch):
        boxes = [Box(0, 0, *views.frame_hw[b])] + views.boxes[b]
        grids_, cover = zip(*(_sampling_grid(box, views.frame_hw[b], views.shape)
                              for box in boxes), strict=True)
        grid = torch.stack(grids_).to(maps.device)
        covered = torch.stack(cover).to(maps.device)[:, None]  # (1 + T, 1, rows, cols)
        count = len(views.boxes[b])
        index = [b, *range(tile_start, tile_start + count)]
        tile_start += count
        view_maps = maps[index].reshape(len(index), k, gh, gw).float()
        sampled = F.grid_sample(view_maps, grid, mode="bilinear", padding_mode="border",
                                align_corners=False) * covered
        frame_map = sampled[0]
        if count == 0:
            out.append(minmax(frame_map.flatten(1), eps))
            continue
        tile_scores = scores[index[1:]].float()  # (T, K)
        levels = torch.tensor(views.level[b], device=maps.device)
        weights = torch.zeros_like(tile_scores)
        for level in levels.unique():
            members = levels == level
            weights[members] = minmax(tile_scores[members], eps, dim=0, exact=True)
        tiles = (weights[:, :, None, None] * sampled[1:]).sum(0)
        tiles = tiles / covered[1:].sum(0).clamp(min=1)
        fused = (1 - tile_weight) * frame_map + tile_weight * tiles
        out.append(minmax(fused.flatten(1), eps))
    return torch.stack(out)


def views_for(
    backbone: OpenClipViT, frames: Sequence[np.ndarray], config: AttributionConfig
) -> TileViews | None:
    """The tiles `config.tiling` asks of these frames for this backbone; None when off."""
    levels = grids(config.tiling, config.tile_grid, config.pyramid_levels)
    if not levels:
        return None
    return tile_views(
        frames,
        backbone.grid.input_size,
        backbone.grid.shape,
        levels,
        config.tile_overlap,
        device=backbone.device,
        mean=backbone.mean,
        std=backbone.std,
    )


def per_view(rows: torch.Tensor, views: TileViews | None) -> torch.Tensor:
    """Per-frame rows (B, ...) repeated for every view (B + N, ...): a tile gets its frame's."""
    return rows if views is None else rows[views.view_frame]


def stitch_views(
    fused: torch.Tensor,
    against: torch.Tensor,
    scores: torch.Tensor,
    views: TileViews,
    patch_grid: tuple[int, int],
    config: AttributionConfig,
) -> tuple[torch.Tensor, torch.Tensor, tuple[int, int]]:
    """The fused and contrast maps of every view stitched per frame, and the canvas shape."""
    return (
        stitch(fused, scores, views, patch_grid, config.tile_weight, config.eps),
        stitch(minmax(against, config.eps), scores, views, patch_grid, config.tile_weight,
               config.eps),
        views.shape,
    )
