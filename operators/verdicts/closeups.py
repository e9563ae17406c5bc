"""Look closer: a concept's similarity in crops cut around its own heatmap's peak.

A whole-frame cosine cannot see an object that covers 1 % of the frame: its pixels are a
sliver of the pooled embedding. Concept Attribution already says *where* the concept would be,
so the crop around the concept's heatmap peak is where a close look pays. Each crop is cut from
the frame as the actor holds it (not from the model's squashed input), so a small object fills
more of the model's input than in the whole frame; all crops of a batch go through one no-grad
forward.

Two readings of a crop, each the best over the concept's crops, enter `p_grounded`:
- `crop_z`: the concept's cosine in standard deviations above the crop's mean over the
  vocabulary (the concept itself left out), as the whole frame's `vocab_z` is read;
- `crop_similarity`: the concept's raw cosine in the crop. A crop around one object holds few
  other concepts, so the vocabulary's spread there is mostly noise; a CLIP trained with a
  presence loss on raw cosines (the shipped one is) reads a crop better this way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

EPS = 1e-8
# What `drivexplain calibrate` measures crop_z with: the scale `benchmarks/verdicts/coherence.py`
# chose on its calibration frames for the shipped CLIP. A calibration file records its own scales,
# and a run cuts the crops its calibration names.
DEFAULT_CROP_SCALES: tuple[float, ...] = (0.7,)


@dataclass(frozen=True)
class Closeup:
    """A concept's best close-up readings, each the best over its crops (not one crop's)."""

    z: float
    similarity: float


def closeup_scores(
    operator: Any,
    frames: Sequence[np.ndarray],
    heatmaps: Sequence[dict[str, np.ndarray]],
    scales: Sequence[float],
) -> list[dict[str, Closeup]]:
    """The best crop readings of every concept in `heatmaps[b]`, for each frame b.

    `operator` is a `ConceptAttribution` (its backbone embeds the crops, its vocabulary is the
    reference the z-score is taken against); `heatmaps[b]` maps each concept of frame b to its
    heatmap on any grid over the whole frame. One crop per scale per concept, all in one
    forward. Returns an empty dict for a frame with no concepts.
    """
    import torch
    import torch.nn.functional as F

    # here, not at the top: crops imports torch, and the verdict types this module's importers
    # need must not cost every decode and write worker a torch import
    from drivexplain.operators.crops import peak_boxes

    if not scales:
        return [{} for _ in frames]
    crops: list[np.ndarray] = []
    owners: list[tuple[int, str]] = []
    for b, (frame, maps) in enumerate(zip(frames, heatmaps, strict=True)):
        for concept, heatmap in maps.items():
            for box in peak_boxes(heatmap, frame.shape[:2], scales):
                crops.append(frame[box.slices])
                owners.append((b, concept))
    out: list[dict[str, Closeup]] = [{} for _ in frames]
    if not crops:
        return out
    names, vocab_text = operator.vocabulary()
    concepts = list(dict.fromkeys(concept for _, concept in owners))
    backbone = operator.backbone
    with torch.no_grad():
        image = F.normalize(backbone.embed_images(backbone.preprocess(crops)).float(), dim=-1)
        vocab_sims = (image @ vocab_text.float().T).cpu().numpy()
        concept_sims = (image @ backbone.encode_text(concepts).float().T).cpu().numpy()
    lowered = np.array([n.lower() for n in names])
    column = {c: k for k, c in enumerate(concepts)}
    for row, (b, concept) in enumerate(owners):
        others = vocab_sims[row][lowered != concept.lower()]
        std = float(others.std())
        similarity = float(concept_sims[row, column[concept]])
        z = (similarity - float(others.mean())) / std if std > EPS else 0.0
        seen = out[b].get(concept)
        out[b][concept] = Closeup(z, similarity) if seen is None else Closeup(
            max(seen.z, z), max(seen.similarity, similarity))
    return out
