"""Localisation and faithfulness of Concept Attribution against ground-truth masks.

Run:  python benchmarks/localisation/localisation.py [--split 900000:60 --split 700000:120]
      [--min-pairs 30]
      [--json benchmarks/results/localisation.json] [--input-size WxH] [--lean] [--tiled grid]
      [--sweep]

Frames: every `--split SEED:COUNT` is a range of held-out seeds (below 1,000,000, never trained
on); the default is the evaluation set, the benchmark's own 60 frames (900000..) and the
validation split's 120 (700000..), pooled. `--seed`/`--frames` still name one range.
Sample size: every object class needs `--min-pairs` (frame, class) pairs (default 30). A class
short of it after the splits (bicycles: about one pair in ten frames) is topped up by rendering
further held-out frames from seed 600000 upwards, in order, keeping a frame only when the short
class is salient in it, and adding only that class's pair from it (the frame's other classes
would tilt the overall mix towards the scenes that hold rare classes). Those pairs carry
`extra`; they count in every per-class, per-size and overall figure.
`--input-size` runs every method at another model input size than the model's own (e.g. 252x144
for a square model; sizes are width x height, as `--size`).

For every salient object class in a frame:
- targets: the class's mask over *any* instance (today's target, counting tiny non-salient
  instances near the vanishing point) and over its *salient* instances only (those the
  captions name, >= 0.15 % of the frame);
- pointing game (Zhang et al.): the map's argmax hits when it lies within a 31x31 pixel square
  centred on a mask pixel, i.e. Chebyshev distance <= 15 px from the mask (a dilation by a
  31x31 square), on the 640x360 frame; strict pointing: the argmax inside the mask itself;
- mask IoU of the map thresholded at its mean and the share of the map's energy inside the
  mask (any-instance target); pointing per class and per object size (< 1 %, 1-3 %, >= 3 % of
  the frame), each with a 95 % Wilson interval;
- faithfulness: deletion and insertion AUC - the most relevant patches are blurred out (or
  revealed on a blurred frame) in 10 % steps, and the zero-shot probability of the concept
  among all object classes is integrated over the curve (deletion: lower is better);
- methods: Concept Attribution as configured by default (`CA default`), its head strategies
  (paper's alpha=0.8, beta=0.5), its gradient term alone (alpha=1, beta=1), no contrast (an
  ablation), tiled CA (operators/tiling.py; `--tiled`, default the 2x2 grid, `pyramid` on
  request), and the model baselines of `operators/baselines.py` (LeGrad and Grad-CAM through
  their authors' packages); `--lean` keeps CA default, the tiled variants, the baselines and the
  priors, and skips deletion/insertion and the sanity checks (the README's table is a lean run);
- no-model priors, which show what knowing where classes usually sit is worth: the frame
  centre, and per class a location prior fitted on training seeds (40,000,000.., the shipped
  CLIP's stage-2 range): the best point (the pixel whose 31x31 square hit the class's
  any-instance mask most often there) and the mean centre (the mean of the masks' centroids);
- sanity: heatmaps of a weight-randomised model must differ (rank correlation), and Concept
  Drop / Negative Suppression must separate present from absent concepts (AUROC);
- uncertainty: a 95 % interval for every method's pointing, and for `CA default`'s difference
  to every other method and prior, by resampling frames (the pairs of one frame share its
  scene, so frames are the independent units), with McNemar's exact test on the pairs where
  exactly one of the two hits; for both targets;
- `--sweep`: the paper's parameter study, alpha in {0, .5, .8, 1} x beta in {.1, .5, 1, 10}, with
  concept specificity (correlation between heatmaps of different concepts in one frame; lower =
  more specific), and the contrast's weight gamma in {0, .25, .5, 1}, which the paper leaves
  unspecified.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import open_clip
import torch
import torch.nn.functional as F
from scipy.stats import binomtest
from sklearn.metrics import roc_auc_score

from drivexplain.operators.attribution import ConceptAttribution
from drivexplain.operators.baselines import BASELINES
from drivexplain.operators.config import (
    AttributionConfig,
    ContrastiveConfig,
    FaithfulnessConfig,
    HeadSelectionConfig,
    ModelConfig,
)
from drivexplain.operators.faithfulness import fill_image
from drivexplain.operators.models.backbone import OpenClipViT
from drivexplain.synthworld.scene import OBJECT_CLASSES, render_scene

HELD_OUT_SEED = 900_000
VALIDATION_SEED = 700_000
EVALUATION_SPLITS = ((HELD_OUT_SEED, 60), (VALIDATION_SEED, 120))
TOP_UP_SEED = 600_000  # rare-class top-up frames (held out, used by nothing else)
TOP_UP_LIMIT = 5000
TRAINING_SEED = 40_000_000  # stage 2 of the shipped CLIP's training (its model card)
PRIOR_STEP = 4  # candidate pixels of the best-point prior: every 4th row and column
# Seeds below this are never trained on (configs/train_tiny_clip*.yaml: eval_seed_limit).
EVALUATION_SEED_LIMIT = 1_000_000
CONTRAST_WEIGHTS = (0.0, 0.25, 0.5, 1.0)
POINTING_TOLERANCE_PX = 15
MIN_AREA = 0.002
STEPS = 10
BOOTSTRAP = 2000


@dataclass
class Pair:
    """One (frame, class) to localise: its any-instance mask and its salient-instance mask."""

    frame: int
    concept: str
    mask: np.ndarray
    salient_mask: np.ndarray | None = None
    extra: bool = False  # from the rare-class top-up

    @property
    def salient(self) -> np.ndarray:
        return self.mask if self.salient_mask is None else self.salient_mask


def salient_mask(frame, concept: str) -> np.ndarray:
    """Union of the masks of the class's salient instances."""
    mask = np.zeros(frame.image.shape[:2], bool)
    for o in frame.objects:
        if o.class_name == concept and o.salient:
            mask |= o.mask
    return mask


