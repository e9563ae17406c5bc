"""Crop geometry: boxes on a frame, and the pixels inside them at the model's input size.

One module for every place that looks at part of a frame: tiled Concept Attribution (tiles on a
grid with overlap) and verdict crops (boxes around a heatmap's peak). Three functions:

- `tile_boxes(h, w, rows, cols, overlap)`: a rows x cols grid of equal boxes covering the frame,
  neighbours sharing `overlap` of a box's side;
- `peak_boxes(heatmap, frame_hw, scales)`: boxes centred on a heatmap's peak(s), one per scale,
  each a fixed share of the frame's sides, shifted (never shrunk) to stay inside it;
- `cut(image, boxes, size)`: the pixels of every box resized to one (height, width), in one
  array or tensor, with the same resampling the backbone uses for whole frames (bilinear,
  antialiased), so a box that is the whole frame gives the backbone's own input.

Boxes are half-open integer pixel ranges in frame coordinates: rows `top:bottom`, columns
`left:right`, so `image[box.top:box.bottom, box.left:box.right]` is the crop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class Box:
    """A half-open pixel box: rows `top:bottom`, columns `left:right` of a frame."""

    top: int
    left: int
    bottom: int
    right: int

    def __post_init__(self) -> None:
        if self.top < 0 or self.left < 0 or self.bottom <= self.top or self.right <= self.left:
            raise ValueError(f"{self} is empty or starts outside the frame")

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def slices(self) -> tuple[slice, slice]:
        """(rows, columns) to index a (H, W, ...) array with."""
        return slice(self.top, self.bottom), slice(self.left, self.right)


def _spans(length: int, count: int, overlap: float) -> list[tuple[int, int]]:
    """`count` equal spans covering 0..length, neighbours sharing `overlap` of a span.

    A span is length / (count - (count - 1) * overlap) long, rounded; the first starts at 0, the
    last ends at `length`, the others are spaced evenly between them (rounding moves the shared
    share by at most a pixel).
    """
    if count == 1:
        return [(0, length)]
    size = min(length, max(1, round(length / (count - (count - 1) * overlap))))
    starts = [round(i * (length - size) / (count - 1)) for i in range(count)]
    return [(s, s + size) for s in starts]


def tile_boxes(h: int, w: int, rows: int, cols: int, overlap: float) -> list[Box]:
    """A rows x cols grid of equal boxes over an h x w frame, row by row.

    `overlap` in [0, 1) is the share of a box's height (width) it shares with the box below (to
    its right). With rows == cols every box keeps the frame's aspect ratio, which is what a model
    trained on squashed whole frames expects of a tile.
    """
    if h < 1 or w < 1:
        raise ValueError(f"frame {w}x{h} has no pixels")
    if rows < 1 or cols < 1:
        raise ValueError(f"a grid needs at least one row and one column, got {rows}x{cols}")
    if not 0.0 <= overlap < 1.0:
        raise ValueError(f"overlap {overlap} must be in [0, 1)")
    return [
        Box(top, left, bottom, right)
        for top, bottom in _spans(h, rows, overlap)
        for left, right in _spans(w, cols, overlap)
    ]


def peak_boxes(
    heatmap: np.ndarray,
    frame_hw: tuple[int, int],
    scales: Sequence[float],
    peaks: int = 1,
) -> list[Box]:
    """Boxes around the `peaks` highest cells of `heatmap`, one per scale, peak by peak.

    `heatmap` is any (gh, gw) map over the whole frame (a patch grid or full resolution); a
    cell's centre maps to frame pixels by the ratio of the sizes. A box at scale s is s times
    the frame's height and width (so it keeps the frame's aspect ratio), centred on the peak and
    shifted to lie inside the frame. After each peak, the cells inside its largest box are
    excluded, so a second peak is a different place. Returns peaks x len(scales) boxes (fewer if
    the map runs out of cells).
    """
    heat = np.asarray(heatmap, dtype=np.float64)
    if heat.ndim != 2 or heat.size == 0:
        raise ValueError(f"heatmap has shape {heat.shape}; expected a non-empty (rows, cols) map")
    fh, fw = frame_hw
    if fh < 1 or fw < 1:
        raise ValueError(f"frame {fw}x{fh} has no pixels")
    if not scales or any(not 0.0 < s <= 1.0 for s in scales):
        raise ValueError(f"scales {list(scales)} must be shares of the frame in (0, 1]")
    gh, gw = heat.shape
    free = np.isfinite(heat)
    boxes: list[Box] = []
    for _ in range(peaks):
        if not free.any():
            break
        masked = np.where(free, heat, -np.inf)
        row, col = np.unravel_index(int(masked.argmax()), heat.shape)
        cy, cx = (row + 0.5) * fh / gh, (col + 0.5) * fw / gw
        for scale in scales:
            bh, bw = max(1, round(scale * fh)), max(1, round(scale * fw))
            top = int(min(max(round(cy - bh / 2), 0), fh - bh))
            left = int(min(max(round(cx - bw / 2), 0), fw - bw))
            boxes.append(Box(top, left, top + bh, left + bw))
        big = max(scales)
        bh, bw = big * gh, big * gw
        r0, r1 = int(max(0, np.floor(row + 0.5 - bh / 2))), int(np.ceil(row + 0.5 + bh / 2))
        c0, c1 = int(max(0, np.floor(col + 0.5 - bw / 2))), int(np.ceil(col + 0.5 + bw / 2))
        free[r0:r1, c0:c1] = False
    return boxes


def cut(
    image: np.ndarray | torch.Tensor, boxes: Sequence[Box], size: tuple[int, int]
) -> np.ndarray | torch.Tensor:
    """The pixels of every box, resized to `size` = (height, width), stacked.

    A uint8 (H, W, 3) array gives a uint8 (N, height, width, 3) array; a float (C, H, W) tensor
    gives an (N, C, height, width) tensor on its device. Resampling is bilinear with antialiasing
    (the backbone's own for whole frames), so `cut(frame, [whole frame], input_size)` is the
    input the backbone would make of the frame.
    """
    if not boxes:
        raise ValueError("no boxes to cut")
    is_array = isinstance(image, np.ndarray)
    if is_array:
        if image.ndim != 3:
            raise ValueError(f"image has shape {image.shape}; expected (height, width, channels)")
        tensor = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float()
    else:
        if image.ndim != 3:
            raise ValueError(f"image has shape {tuple(image.shape)}; expected (channels, H, W)")
        tensor = image
    h, w = tensor.shape[-2:]
    for box in boxes:
        if box.bottom > h or box.right > w:
            raise ValueError(f"{box} reaches outside the {w}x{h} image")
    out = torch.cat(
        [
            F.interpolate(
                tensor[None, :, box.top : box.bottom, box.left : box.right],
                size=tuple(size),
                mode="bilinear",
                antialias=True,
                align_corners=False,
            )
            for box in boxes
        ]
    )
    if is_array:
        return out.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()
    return out
