"""Dense and presence supervision for TinyDriveCLIP, with masking augmentation.

Contrastive captions alone taught the first tiny CLIP too little about *which objects* are in a
frame (zero-shot presence AUC 0.52-0.65), and an explanation can only point at what the model
actually detects. The world knows every object's mask, so direct targets are added:

- presence: a sigmoid loss between the image embedding and every class name (SigLIP-style,
  multi-label), with a fixed centre (cosine 0.3) that present classes must exceed and absent
  ones stay below. On its own it let absent cosines drift to ~0.1 and below zero;
- dense: each labelled patch token, projected into the joint space, must name its class
  (MaskCLIP-style), so late-layer values carry localised semantics;
- background (stage 2): visible patches with no object must stay below the presence centre for
  every class name, so a patch map's maximum cannot sit on empty road;
- value path (stage 2): the last block's per-patch value vectors, read through `out_proj`,
  `ln_post`'s scale and `proj`, must name their class or nothing. This is exactly the quantity
  Concept Attribution's last-layer gradient d cos / d A[cls, j] reads, so it trains what the
  explanation looks at;
- absent floor (stage 2): absent classes must stay *above* a small positive cosine, from the
  other side, so they sit in a band (ABSENT_FLOOR, PRESENCE_CENTRE) as unrelated texts do in a
  real CLIP (cosine ~0.1-0.2, rarely negative). Concept Drop and Negative Suppression (eq. 4-5)
  are ratios of cosines: with absent cosines spread around zero, and blurring a region pulling
  them further down, Concept Drop of an absent concept was a ratio of two noisy numbers near
  zero (present-vs-absent AUROC 0.52; with the floor 0.97);
- object attention (tried in stage 2, off in the shipped recipe): the pooled token's attention in
  the late blocks must fall on object patches rather than on road and sky. Concept Attribution
  reads that attention twice, as its self-attention term and as the gate of its gradient term;
- colour (tried in stage 6, off in the shipped recipe): the same dense, value-path and presence
  targets over the coloured names ("silver car", "red traffic light"), so that the heatmap of
  a coloured concept can land on the object of that colour rather than on any car;
- masking augmentation: parts of some frames are replaced by the same Gaussian blur that
  Concept Drop uses as its fill, and the labels follow what is still visible. A blurred-out car
  is then "no car" to the model, so masking a region is an in-distribution counterfactual.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from drivexplain.operators.config import FaithfulnessConfig
from drivexplain.operators.faithfulness import fill_image
from drivexplain.operators.models.tiny_clip import height_width
from drivexplain.synthworld.instance import ObjectInstance
from drivexplain.synthworld.objects import CLASS_COLOURS, OBJECT_CLASSES
from drivexplain.synthworld.scene import Frame

PRESENCE_CENTRE = 0.3  # cosine where present and absent meet
PRESENCE_SHARPNESS = 20.0  # the loss saturates ~0.2 either side of the centre
ABSENT_FLOOR = 0.1  # stage 2: absent classes are held above this cosine (see absent_floor_loss)
PRESENT_VISIBLE = 0.6  # share of a salient object left visible for "present"
GONE_PIXELS = 2.0  # below this many visible input pixels a class counts as absent
PATCH_COVER = 0.25  # share of a patch one class must cover to label the patch
# The coloured names the colour targets teach, class by class.
COLOURED_NAMES: tuple[str, ...] = tuple(f"{colour} {cls}" for cls, colours in CLASS_COLOURS.items()
                                        for colour in colours)


def class_coverage(frame: Frame, size: int | tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(C, H, W) coverage of each class at the model input: salient instances, and all."""
    return _coverage(frame, size, OBJECT_CLASSES, lambda o: o.class_name)


