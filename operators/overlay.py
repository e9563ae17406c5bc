"""Heatmap overlays for people to look at (PNG, the video writer, the report)."""

from __future__ import annotations

import cv2
import numpy as np


def overlay_heatmap(frame: np.ndarray, heatmap: np.ndarray, opacity: float = 0.6) -> np.ndarray:
    """Blend a [0, 1] heatmap of any resolution onto a uint8 RGB frame.

    The blend weight follows the heat itself, so background that suppression zeroed shows the
    untouched frame: a reviewer sees the scene, not a blue wash over it.
    """
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f"frame must be (H, W, 3) uint8 RGB, got {frame.shape} {frame.dtype}")
    if heatmap.ndim != 2:
        raise ValueError(f"heatmap must be 2-D, got shape {heatmap.shape}")
    height, width = frame.shape[:2]
    heat = cv2.resize(heatmap.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    heat = np.clip(np.nan_to_num(heat), 0.0, 1.0)
    colour = cv2.applyColorMap((heat * 255).astype(np.uint8), cv2.COLORMAP_JET)
    colour = cv2.cvtColor(colour, cv2.COLOR_BGR2RGB).astype(np.float32)
    weight = (opacity * heat)[..., None]
    blended = frame.astype(np.float32) * (1 - weight) + colour * weight
    return blended.round().astype(np.uint8)
