"""Heatmap overlays for people to look at (PNG, the video writer, the report), and the 8-bit
form in which heatmaps are kept in the frame logs.

A kept heatmap is the patch-grid map scaled to 0..255 and rounded: one byte per patch, so a
run's maps cost a few hundred bytes per frame and concept, and can be redrawn later in any
colormap without the model.
"""

from __future__ import annotations

import cv2
import numpy as np

# The colormaps an overlay can be drawn in, by the lower-case names OpenCV gives them.
COLORMAPS: dict[str, int] = {
    name[len("COLORMAP_"):].lower(): getattr(cv2, name)
    for name in dir(cv2) if name.startswith("COLORMAP_")
}
DEFAULT_COLORMAP = "jet"


def overlay_heatmap(frame: np.ndarray, heatmap: np.ndarray, opacity: float = 0.6,
                    colormap: str = DEFAULT_COLORMAP) -> np.ndarray:
    """Blend a [0, 1] heatmap of any resolution onto a uint8 RGB frame.

    The blend weight follows the heat itself, so background that suppression zeroed shows the
    untouched frame: a reviewer sees the scene, not a blue wash over it.
    """
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f"frame must be (H, W, 3) uint8 RGB, got {frame.shape} {frame.dtype}")
    if heatmap.ndim != 2:
        raise ValueError(f"heatmap must be 2-D, got shape {heatmap.shape}")
    if colormap not in COLORMAPS:
        raise ValueError(f"unknown colormap {colormap!r}; choose one of {sorted(COLORMAPS)}")
    height, width = frame.shape[:2]
    heat = cv2.resize(heatmap.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    heat = np.clip(np.nan_to_num(heat), 0.0, 1.0)
    colour = cv2.applyColorMap((heat * 255).astype(np.uint8), COLORMAPS[colormap])
    colour = cv2.cvtColor(colour, cv2.COLOR_BGR2RGB).astype(np.float32)
    weight = (opacity * heat)[..., None]
    blended = frame.astype(np.float32) * (1 - weight) + colour * weight
    return blended.round().astype(np.uint8)


def quantize_heatmaps(maps: np.ndarray) -> np.ndarray:
    """[0, 1] maps (any float dtype, any shape) as uint8 0..255; NaN and below 0 become 0."""
    values = np.clip(np.nan_to_num(np.asarray(maps, dtype=np.float32), nan=0.0), 0.0, 1.0)
    return np.rint(values * 255.0).astype(np.uint8)


def fuse_kept(maps: np.ndarray) -> np.ndarray:
    """Several kept (uint8) maps of one frame as one [0, 1] map: their maximum.

    The maximum, not the mean, so a concept that lights up alone still shows at full heat.
    """
    if maps.ndim != 3 or maps.shape[0] == 0:
        raise ValueError(f"expected (concepts, H, W) maps, got shape {maps.shape}")
    return maps.max(axis=0).astype(np.float32) / 255.0


def heat_rgba(kept: np.ndarray, colormap: str = DEFAULT_COLORMAP, opacity: float = 0.6
              ) -> np.ndarray:
    """One kept (uint8) map as an RGBA layer at its own resolution, to lay over a frame in a
    viewer: the colormap's colour, and an alpha that follows the heat as `overlay_heatmap`'s
    blend weight does."""
    if kept.ndim != 2 or kept.dtype != np.uint8:
        raise ValueError(f"expected a 2-D uint8 map, got {kept.shape} {kept.dtype}")
    if colormap not in COLORMAPS:
        raise ValueError(f"unknown colormap {colormap!r}; choose one of {sorted(COLORMAPS)}")
    colour = cv2.cvtColor(cv2.applyColorMap(kept, COLORMAPS[colormap]), cv2.COLOR_BGR2RGB)
    alpha = np.rint(kept.astype(np.float32) * opacity).astype(np.uint8)
    return np.dstack([colour, alpha])