def colour_coverage(frame: Frame, size: int | tuple[int, int]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """`class_coverage` over `COLOURED_NAMES`: (N, H, W), salient instances and all.

    A traffic light's colour is its lit lamp. The maps stack like the classes', so
    `presence_labels` and `patch_labels` read them unchanged.
    """
    return _coverage(frame, size, COLOURED_NAMES, lambda o: f"{o.colour} {o.class_name}")


def _coverage(frame: Frame, size: int | tuple[int, int], names: tuple[str, ...],
              name_of: Callable[[ObjectInstance], str]) -> tuple[np.ndarray, np.ndarray]:
    h, w = height_width(size)
    salient = np.zeros((len(names), h, w), np.float32)
    every = np.zeros_like(salient)
    index = {name: c for c, name in enumerate(names)}
    for o in frame.objects:
        c = index.get(name_of(o))
        if c is None:
            continue
        cover = cv2.resize(o.mask.astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)
        every[c] = np.maximum(every[c], cover)
        if o.salient:
            salient[c] = np.maximum(salient[c], cover)
    return salient, every


def presence_labels(salient: np.ndarray, every: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """(C,) 1 present, 0 absent, -1 unsure, given the (H, W) map of still-visible pixels;
    C is the number of coverage maps (classes, or `COLOURED_NAMES`).

    Present needs a salient instance mostly visible; absent needs nothing of the class left
    (not even a tiny far instance); anything between is left out of the loss.
    """
    out = np.full(len(salient), -1, np.int64)
    sal_total = salient.reshape(len(salient), -1).sum(1)
    sal_seen = (salient * visible).reshape(len(salient), -1).sum(1)
    any_seen = (every * visible).reshape(len(every), -1).sum(1)
    out[any_seen < GONE_PIXELS] = 0
    out[(sal_total > 0) & (sal_seen >= PRESENT_VISIBLE * np.maximum(sal_total, 1e-6))] = 1
    return out


def patch_labels(every: np.ndarray, visible: np.ndarray, grid: int | tuple[int, int],
                 min_cover: float = PATCH_COVER) -> np.ndarray:
    """(gh*gw,) class of the object covering most of each visible patch, -1 for none.

    `min_cover` decides whether thin objects are taught at all: at 0.25 on the 12x12 grid half
    of the salient pedestrians and 60 % of the traffic lights label no patch.
    """
    gh, gw = height_width(grid)

    def pool(x: np.ndarray) -> np.ndarray:
        return cv2.resize(x, (gw, gh), interpolation=cv2.INTER_AREA).ravel()

    seen = pool(visible)
    out = np.full(gh * gw, -1, np.int64)
    best = np.zeros(gh * gw, np.float32)
    for c in range(len(every)):
        if not every[c].any():
            continue
        cover = pool(every[c] * visible)
        take = (cover > best) & (cover >= min_cover) & (seen >= 0.5)
        out[take] = c
        best = np.maximum(best, cover)
    return out


def background_patches(
    every: np.ndarray, visible: np.ndarray, grid: int | tuple[int, int]
) -> np.ndarray:
    """(gh*gw,) True for patches that are visible and touch no object at all."""
    gh, gw = height_width(grid)
    seen = cv2.resize(visible, (gw, gh), interpolation=cv2.INTER_AREA).ravel()
    touched = cv2.resize((every * visible).max(0), (gw, gh),
                         interpolation=cv2.INTER_AREA).ravel()
    return (seen >= 0.5) & (touched == 0)


def random_region(
    every: np.ndarray, size: int | tuple[int, int], rng: np.random.Generator
) -> np.ndarray:
    """(H, W) {0,1} region: a smooth random blob, or one class's objects grown by a margin.

    Blobs look like the top-20 % masks of a heatmap; object regions make sure whole objects
    are removed (or kept) often enough to learn from.
    """
    h, w = height_width(size)
    present = [c for c in range(len(every)) if every[c].max() > 0]
    if present and rng.random() < 0.5:
        obj = every[int(rng.choice(present))] > 0
        grow = int(rng.integers(2, max(3, min(h, w) // 12)))
        kernel = np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)
        return cv2.dilate(obj.astype(np.uint8), kernel).astype(np.float32)
    coarse = rng.random((6, 6)).astype(np.float32)
    smooth = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    fraction = float(rng.uniform(0.1, 0.4))
    return (smooth >= np.quantile(smooth, 1 - fraction)).astype(np.float32)


def mask_augment(
    images: torch.Tensor,
    coverage: list[tuple[np.ndarray, np.ndarray]],
    rng: np.random.Generator,
    prob: float,
) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    """Blur a region away ("drop") or blur all but a region ("keep"), as CD and NS do.

    Returns the images, the (N, H, W) visible map and an (N,) flag of augmented images.
    """
    n, _, height, width = images.shape
    size = (height, width)
    visible = np.ones((n, height, width), np.float32)
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
                  labels: torch.Tensor, centre: float = PRESENCE_CENTRE,
                  pos_weight: torch.Tensor | None = None) -> torch.Tensor:
    """Sigmoid BCE of cos(image, class) around a fixed centre; entries of -1 are left out.

    `pos_weight` (C,) scales each class's present labels (`train_clip.presence_balance`)."""
    logits = PRESENCE_SHARPNESS * (image_features @ class_features.T - centre)
    keep = labels >= 0
    if not keep.any():
        return logits.sum() * 0.0
    weight = None
    if pos_weight is not None:
        weight = torch.where(labels == 1, pos_weight.expand_as(labels), 1.0)[keep]
    return F.binary_cross_entropy_with_logits(logits[keep], labels[keep].float(), weight=weight)


def absent_floor_loss(image_features: torch.Tensor, class_features: torch.Tensor,
                      labels: torch.Tensor) -> torch.Tensor:
    """Presence loss centred at ABSENT_FLOOR that counts absent classes (label 0) as above it.

    With the presence loss pushing the same cosines below PRESENCE_CENTRE, both saturate in the
    band between, so an absent concept's cosine is small, positive and stable under masking.
    """
    above = torch.where(labels == 0, 1, -1)
    return presence_loss(image_features, class_features, above, centre=ABSENT_FLOOR)


def background_loss(patch_features: torch.Tensor, class_features: torch.Tensor,
                    background: torch.Tensor) -> torch.Tensor:
    """Presence loss with label 0 for every class on the (B, P) `background` patches."""
    if not background.any():
        return patch_features.sum() * 0.0
    feats = F.normalize(patch_features, dim=-1)[background]
    return presence_loss(feats, class_features,
                         torch.zeros(len(feats), len(class_features), device=feats.device))


def wrong_class_spread_loss(patch_features: torch.Tensor, class_features: torch.Tensor,
                            labels: torch.Tensor, background: torch.Tensor) -> torch.Tensor:
    """Spread (std) of each patch's cosines with the class names it is *not*, in cosine units.

    A contrastive explanation reads cos(v, T+) - cos(v, T-) on every patch. Nothing else makes
    two wrong classes agree on a patch, so on a truck or on the road that difference is noise
    that can outscore a small true object. Labelled patches leave their own class out;
    background patches count every class; patches with neither are left out. Off in the shipped
    recipe: it lifted the baselines more than Concept Attribution (see the model card).
    """
    keep = (labels >= 0) | background
    if not keep.any():
        return patch_features.sum() * 0.0
    cos = F.normalize(patch_features, dim=-1)[keep] @ class_features.T
    wrong = torch.ones_like(cos, dtype=torch.bool)
    own = labels[keep]
    rows = torch.nonzero(own >= 0).squeeze(1)
    wrong[rows, own[rows]] = False
    count = wrong.sum(1, keepdim=True)
    mean = (cos * wrong).sum(1, keepdim=True) / count
    var = (((cos - mean) * wrong) ** 2).sum(1, keepdim=True) / count
    return (var + 1e-6).sqrt().mean()


def pooled_attention(block: torch.nn.Module, normed: torch.Tensor) -> torch.Tensor:
    """(B, H, N-1) attention of the pooled (first) token to the patches in `block`.

    `normed` is the block's `ln_1` output; the softmax runs over every key, as in the forward,
    and the patch columns are returned as they are (they sum to less than 1).
    """
    attn = block.attn
    b, n, width = normed.shape
    heads = attn.num_heads
    dh = width // heads
    q = normed[:, :1] @ attn.in_proj_weight[:width].T + attn.in_proj_bias[:width]
    k = normed @ attn.in_proj_weight[width:2 * width].T + attn.in_proj_bias[width:2 * width]
    q = q.view(b, 1, heads, dh).transpose(1, 2)
    k = k.view(b, n, heads, dh).transpose(1, 2)
    probs = torch.softmax(q @ k.transpose(-2, -1) / dh**0.5, dim=-1)
    return probs[:, :, 0, 1:]


def object_attention_loss(attention: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """−log of the share of the head-averaged patch attention that lands on labelled patches.

    `attention` is (B, H, P) from `pooled_attention`, `labels` (B, P) from `patch_labels`.
    Head-averaged, so single heads may still read context (weather, road) as long as the
    layer as a whole looks at objects. Frames with no labelled patch are left out.
    """
    objects = labels >= 0
    keep = objects.any(1)
    if not keep.any():
        return attention.sum() * 0.0
    mean = attention[keep].mean(1)
    share = (mean * objects[keep]).sum(1) / mean.sum(1).clamp_min(1e-12)
    return -(share.clamp_min(1e-6)).log().mean()


def value_path_features(block: torch.nn.Module, normed: torch.Tensor, ln_post: torch.nn.Module,
                        proj: torch.Tensor) -> torch.Tensor:
    """(B, N, D) joint-space reading of each token's value in `block` (an open_clip block).

    `normed` is the block's `ln_1` output. d cos / d A[cls, j] of the last block is the text
    direction, carried back through `proj` and `ln_post`, dotted with W_o v_j; this returns
    W_o v_j scaled by `ln_post`'s weight and projected, i.e. that reading without the
    per-frame normalisation constant.
    """
    attn = block.attn
    width = normed.shape[-1]
    w_v = attn.in_proj_weight[2 * width:]
    b_v = attn.in_proj_bias[2 * width:]
    values = normed @ w_v.T + b_v
    return (values @ attn.out_proj.weight.T) * ln_post.weight @ proj


def dense_loss(tokens: torch.Tensor, proj: torch.Tensor | None, class_features: torch.Tensor,
               logit_scale: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of each labelled patch's projected token against the class names.

    As in MaskCLIP, the patch tokens after `ln_post` and `proj` live in the joint space; making
    them name their class gives the late layers' values the localised semantics that attention-
    and gradient-based explanations read. `proj=None` means `tokens` are already projected.
    """
    keep = labels >= 0
    if not keep.any():
        return tokens.sum() * 0.0
    patch = F.normalize(tokens @ proj if proj is not None else tokens, dim=-1)[keep]
    return F.cross_entropy(logit_scale * patch @ class_features.T, labels[keep])
