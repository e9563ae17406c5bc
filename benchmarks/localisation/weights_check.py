"""Is a retrained CLIP no worse at localisation? Two weights files side by side.

Run:  python benchmarks/localisation/weights_check.py CANDIDATE.safetensors [--baseline PATH]
          [--json benchmarks/results/weights_check.json]

A retrained tiny CLIP (for example stage 3 with crop views, `configs/train_tiny_clip_stage3.yaml`)
may ship only if Concept Attribution localises no worse with it. This reports, for the baseline (the
shipped weights by default) and the candidate, on the localisation benchmark's own splits
(`benchmarks/localisation/localisation.py`: seeds 900000+60 and 700000+120, the same pairs and the
same 31x31 pointing tolerance): CA pointing with the `layers` and `both` head strategies, strict
pointing, and the present-vs-absent AUROC of Concept Drop, Negative Suppression and the raw cosine,
with the candidate's AUROC difference and its paired-bootstrap 95 % interval. Only the CA methods
run, so a check takes minutes where the full benchmark takes an hour.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from localisation import (
    EVALUATION_SPLITS,
    ca_maps,
    held_out_frames,
    near_mask,
    operator,
    summarise,
)
from sklearn.metrics import roc_auc_score

from drivexplain.operators.assets import package_relative
from drivexplain.operators.config import HeadSelectionConfig, ModelConfig
from drivexplain.operators.models.backbone import OpenClipViT
from drivexplain.operators.models.tiny_clip import TINY_CLIP_NAME, default_weights_path

Scores = dict[str, dict[str, np.ndarray]]  # split -> "frame", "present" or a metric -> values


def check(weights: Path, size: tuple[int, int] = (640, 360)) -> tuple[dict, Scores]:
    """The CA figures of one weights file on every evaluation split, and per split the
    present-vs-absent scores behind its AUROCs (for `paired_auroc_difference`)."""
    bb = OpenClipViT.from_config(ModelConfig(name=TINY_CLIP_NAME, pretrained=str(weights)))
    out: dict = {"weights": package_relative(weights), "sha256": bb.weights_sha256}
    raw: Scores = {}
    for seed, count in EVALUATION_SPLITS:
        started = time.perf_counter()
        frames, pairs, labels = held_out_frames(count, size, seed)
        near = [near_mask(p.mask) for p in pairs]
        split: dict = {"pairs": len(pairs)}
        for strategy in ("layers", "both"):
            maps = ca_maps(operator(bb, heads=HeadSelectionConfig(strategy=strategy)), frames,
                           pairs)
            summary = summarise(maps, pairs, near)
            split[f"CA {strategy}"] = {k: round(summary[k], 4)
                                       for k in ("pointing", "pointing_strict")}
        by_frame: dict[int, list[tuple[str, bool]]] = defaultdict(list)
        for f, concept, present in labels:
            by_frame[f].append((concept, present))
        order = sorted(by_frame)
        results = operator(bb).explain([frames[f].image for f in order],
                                       [[c for c, _ in by_frame[f]] for f in order])
        y, scores, frame_of = [], defaultdict(list), []
        for f, result in zip(order, results, strict=True):
            for (_, present), concept in zip(by_frame[f], result.concepts, strict=True):
                y.append(present)
                frame_of.append(f)
                scores["concept_drop"].append(concept.concept_drop)
                scores["negative_suppression"].append(concept.negative_suppression)
                scores["cosine"].append(concept.similarity)
        split["present_absent_auroc"] = {
            k: round(float(roc_auc_score(y, np.nan_to_num(np.asarray(v, float)))), 4)
            for k, v in scores.items()}
        split["seconds"] = round(time.perf_counter() - started, 1)
        out[f"{seed}+{count}"] = split
        raw[f"{seed}+{count}"] = {"frame": np.asarray(frame_of), "present": np.asarray(y, bool),
                                  **{k: np.nan_to_num(np.asarray(v, float))
                                     for k, v in scores.items()}}
    return out, raw


def paired_auroc_difference(frames: np.ndarray, present: np.ndarray, baseline: np.ndarray,
                            candidate: np.ndarray, boot: int = 2000, seed: int = 0
                            ) -> dict[str, float]:
    """Candidate minus baseline AUROC on the same labels, with a 95 % interval from a paired
    bootstrap over frames.

    Both weights score the same (frame, concept) pairs, so resampling frames and recomputing
    both AUROCs on each resample gives the spread of their difference, which is much narrower
    than that of either AUROC alone. It tells a real drop from the noise of a few hundred pairs.
    """
    ids = np.unique(frames)
    rows = [np.flatnonzero(frames == i) for i in ids]
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(boot):
        pick = np.concatenate([rows[i] for i in rng.integers(0, len(ids), len(ids))])
        if present[pick].all() or not present[pick].any():
            continue
        diffs.append(roc_auc_score(present[pick], candidate[pick])
                     - roc_auc_score(present[pick], baseline[pick]))
    low, high = np.percentile(diffs, [2.5, 97.5])
    return {"difference": round(float(roc_auc_score(present, candidate)
                                      - roc_auc_score(present, baseline)), 4),
            "low": round(float(low), 4), "high": round(float(high), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("candidate", type=Path)
    parser.add_argument("--baseline", type=Path, default=default_weights_path())
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path,
                        default=Path(__file__).resolve().parents[1] / "results"
                        / "weights_check.json")
    args = parser.parse_args()
    for path in (args.candidate, args.baseline):
        if not path.is_file():
            parser.error(f"weights file {path} does not exist")
    torch.set_num_threads(args.threads)
    (base_out, base_raw), (cand_out, cand_raw) = check(args.baseline), check(args.candidate)
    result = {"baseline": base_out, "candidate": cand_out, "auroc_difference": {
        split: {metric: paired_auroc_difference(b["frame"], b["present"], b[metric],
                                                cand_raw[split][metric])
                for metric in ("concept_drop", "negative_suppression", "cosine")}
        for split, b in base_raw.items()}}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))
    for split in (f"{s}+{c}" for s, c in EVALUATION_SPLITS):
        base, cand = result["baseline"][split], result["candidate"][split]
        print(f"split {split} ({base['pairs']} pairs)")
        for key in ("CA layers", "CA both"):
            for metric in ("pointing", "pointing_strict"):
                print(f"  {key:<10} {metric:<16} baseline {base[key][metric]:.3f}  "
                      f"candidate {cand[key][metric]:.3f}")
        for metric, value in base["present_absent_auroc"].items():
            diff = result["auroc_difference"][split][metric]
            print(f"  AUROC {metric:<22} baseline {value:.3f}  candidate "
                  f"{cand['present_absent_auroc'][metric]:.3f}  difference "
                  f"{diff['difference']:+.3f} [{diff['low']:+.3f}, {diff['high']:+.3f}]")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
