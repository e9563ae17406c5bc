"""The VLM's own grounding evidence (`vlm_grounding`, GLSim-style) against the synthetic world's
ground truth, alone and fused with CLIP's calibrated `p_grounded`.

Run:  python benchmarks/verdicts/vlm_grounding.py [--cal-frames 60] [--eval-frames 80]
          [--vlm weights/tiny-drive-llava] [--json benchmarks/results/vlm_grounding.json]

Frames, answers and labels are `benchmarks/verdicts/coherence.py`'s (imported, not copied): frames
rendered at 640x360 in four weathers and shrunk to the transport size; every concept a
presence question asks about is labelled present (a salient instance) or absent (none anywhere).
Per labelled (frame, concept), CLIP's evidence comes from `check_frames` and the VLM's score from
`operators.vlm.grounding_score` (the concept teacher-forced as the answer to the case's prompt).

Two disjoint seed ranges, as in coherence.py. On calibration seeds: CLIP's calibration is
fitted (its p_grounded cross-fitted over frame folds, so nothing below trusts an in-sample fit);
the GLSim layer, weight w and top-K share are chosen by present-vs-absent AUROC; a logistic
fusion of (logit p_grounded, vlm_grounding) is fitted. Evaluation seeds only report: AUROC
(95 % frame-bootstrap interval) of p_grounded alone, vlm_grounding alone, and the fusion, and
the bootstrap interval of the fusion's gain over p_grounded.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np
import torch
from coherence import (
    CALIBRATION_SEED,
    EVALUATION_SEED,
    cached_collect,
    cross_fitted,
    has_ground_truth,
    make_cases,
    render_frames,
    transported,
    uncalibrated_operator,
    with_calibration,
)

from drivexplain.operators.assets import TINY_LLAVA_DIR, package_relative
from drivexplain.operators.verdicts.grounding import fit_grounding
from drivexplain.operators.vlm.backend import load_vlm
from drivexplain.operators.vlm.grounding_score import scores_from_replay

WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
TOP_FRACTIONS = (0.05, 0.1, 0.2)
EPS = 1e-6


def labelled(frames, checks, cases) -> list[dict]:
    """One entry per (frame, concept) with ground truth: its CLIP evidence, prompt and label
    (present: a salient instance; absent: none anywhere; a concept seen only tiny is left out,
    as in coherence.py's `grounding_labels`)."""
    out, seen = [], set()
    for check, case in zip(checks, cases, strict=True):
        frame = frames[case.frame]
        salient = frame.present_concepts(salient_only=True)
        anywhere = frame.present_concepts(salient_only=False)
        for concept, evidence in check.evidence.items():
            if (case.frame, concept) in seen or not has_ground_truth(concept):
                continue
            seen.add((case.frame, concept))
            if concept in salient or concept not in anywhere:
                out.append({"frame": case.frame, "concept": concept, "prompt": case.prompt,
                            "evidence": evidence, "present": concept in salient})
    return out


def glsim_terms(vlm, frames, items, settings: list[tuple[int, float]], batch: int
                ) -> dict[tuple[int, float], np.ndarray]:
    """Per (layer, top share): (n, 2) GLSim global and local terms for each labelled item,
    all read off one hidden-state replay per batch."""
    out: dict[tuple[int, float], list] = {s: [] for s in settings}
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        replay = vlm.hidden_replay([transported(frames[it["frame"]]) for it in chunk],
                                   [it["prompt"] for it in chunk],
                                   [it["concept"] for it in chunk])
        for layer, frac in settings:
            for score in scores_from_replay(vlm, replay, [it["concept"] for it in chunk],
                                            layer=layer, top_fraction=frac):
                out[(layer, frac)].append([score.global_similarity, score.local_similarity])
    return {k: np.array(v) for k, v in out.items()}


def auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def bootstrap(frames_of: np.ndarray, labels: np.ndarray, columns: dict[str, np.ndarray],
              boot: int, seed: int = 0) -> dict[str, list[float]]:
    """95 % intervals of each column's AUROC and of fused minus clip, resampling frames."""
    rng = np.random.default_rng(seed)
    ids = np.unique(frames_of)
    rows = {f: np.flatnonzero(frames_of == f) for f in ids}
    draws: dict[str, list[float]] = {k: [] for k in [*columns, "fused_minus_clip"]}
    for _ in range(boot):
        pick = np.concatenate([rows[f] for f in rng.choice(ids, len(ids))])
        y = labels[pick]
        if y.all() or not y.any():
            continue
        values = {k: auroc(v[pick], y) for k, v in columns.items()}
        for k, v in values.items():
            draws[k].append(v)
        draws["fused_minus_clip"].append(values["fused"] - values["clip_p_grounded"])
    return {k: [round(float(np.percentile(v, 2.5)), 3), round(float(np.percentile(v, 97.5)), 3)]
            for k, v in draws.items() if v}


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p / (1 - p))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cal-frames", type=int, default=60)
    parser.add_argument("--eval-frames", type=int, default=80)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--vlm-batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--boot", type=int, default=1000)
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep CLIP's (uncalibrated) checks here, as coherence.py does")
    parser.add_argument("--vlm", type=Path, default=TINY_LLAVA_DIR)
    parser.add_argument("--json", type=Path,
                        default=Path(__file__).resolve().parents[1] / "results"
                        / "vlm_grounding.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    _, operator, extractor = uncalibrated_operator()
    vocabulary, _ = operator.vocabulary()
    colours = {v for v in vocabulary if len(v.split()) > 1}
    vlm = load_vlm(args.vlm, device="cpu")
    rng = np.random.default_rng(0)

    def split(seed: int, count: int, name: str):
        frames = render_frames(seed, count)
        cases = [c for n, f in enumerate(frames) for c in make_cases(n, f, rng, colours)]
        checks = cached_collect(args.cache, name, seed, frames, cases, operator, extractor,
                                args.batch)
        return frames, cases, checks

    cal_frames, cal_cases, cal_checks = split(CALIBRATION_SEED, args.cal_frames, "calibration")
    eval_frames, eval_cases, eval_checks = split(EVALUATION_SEED, args.eval_frames, "evaluation")
    # CLIP: cross-fitted p_grounded on calibration frames, the full calibration fit on evaluation.
    cal_items = labelled(cal_frames, cross_fitted(cal_frames, cal_checks, cal_cases, operator),
                         cal_cases)
    raw_items = labelled(cal_frames, cal_checks, cal_cases)
    calibration = fit_grounding([it["evidence"].features() for it in raw_items],
                                [it["present"] for it in raw_items], operator.model_id,
                                operator.backbone.weights_sha256, source="vlm_grounding bench",
                                groups=[it["frame"] for it in raw_items])
    eval_items = labelled(eval_frames, with_calibration(eval_checks, calibration), eval_cases)
    y_cal = np.array([it["present"] for it in cal_items])
    y_eval = np.array([it["present"] for it in eval_items])
    p_cal = np.array([it["evidence"].p_grounded for it in cal_items])
    p_eval = np.array([it["evidence"].p_grounded for it in eval_items])

    # GLSim: layer, top-K share and w chosen on calibration frames.
    depth = len(vlm.hidden_replay([transported(cal_frames[0])], ["is there a car?"],
                                  ["car"]).hidden_states) - 1
    sweep = []
    best = None
    settings = list(itertools.product(range(1, depth + 1), TOP_FRACTIONS))
    all_terms = glsim_terms(vlm, cal_frames, cal_items, settings, args.vlm_batch)
    for (layer, frac), terms in all_terms.items():
        for w in WEIGHTS:
            value = auroc(w * terms[:, 0] + (1 - w) * terms[:, 1], y_cal)
            sweep.append({"layer": layer, "top_fraction": frac, "weight": w,
                          "auroc": round(value, 3)})
            if best is None or value > best[0]:
                best = (value, layer, frac, w, terms)
    assert best is not None
    _, layer, frac, w, cal_terms = best
    v_cal = w * cal_terms[:, 0] + (1 - w) * cal_terms[:, 1]
    eval_terms = glsim_terms(vlm, eval_frames, eval_items, [(layer, frac)],
                             args.vlm_batch)[(layer, frac)]
    v_eval = w * eval_terms[:, 0] + (1 - w) * eval_terms[:, 1]

    from sklearn.linear_model import LogisticRegression

    fusion = LogisticRegression(C=1.0).fit(np.column_stack([logit(p_cal), v_cal]), y_cal)
    fused_eval = fusion.predict_proba(np.column_stack([logit(p_eval), v_eval]))[:, 1]
    columns = {"clip_p_grounded": p_eval, "vlm_grounding": v_eval, "fused": fused_eval}
    frames_of = np.array([it["frame"] for it in eval_items])
    results = {
        "vlm": package_relative(args.vlm),
        "clip": operator.model_id,
        "calibration": {"seeds": [CALIBRATION_SEED, CALIBRATION_SEED + args.cal_frames - 1],
                        "concepts": len(cal_items), "present": int(y_cal.sum()),
                        "chosen": {"layer": layer, "top_fraction": frac, "weight": w},
                        "chosen_auroc": round(best[0], 3),
                        "fusion_coefficients": {
                            "logit_p_grounded": round(float(fusion.coef_[0][0]), 3),
                            "vlm_grounding": round(float(fusion.coef_[0][1]), 3),
                            "intercept": round(float(fusion.intercept_[0]), 3)},
                        "sweep": sweep},
        "evaluation": {"seeds": [EVALUATION_SEED, EVALUATION_SEED + args.eval_frames - 1],
                       "concepts": len(eval_items), "present": int(y_eval.sum()),
                       "auroc": {k: round(auroc(v, y_eval), 3) for k, v in columns.items()},
                       "auroc_95ci": bootstrap(frames_of, y_eval, columns, args.boot)},
        "seconds": round(time.perf_counter() - started, 1),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    ev = results["evaluation"]
    print(f"vlm_grounding on {results['vlm']} (layer {layer}, top {frac:.0%} tokens, w {w}): "
          f"{ev['concepts']} evaluation concepts ({ev['present']} present)")
    for name, value in ev["auroc"].items():
        print(f"  AUROC {name:16s} {value:.3f}  95% CI {ev['auroc_95ci'].get(name)}")
    print(f"  fused - clip: 95% CI {ev['auroc_95ci'].get('fused_minus_clip')}")
    print(f"-> {args.json} ({results['seconds']} s)")


if __name__ == "__main__":
    main()
