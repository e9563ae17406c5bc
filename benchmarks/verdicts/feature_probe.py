"""Does the CLIP's image representation hold each class at all? Probes on frozen features.

Run:  python benchmarks/verdicts/feature_probe.py [--weights PATH] [--train-frames 1200]
          [--frames 240] [--json benchmarks/results/feature_probe.json]

`p_grounded` can only verify a concept that the CLIP's features carry. When a class stays
unverifiable (bicycles and pedestrians for the shipped tiny CLIP), the question is whether a
better read-out of the same features would find it, or whether the features lack it and only
another model can help. Four readings, per class, as present-vs-absent AUROC on held-out frames:

- `zero_shot`: the raw cosine of the whole frame with the class name, what the verdicts read;
- `linear_probe`: a logistic regression on the whole-frame image embedding, trained on
  `--train-frames` frames of other seeds with the world's own labels: the best any linear
  read-out of the pooled embedding can do;
- `patch_probe`: a logistic regression on the last layer's patch tokens, trained on the
  world's masks (a patch is positive when the class covers a quarter of it), the frame scored
  by its best patch: what a dense read-out can find, with the object's location taught;
- `oracle_crop`: the raw cosine of a crop a fifth of the frame's sides, centred on the largest
  salient instance (for frames without the class, on a position where other frames have one):
  the CLIP told where to look.

If the probes are not much above zero-shot, the features do not carry the class, and no
calibration or crop of this CLIP will verify it. Frames are rendered at 640x360, four weathers
in turn, and shrunk to the transport size (shorter side 224), as `coherence.py` does. Probe
training seeds start at 60 000 000 (never trained on by the shipped CLIP, whose stages used
20 000 000, 40 000 000 and 90 000 000 onwards); held-out frames are `presence_z.py`'s
(930 000 onwards). Labels follow `coherence.grounding_labels`: present means a salient instance,
absent means none anywhere, and frames with only a tiny far instance are left out.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from coherence import transported
from presence_z import FIRST_SEED
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from drivexplain.operators.attribution import ConceptAttribution
from drivexplain.operators.config import load_config
from drivexplain.synthworld.objects import OBJECT_CLASSES
from drivexplain.synthworld.scene import CONDITIONS, Frame, render_scene

PROBE_TRAINING_SEED = 60_000_000
FRAME_SIZE = (640, 360)
PATCH_COVER = 0.25  # a patch is the class's when the class covers this share of it
CROP_SHARE = 0.2  # the oracle crop's sides, as shares of the frame's
MAX_NEGATIVE_PATCHES = 60_000
PROBE_C = 0.1  # L2 strength of both probes (sklearn's C); the features are standardised


def render(first_seed: int, count: int) -> list[Frame]:
    return [render_scene(first_seed + i, FRAME_SIZE, CONDITIONS[i % len(CONDITIONS)])
            for i in range(count)]


def labels(frames: list[Frame], class_name: str) -> tuple[np.ndarray, np.ndarray]:
    """(present, kept): present = a salient instance; kept = present or nowhere at all."""
    salient = np.array([class_name in f.present_concepts(True) for f in frames])
    anywhere = np.array([class_name in f.present_concepts(False) for f in frames])
    return salient, salient | ~anywhere


def features(op: ConceptAttribution, frames: list[Frame], batch: int = 32
             ) -> tuple[np.ndarray, np.ndarray]:
    """(frames, D) normalised image embeddings and (frames, patches, width) last-layer patch
    tokens, through open_clip's own `output_tokens`."""
    visual = op.backbone.visual
    embeddings, tokens = [], []
    visual.output_tokens = True
    try:
        with torch.no_grad():
            for start in range(0, len(frames), batch):
                pixels = op.backbone.preprocess([transported(f)
                                                 for f in frames[start : start + batch]])
                pooled, patch = visual(pixels)
                embeddings.append(F.normalize(pooled.float(), dim=-1))
                tokens.append(patch.float())
    finally:
        visual.output_tokens = False
    return torch.cat(embeddings).numpy(), torch.cat(tokens).numpy()


def patch_cover(frames: list[Frame], class_name: str, grid: tuple[int, int]) -> np.ndarray:
    """(frames, patches): the share of each patch that salient instances of the class cover."""
    rows, cols = grid
    out = []
    for f in frames:
        mask = np.zeros(f.image.shape[:2], np.float32)
        for o in f.objects:
            if o.class_name == class_name and o.salient:
                mask[o.mask] = 1.0
        out.append(cv2.resize(mask, (cols, rows), interpolation=cv2.INTER_AREA).ravel())
    return np.array(out)


