"""Lighting and weather: the palette a scene is painted with, and the overlays applied after.

Conditions change the pixels but never the masks: rain streaks and snowflakes fall in front of
objects without making them less present, which is what a concept audit should expect.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

CONDITIONS: tuple[str, ...] = ("clear", "rain", "snow", "night")
CONDITION_WEIGHTS: tuple[float, ...] = (0.5, 0.17, 0.16, 0.17)

# Vocabulary concepts a condition settles for the whole frame: the conditions where each is true.
# Rain darkens the road (its palette), so the road is wet in rain; snow covers it. Whether the
# road under snow is also wet the world does not say (`UNSETTLED`), so snow frames are neither
# for "wet road".
CONDITION_CONCEPTS: dict[str, frozenset[str]] = {
    "night": frozenset({"night"}),
    "rain": frozenset({"rain"}),
    "snow": frozenset({"snow"}),
    "wet road": frozenset({"rain"}),
    "snowy road": frozenset({"snow"}),
}
UNSETTLED: dict[str, frozenset[str]] = {"wet road": frozenset({"snow"})}

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Palette:
    sky_top: RGB
    sky_bottom: RGB
    road: RGB
    sidewalk: RGB
    curb: RGB
    marking: RGB
    verge: RGB


PALETTES: dict[str, Palette] = {
    "clear": Palette((70, 130, 215), (175, 210, 240), (92, 92, 98), (165, 160, 150),
                     (200, 200, 195), (240, 240, 235), (95, 140, 70)),
    "rain": Palette((95, 100, 110), (150, 155, 162), (62, 64, 70), (120, 120, 122),
                    (150, 150, 150), (200, 200, 200), (70, 95, 60)),
    "snow": Palette((175, 180, 190), (215, 218, 225), (140, 142, 148), (232, 234, 240),
                    (245, 245, 248), (225, 225, 228), (236, 238, 242)),
    "night": Palette((5, 8, 25), (25, 30, 55), (70, 70, 76), (120, 118, 112),
                     (150, 150, 145), (220, 220, 215), (45, 60, 40)),
}


def condition_truth(concept: str, condition: str) -> bool | None:
    """Whether `concept` holds in a frame of `condition` ("rain" in rain: True, "night" in
    snow: False); None when the condition does not settle it or the concept is no condition's."""
    key = " ".join(concept.lower().split())
    if key not in CONDITION_CONCEPTS or condition in UNSETTLED.get(key, frozenset()):
        return None
    return condition in CONDITION_CONCEPTS[key]


def check_condition(condition: str) -> str:
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; expected one of {CONDITIONS}")
    return condition


@lru_cache(maxsize=32)
def sky_gradient(width: int, height: int, horizon: int, condition: str) -> np.ndarray:
    """Cached because it is the same for every frame of a clip."""
    pal = PALETTES[condition]
    rows = max(horizon, 1)
    t = np.linspace(0.0, 1.0, rows, dtype=np.float32)[:, None]
    col = (1 - t) * np.array(pal.sky_top, np.float32) + t * np.array(pal.sky_bottom, np.float32)
    sky = np.broadcast_to(col[:, None, :], (rows, width, 3)).astype(np.uint8)
    sky.setflags(write=False)
    return sky


@lru_cache(maxsize=32)
def _night_gain(width: int, height: int, horizon: int) -> np.ndarray:
    """Darkness everywhere except the ego headlight pool on the road ahead."""
    gain = np.full((height, width), 0.32, np.float32)
    pool = np.zeros((height, width), np.float32)
    cx = width / 2
    pts = np.array([[cx - 0.08 * width, horizon + 0.25 * (height - horizon)],
                    [cx + 0.08 * width, horizon + 0.25 * (height - horizon)],
                    [width * 0.95, height], [width * 0.05, height]], np.int32)
    cv2.fillPoly(pool, [pts], 1.0)
    pool = cv2.GaussianBlur(pool, (0, 0), sigmaX=max(width / 40, 1.0))
    gain += 0.5 * pool
    return np.repeat(gain[:, :, None], 3, axis=2)


def apply_condition(image: np.ndarray, condition: str, horizon: int,
                    rng: np.random.Generator) -> None:
    """Weather overlays in place; `rng` makes streak/flake positions vary frame to frame."""
    h, w = image.shape[:2]
    if condition == "night":
        gain = _night_gain(w, h, horizon)
        np.multiply(image, gain, out=image, casting="unsafe")
    elif condition == "rain":
        n = max(20, w // 3)
        x0 = rng.integers(0, w + h // 4, n)
        y0 = rng.integers(-h // 10, h, n)
        length = rng.integers(max(2, h // 30), max(3, h // 12), n)
        pts = np.stack([np.stack([x0, y0], 1), np.stack([x0 - length // 4, y0 + length], 1)], 1)
        cv2.polylines(image, list(pts.astype(np.int32)), False, (185, 188, 198), 1)
    elif condition == "snow":
        n = max(30, w // 2)
        xs = rng.integers(0, w, n)
        ys = rng.integers(0, h, n)
        rs = rng.integers(1, max(2, w // 300) + 1, n)
        for x, y, r in zip(xs.tolist(), ys.tolist(), rs.tolist(), strict=True):
            cv2.circle(image, (x, y), r, (250, 250, 252), -1)
