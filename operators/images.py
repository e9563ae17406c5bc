"""Reading one image file as the operators see it: uint8 RGB, (height, width, 3).

A transparent image (PNG with alpha, 8 or 16 bits) is composited on black: a pixel's colour is
scaled by its opacity, so what is transparent reads as black, as it would show on a dark
screen, and never as whatever colour the file keeps under a zero alpha. Every time an alpha
channel is dropped, the note says so in the log and in the caller's record.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger("drivexplain.images")


def read_rgb(path: str | Path) -> tuple[np.ndarray, str | None]:
    """The image at `path` as uint8 RGB, and a note when an alpha channel was composited away.

    Raises FileNotFoundError (no such file) or ValueError (not a decodable image), naming it.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"image {path} does not exist")
    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if raw is None or raw.size == 0:
        raise ValueError(f"image {path} could not be decoded (not an image, or corrupt)")
    if raw.ndim == 3 and raw.shape[2] in (2, 4):
        scale = float(np.iinfo(raw.dtype).max) if raw.dtype.kind in "ui" else 1.0
        alpha = raw[..., -1:].astype(np.float32) / scale
        colour = raw[..., :-1].astype(np.float32) / scale
        # grey + alpha to RGB, or OpenCV's BGR to RGB
        colour = np.repeat(colour, 3, axis=2) if colour.shape[2] == 1 else colour[..., ::-1]
        rgb = np.clip(np.rint(colour * alpha * 255.0), 0, 255).astype(np.uint8)
        see_through = float((alpha < 1.0).mean())
        note = (
            f"{path.name} has an alpha channel: {see_through:.1%} of its pixels are not fully "
            "opaque and were composited on black" if see_through
            else f"{path.name} has an alpha channel; every pixel is opaque, so it was dropped"
        )
        log.warning("%s", note)
        return rgb, note
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)  # applies EXIF orientation, 8-bit
    if image is None:
        raise ValueError(f"image {path} could not be decoded (not an image, or corrupt)")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB), None
