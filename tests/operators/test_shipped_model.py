"""The shipped TinyDriveCLIP detects and localises the world's objects (held-out seeds).

These are the product's claims about its embedded default, checked on frames no training or
benchmark run used (seeds from 950,000). Thresholds sit below the values measured when the
weights were trained (see weights/tiny-drive-clip/MODEL_CARD.md), so a regression in the
weights, the preprocessing or the operator fails here.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from drivexplain.operators.attribution import ConceptAttribution
from drivexplain.operators.config import AttributionConfig, ModelConfig
from drivexplain.operators.models.backbone import OpenClipViT
from drivexplain.synthworld.objects import OBJECT_CLASSES
from drivexplain.synthworld.scene import render_scene

SEED = 950_000
FRAMES = 16
TOLERANCE_PX = 15
# Measured on the shipped weights (stage 9); stage 2's weights before them in brackets.
MIN_PRESENCE_AUROC = 0.9  # measured 0.942 (0.958)
# objects of at least 1 % of the frame, strategy `both`: measured 0.783, 18 of 23 (0.826, 19)
MIN_POINTING = 0.75
# present (60) vs absent (30) concepts: measured CD 0.908, NS 0.916 (0.908, 0.922). The weights
# trained without the absent floor (see the model card) give CD 0.48 here and fail.
MIN_CD_AUROC = 0.85
MIN_NS_AUROC = 0.85


@pytest.fixture(scope="module")
def shipped() -> OpenClipViT:
    bb = OpenClipViT.from_config(ModelConfig())
    assert "random-init" not in bb.model_id
    return bb


@pytest.fixture(scope="module")
def frames() -> list:
    return [render_scene(SEED + i, size=(640, 360)) for i in range(FRAMES)]


def test_class_names_detect_present_objects(shipped, frames) -> None:
    embedding = shipped.embed_images(shipped.preprocess([f.image for f in frames]))
    image = embedding / embedding.norm(dim=-1, keepdim=True)
    cos = (image @ shipped.encode_text(list(OBJECT_CLASSES)).T).detach().numpy()
    y, score = [], []
    for i, frame in enumerate(frames):
        for c, name in enumerate(OBJECT_CLASSES):
            present = any(o.class_name == name and o.salient for o in frame.objects)
            absent = all(o.class_name != name for o in frame.objects)
            if present or absent:
                y.append(present)
                score.append(cos[i, c])
    assert roc_auc_score(y, score) >= MIN_PRESENCE_AUROC


def test_concept_attribution_points_at_the_object(shipped, frames) -> None:
    concepts, masks = [], []
    for frame in frames:
        names = sorted({o.class_name for o in frame.objects if o.salient})
        keep = [n for n in names if frame.mask_for(n).mean() >= 0.01]
        concepts.append(keep)
        masks.append([frame.mask_for(n) for n in keep])
    used = [i for i, c in enumerate(concepts) if c]
    results = ConceptAttribution(shipped, AttributionConfig()).explain(
        [frames[i].image for i in used], [concepts[i] for i in used]
    )
    kernel = np.ones((2 * TOLERANCE_PX + 1,) * 2, np.uint8)
    hits = []
    for i, result in zip(used, results, strict=True):
        for concept, mask in zip(result.concepts, masks[i], strict=True):
            heat = cv2.resize(concept.heatmap, (mask.shape[1], mask.shape[0]),
                              interpolation=cv2.INTER_LINEAR)
            y, x = np.unravel_index(int(heat.argmax()), heat.shape)
            hits.append(bool(cv2.dilate(mask.astype(np.uint8), kernel)[y, x]))
    assert len(hits) >= 20
    assert np.mean(hits) >= MIN_POINTING


def test_faithfulness_metrics_separate_present_from_absent_concepts(shipped, frames) -> None:
    concepts, present = [], []
    for frame in frames:
        here = sorted({o.class_name for o in frame.objects if o.salient})
        gone = [n for n in OBJECT_CLASSES if all(o.class_name != n for o in frame.objects)]
        concepts.append(here + gone[:2])
        present += [True] * len(here) + [False] * len(gone[:2])
    results = ConceptAttribution(shipped, AttributionConfig()).explain(
        [f.image for f in frames], concepts
    )
    cd = [c.concept_drop for r in results for c in r.concepts]
    ns = [c.negative_suppression for r in results for c in r.concepts]
    assert 20 <= sum(present) and 20 <= len(present) - sum(present)
    assert roc_auc_score(present, cd) >= MIN_CD_AUROC
    assert roc_auc_score(present, ns) >= MIN_NS_AUROC
