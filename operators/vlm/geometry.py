"""Where each vision token of a VLM looks in the frame, per family, and maps in frame pixels.

A VLM's answer-gradient values live on its *vision tokens* (the positions of the language
model's input that hold image features). Each family lays those tokens out differently:

* LLaVA-1.5: one token per patch of a resized (and possibly centre-cropped) square;
* LLaVA-NeXT / LLaVA-OneVision (any-res): the frame squashed to one tile (the base image), then
  the frame resized to the best pinpoint resolution keeping its aspect, padded, cut into tiles;
  the tiles' tokens are stitched into one grid, the padding's rows or columns removed (unpad),
  a newline token closes each row; OneVision shrinks a grid past `anyres_max_N` tiles bilinearly;
* Qwen2-VL / Qwen2.5-VL / Qwen3-VL: the frame squashed to multiples of patch x merge, 2x2
  patches merged into one token;
* InternVL: the frame squashed onto a grid of square tiles (plus a thumbnail when there is more
  than one), each tile's patches pixel-shuffled (2x2 -> 1);
* Idefics3 / SmolVLM: the frame resized to its longest-edge budget, split into square tiles plus
  a global image, each tile's patches pixel-shuffled (scale x scale -> 1).

Each function below returns a `(n_tokens, 4)` array of boxes `(top, left, height, width)` in
frame pixels, in the order the tokens enter the language model; a token that sees no pixels (a
LLaVA-NeXT newline) has a NaN row. `render` turns per-token values into a map on any grid over
the whole frame: each cell takes the mean of the tokens whose box holds its centre, so a token
covered by a base image and a tile contributes at both resolutions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

Box = tuple[float, float, float, float]


def grid_boxes(rows: int, cols: int, region: Box) -> np.ndarray:
    """Row-major boxes of a rows x cols grid laid evenly over `region` (top, left, h, w)."""
    top, left, height, width = region
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    cell_h, cell_w = height / rows, width / cols
    boxes = np.stack(
        [top + r * cell_h, left + c * cell_w, np.full(r.shape, cell_h), np.full(r.shape, cell_w)],
        axis=-1,
    )
    return boxes.reshape(-1, 4).astype(np.float64)


def _clip_boxes(boxes: np.ndarray, frame_size: tuple[int, int]) -> np.ndarray:
    """Boxes cut to the frame; a box wholly outside it (padding) becomes NaN."""
    height, width = frame_size
    top = np.clip(boxes[:, 0], 0, height)
    left = np.clip(boxes[:, 1], 0, width)
    bottom = np.clip(boxes[:, 0] + boxes[:, 2], 0, height)
    right = np.clip(boxes[:, 1] + boxes[:, 3], 0, width)
    out = np.stack([top, left, bottom - top, right - left], axis=1)
    out[(out[:, 2] <= 1e-9) | (out[:, 3] <= 1e-9)] = np.nan
    return out


def _newline_rows(boxes: np.ndarray, cols: int) -> np.ndarray:
    """A NaN (newline) row after every `cols` boxes, as LLaVA-NeXT's `image_newline`."""
    rows = boxes.reshape(-1, cols, 4)
    nan = np.full((rows.shape[0], 1, 4), np.nan)
    return np.concatenate([rows, nan], axis=1).reshape(-1, 4)


# ----------------------------------------------------------------------------- families
def processor_frame_box(processor: Any, frame_size: tuple[int, int]
                        ) -> tuple[float, float, float, float]:
    """(top, left, height, width) of the frame region a CLIP-style processor keeps, in pixels.

    llava-hf's CLIP processor resizes the short side and centre-crops, so the grid covers
    only the central square of a wide dashcam frame; squashing processors cover it all.
    """
    height, width = frame_size
    proc = getattr(processor, "image_processor", None)
    size = getattr(proc, "size", None) or {}
    crop = getattr(proc, "crop_size", None) or {}
    if getattr(proc, "do_center_crop", False) and "shortest_edge" in size and crop:
        scale = float(size["shortest_edge"]) / min(height, width)
        box_h = min(height, crop["height"] / scale)
        box_w = min(width, crop["width"] / scale)
        return ((height - box_h) / 2, (width - box_w) / 2, box_h, box_w)
    return (0.0, 0.0, float(height), float(width))


def llava_boxes(grid_h: int, grid_w: int, frame_box: Box) -> np.ndarray:
    """LLaVA-1.5: the patch grid over the region the processor kept (`frame_box`)."""
    return grid_boxes(grid_h, grid_w, frame_box)


