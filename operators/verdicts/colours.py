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

Paint is read after exposure compensation, since the value thresholds are absolute and night
darkens every surface alike: in the synthetic world a white car's value falls from about 0.9 to
0.3 and a silver one's to 0.19, where the names above read grey and black. A frame whose
90th-percentile value is under 0.5 is underexposed (night frames sit at 0.24-0.31, daylight,
rain and snow at 0.6 or more, on seeds 910000-910011, which no benchmark uses), and its values
are scaled until that percentile reaches 0.8, a daylight frame's, by at most 4x. A well-lit frame
is read as it is; that assumes a daylight frame's brightest tenth (sky, lit walls) is bright,
so a daylight view of dark asphalt alone would be brightened too. Lamps are read on the raw
value: they emit light and do not darken. On the coherence benchmark's calibration labels this
raised `p_grounded`'s out-of-fold AUROC from 0.9557 to 0.9605, and compensating black, silver
and white alone to 0.9594.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

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
# Exposure (module doc): a frame whose 90th-percentile value is under DARK_LEVEL is brightened
# until that percentile reaches EXPOSURE_TARGET, by at most MAX_GAIN.
EXPOSURE_PERCENTILE = 90.0
DARK_LEVEL = 0.5
EXPOSURE_TARGET = 0.8
MAX_GAIN = 4.0
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


class Planes(NamedTuple):
    """A frame in HSV: hue in degrees, saturation and value in 0..1, and `paint`, the value
    after `exposure_gain` (what a surface's value would be in a well-lit frame)."""

    hue: np.ndarray
    saturation: np.ndarray
    value: np.ndarray
    paint: np.ndarray


def exposure_gain(value: np.ndarray) -> float:
    """How much to brighten an underexposed frame: EXPOSURE_TARGET over the value at its
    EXPOSURE_PERCENTILE, at least 1 (a well-lit frame is left as it is) and at most MAX_GAIN."""
    level = float(np.percentile(value, EXPOSURE_PERCENTILE))
    if level >= DARK_LEVEL:
        return 1.0
    return float(np.clip(EXPOSURE_TARGET / max(level, EPS), 1.0, MAX_GAIN))


def hsv_planes(frame: np.ndarray) -> Planes:
    """The `Planes` of an RGB uint8 frame."""
    hsv = cv2.cvtColor(np.ascontiguousarray(frame, dtype=np.uint8), cv2.COLOR_RGB2HSV)
    value = hsv[..., 2].astype(np.float32) / 255.0
    return Planes(hsv[..., 0].astype(np.float32) * 2.0, hsv[..., 1].astype(np.float32) / 255.0,
                  value, np.minimum(value * exposure_gain(value), 1.0))


def colour_mask(planes: Planes, colour: str, lit: bool) -> np.ndarray:
    """Which pixels of a frame's `hsv_planes` show `colour` (module doc)."""
    hue, saturation = planes.hue, planes.saturation
    value = planes.value if lit else planes.paint
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
