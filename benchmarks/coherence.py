"""Dual-explainability verdicts against the synthetic world's ground truth.

Run:  python benchmarks/coherence.py [--frames 60] [--json benchmarks/results/coherence.json]

Every held-out frame gets prompt/answer pairs whose correct verdict is known by construction
from its scene graph:

- coherent: "can you see any buses?" / "yes." with a bus in view; "what colour is the car?" /
  its true colour; "is there a stop sign?" / "no." with none anywhere;
- divergent_grounded (paper Case I): a question about one visible class answered with another
  visible class;
- ungrounded, absent object: an answer naming a class that is nowhere in the frame;
- ungrounded, guess from priors: "yes." to a question about an absent class, "two." to "how
  many buses are there?" with none, "a car." to "what is ahead?" with no car anywhere, and
  "no." to a question about a clearly visible class;
- ambiguous_prompt (Cases II and III): "describe this image." and "i don't like winter." with
  their true answers.

Thresholds are calibrated on the first half of the frames (a sweep of the grounding z-score)
and reported on the second half, next to the paper's fixed readings (CD > 0, NS >= 2, NS >= 5)
used as the grounding test instead. The heatmap similarity measures are compared on pairs of
visible concepts: how well each one ranks pairs whose ground-truth masks overlap above pairs
whose masks are disjoint (AUC), which is what "alike heatmaps" must mean.

Clips: on synthetic clips (the world rendered at 4 frames/s, as `drivexplain synth` does), a
logged-answer track asks about a class absent from the whole clip and answers "no." except
for an injected stretch of "yes." (a model guessing from priors for a while). The temporal
layer must turn the flagged frames into one episode over that stretch: reported as episodes
found, the share of injected stretches hit, false episodes, and the time IoU of the best
episode with the stretch.

Real answers: where the shipped tiny LLaVA exists (`--vlm`), it answers presence questions
("can you see any buses?") on held-out frames; its wrong "yes" (an object that is not there)
and wrong "no" (denying a visible one) are the real ungrounded answers, scored the same way.
Here the answer heatmap is the hybrid one: the VLM's own answer gradients fused in.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from drivexplain.operators.assets import TINY_LLAVA_DIR, package_relative
from drivexplain.operators.attribution import ConceptAttribution
from drivexplain.operators.coherence import (
    MEASURES,
    VERDICTS,
    FrameCheck,
    answer_gradient_map,
    check_frames,
    decide,
)
from drivexplain.operators.concepts import ConceptExtractor
from drivexplain.operators.config import CoherenceConfig, load_config
from drivexplain.operators.episodes import FrameFlag, find_episodes
from drivexplain.synthworld.objects import OBJECT_CLASSES
from drivexplain.synthworld.qa import PLURALS, describe
from drivexplain.synthworld.scene import Frame, World, render_scene

HELD_OUT_SEED = 910_000  # never trained on (training seeds start at 20 000 000)
PRIOR_GUESS = "car"  # the most frequent object in the world: what a blind model says


@dataclass(frozen=True)
class Case:
    frame: int
    prompt: str
    answer: str
    expected: str
    kind: str


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def make_cases(n: int, frame: Frame, rng: np.random.Generator) -> list[Case]:
    """Prompt/answer pairs with known verdicts for one frame (module docstring)."""
    salient = sorted({o.class_name for o in frame.objects if o.salient})
    anywhere = {o.class_name for o in frame.objects}
    absent = [c for c in OBJECT_CLASSES if c not in anywhere]
    cases: list[Case] = []

    def pick(pool: list[str]) -> str:
        return str(rng.choice(pool))

    if salient:
        c = pick(salient)
        cases.append(Case(n, f"can you see any {PLURALS[c]}?", "yes.", "coherent", "yes-present"))
        coloured = [o for o in frame.objects if o.salient and o.colour]
        if coloured:
            o = max(coloured, key=lambda o: o.area)
            cases.append(Case(n, f"what colour is the {o.class_name}?", f"{o.colour}.",
                              "coherent", "colour"))
        cases.append(Case(n, f"is there {_a(c)}?", "no.", "ungrounded", "no-present"))
    if len(salient) >= 2:
        c1, c2 = rng.choice(salient, size=2, replace=False)
        cases.append(Case(n, f"can you see any {PLURALS[str(c1)]}?", f"i see {_a(str(c2))}.",
                          "divergent_grounded", "other-visible"))
    if absent:
        c = pick(absent)
        cases.append(Case(n, f"is there {_a(c)}?", "no.", "coherent", "no-absent"))
        c = pick(absent)
        cases.append(Case(n, f"is there {_a(c)}?", "yes.", "ungrounded", "prior-yes"))
        c = pick(absent)
        cases.append(Case(n, f"how many {PLURALS[c]} are there?", "two.", "ungrounded",
                          "prior-count"))
        c = pick(absent)
        asked = pick(salient) if salient else pick(absent)
        cases.append(Case(n, f"can you see any {PLURALS[asked]}?", f"there is {_a(c)}.",
                          "ungrounded", "absent-object"))
        if PRIOR_GUESS in absent:
            cases.append(Case(n, "what is ahead?", f"{_a(PRIOR_GUESS)}.", "ungrounded",
                              "prior-front"))
    cases.append(Case(n, "describe this image.", describe(frame).answer, "ambiguous_prompt",
                      "describe"))
    hated = "snow"
    answer = "it is snowing, drive slowly." if frame.condition == hated else \
        f"there is no {hated}."
    cases.append(Case(n, "i don't like winter.", answer, "ambiguous_prompt", "ambiguous"))
    return cases


def weights_id() -> str:
    from drivexplain.operators.tiny_clip import default_weights_path

    path = default_weights_path()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(path.stat().st_mtime))
    return f"{package_relative(path)} sha256 {digest} (modified {stamp})"


def collect(frames: list[Frame], cases: list[Case], operator: ConceptAttribution,
            extractor: ConceptExtractor, batch: int) -> list[FrameCheck]:
    """One `check_frames` call per batch of frames; returns the checks in case order."""
    by_frame: dict[int, list[int]] = {}
    for i, case in enumerate(cases):
        by_frame.setdefault(case.frame, []).append(i)
    checks: list[FrameCheck | None] = [None] * len(cases)
    order = sorted(by_frame)
    for start in range(0, len(order), batch):
        ids = order[start : start + batch]
        pairs = []
        for f in ids:
            row = []
            for i in by_frame[f]:
                p = extractor.prompt(cases[i].prompt)
                row.append((p, extractor.answer(cases[i].answer, p)))
            pairs.append(row)
        _, out = check_frames(operator, [frames[f].image for f in ids], pairs)
        for f, row in zip(ids, out, strict=True):
            for i, check in zip(by_frame[f], row, strict=True):
                checks[i] = check
    return [c for c in checks if c is not None]


def scores(expected: list[str], got: list[str]) -> dict:
    tp = sum(e == g == "ungrounded" for e, g in zip(expected, got, strict=True))
    fp = sum(g == "ungrounded" != e for e, g in zip(expected, got, strict=True))
    fn = sum(e == "ungrounded" != g for e, g in zip(expected, got, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    accuracy = sum(e == g for e, g in zip(expected, got, strict=True)) / max(1, len(got))
    return {"precision": round(precision, 3), "recall": round(recall, 3),
            "f1": round(2 * precision * recall / (precision + recall), 3) if tp else 0.0,
            "accuracy": round(accuracy, 3), "n": len(got)}


def confusion(expected: list[str], got: list[str]) -> dict[str, dict[str, int]]:
    labels = list(VERDICTS)
    table = {e: {g: 0 for g in labels} for e in labels}
    for e, g in zip(expected, got, strict=True):
        table[e][g] = table[e].get(g, 0) + 1
    return table


def verdicts(checks: list[FrameCheck], config: CoherenceConfig) -> list[str]:
    return [decide(c, config).verdict for c in checks]


def calibrate(checks: list[FrameCheck], cases: list[Case], base: CoherenceConfig,
              ) -> tuple[CoherenceConfig, list[dict]]:
    """The grounding thresholds with the best F1 of `ungrounded` on the calibration cases.

    Swept: the vocabulary z-score, the z at which a "no" is contradicted, and an optional
    Negative Suppression floor on top (the paper's metric, at thresholds below its 2 and 5),
    and how many of an answer's concepts must fail (`ungrounded_when`).
    """
    expected = [c.expected for c in cases]
    sweep = []
    best = (-1.0, base)
    for z in np.round(np.arange(-0.5, 3.01, 0.25), 2):
        for deny in np.round(np.arange(1.0, 4.01, 0.5), 2):
            for ns, rule in itertools.product((None, 0.5, 0.8, 1.0, 1.5, 2.0),
                                              ("any", "majority", "all")):
                update = {"ground_min_z": float(z), "deny_max_z": float(deny),
                          "ground_min_ns": ns, "ungrounded_when": rule}
                cfg = base.model_copy(update=update)
                s = scores(expected, verdicts(checks, cfg))
                sweep.append(update | s)
                if s["f1"] > best[0]:
                    best = (s["f1"], cfg)
    return best[1], sweep


def grid_mask(frame: Frame, concept: str, grid: tuple[int, int]) -> np.ndarray:
    mask = frame.mask_for(concept).astype(np.float32)
    return cv2.resize(mask, (grid[1], grid[0]), interpolation=cv2.INTER_AREA)


def auc(pos: list[float], neg: list[float]) -> float | None:
    if not pos or not neg:
        return None
    wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    return round(wins / (len(pos) * len(neg)), 3)


def measure_study(frames: list[Frame], operator: ConceptAttribution, limit: int) -> dict:
    """AUC of each heatmap similarity: overlapping-mask pairs against disjoint-mask pairs."""
    from drivexplain.operators.coherence import map_similarities

    pos: dict[str, list[float]] = {m: [] for m in MEASURES}
    neg: dict[str, list[float]] = {m: [] for m in MEASURES}
    pairs = 0
    for frame in frames[:limit]:
        concepts = sorted(c for c in frame.present_concepts() if frame.mask_for(c).mean() > 0.002)
        if len(concepts) < 2:
            continue
        result = operator.explain([frame.image], concepts)[0]
        grid = result.concepts[0].heatmap.shape
        masks = {c: grid_mask(frame, c, grid) > 0.25 for c in concepts}
        for i, a in enumerate(concepts):
            for b in concepts[i + 1 :]:
                inter = np.logical_and(masks[a], masks[b]).sum()
                union = np.logical_or(masks[a], masks[b]).sum()
                gt = inter / union if union else 0.0
                if 0 < gt < 0.3:
                    continue  # neither clearly the same region nor clearly apart
                sims = map_similarities([result[a]], [result[b]])
                for m, value in sims.items():
                    (pos if gt >= 0.3 else neg)[m].append(float(value or 0.0))
                pairs += 1
    def youden(p: list[float], q: list[float]) -> float | None:
        """The threshold that best separates overlapping (>=) from disjoint pairs."""
        if not p or not q:
            return None
        cuts = sorted(set(p + q))
        best = max(cuts, key=lambda t: np.mean(np.array(p) >= t) - np.mean(np.array(q) >= t))
        return round(float(best), 3)

    def d_prime(p: list[float], q: list[float]) -> float | None:
        """Separation in pooled standard deviations: how far apart the two groups sit on the
        measure's own scale, which is what a fixed threshold has to work with."""
        if len(p) < 2 or len(q) < 2:
            return None
        pooled = np.sqrt((np.var(p, ddof=1) + np.var(q, ddof=1)) / 2)
        return round(float((np.mean(p) - np.mean(q)) / pooled), 3) if pooled > 0 else None

    return {
        "pairs": pairs,
        "d_prime": {m: d_prime(pos[m], neg[m]) for m in MEASURES},
        "best_threshold": {m: youden(pos[m], neg[m]) for m in MEASURES},
        "overlapping_pairs": len(pos["iou"]),
        "disjoint_pairs": len(neg["iou"]),
        "auc": {m: auc(pos[m], neg[m]) for m in MEASURES},
        "mean_overlapping": {m: round(float(np.mean(pos[m])), 3) if pos[m] else None
                             for m in MEASURES},
        "mean_disjoint": {m: round(float(np.mean(neg[m])), 3) if neg[m] else None
                          for m in MEASURES},
    }


def paper_readings(checks: list[FrameCheck], cases: list[Case], base: CoherenceConfig) -> dict:
    """The paper's fixed faithfulness readings as the grounding test, z-score off."""
    expected = [c.expected for c in cases]
    out = {}
    for name, update in {
        "CD > 0": {"ground_min_cd": 0.0},
        "NS >= 2": {"ground_min_ns": 2.0},
        "NS >= 5": {"ground_min_ns": 5.0},
        "CD > 0 and NS >= 2": {"ground_min_cd": 0.0, "ground_min_ns": 2.0},
    }.items():
        cfg = base.model_copy(update={"ground_min_z": None, **update})
        out[name] = scores(expected, verdicts(checks, cfg))
    return out


def clip_study(operator: ConceptAttribution, extractor: ConceptExtractor,
               config: CoherenceConfig, clips: int, size: tuple[int, int],
               seconds: float = 8.0, fps: float = 4.0) -> dict:
    """Injected stretches of prior-guess answers on clips, found as episodes (module doc)."""
    hits = false_episodes = found = 0
    ious: list[float] = []
    frame_tp = frame_fp = frame_fn = 0
    times = np.arange(0.0, seconds, 1.0 / fps)
    lo, hi = seconds * 0.3, seconds * 0.6
    for k in range(clips):
        world = World(HELD_OUT_SEED + 5000 + k, size)
        frames = [world.frame(float(t)) for t in times]
        seen = set().union(*({o.class_name for o in f.objects} for f in frames))
        absent = [c for c in OBJECT_CLASSES if c not in seen]
        if not absent:
            continue
        prompt = extractor.prompt(f"is there {_a(absent[k % len(absent)])}?")
        injected = [bool(lo <= t < hi) for t in times]
        pairs = [[(prompt, extractor.answer("yes." if bad else "no.", prompt))]
                 for bad in injected]
        _, checks = check_frames(operator, [f.image for f in frames], pairs)
        flags = []
        for n, (t, row) in enumerate(zip(times, checks, strict=True)):
            verdict = decide(row[0], config).verdict
            flagged = verdict in config.flag_verdicts
            flags.append(FrameFlag(n, float(t), flagged, (verdict,) if flagged else ()))
            frame_tp += flagged and injected[n]
            frame_fp += flagged and not injected[n]
            frame_fn += (not flagged) and injected[n]
        episodes = find_episodes(flags, config.episode_smoothing, config.episode_enter,
                                 config.episode_exit, config.episode_min_frames)
        found += len(episodes)
        best = 0.0
        for e in episodes:
            inter = max(0.0, min(e.end_t + 1 / fps, hi) - max(e.start_t, lo))
            union = max(e.end_t + 1 / fps, hi) - min(e.start_t, lo)
            best = max(best, inter / union)
            false_episodes += inter == 0.0
        hits += best > 0.0
        ious.append(best)
    n = len(ious)
    return {
        "clips": n,
        "seconds": seconds,
        "fps": fps,
        "injected_stretch_s": [lo, hi],
        "episodes_found": found,
        "stretches_hit": round(hits / n, 3) if n else None,
        "false_episodes": false_episodes,
        "mean_time_iou": round(float(np.mean(ious)), 3) if ious else None,
        "frame_flag_precision": round(frame_tp / (frame_tp + frame_fp), 3)
        if frame_tp + frame_fp else None,
        "frame_flag_recall": round(frame_tp / (frame_tp + frame_fn), 3)
        if frame_tp + frame_fn else None,
    }


def vlm_study(operator: ConceptAttribution, extractor: ConceptExtractor,
              configs: dict[str, CoherenceConfig], vlm_dir: Path, n: int,
              size: tuple[int, int]) -> dict:
    """The tiny LLaVA's own presence answers, labelled from the scene graph (module doc)."""
    from drivexplain.operators.vlm import load_vlm
    from drivexplain.synthworld.qa import presence

    backend = load_vlm(vlm_dir, device="cpu", max_new_tokens=4)
    rng = np.random.default_rng(1)
    frames, questions, truths = [], [], []
    seed = HELD_OUT_SEED + 20_000
    while len(frames) < n:
        frame = render_scene(seed, size)
        seed += 1
        qa = presence(frame, rng)
        if qa is None:
            continue
        frames.append(frame)
        questions.append(qa.question)
        truths.append(qa.answer)
    replies = [backend.ask([f.image], q)[0] for f, q in zip(frames, questions, strict=True)]
    answers = [r.answer for r in replies]
    grid = operator.backbone.grid.shape
    llm_maps = [[answer_gradient_map(r, grid)] for r in replies]
    expected, pairs = [], []
    for question, answer, truth in zip(questions, answers, truths, strict=True):
        said = answer.strip().lower().rstrip(".")
        correct = said == truth
        expected.append("coherent" if correct else "ungrounded")
        p = extractor.prompt(question)
        pairs.append([(p, extractor.answer(answer, p))])
    images = [f.image for f in frames]
    _, checks = check_frames(operator, images, pairs, llm_maps=llm_maps,
                             llm_weight=next(iter(configs.values())).llm_weight)
    flat = [row[0] for row in checks]
    out: dict = {
        "vlm": package_relative(vlm_dir),
        "questions": n,
        "vlm_accuracy": round(sum(e == "coherent" for e in expected) / n, 3),
        "vlm_answers": dict(Counter(a.strip().lower() for a in answers)),
    }
    for name, cfg in configs.items():
        got = verdicts(flat, cfg)
        out[name] = {"ungrounded": scores(expected, got),
                     "confusion": confusion(expected, got)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--size", default="320x180")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--measure-frames", type=int, default=30)
    parser.add_argument("--clips", type=int, default=6)
    parser.add_argument("--vlm", type=Path, default=TINY_LLAVA_DIR)
    parser.add_argument("--vlm-frames", type=int, default=40)
    parser.add_argument(
        "--json", type=Path, default=Path(__file__).resolve().parent / "results" / "coherence.json"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    width, height = (int(v) for v in args.size.split("x"))
    config = load_config(None)
    base = config.coherence
    started = time.perf_counter()
    operator = ConceptAttribution.from_config(config)
    vocabulary, _ = operator.vocabulary()
    extractor = ConceptExtractor(vocabulary)
    rng = np.random.default_rng(0)
    frames = [render_scene(HELD_OUT_SEED + i, (width, height)) for i in range(args.frames)]
    cases = [c for n, f in enumerate(frames) for c in make_cases(n, f, rng)]
    t0 = time.perf_counter()
    checks = collect(frames, cases, operator, extractor, args.batch)
    check_s = time.perf_counter() - t0
    half = args.frames // 2
    cal = [i for i, c in enumerate(cases) if c.frame < half]
    test = [i for i, c in enumerate(cases) if c.frame >= half]
    tuned, sweep = calibrate([checks[i] for i in cal], [cases[i] for i in cal], base)
    test_checks = [checks[i] for i in test]
    test_cases = [cases[i] for i in test]
    expected = [c.expected for c in test_cases]
    results: dict = {
        "weights": weights_id(),
        "model": operator.model_id,
        "frames": args.frames,
        "cases": len(cases),
        "size": args.size,
        "seconds_checks": round(check_s, 1),
        "seconds_per_frame": round(check_s / args.frames, 3),
        "case_kinds": dict(Counter(c.kind for c in cases)),
    }
    for name, cfg in (("defaults", base), ("calibrated", tuned)):
        got = verdicts(test_checks, cfg)
        results[name] = {
            "ground_min_z": cfg.ground_min_z,
            "deny_max_z": cfg.deny_max_z,
            "ground_min_ns": cfg.ground_min_ns,
            "ungrounded_when": cfg.ungrounded_when,
            "ungrounded": scores(expected, got),
            "confusion": confusion(expected, got),
            "by_kind": {
                kind: dict(Counter(g for c, g in zip(test_cases, got, strict=True)
                                   if c.kind == kind))
                for kind in sorted({c.kind for c in test_cases})
            },
        }
    results["paper_readings_test"] = paper_readings(test_checks, test_cases, base)
    results["calibration_sweep_top"] = sorted(sweep, key=lambda r: -r["f1"])[:5]
    evidence = {"present": [], "absent": []}
    for check, case in zip(checks, cases, strict=True):
        if case.kind in ("yes-present", "prior-yes") and check.answer and check.answer.concepts:
            e = check.evidence.get(check.answer.concepts[0])
            if e is not None:
                evidence["present" if case.kind == "yes-present" else "absent"].append(e)
    results["evidence_separation_auc"] = {
        name: auc([getattr(e, name) for e in evidence["present"]
                   if getattr(e, name) is not None],
                  [getattr(e, name) for e in evidence["absent"] if getattr(e, name) is not None])
        for name in ("vocab_z", "similarity", "concept_drop", "negative_suppression")
    }
    # A per-concept prior instead of the per-frame vocabulary: cos(I, c) standardised by the
    # mean and spread of cos(I', c) over the calibration frames (is the concept's score high
    # *for that concept*?). Measured only; the verdicts do not use it.
    by_concept: dict[str, list[float]] = {}
    for check, case in zip(checks, cases, strict=True):
        if case.frame < half:
            for e in check.evidence.values():
                by_concept.setdefault(e.concept, []).append(e.similarity)
    stats = {c: (float(np.mean(v)), float(np.std(v))) for c, v in by_concept.items()
             if len(v) >= 5 and np.std(v) > 1e-6}

    def prior_z(e: object) -> float | None:
        if e.concept not in stats:  # type: ignore[attr-defined]
            return None
        mu, sd = stats[e.concept]  # type: ignore[attr-defined]
        return (e.similarity - mu) / sd  # type: ignore[attr-defined]

    test_frames = {c.frame for c in cases if c.frame >= half}
    present_z, absent_z = [], []
    for check, case in zip(checks, cases, strict=True):
        if case.frame in test_frames and case.kind in ("yes-present", "prior-yes") and \
                check.answer and check.answer.concepts:
            z = prior_z(check.evidence[check.answer.concepts[0]])
            if z is not None:
                (present_z if case.kind == "yes-present" else absent_z).append(z)
    results["evidence_separation_auc"]["per-concept prior z (test half)"] = auc(present_z,
                                                                                 absent_z)
    results["evidence_separation_auc"]["vocab_rank (lower is better)"] = auc(
        [-e.vocab_rank for e in evidence["present"] if e.vocab_rank is not None],
        [-e.vocab_rank for e in evidence["absent"] if e.vocab_rank is not None],
    )
    results["similarity_measures"] = measure_study(frames, operator, args.measure_frames)
    for name, cfg in (("clips_defaults", base), ("clips_calibrated", tuned)):
        results[name] = clip_study(operator, extractor, cfg, args.clips, (width, height))
    if args.vlm_frames and (args.vlm / "config.json").is_file():
        results["vlm_answers"] = vlm_study(operator, extractor,
                                           {"defaults": base, "calibrated": tuned},
                                           args.vlm, args.vlm_frames, (width, height))
    elif not args.vlm_frames:
        results["vlm_answers"] = "skipped: --vlm-frames 0"
    else:
        results["vlm_answers"] = f"skipped: no LLaVA directory at {args.vlm}"
    results["seconds_total"] = round(time.perf_counter() - started, 1)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(json.dumps({k: v for k, v in results.items() if k != "calibration_sweep_top"},
                     indent=1))


if __name__ == "__main__":
    main()
