"""Typed results of Concept Attribution, small enough to ship through Ray.

Heatmaps are kept at patch resolution; the image-resolution map is computed on demand, so a
1080p frame's result stays a few kilobytes until a writer actually draws it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np


@dataclass
class ConceptResult:
    """Concept Attribution for one (frame, concept)."""

    concept: str
    contrastive: str | None
    similarity: float
    concept_drop: float | None
    negative_suppression: float | None
    heads: list[tuple[int, int]]
    heatmap: np.ndarray
    heatmap_fused: np.ndarray
    frame_size: tuple[int, int]
    present_concepts: tuple[str, ...] = ()

    def image_heatmap(self, size: tuple[int, int] | None = None) -> np.ndarray:
        """The final heatmap upsampled bilinearly to `size` (H, W), by default the frame's."""
        height, width = size or self.frame_size
        return cv2.resize(self.heatmap, (width, height), interpolation=cv2.INTER_LINEAR)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary without the arrays; NaN becomes None."""
        return {
            "concept": self.concept,
            "contrastive": self.contrastive,
            "similarity": finite(self.similarity),
            "concept_drop": finite(self.concept_drop),
            "negative_suppression": finite(self.negative_suppression),
            "heads": [list(h) for h in self.heads],
            "present_concepts": list(self.present_concepts),
        }


@dataclass
class FrameAttribution:
    """All concepts of one frame; `concepts` keeps the order in which they were asked.

    `vocabulary_similarity` is cos(I, v) for every concept v of the operator's contrastive
    vocabulary, in its order, when the operator computed it (auto contrastive mode), else None.
    """

    frame_size: tuple[int, int]
    concepts: list[ConceptResult] = field(default_factory=list)
    vocabulary_similarity: np.ndarray | None = None

    def __getitem__(self, concept: str) -> ConceptResult:
        for result in self.concepts:
            if result.concept == concept:
                return result
        raise KeyError(concept)


def finite(value: Any) -> float | None:
    """`value` as a float, or None when it is absent, NaN or infinite.

    The one rule for every logged measurement: JSON has no NaN, and a measurement that could
    not be made (a flat map, an overflowed gradient) must read as missing, not as a number.
    """
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None