def frame_pairs(frame, index: int, classes: set[str] | None = None) -> list[Pair]:
    """The frame's salient classes (optionally only `classes`) whose mask is >= MIN_AREA."""
    out = []
    for concept in sorted({o.class_name for o in frame.objects if o.salient}):
        if classes is not None and concept not in classes:
            continue
        mask = frame.mask_for(concept)
        if mask.mean() >= MIN_AREA:
            out.append(Pair(index, concept, mask, salient_mask(frame, concept)))
    return out


def held_out_frames(
    count: int, size: tuple[int, int], seed: int = HELD_OUT_SEED
) -> tuple[list, list[Pair], list[tuple]]:
    """Frames, the (frame, concept) pairs to localise, and (frame, concept, present) labels."""
    if seed < 0 or seed + count > EVALUATION_SEED_LIMIT:
        raise ValueError(
            f"frames {seed}..{seed + count - 1} leave the held-out seeds 0..."
            f"{EVALUATION_SEED_LIMIT - 1}; the tiny CLIP was trained on seeds above them"
        )
    frames, pairs, labels = [], [], []
    for i in range(count):
        frame = render_scene(seed + i, size=size)
        frames.append(frame)
        anywhere = {o.class_name for o in frame.objects}
        for pair in frame_pairs(frame, i):
            pairs.append(pair)
            labels.append((i, pair.concept, True))
        rng = np.random.default_rng(i)
        absent = [c for c in OBJECT_CLASSES if c not in anywhere]
        for concept in rng.permutation(absent)[:2]:
            labels.append((i, str(concept), False))
    return frames, pairs, labels


def evaluation_frames(
    splits: list[tuple[int, int]], size: tuple[int, int], min_pairs: int,
    limit: int = TOP_UP_LIMIT,
) -> tuple[list, list[Pair], list[tuple], dict]:
    """The splits' frames pooled, then the rare-class top-up (module docstring)."""
    frames, pairs, labels = [], [], []
    for seed, count in splits:
        f, p, lab = held_out_frames(count, size, seed)
        offset = len(frames)
        frames += f
        pairs += [Pair(x.frame + offset, x.concept, x.mask, x.salient_mask) for x in p]
        labels += [(i + offset, c, present) for i, c, present in lab]
    counts = {c: sum(p.concept == c for p in pairs) for c in OBJECT_CLASSES}
    before = dict(counts)
    short = {c for c, n in counts.items() if n < min_pairs}
    seed = TOP_UP_SEED
    while short and seed < TOP_UP_SEED + limit:
        frame = render_scene(seed, size=size)
        seed += 1
        added = frame_pairs(frame, len(frames), short)
        if added:
            frames.append(frame)
            for pair in added:
                pair.extra = True
                pairs.append(pair)
                counts[pair.concept] += 1
        short = {c for c in short if counts[c] < min_pairs}
    top_up = {
        "first_seed": TOP_UP_SEED,
        "seeds_scanned": seed - TOP_UP_SEED,
        "frames_added": len(frames) - sum(count for _, count in splits),
        "pairs_before": before,
        "pairs_after": counts,
        "still_short": sorted(short),
    }
    return frames, pairs, labels, top_up