def standardiser(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x.mean(0), x.std(0) + 1e-6


def linear_probe(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray) -> np.ndarray:
    mean, std = standardiser(train_x)
    model = LogisticRegression(C=PROBE_C, max_iter=3000).fit((train_x - mean) / std, train_y)
    return model.decision_function((test_x - mean) / std)


def patch_probe(train_tokens: np.ndarray, cover: np.ndarray, test_tokens: np.ndarray,
                seed: int = 0) -> np.ndarray | None:
    """Best-patch score per held-out frame; None when no training patch is the class's."""
    flat = train_tokens.reshape(-1, train_tokens.shape[-1])
    positive = np.flatnonzero(cover.ravel() >= PATCH_COVER)
    if positive.size == 0:
        return None
    empty = np.flatnonzero(cover.ravel() == 0)
    rng = np.random.default_rng(seed)
    negative = rng.choice(empty, min(empty.size, 20 * positive.size, MAX_NEGATIVE_PATCHES),
                          replace=False)
    rows = np.concatenate([positive, negative])
    mean, std = standardiser(flat[rows])
    target = np.concatenate([np.ones(positive.size), np.zeros(negative.size)])
    model = LogisticRegression(C=PROBE_C, max_iter=2000, class_weight="balanced").fit(
        (flat[rows] - mean) / std, target)
    test = test_tokens.reshape(-1, test_tokens.shape[-1])
    return model.decision_function((test - mean) / std).reshape(len(test_tokens), -1).max(1)


def oracle_crops(op: ConceptAttribution, frames: list[Frame], class_name: str,
                 rng: np.random.Generator) -> np.ndarray:
    """Raw cosine of the class name in a crop centred on its largest salient instance; a frame
    without one is cropped where another frame has one."""
    centres: dict[int, tuple[float, float]] = {}
    for i, f in enumerate(frames):
        instances = [o for o in f.objects if o.class_name == class_name and o.salient]
        if instances:
            ys, xs = np.nonzero(max(instances, key=lambda o: o.area).mask)
            h, w = f.image.shape[:2]
            centres[i] = ((ys.min() + ys.max()) / 2 / h, (xs.min() + xs.max()) / 2 / w)
    pool = list(centres.values()) or [(0.5, 0.5)]
    crops = []
    for i, f in enumerate(frames):
        cy, cx = centres.get(i) or pool[int(rng.integers(len(pool)))]
        image = transported(f)
        h, w = image.shape[:2]
        ch, cw = round(h * CROP_SHARE), round(w * CROP_SHARE)
        y0 = int(np.clip(round(cy * h - ch / 2), 0, h - ch))
        x0 = int(np.clip(round(cx * w - cw / 2), 0, w - cw))
        crops.append(image[y0 : y0 + ch, x0 : x0 + cw])
    bb = op.backbone
    with torch.no_grad():
        image = F.normalize(bb.embed_images(bb.preprocess(crops)).float(), dim=-1)
        text = F.normalize(bb.encode_text([class_name]).float(), dim=-1)
    return (image @ text.T).numpy()[:, 0]


def auroc(y: np.ndarray, score: np.ndarray | None) -> float | None:
    if score is None or y.all() or not y.any():
        return None
    return round(float(roc_auc_score(y, score)), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=None,
                        help="a TinyDriveCLIP checkpoint (default: the shipped weights)")
    parser.add_argument("--train-frames", type=int, default=1200)
    parser.add_argument("--frames", type=int, default=240)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--json", type=Path,
        default=Path(__file__).resolve().parents[1] / "results" / "feature_probe.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    op = ConceptAttribution.from_config(load_config(None).with_overrides(
        **{"model.pretrained": str(args.weights) if args.weights else None})
        .without_calibration())
    train, held_out = render(PROBE_TRAINING_SEED, args.train_frames), render(FIRST_SEED,
                                                                              args.frames)
    train_emb, train_tokens = features(op, train)
    test_emb, test_tokens = features(op, held_out)
    with torch.no_grad():
        text = F.normalize(op.backbone.encode_text(list(OBJECT_CLASSES)).float(), dim=-1)
    zero_shot = test_emb @ text.numpy().T
    grid = op.backbone.grid.shape
    rng = np.random.default_rng(0)
    rows = {}
    for k, name in enumerate(OBJECT_CLASSES):
        y_train, keep_train = labels(train, name)
        y, keep = labels(held_out, name)
        probe = linear_probe(train_emb[keep_train], y_train[keep_train], test_emb)
        dense = patch_probe(train_tokens, patch_cover(train, name, grid), test_tokens)
        crop = oracle_crops(op, held_out, name, rng)
        rows[name] = {
            "present": int(y[keep].sum()), "absent": int((~y[keep]).sum()),
            "zero_shot": auroc(y[keep], zero_shot[keep, k]),
            "linear_probe": auroc(y[keep], probe[keep]),
            "patch_probe": auroc(y[keep], None if dense is None else dense[keep]),
            "oracle_crop": auroc(y[keep], crop[keep]),
        }
        print(name, rows[name], flush=True)
    results = {
        "command": "python benchmarks/verdicts/feature_probe.py"
                   + (f" --weights {args.weights}" if args.weights else ""),
        "model": op.model_id, "weights_sha256": op.backbone.weights_sha256,
        "probe_training_seeds": f"{PROBE_TRAINING_SEED}..{PROBE_TRAINING_SEED + len(train) - 1}",
        "held_out_seeds": f"{FIRST_SEED}..{FIRST_SEED + len(held_out) - 1}",
        "frame_size": list(FRAME_SIZE), "patch_cover": PATCH_COVER, "crop_share": CROP_SHARE,
        "classes": rows, "seconds": round(time.perf_counter() - started, 1)}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'AUROC':<14}{'present':>8}{'absent':>8}{'zero-shot':>11}{'linear':>8}"
          f"{'patches':>9}{'crop':>7}")
    for name, r in rows.items():
        cells = [r[k] for k in ("zero_shot", "linear_probe", "patch_probe", "oracle_crop")]
        print(f"{name:<14}{r['present']:>8}{r['absent']:>8}"
              + "".join(f"{'-' if v is None else f'{v:.3f}':>{w}}"
                        for v, w in zip(cells, (11, 8, 9, 7), strict=True)))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
