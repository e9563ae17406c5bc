"""Localisation and faithfulness of Concept Attribution against ground-truth masks.

Run:  python benchmarks/localisation.py [--frames 120] [--json benchmarks/results/localisation.json]
      [--seed 900000] [--input-size WxH]

`--seed` moves the frames to another held-out range, for a validation split that leaves the
benchmark's own frames untouched; `--input-size` runs every method at another model input size
than the model's own (e.g. 252x144 for a square model, which keeps a 16:9 frame's aspect ratio;
sizes are width x height, as `--size`).

On held-out synthetic frames (seeds the tiny CLIP never saw), for every salient object class in
a frame:
- localisation: pointing game (argmax within 15 px of the mask, Zhang et al.), mask IoU of the
  map thresholded at its mean, and the share of the map's energy inside the mask;
- faithfulness: deletion and insertion AUC — the most relevant patches are blurred out (or
  revealed on a blurred frame) in 10 % steps, and the zero-shot probability of the concept
  among all object classes is integrated over the curve (deletion: lower is better);
- methods: Concept Attribution with each head strategy (paper's α=0.8, β=0.5), its gradient
  term alone (α=1, β=1), `both` without the automatic contrast (an ablation, kept out of the
  best-strategy pick), and the baselines of `operators/baselines.py`;
- sanity: heatmaps of a weight-randomised model must differ (rank correlation), and Concept
  Drop / Negative Suppression must separate present from absent concepts (AUROC);
- the paper's parameter study: α ∈ {0, .5, .8, 1} × β ∈ {.1, .5, 1, 10}, with concept
  specificity (correlation between heatmaps of different concepts in one frame; lower = more
  specific) next to localisation; and the contrast's weight γ ∈ {0, .25, .5, 1}, which the
  paper leaves unspecified;
- uncertainty: a 95 % interval for every method's pointing, and for the best CA strategy's
  difference to every other method, by resampling frames (the pairs of one frame share its
  scene, so frames are the independent units), with McNemar's exact test on the pairs where
  exactly one of the two methods hits. A few pairs of 180 are within noise; this says how many.
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
from drivexplain.operators.backbone import OpenClipViT
from drivexplain.operators.baselines import BASELINES
from drivexplain.operators.config import (
    AttributionConfig,
    ContrastiveConfig,
    FaithfulnessConfig,
    HeadSelectionConfig,
    ModelConfig,
)
from drivexplain.operators.faithfulness import fill_image
from drivexplain.synthworld.scene import OBJECT_CLASSES, render_scene

HELD_OUT_SEED = 900_000
# Seeds below this are never trained on (configs/train_tiny_clip*.yaml: eval_seed_limit).
EVALUATION_SEED_LIMIT = 1_000_000
CONTRAST_WEIGHTS = (0.0, 0.25, 0.5, 1.0)
POINTING_TOLERANCE_PX = 15
MIN_AREA = 0.002
STEPS = 10
BOOTSTRAP = 2000


@dataclass
class Pair:
    frame: int
    concept: str
    mask: np.ndarray


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
        salient = {o.class_name for o in frame.objects if o.salient}
        anywhere = {o.class_name for o in frame.objects}
        for concept in sorted(salient):
            mask = frame.mask_for(concept)
            if mask.mean() >= MIN_AREA:
                pairs.append(Pair(i, concept, mask))
                labels.append((i, concept, True))
        rng = np.random.default_rng(i)
        absent = [c for c in OBJECT_CLASSES if c not in anywhere]
        for concept in rng.permutation(absent)[:2]:
            labels.append((i, str(concept), False))
    return frames, pairs, labels


def near_mask(mask: np.ndarray) -> np.ndarray:
    """The mask dilated by the pointing-game tolerance: a peak there counts as a hit."""
    kernel = np.ones((2 * POINTING_TOLERANCE_PX + 1,) * 2, np.uint8)
    return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)


def upsample(heat: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return cv2.resize(heat.astype(np.float32), (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)


def localisation_metrics(heat: np.ndarray, mask: np.ndarray, near: np.ndarray) -> dict:
    full = upsample(heat, mask.shape)
    y, x = np.unravel_index(int(full.argmax()), full.shape)
    binary = full > full.mean()
    union = (binary | mask).sum()
    positive = np.clip(full, 0, None)
    return {
        "pointing": float(near[y, x]),
        "pointing_strict": float(mask[y, x]),
        "iou": float((binary & mask).sum() / union) if union else 0.0,
        "energy": float((positive * mask).sum() / max(positive.sum(), 1e-12)),
    }


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
    out = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
    area = np.array([p.mask.mean() for p in pairs])
    hits = np.array([r["pointing"] for r in rows])
    for name, (lo, hi) in SIZE_BUCKETS.items():
        inside = (area >= lo) & (area < hi)
        out[f"pointing_{name}"] = float(hits[inside].mean()) if inside.any() else float("nan")
    return out


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--model", default="TinyDriveCLIP")
    parser.add_argument("--pretrained", default=None)
    parser.add_argument(
        "--seed",
        type=int,
        default=HELD_OUT_SEED,
        help="first frame's seed; another range is a validation split (default: the benchmark)",
    )
    parser.add_argument(
        "--input-size", default=None, help="model input WxH for every method (default: native)"
    )
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--skip-sweep", action="store_true")
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
    start = time.time()
    try:
        frames, pairs, labels = held_out_frames(args.frames, (width, height), args.seed)
    except ValueError as error:
        parser.error(f"--seed {args.seed} with --frames {args.frames}: {error}")
    bb = OpenClipViT.from_config(
        ModelConfig(name=args.model, pretrained=args.pretrained, input_size=input_size)
    )
    if "random-init" in bb.model_id:
        print(f"WARNING: {bb.model_id} has random weights; these numbers mean nothing")
    near = [near_mask(p.mask) for p in pairs]
    print(
        f"model {bb.model_id} at input {bb.grid.input_size}; {len(frames)} held-out frames "
        f"(seeds {args.seed}..{args.seed + len(frames) - 1}), {len(pairs)} (frame, concept) pairs"
    )

    methods: dict[str, np.ndarray] = {}
    for strategy in ("layers", "heads", "both"):
        ca = operator(bb, heads=HeadSelectionConfig(strategy=strategy))
        methods[f"CA {strategy} (a=0.8 b=0.5)"] = ca_maps(ca, frames, pairs)
    methods["CA gradient only (a=1 b=1)"] = ca_maps(
        operator(bb, alpha=1.0, beta=1.0), frames, pairs
    )
    # Not a CA strategy (the name keeps it out of `best`): what the automatic contrast costs.
    methods["ablation: no contrast (both)"] = ca_maps(
        operator(bb, contrastive=ContrastiveConfig(mode="none")), frames, pairs
    )
    for name, fn in BASELINES.items():
        methods[name] = baseline_maps(bb, fn, frames, pairs, args.batch)

    classes = list(OBJECT_CLASSES)
    class_text = bb.encode_text(classes)
    subset = np.random.default_rng(0).permutation(len(pairs))[: args.perturbation_pairs]
    class_index = [classes.index(pairs[i].concept) for i in subset]
    images = bb.preprocess([frames[pairs[i].frame].image for i in subset])
    table = {}
    hits_by_method = {}
    for name, maps in methods.items():
        rows = pair_metrics(maps, pairs, near)
        hits_by_method[name] = np.array([r["pointing"] for r in rows])
        row = summarise_rows(rows, pairs)
        deletion, insertion = perturbation_auc(bb, images, maps[subset], class_text, class_index)
        row["deletion_auc"] = float(deletion.mean())
        row["insertion_auc"] = float(insertion.mean())
        table[name] = row

    print(
        f"\n{'method':<30}{'pointing':>9}{'strict':>8}{'IoU':>7}{'energy':>8}"
        f"{'del AUC':>9}{'ins AUC':>9}{'pt <1%':>8}{'pt 1-3%':>9}{'pt >=3%':>9}"
    )
    for name, r in table.items():
        print(
            f"{name:<30}{r['pointing']:>9.3f}{r['pointing_strict']:>8.3f}{r['iou']:>7.3f}"
            f"{r['energy']:>8.3f}{r['deletion_auc']:>9.3f}{r['insertion_auc']:>9.3f}"
            f"{r['pointing_small<1%']:>8.3f}{r['pointing_mid1-3%']:>9.3f}"
            f"{r['pointing_large>=3%']:>9.3f}"
        )
    area = np.array([p.mask.mean() for p in pairs])
    print(
        "pairs by size: "
        + ", ".join(
            f"{name} {int(((area >= lo) & (area < hi)).sum())}"
            for name, (lo, hi) in SIZE_BUCKETS.items()
        )
    )

    # per-class pointing of the best CA strategy
    best = max(
        (n for n in table if n.startswith("CA ") and "gradient" not in n),
        key=lambda n: table[n]["pointing"],
    )
    per_class: dict[str, list[float]] = defaultdict(list)
    for hit, p in zip(hits_by_method[best], pairs, strict=True):
        per_class[p.concept].append(float(hit))
    print(f"\nper-class pointing, {best}:")
    for concept, hits in sorted(per_class.items()):
        print(f"  {concept:<15}{np.mean(hits):.3f}  (n={len(hits)})")

    frame_of_pair = np.array([p.frame for p in pairs])
    intervals, versus = compare_pointing(hits_by_method, frame_of_pair, best)
    print(
        f"\npointing, 95 % interval over {BOOTSTRAP} resamples of the {len(frames)} frames; "
        f"{best} minus each method (McNemar's exact p on the pairs only one of them hits):"
    )
    for name, (lo, hi) in intervals.items():
        line = f"  {name:<30}{table[name]['pointing']:.3f} [{lo:.3f}, {hi:.3f}]"
        if name in versus:
            v = versus[name]
            d_lo, d_hi = v["difference_ci95"]
            line += (
                f"   diff {v['difference']:+.3f} [{d_lo:+.3f}, {d_hi:+.3f}]"
                f"  {v['pairs_only_best_hits']}/{v['pairs_only_other_hits']}"
                f"  p={v['mcnemar_p']:.3f}"
            )
        print(line)
        table[name]["pointing_ci95"] = [lo, hi]

    # sanity 1: randomised weights
    torch.manual_seed(1234)
    random_model = open_clip.create_model(args.model).eval()
    random_bb = OpenClipViT(random_model, f"{args.model}@random-init", input_size=input_size)
    random_maps = ca_maps(operator(random_bb), frames, pairs)
    trained_maps = methods["CA both (a=0.8 b=0.5)"]  # operator(bb)'s default config
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

    grid_ceiling = summarise(perfect_grid_maps(pairs, bb.grid.shape), pairs, near)["pointing"]
    print(f"perfect {bb.grid.shape[0]}x{bb.grid.shape[1]} map (patch share of the mask): "
          f"pointing {grid_ceiling:.3f}")

    # sanity 2: present vs absent concepts
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

    sweep: dict[str, dict] = {}
    contrast_sweep: dict[str, dict] = {}
    if not args.skip_sweep:
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

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "model": bb.model_id,
                "input_size": list(bb.grid.input_size),
                "first_seed": args.seed,
                "frames": len(frames),
                "pairs": len(pairs),
                "methods": table,
                "best_ca": best,
                "best_ca_versus": versus,
                "per_class_pointing": {k: float(np.mean(v)) for k, v in per_class.items()},
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