def fit_priors(count: int, size: tuple[int, int]) -> dict[str, dict[str, tuple[int, int]]]:
    """Per class, the best point and the mean centre (y, x) on `count` training frames."""
    w, h = size
    hits: dict[str, np.ndarray] = {}
    centres: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for i in range(count):
        frame = render_scene(TRAINING_SEED + i, size=size)
        for pair in frame_pairs(frame, i):
            near = near_mask(pair.mask)[::PRIOR_STEP, ::PRIOR_STEP]
            hits.setdefault(pair.concept, np.zeros(near.shape, np.int32))
            hits[pair.concept] += near
            ys, xs = np.nonzero(pair.mask)
            centres[pair.concept].append((float(ys.mean()), float(xs.mean())))
    priors: dict[str, dict[str, tuple[int, int]]] = {}
    for concept in OBJECT_CLASSES:
        if concept not in hits:
            priors[concept] = {"best point": (h // 2, w // 2), "mean centre": (h // 2, w // 2)}
            continue
        r, c = np.unravel_index(int(hits[concept].argmax()), hits[concept].shape)
        cy, cx = np.mean(centres[concept], axis=0)
        priors[concept] = {
            "best point": (int(r * PRIOR_STEP), int(c * PRIOR_STEP)),
            "mean centre": (round(float(cy)), round(float(cx))),
        }
    return priors


def point_metrics(y: int, x: int, pair: Pair, near: np.ndarray, near_salient: np.ndarray) -> dict:
    """A no-model prior names a point, not a map: pointing only (IoU and energy are NaN)."""
    return {
        "pointing": float(near[y, x]),
        "pointing_strict": float(pair.mask[y, x]),
        "iou": float("nan"),
        "energy": float("nan"),
        "pointing_salient": float(near_salient[y, x]),
        "pointing_salient_strict": float(pair.salient[y, x]),
    }


def wilson(hits: np.ndarray) -> list[float]:
    """95 % Wilson interval of a hit rate (NaN for no pairs)."""
    n = len(hits)
    if n == 0:
        return [float("nan"), float("nan")]
    ci = binomtest(int(np.sum(hits)), n).proportion_ci(0.95, method="wilson")
    return [float(ci.low), float(ci.high)]


def breakdown(rows: list[dict], pairs: list[Pair], key: str) -> dict:
    """Pointing (`key`) per class and per size bin, each with its n and Wilson interval."""
    hits = np.array([r[key] for r in rows])
    area = np.array([p.mask.mean() for p in pairs])
    out: dict[str, dict] = {"class": {}, "size": {}}
    for concept in OBJECT_CLASSES:
        inside = np.array([p.concept == concept for p in pairs])
        if inside.any():
            out["class"][concept] = {"pointing": float(hits[inside].mean()),
                                     "n": int(inside.sum()), "ci95": wilson(hits[inside])}
    for name, (lo, hi) in SIZE_BUCKETS.items():
        inside = (area >= lo) & (area < hi)
        out["size"][name] = {"pointing": float(hits[inside].mean()) if inside.any() else
                             float("nan"), "n": int(inside.sum()), "ci95": wilson(hits[inside])}
    return out


def near_mask(mask: np.ndarray) -> np.ndarray:
    """The mask dilated by the pointing-game tolerance: a peak there counts as a hit."""
    kernel = np.ones((2 * POINTING_TOLERANCE_PX + 1,) * 2, np.uint8)
    return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)


def upsample(heat: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return cv2.resize(heat.astype(np.float32), (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)


def localisation_metrics(
    heat: np.ndarray,
    mask: np.ndarray,
    near: np.ndarray,
    salient: np.ndarray | None = None,
    near_salient: np.ndarray | None = None,
) -> dict:
    """Pointing (tolerant and strict), IoU and energy against the any-instance mask, and
    pointing against the salient-instance mask when given. `heat` may be any resolution."""
    full = upsample(heat, mask.shape)
    y, x = np.unravel_index(int(full.argmax()), full.shape)
    binary = full > full.mean()
    union = (binary | mask).sum()
    positive = np.clip(full, 0, None)
    row = {
        "pointing": float(near[y, x]),
        "pointing_strict": float(mask[y, x]),
        "iou": float((binary & mask).sum() / union) if union else 0.0,
        "energy": float((positive * mask).sum() / max(positive.sum(), 1e-12)),
    }
    if salient is not None and near_salient is not None:
        row["pointing_salient"] = float(near_salient[y, x])
        row["pointing_salient_strict"] = float(salient[y, x])
    return row


def perturbation_auc(
    bb: OpenClipViT,
    images: torch.Tensor,
    heats: np.ndarray,
    class_text: torch.Tensor,
    class_index: list[int],
) -> tuple[np.ndarray, np.ndarray]:
    """Deletion and insertion AUC for every pair at once (normalised pixels (N, 3, H, W))."""
    n = images.shape[0]
    gh, gw = bb.grid.shape
    order = np.argsort(-heats.reshape(n, -1), axis=1)
    blurred = fill_image(images, FaithfulnessConfig())
    probs = {"deletion": [], "insertion": []}
    for step in range(STEPS + 1):
        count = round(step / STEPS * gh * gw)
        patch_mask = np.zeros((n, gh * gw), np.float32)
        rows = np.repeat(np.arange(n), count)
        patch_mask[rows, order[:, :count].reshape(-1)] = 1.0
        mask = torch.from_numpy(patch_mask).view(n, 1, gh, gw)
        mask = F.interpolate(mask, size=images.shape[-2:], mode="nearest")
        for kind, image in (
            ("deletion", mask * blurred + (1 - mask) * images),
            ("insertion", mask * images + (1 - mask) * blurred),
        ):
            emb = F.normalize(bb.embed_images(image), dim=-1)
            logits = bb.logit_scale * emb @ class_text.T
            p = logits.softmax(-1)[torch.arange(n), torch.tensor(class_index)]
            probs[kind].append(p.numpy())
    curves = {k: np.stack(v, axis=1) for k, v in probs.items()}
    # trapezoid rule over x in [0, 1]
    return tuple(
        ((c[:, :-1] + c[:, 1:]) / 2).mean(axis=1) for c in (curves["deletion"], curves["insertion"])
    )


def ca_maps(ca: ConceptAttribution, frames: list, pairs: list[Pair]) -> np.ndarray:
    """Final heatmaps for every pair, one explain call per frame (all its concepts at once)."""
    by_frame: dict[int, list[int]] = defaultdict(list)
    for index, pair in enumerate(pairs):
        by_frame[pair.frame].append(index)
    out = [None] * len(pairs)
    order = sorted(by_frame)
    results = ca.explain(
        [frames[f].image for f in order], [[pairs[i].concept for i in by_frame[f]] for f in order]
    )
    for f, result in zip(order, results, strict=True):
        for i, concept in zip(by_frame[f], result.concepts, strict=True):
            out[i] = concept.heatmap
    return np.stack(out)


def baseline_maps(bb: OpenClipViT, fn, frames: list, pairs: list[Pair], batch: int) -> np.ndarray:
    out = []
    for start in range(0, len(pairs), batch):
        chunk = pairs[start : start + batch]
        pixels = bb.preprocess([frames[p.frame].image for p in chunk])
        text = bb.encode_text([p.concept for p in chunk])
        out.append(fn(bb, pixels, text).detach().float().cpu().numpy())
    return np.concatenate(out).reshape(len(pairs), *bb.grid.shape)


SIZE_BUCKETS = {"small<1%": (0.0, 0.01), "mid1-3%": (0.01, 0.03), "large>=3%": (0.03, 1.01)}


def perfect_grid_maps(pairs: list[Pair], grid: tuple[int, int]) -> np.ndarray:
    """Each patch's share of the object mask: the best map the model's patch grid can draw.

    Its pointing score is the ceiling the grid puts on every method here.
    """
    gh, gw = grid
    return np.stack(
        [cv2.resize(p.mask.astype(np.float32), (gw, gh), interpolation=cv2.INTER_AREA)
         for p in pairs]
    )


def pair_metrics(maps: np.ndarray, pairs: list[Pair], near: list[np.ndarray]) -> list[dict]:
    return [localisation_metrics(m, p.mask, n) for m, p, n in zip(maps, pairs, near, strict=True)]


def summarise(maps: np.ndarray, pairs: list[Pair], near: list[np.ndarray]) -> dict:
    return summarise_rows(pair_metrics(maps, pairs, near), pairs)


def summarise_rows(rows: list[dict], pairs: list[Pair]) -> dict:
    """Mean metrics over all pairs, plus pointing by object size (share of the frame): the
    model sees 144x144 pixels, so an object under ~1 % of the frame is smaller than a patch."""
    out = {k: _mean([r[k] for r in rows]) for k in rows[0]}
    area = np.array([p.mask.mean() for p in pairs])
    for prefix, key in (("pointing", "pointing"), ("salient", "pointing_salient")):
        if key not in rows[0]:
            continue
        hits = np.array([r[key] for r in rows])
        for name, (lo, hi) in SIZE_BUCKETS.items():
            inside = (area >= lo) & (area < hi)
            out[f"{prefix}_{name}"] = float(hits[inside].mean()) if inside.any() else float("nan")
    return out


def _mean(values: list[float]) -> float:
    """The mean over the finite values (NaN when there are none: a prior has no IoU)."""
    finite = [v for v in values if not np.isnan(v)]
    return float(np.mean(finite)) if finite else float("nan")


def frame_bootstrap(values: np.ndarray, frame_of_pair: np.ndarray, seed: int = 0) -> np.ndarray:
    """(BOOTSTRAP, ...) means of `values` (pairs first) over frames drawn with replacement."""
    rng = np.random.default_rng(seed)
    frames = np.unique(frame_of_pair)
    members = [np.flatnonzero(frame_of_pair == f) for f in frames]
    draws = rng.integers(0, len(frames), (BOOTSTRAP, len(frames)))
    return np.stack([values[np.concatenate([members[i] for i in d])].mean(0) for d in draws])


def compare_pointing(
    hits: dict[str, np.ndarray], frame_of_pair: np.ndarray, best: str
) -> tuple[dict[str, list[float]], dict[str, dict]]:
    """95 % intervals of each method's pointing, and of `best` minus each other method."""
    names = list(hits)
    column = np.stack([hits[n] for n in names], axis=1)
    boot = frame_bootstrap(column, frame_of_pair)
    intervals = {
        n: [float(v) for v in np.percentile(boot[:, i], [2.5, 97.5])] for i, n in enumerate(names)
    }
    b = names.index(best)
    versus = {}
    for i, n in enumerate(names):
        if i == b:
            continue
        only_best = int((hits[best] > hits[n]).sum())
        only_other = int((hits[n] > hits[best]).sum())
        discordant = only_best + only_other
        versus[n] = {
            "difference": float(hits[best].mean() - hits[n].mean()),
            "difference_ci95": [
                float(v) for v in np.percentile(boot[:, b] - boot[:, i], [2.5, 97.5])
            ],
            "pairs_only_best_hits": only_best,
            "pairs_only_other_hits": only_other,
            "mcnemar_p": float(binomtest(only_best, discordant).pvalue) if discordant else 1.0,
        }
    return intervals, versus


def operator(bb: OpenClipViT, **kwargs) -> ConceptAttribution:
    return ConceptAttribution(bb, AttributionConfig(**kwargs))


def specificity(ca: ConceptAttribution, frames: list, pairs: list[Pair]) -> float:
    """Mean Pearson correlation between heatmaps of two different concepts in one frame."""
    by_frame: dict[int, list[str]] = defaultdict(list)
    for pair in pairs:
        by_frame[pair.frame].append(pair.concept)
    multi = [f for f, c in by_frame.items() if len(c) >= 2]
    results = ca.explain([frames[f].image for f in multi], [by_frame[f][:2] for f in multi])
    corr = [
        np.corrcoef(r.concepts[0].heatmap_fused.ravel(), r.concepts[1].heatmap_fused.ravel())[0, 1]
        for r in results
    ]
    return float(np.nanmean(corr))


def parse_size(parser: argparse.ArgumentParser, flag: str, text: str) -> tuple[int, int]:
    """`WxH` -> (width, height), or a usage error that names the flag."""
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        parser.error(f"{flag} {text!r}: give WIDTHxHEIGHT in pixels, e.g. 640x360")
    return int(parts[0]), int(parts[1])


def parse_split(parser: argparse.ArgumentParser, text: str) -> tuple[int, int]:
    """`SEED:COUNT` -> (seed, count), or a usage error that names the flag."""
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or int(parts[1]) < 1:
        parser.error(f"--split {text!r}: give FIRST_SEED:FRAMES, e.g. 900000:60")
    return int(parts[0]), int(parts[1])


DEFAULT_CA = "CA default"


def sanity(args, bb, frames, pairs, labels, near, methods, input_size) -> tuple[dict, dict]:
    """A weight-randomised model's maps, and present/absent AUROC of Concept Drop and NS."""
    torch.manual_seed(1234)
    random_model = open_clip.create_model(args.model).eval()
    random_bb = OpenClipViT(random_model, f"{args.model}@random-init", input_size=input_size)
    random_maps = ca_maps(operator(random_bb), frames, pairs)
    trained_maps = methods[DEFAULT_CA]
    ranks = [
        np.corrcoef(np.argsort(np.argsort(a.ravel())), np.argsort(np.argsort(b.ravel())))[0, 1]
        for a, b in zip(trained_maps, random_maps, strict=True)
    ]
    randomised = {
        "spearman_trained_vs_random": float(np.nanmean(ranks)),
        "pointing_random_model": summarise(random_maps, pairs, near)["pointing"],
    }
    print(
        f"\nrandomised weights: mean Spearman(trained, random) = "
        f"{randomised['spearman_trained_vs_random']:.3f}; pointing of the random model = "
        f"{randomised['pointing_random_model']:.3f}"
    )

    # sanity 2: present vs absent concepts (the splits' frames; top-up frames carry no labels)
    by_frame: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for f, concept, present in labels:
        by_frame[f].append((concept, present))
    order = sorted(by_frame)
    results = operator(bb).explain(
        [frames[f].image for f in order], [[c for c, _ in by_frame[f]] for f in order]
    )
    y, cd, ns = [], [], []
    for f, result in zip(order, results, strict=True):
        for (_, present), concept in zip(by_frame[f], result.concepts, strict=True):
            y.append(present)
            cd.append(concept.concept_drop)
            ns.append(concept.negative_suppression)
    y_arr = np.array(y)
    auroc = {
        "concept_drop": float(roc_auc_score(y_arr, np.nan_to_num(cd))),
        "negative_suppression": float(roc_auc_score(y_arr, np.nan_to_num(ns))),
        "similarity_for_reference": float(
            roc_auc_score(y_arr, [c.similarity for r in results for c in r.concepts])
        ),
        "present": int(y_arr.sum()),
        "absent": int((~y_arr).sum()),
    }
    print(
        f"present vs absent AUROC: CD {auroc['concept_drop']:.3f}, NS "
        f"{auroc['negative_suppression']:.3f} "
        f"(raw cosine: {auroc['similarity_for_reference']:.3f}); "
        f"{auroc['present']} present, {auroc['absent']} absent"
    )
    return randomised, auroc


def parameter_study(bb, frames, pairs, near) -> tuple[dict, dict]:
    """The paper's alpha x beta study with specificity, and the contrast weight gamma."""
    sweep: dict[str, dict] = {}
    contrast_sweep: dict[str, dict] = {}
    print(
        f"\nparameter study (strategy both):\n{'alpha':>6}{'beta':>6}{'pointing':>9}"
        f"{'IoU':>7}{'energy':>8}{'specificity corr':>18}"
    )
    for alpha in (0.0, 0.5, 0.8, 1.0):
        for beta in (0.1, 0.5, 1.0, 10.0):
            ca = operator(bb, alpha=alpha, beta=beta)
            row = summarise(ca_maps(ca, frames, pairs), pairs, near)
            row["specificity_corr"] = specificity(ca, frames, pairs)
            sweep[f"{alpha},{beta}"] = row
            print(
                f"{alpha:>6}{beta:>6}{row['pointing']:>9.3f}{row['iou']:>7.3f}"
                f"{row['energy']:>8.3f}{row['specificity_corr']:>18.3f}"
            )
    print("\ncontrast weight (strategy both): target cos(I,T+) - gamma*cos(I,T-)")
    print(f"{'gamma':>6}{'pointing':>9}{'pt <1%':>8}{'IoU':>7}{'energy':>8}")
    for weight in CONTRAST_WEIGHTS:
        ca = operator(bb, contrastive=ContrastiveConfig(weight=weight))
        row = summarise(ca_maps(ca, frames, pairs), pairs, near)
        contrast_sweep[str(weight)] = row
        print(
            f"{weight:>6}{row['pointing']:>9.3f}{row['pointing_small<1%']:>8.3f}"
            f"{row['iou']:>7.3f}{row['energy']:>8.3f}"
        )

    return sweep, contrast_sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--split", action="append", default=None,
        help="SEED:COUNT of held-out frames, repeatable (default: 900000:60 and 700000:120)",
    )
    parser.add_argument("--frames", type=int, default=None, help="one split: this many frames")
    parser.add_argument("--seed", type=int, default=None, help="one split: from this seed")
    parser.add_argument("--min-pairs", type=int, default=30,
                        help="top rare classes up to this many pairs (0: no top-up)")
    parser.add_argument("--prior-frames", type=int, default=400,
                        help="training frames the location priors are fitted on")
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--model", default="TinyDriveCLIP")
    parser.add_argument("--pretrained", default=None)
    parser.add_argument(
        "--input-size", default=None, help="model input WxH for every method (default: native)"
    )
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--sweep", action="store_true", help="the alpha x beta and gamma study")
    parser.add_argument(
        "--tiled", default="grid",
        help="comma-separated tilings run beside the default (grid, pyramid; '' for none)",
    )
    parser.add_argument(
        "--lean", action="store_true",
        help="pointing only: CA default, the tiled variants, the baselines and the priors; no "
        "other CA variants, deletion/insertion, randomised model or present/absent AUROC",
    )
    parser.add_argument(
        "--perturbation-pairs",
        type=int,
        default=80,
        help="pairs (a fixed random subset) for deletion/insertion: 22 forwards per pair/method",
    )
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/localisation.json"))
    args = parser.parse_args()
    width, height = parse_size(parser, "--size", args.size)
    input_size = None
    if args.input_size:
        input_width, input_height = parse_size(parser, "--input-size", args.input_size)
        input_size = (input_height, input_width)
    if args.frames is not None or args.seed is not None:
        if args.split:
            parser.error("give --split, or --seed/--frames for one range, not both")
        splits = [(HELD_OUT_SEED if args.seed is None else args.seed,
                   120 if args.frames is None else args.frames)]
    else:
        splits = [parse_split(parser, t) for t in args.split] if args.split else list(
            EVALUATION_SPLITS)
    start = time.time()
    for seed, count in splits:
        if seed < 0 or seed + count > EVALUATION_SEED_LIMIT:
            parser.error(f"--split {seed}:{count} leaves the held-out seeds 0..."
                         f"{EVALUATION_SEED_LIMIT - 1}; the tiny CLIP was trained on seeds above")
    frames, pairs, labels, top_up = evaluation_frames(splits, (width, height), args.min_pairs)
    bb = OpenClipViT.from_config(
        ModelConfig(name=args.model, pretrained=args.pretrained, input_size=input_size)
    )
    if "random-init" in bb.model_id:
        print(f"WARNING: {bb.model_id} has random weights; these numbers mean nothing")
    near = [near_mask(p.mask) for p in pairs]
    near_salient = [near_mask(p.salient) for p in pairs]
    print(
        f"model {bb.model_id} (weights sha256 {bb.weights_sha256}) at input "
        f"{bb.grid.input_size}; {len(frames)} frames: "
        + ", ".join(f"seeds {s}..{s + n - 1}" for s, n in splits)
        + f", plus {top_up['frames_added']} top-up frames ({top_up['seeds_scanned']} seeds "
        f"scanned from {TOP_UP_SEED}); {len(pairs)} (frame, class) pairs"
    )
    print("pointing hits within a 31x31 px square around a mask pixel (Chebyshev distance <= "
          f"{POINTING_TOLERANCE_PX} px); strict: the argmax inside the mask")

    default_config = AttributionConfig()
    methods: dict[str, np.ndarray] = {
        DEFAULT_CA: ca_maps(operator(bb), frames, pairs),
    }
    if not args.lean:
        for strategy in ("layers", "heads", "both"):
            ca = operator(bb, heads=HeadSelectionConfig(strategy=strategy), tiling="none")
            methods[f"CA {strategy}, untiled (a=0.8 b=0.5)"] = ca_maps(ca, frames, pairs)
        methods["CA gradient only (a=1 b=1)"] = ca_maps(
            operator(bb, alpha=1.0, beta=1.0), frames, pairs
        )
        # Not a CA strategy: what the automatic contrast costs.
        methods["ablation: no contrast"] = ca_maps(
            operator(bb, contrastive=ContrastiveConfig(mode="none")), frames, pairs
        )
    for tiling in [t.strip() for t in args.tiled.split(",") if t.strip()]:
        if tiling not in ("none", "grid", "pyramid"):
            parser.error(f"--tiled {args.tiled!r}: tilings are grid and pyramid")
        if tiling != default_config.tiling:
            methods[f"CA {tiling} tiling"] = ca_maps(operator(bb, tiling=tiling), frames, pairs)
    for name, fn in BASELINES.items():
        methods[name] = baseline_maps(bb, fn, frames, pairs, args.batch)

    priors = fit_priors(args.prior_frames, (width, height))
    points = {
        "prior: frame centre": [(height // 2, width // 2)] * len(pairs),
        "prior: class best point": [priors[p.concept]["best point"] for p in pairs],
        "prior: class mean centre": [priors[p.concept]["mean centre"] for p in pairs],
    }

    classes = list(OBJECT_CLASSES)
    class_text = bb.encode_text(classes)
    subset = np.random.default_rng(0).permutation(len(pairs))[: args.perturbation_pairs]
    class_index = [classes.index(pairs[i].concept) for i in subset]
    images = bb.preprocess([frames[pairs[i].frame].image for i in subset])
    gh, gw = bb.grid.shape
    table: dict[str, dict] = {}
    rows_by_method: dict[str, list[dict]] = {}
    for name, maps in methods.items():
        rows = [localisation_metrics(m, p.mask, n, p.salient, ns)
                for m, p, n, ns in zip(maps, pairs, near, near_salient, strict=True)]
        rows_by_method[name] = rows
        row = summarise_rows(rows, pairs)
        row["deletion_auc"] = row["insertion_auc"] = float("nan")
        if not args.lean:
            on_grid = maps if maps.shape[1:] == (gh, gw) else np.stack(
                [cv2.resize(m, (gw, gh), interpolation=cv2.INTER_AREA) for m in maps])
            deletion, insertion = perturbation_auc(bb, images, on_grid[subset], class_text,
                                                   class_index)
            row["deletion_auc"] = float(deletion.mean())
            row["insertion_auc"] = float(insertion.mean())
        table[name] = row
    for name, where in points.items():
        rows = [point_metrics(y, x, p, n, ns)
                for (y, x), p, n, ns in zip(where, pairs, near, near_salient, strict=True)]
        rows_by_method[name] = rows
        table[name] = summarise_rows(rows, pairs)
        table[name]["deletion_auc"] = table[name]["insertion_auc"] = float("nan")

    print(
        f"\n{'method':<32}{'any':>7}{'strict':>8}{'salient':>8}{'s.strict':>9}{'IoU':>7}"
        f"{'energy':>8}{'del AUC':>9}{'ins AUC':>9}{'<1%':>7}{'1-3%':>7}{'>=3%':>7}"
    )
    for name, r in table.items():
        print(
            f"{name:<32}{r['pointing']:>7.3f}{r['pointing_strict']:>8.3f}"
            f"{r['pointing_salient']:>8.3f}{r['pointing_salient_strict']:>9.3f}{r['iou']:>7.3f}"
            f"{r['energy']:>8.3f}{r['deletion_auc']:>9.3f}{r['insertion_auc']:>9.3f}"
            f"{r['pointing_small<1%']:>7.3f}{r['pointing_mid1-3%']:>7.3f}"
            f"{r['pointing_large>=3%']:>7.3f}"
        )

    breakdowns = {
        name: {"any": breakdown(rows, pairs, "pointing"),
               "salient": breakdown(rows, pairs, "pointing_salient")}
        for name, rows in rows_by_method.items()
    }
    show = [DEFAULT_CA, "Chefer grad⊙attn (all)", "prior: class best point"]
    for target in ("any", "salient"):
        print(f"\npointing per class and size ({target} instances), 95 % Wilson intervals:")
        print(f"  {'group':<16}{'n':>5}" + "".join(f"{name[:26]:>30}" for name in show))
        first = breakdowns[DEFAULT_CA][target]
        for kind in ("class", "size"):
            for group, cell in first[kind].items():
                line = f"  {group:<16}{cell['n']:>5}"
                for name in show:
                    c = breakdowns[name][target][kind][group]
                    line += f"{c['pointing']:>12.3f} [{c['ci95'][0]:.2f}, {c['ci95'][1]:.2f}]"
                print(line)

    frame_of_pair = np.array([p.frame for p in pairs])
    comparisons = {}
    for target, key in (("any", "pointing"), ("salient", "pointing_salient")):
        hits = {n: np.array([r[key] for r in rows]) for n, rows in rows_by_method.items()}
        intervals, versus = compare_pointing(hits, frame_of_pair, DEFAULT_CA)
        comparisons[target] = {"ci95": intervals, "versus": versus}
        print(
            f"\n{target}-instance pointing, 95 % interval over {BOOTSTRAP} resamples of the "
            f"{len(set(frame_of_pair))} frames; {DEFAULT_CA} minus each (McNemar's exact p on "
            "the pairs only one of them hits):"
        )
        for name, (lo, hi) in intervals.items():
            line = f"  {name:<32}{hits[name].mean():.3f} [{lo:.3f}, {hi:.3f}]"
            if name in versus:
                v = versus[name]
                d_lo, d_hi = v["difference_ci95"]
                line += (
                    f"   diff {v['difference']:+.3f} [{d_lo:+.3f}, {d_hi:+.3f}]"
                    f"  {v['pairs_only_best_hits']}/{v['pairs_only_other_hits']}"
                    f"  p={v['mcnemar_p']:.3g}"
                )
            print(line)
            table[name][f"{key}_ci95"] = [lo, hi]

    randomised: dict = {}
    auroc: dict = {}
    grid_ceiling = summarise(perfect_grid_maps(pairs, bb.grid.shape), pairs, near)["pointing"]
    print(f"\nperfect {gh}x{gw} map (patch share of the mask): pointing {grid_ceiling:.3f}")
    if not args.lean:
        randomised, auroc = sanity(args, bb, frames, pairs, labels, near, methods, input_size)
    sweep, contrast_sweep = (parameter_study(bb, frames, pairs, near) if args.sweep
                             else ({}, {}))

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "model": bb.model_id,
                "weights_sha256": bb.weights_sha256,
                "default_attribution": default_config.model_dump(mode="json"),
                "input_size": list(bb.grid.input_size),
                "splits": [list(s) for s in splits],
                "top_up": top_up,
                "frames": len(frames),
                "pairs": len(pairs),
                "pointing_tolerance": "31x31 px square (Chebyshev distance <= 15 px)",
                "methods": table,
                "breakdown": breakdowns,
                "comparisons": comparisons,
                "priors": {c: {k: list(v) for k, v in d.items()} for c, d in priors.items()},
                "randomised": randomised,
                "perfect_grid_pointing": grid_ceiling,
                "present_absent_auroc": auroc,
                "sweep": sweep,
                "contrast_weight_sweep": contrast_sweep,
                "seconds": time.time() - start,
            },
            indent=2,
        )
    )
    print(f"\nJSON: {args.json} ({time.time() - start:.0f} s)")


if __name__ == "__main__":
    main()
