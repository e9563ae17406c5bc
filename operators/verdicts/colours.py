"""Does the frame show the colour an answer names, where the concept's heatmap points?

A CLIP that tells a car from a truck may still not tell a black car from a silver one, or a red
traffic light from a green one: the shipped tiny CLIP separates the colours of a salient
traffic light at AUROC 0.4-0.7 on the calibration labels, and its p_grounded could not verify
any of them. The pixels can. Concept Attribution already says where the concept is, so the
colour under its heatmap is direct evidence for or against the colour the answer names.

`colour_shares` reads, for each coloured concept ("black car", "red traffic light"), the
heatmap-weighted share of the frame's pixels that show the concept's colour. It enters
`p_grounded` beside the CLIP's own readings (`operators.verdicts.grounding`); the calibration
learns how much it says for each model and domain, so reflections, white balance and worn paint
on real footage are weighed by `drivexplain calibrate` on the user's labels, not assumed away.

Colour names are fixed sectors of HSV (hue in degrees, saturation and value in 0..1), not
fitted:
- chromatic, saturation >= 0.35 and value >= 0.2: red below 15 or from 330, amber (orange)
  15-50, yellow 50-75, green 75-175, blue 175-265;
- achromatic: black is value < 0.2; with saturation < 0.2, silver (grey) is value 0.45-0.75
  and white above 0.75.
A lamp shows its colour by being lit, and a traffic light carries the unlit lamps of the other
colours too: for a lamp class only pixels of value >= 0.9 count. Other colour words (brown,
purple, ...) and concepts without a colour get None: no reading.

No forward pass: one HSV conversion per frame and one weighted sum per concept.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from drivexplain.operators.verdicts.lexicon import COLOUR_ALIASES

EPS = 1e-8
CHROMA_MIN_SATURATION = 0.35
CHROMA_MIN_VALUE = 0.2
HUES: dict[str, tuple[float, float]] = {  # [from, to) in degrees; red wraps round 0
    "red": (330.0, 15.0), "amber": (15.0, 50.0), "yellow": (50.0, 75.0),
    "green": (75.0, 175.0), "blue": (175.0, 265.0)}
GREY_MAX_SATURATION = 0.2
BLACK_MAX_VALUE = 0.2
SILVER_VALUES = (0.45, 0.75)
WHITE_MIN_VALUE = 0.75
LIT_MIN_VALUE = 0.9
# Classes that show a colour by a lit lamp rather than paint.
LAMP_CLASSES = frozenset({"traffic light"})
NAMED = frozenset(HUES) | {"black", "silver", "white"}


def colour_name(word: str) -> str | None:
    """The colour of `NAMED` a colour word means ("grey" -> "silver", "orange" -> "amber")."""
    word = word.lower()
    if word in NAMED:
        return word
    return next((a for a in COLOUR_ALIASES.get(word, ()) if a in NAMED), None)


def split_concept(concept: str) -> tuple[str, str] | None:
    """(colour, class) of a coloured concept ("black car" -> ("black", "car")), or None when
    the concept does not open with a colour this module can read."""
    words = concept.lower().split()
    if len(words) < 2:
        return None
    colour = colour_name(words[0])
    return (colour, " ".join(words[1:])) if colour else None


def hsv_planes(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hue in degrees, saturation and value in 0..1, of an RGB uint8 frame."""
    hsv = cv2.cvtColor(np.ascontiguousarray(frame, dtype=np.uint8), cv2.COLOR_RGB2HSV)
    return (hsv[..., 0].astype(np.float32) * 2.0, hsv[..., 1].astype(np.float32) / 255.0,
            hsv[..., 2].astype(np.float32) / 255.0)


def colour_mask(planes: tuple[np.ndarray, np.ndarray, np.ndarray], colour: str, lit: bool
                ) -> np.ndarray:
    """Which pixels of a frame's `hsv_planes` show `colour` (module doc)."""
    hue, saturation, value = planes
    if colour in HUES:
        lo, hi = HUES[colour]
        in_sector = (hue >= lo) | (hue < hi) if lo > hi else (hue >= lo) & (hue < hi)
        mask = in_sector & (saturation >= CHROMA_MIN_SATURATION) & (value >= CHROMA_MIN_VALUE)
    elif colour == "black":
        mask = value < BLACK_MAX_VALUE
    else:
        grey = saturation < GREY_MAX_SATURATION
        mask = grey & ((value > WHITE_MIN_VALUE) if colour == "white" else
                       (value >= SILVER_VALUES[0]) & (value <= SILVER_VALUES[1]))
    return mask & (value >= LIT_MIN_VALUE) if lit else mask


def colour_shares(frames: Sequence[np.ndarray], heatmaps: Sequence[dict[str, np.ndarray]]
                  ) -> list[dict[str, float]]:
    """For each frame b, the colour share of every coloured concept in `heatmaps[b]`.

    `frames[b]` is RGB uint8 (H, W, 3), as the actor holds it; `heatmaps[b]` maps a concept to
    its heatmap on any grid over the whole frame, resized here to the frame. The share is
    sum(heat * shows_colour) / sum(heat), heat min-max scaled to 0..1; a flat heatmap weighs
    the whole frame alike. Concepts without a readable colour are left out.
    """
    out: list[dict[str, float]] = []
    for frame, maps in zip(frames, heatmaps, strict=True):
        coloured = {c: parts for c in maps if (parts := split_concept(c)) is not None}
        shares: dict[str, float] = {}
        if coloured:
            planes = hsv_planes(frame)
            masks: dict[tuple[str, bool], np.ndarray] = {}
            for concept, (colour, cls) in coloured.items():
                key = (colour, cls in LAMP_CLASSES)
                if key not in masks:
                    masks[key] = colour_mask(planes, *key)
                shares[concept] = _weighted_share(maps[concept], masks[key])
        out.append(shares)
    return out


def _weighted_share(heatmap: np.ndarray, mask: np.ndarray) -> float:
    heat = cv2.resize(np.asarray(heatmap, np.float32), (mask.shape[1], mask.shape[0]),
                      interpolation=cv2.INTER_LINEAR)
    heat -= float(heat.min())
    top = float(heat.max())
    heat = heat / top if top > EPS else np.ones_like(heat)
    return float((heat * mask).sum() / max(float(heat.sum()), EPS))