def qwen_boxes(frame_size: tuple[int, int], grid_thw: Sequence[int], merge: int) -> np.ndarray:
    """Qwen2/2.5/3-VL: the frame squashed onto (t, h, w) patches, merge x merge per token.

    The processor resizes the whole frame (no crop, no pad) to h*patch x w*patch pixels, so
    merged token (i, j) sees rows i*merge/h .. (i+1)*merge/h of the frame's height.
    """
    _, grid_h, grid_w = (int(v) for v in grid_thw)
    height, width = frame_size
    return grid_boxes(grid_h // merge, grid_w // merge, (0.0, 0.0, float(height), float(width)))


def select_best_resolution(size: tuple[int, int], pinpoints: Sequence[Sequence[int]]
                           ) -> tuple[int, int]:
    """transformers' any-res choice: most of the frame's pixels kept, then least waste."""
    from transformers.image_processing_utils import select_best_resolution as choose

    return tuple(int(v) for v in choose(size, [list(p) for p in pinpoints]))  # type: ignore[return-value]


def anyres_boxes(
    frame_size: tuple[int, int],
    pinpoints: Sequence[Sequence[int]],
    tile: int,
    tokens_per_side: int,
    *,
    newline: bool = True,
    max_tiles: int | None = None,
) -> np.ndarray:
    """LLaVA-NeXT / OneVision any-res: base image tokens, then the unpadded tile grid.

    `tile` is the tower's input side, `tokens_per_side` its patch grid side. Mirrors
    `LlavaNextModel.pack_image_features` + `unpad_image` and the image processor's
    `_resize_for_patching` / `_pad_for_patching`; `max_tiles` is OneVision's `anyres_max_N`.
    """
    height, width = frame_size
    whole = (0.0, 0.0, float(height), float(width))
    base = grid_boxes(tokens_per_side, tokens_per_side, whole)
    best_h, best_w = select_best_resolution((height, width), pinpoints)
    tiles_h, tiles_w = best_h // tile, best_w // tile
    # Resized keeping aspect to fit (best_h, best_w), then centred with padding.
    scale_w, scale_h = best_w / width, best_h / height
    if scale_w < scale_h:
        new_w, new_h = best_w, min(math.ceil(height * scale_w), best_h)
    else:
        new_h, new_w = best_h, min(math.ceil(width * scale_h), best_w)
    paste_y, paste_x = (best_h - new_h) // 2, (best_w - new_w) // 2
    rows, cols = tiles_h * tokens_per_side, tiles_w * tokens_per_side
    # unpad_image, in token units, from the frame's aspect alone.
    r0, r1, c0, c1 = 0, rows, 0, cols
    if width / height > cols / rows:
        kept = int(round(height * (cols / width), 7))
        pad = (rows - kept) // 2
        r0, r1 = pad, rows - pad
    else:
        kept = int(round(width * (rows / height), 7))
        pad = (cols - kept) // 2
        c0, c1 = pad, cols - pad
    cell = best_h / rows  # == patch size of the tiles, in canvas pixels
    region_canvas = (r0 * cell, c0 * cell, (r1 - r0) * cell, (c1 - c0) * cell)
    grid_r, grid_c = r1 - r0, c1 - c0
    if max_tiles is not None:
        ratio = math.sqrt(grid_r * grid_c / (max_tiles * tokens_per_side ** 2))
        if ratio > 1.1:
            grid_r, grid_c = int(grid_r // ratio), int(grid_c // ratio)
    canvas = grid_boxes(grid_r, grid_c, region_canvas)
    # canvas pixels -> frame pixels: undo the paste offset and the aspect-keeping resize.
    frame = np.stack([
        (canvas[:, 0] - paste_y) * height / new_h,
        (canvas[:, 1] - paste_x) * width / new_w,
        canvas[:, 2] * height / new_h,
        canvas[:, 3] * width / new_w,
    ], axis=1)
    frame = _clip_boxes(frame, frame_size)
    if newline:
        frame = _newline_rows(frame, grid_c)
    return np.concatenate([base, frame], axis=0)


def tiled_boxes(
    frame_size: tuple[int, int],
    tiles: tuple[int, int],
    tokens_per_side: int,
    *,
    thumbnail: str | None,
) -> np.ndarray:
    """Square tiles laid over the squashed frame, `tokens_per_side`^2 tokens each, row-major.

    InternVL and Idefics3 squash the frame onto a (rows x cols) tile grid; a thumbnail (the
    whole frame as one tile) comes `"first"` or `"last"`, or not at all (None).
    """
    height, width = frame_size
    rows, cols = tiles
    tile_h, tile_w = height / rows, width / cols
    parts = [
        grid_boxes(tokens_per_side, tokens_per_side, (r * tile_h, c * tile_w, tile_h, tile_w))
        for r in range(rows) for c in range(cols)
    ]
    whole = grid_boxes(tokens_per_side, tokens_per_side, (0.0, 0.0, float(height), float(width)))
    if thumbnail == "first":
        parts.insert(0, whole)
    elif thumbnail == "last":
        parts.append(whole)
    return np.concatenate(parts, axis=0)


def internvl_tiles(image_processor: Any, frame_size: tuple[int, int]) -> tuple[int, int]:
    """(rows, cols) of InternVL's tiles for a frame, by the processor's own canvas choice."""
    from transformers.models.got_ocr2.image_processing_got_ocr2 import get_optimal_tiled_canvas

    if not getattr(image_processor, "crop_to_patches", False):
        return 1, 1
    size = image_processor.size
    cols, rows = get_optimal_tiled_canvas(frame_size, (size["height"], size["width"]),
                                          image_processor.min_patches,
                                          image_processor.max_patches)
    return int(rows), int(cols)


def idefics3_tiles(image_processor: Any, frame_size: tuple[int, int]) -> tuple[int, int]:
    """(rows, cols) of Idefics3/SmolVLM tiles for a frame, asked of the processor itself.

    The resize-then-split rule has several roundings; running the processor on a blank frame
    of the same size (`return_row_col_info`) cannot disagree with it.
    """
    blank = np.zeros((*frame_size, 3), np.uint8)
    info = image_processor([[blank]], return_row_col_info=True, return_tensors="np",
                           input_data_format="channels_last")
    rows, cols = int(np.ravel(info["rows"])[0]), int(np.ravel(info["cols"])[0])
    return (max(rows, 1), max(cols, 1)) if rows or cols else (1, 1)


# ----------------------------------------------------------------------------- rendering
def render(values: np.ndarray, boxes: np.ndarray, frame_size: tuple[int, int],
           grid: tuple[int, int]) -> np.ndarray:
    """Per-token values as a map on a rows x cols grid over the whole frame.

    A cell takes the mean of the tokens whose box holds its centre (0 where none does); tokens
    with NaN boxes (newlines) see no pixels and are left out.
    """
    values = np.asarray(values, np.float64).ravel()
    boxes = np.asarray(boxes, np.float64)
    if values.shape[0] != boxes.shape[0]:
        raise ValueError(f"{values.shape[0]} token values for {boxes.shape[0]} token boxes")
    height, width = frame_size
    rows, cols = grid
    keep = np.isfinite(boxes).all(axis=1)
    values, boxes = values[keep], boxes[keep]
    ys = (np.arange(rows) + 0.5) * height / rows
    xs = (np.arange(cols) + 0.5) * width / cols
    top, left = boxes[None, :, 0], boxes[None, :, 1]
    inside_y = (ys[:, None] >= top) & (ys[:, None] < top + boxes[None, :, 2])
    inside_x = (xs[:, None] >= left) & (xs[:, None] < left + boxes[None, :, 3])
    # (rows, tokens) x (cols, tokens) -> (rows, cols): sums and counts without a 3-D array.
    total = (inside_y * values[None]) @ inside_x.T.astype(np.float64)
    count = inside_y.astype(np.float64) @ inside_x.T.astype(np.float64)
    return np.where(count > 0, total / np.maximum(count, 1), 0.0).astype(np.float32)


def render_grid(boxes: np.ndarray, frame_size: tuple[int, int], max_side: int = 64
                ) -> tuple[int, int]:
    """A grid over the frame as fine as its finest token (capped at `max_side` cells a side)."""
    finite = boxes[np.isfinite(boxes).all(axis=1)]
    height, width = frame_size
    if not len(finite):
        return 1, 1
    cell = max(1e-6, float(min(finite[:, 2].min(), finite[:, 3].min())))
    rows = int(min(max_side, max(1, math.ceil(height / cell - 1e-6))))
    cols = int(min(max_side, max(1, math.ceil(width / cell - 1e-6))))
    return rows, cols
