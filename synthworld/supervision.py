"""Dense and presence supervision for TinyDriveCLIP, with masking augmentation.

Contrastive captions alone taught the first tiny CLIP too little about *which objects* are in a
frame (zero-shot presence AUC 0.52-0.65), and an explanation can only point at what the model
actually detects. The world knows every object's mask, so three direct targets are added:

- presence: a sigmoid loss between the image embedding and every class name (SigLIP-style,
  multi-label), with a fixed centre so absent classes settle at a small *positive* cosine and
  present ones well above it. Concept Drop and Negative Suppression (eq. 4-5) are ratios of
  cosines, so the absent level must stay away from zero for them to be stable;
- dense: each labelled patch token, projected into the joint space, must name its class
  (MaskCLIP-style), so late-layer values carry localised semantics;
- masking augmentation: parts of some frames are replaced by the same Gaussian blur that
  Concept Drop uses as its fill, and the labels follow what is still visible. A blurred-out car
  is then "no car" to the model, so masking a region is an in-distribution counterfactual.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from operators.config import FaithfulnessConfig
from operators.faithfulness import fill_image
from synthworld.objects import OBJECT_CLASSES
from synthworld.scene import Frame

PRESENCE_CENTRE = 0.3  # cosine where present and absent meet
PRESENCE_SHARPNESS = 20.0  # the loss saturates ~0.2 either side of the centre
PRESENT_VISIBLE = 0.6  # share of a salient object left visible for "present"
GONE_PIXELS = 2.0  # below this many visible input pixels a class counts as absent
PATCH_COVER = 0.25  # share of a patch one class must cover to label the patch


def class_coverage(frame: Frame, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(C, S, S) coverage of each class at the model input: salient instances, and all."""
    salient = np.zeros((len(OBJECT_CLASSES), size, size), np.float32)
    every = np.zeros_like(salient)
    index = {name: c for c, name in enumerate(OBJECT_CLASSES)}
    for o in frame.objects:
        cover = cv2.resize(o.mask.astype(np.float32), (size, size), interpolation=cv2.INTER_AREA)
        c = index[o.class_name]
        every[c] = np.maximum(every[c], cover)
        if o.salient:
            salient[c] = np.maximum(salient[c], cover)
    return salient, every


def presence_labels(salient: np.ndarray, every: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """(C,) 1 present, 0 absent, -1 unsure, given the (S, S) map of still-visible pixels.

    Present needs a salient instance mostly visible; absent needs nothing of the class left
    (not even a tiny far instance); anything between is left out of the loss.
    """
    out = np.full(len(OBJECT_CLASSES), -1, np.int64)
    sal_total = salient.reshape(len(salient), -1).sum(1)
    sal_seen = (salient * visible).reshape(len(salient), -1).sum(1)
    any_seen = (every * visible).reshape(len(every), -1).sum(1)
    out[any_seen < GONE_PIXELS] = 0
    out[(sal_total > 0) & (sal_seen >= PRESENT_VISIBLE * np.maximum(sal_total, 1e-6))] = 1
    return out


def patch_labels(every: np.ndarray, visible: np.ndarray, grid: int) -> np.ndarray:
    """(grid*grid,) class of the object covering most of each visible patch, -1 for none."""
    def pool(x: np.ndarray) -> np.ndarray:
        return cv2.resize(x, (grid, grid), interpolation=cv2.INTER_AREA).ravel()

    seen = pool(visible)
    out = np.full(grid * grid, -1, np.int64)
    best = np.zeros(grid * grid, np.float32)
    for c in range(len(every)):
        if not every[c].any():
            continue
        cover = pool(every[c] * visible)
        take = (cover > best) & (cover >= PATCH_COVER) & (seen >= 0.5)
        out[take] = c
        best = np.maximum(best, cover)
    return out


def random_region(every: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """(S, S) {0,1} region: a smooth random blob, or one class's objects grown by a margin.

    Blobs look like the top-20 % masks of a heatmap; object regions make sure whole objects
    are removed (or kept) often enough to learn from.
    """
    present = [c for c in range(len(every)) if every[c].max() > 0]
    if present and rng.random() < 0.5:
        obj = every[int(rng.choice(present))] > 0
        grow = int(rng.integers(2, max(3, size // 12)))
        kernel = np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)
        return cv2.dilate(obj.astype(np.uint8), kernel).astype(np.float32)
    coarse = rng.random((6, 6)).astype(np.float32)
    smooth = cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC)
    fraction = float(rng.uniform(0.1, 0.4))
    return (smooth >= np.quantile(smooth, 1 - fraction)).astype(np.float32)


def mask_augment(
    images: torch.Tensor,
    coverage: list[tuple[np.ndarray, np.ndarray]],
    rng: np.random.Generator,
    prob: float,
) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    """Blur a region away ("drop") or blur all but a region ("keep"), as CD and NS do.

    Returns the images, the (N, S, S) visible map and an (N,) flag of augmented images.
    """
    n, _, size, _ = images.shape
    visible = np.ones((n, size, size), np.float32)
    changed = np.zeros(n, bool)
    for i in range(n):
        if rng.random() >= prob:
            continue
        region = random_region(coverage[i][1], size, rng)
        visible[i] = 1.0 - region if rng.random() < 0.6 else region
        changed[i] = True
    if changed.any():
        fill = fill_image(images[changed], FaithfulnessConfig())
        keep = torch.from_numpy(visible[changed])[:, None]
        images = images.clone()
        images[changed] = keep * images[changed] + (1 - keep) * fill
    return images, visible, changed


def presence_loss(image_features: torch.Tensor, class_features: torch.Tensor,
                  labels: torch.Tensor) -> torch.Tensor:
    """Sigmoid BCE of cos(image, class) around a fixed centre; entries of -1 are left out."""
    logits = PRESENCE_SHARPNESS * (image_features @ class_features.T - PRESENCE_CENTRE)
    keep = labels >= 0
    if not keep.any():
        return logits.sum() * 0.0
    return F.binary_cross_entropy_with_logits(logits[keep], labels[keep].float())


def dense_loss(tokens: torch.Tensor, proj: torch.Tensor, class_features: torch.Tensor,
               logit_scale: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of each labelled patch's projected token against the class names.

    As in MaskCLIP, the patch tokens after `ln_post` and `proj` live in the joint space; making
    them name their class gives the late layers' values the localised semantics that attention-
    and gradient-based explanations read.
    """
    keep = labels >= 0
    if not keep.any():
        return tokens.sum() * 0.0
    patch = F.normalize(tokens @ proj, dim=-1)[keep]
    return F.cross_entropy(logit_scale * patch @ class_features.T, labels[keep])
