"""Verdicts against the synthetic world's ground truth: can a reviewer trust the flags?

Run:  python benchmarks/verdicts/coherence.py [--cal-frames 160] [--eval-frames 200]
          [--write-calibration] [--pretrained WEIGHTS] [--json benchmarks/results/coherence.json]

Frames are rendered at 640x360 in all four weathers and shrunk to the pipeline's transport size
(shorter side 224), exactly what the model actors see. Every frame gets answers whose truth is
known from its scene graph, in several wordings each:

- correct answers about visible (salient) objects, every class present, binned by the object's
  size (its largest salient instance: < 1 %, 1-3 %, >= 3 % of the frame);
- hallucinated answers naming a class that is nowhere in the frame;
- colours of the largest salient car or traffic light (the classes whose colours the vocabulary
  names), right and wrong, before the noun ("a black car.") and after it ("The car is black.");
- correct "No" (the class is nowhere) and wrong "No" (it is salient and visible);
- questions about the frame's condition ("is it night?", "is the road wet?"), whose truth is
  the frame's weather (`synthworld.weather.CONDITION_CONCEPTS`), each with a right and a wrong
  yes or no. They are scored apart (`conditions` in the JSON): the headline figures stay on
  the object answers above, as the issue that set them defines them.

Two disjoint seed ranges: calibration seeds fit the grounding calibration
(`operators/verdicts/grounding.py`, a logistic model over the evidence Concept Attribution
computes) and choose `coherence.flag_confidence` and `ungrounded_when`: the most recall
whose precision's 95 % interval stays above 0.9, on probabilities cross-fitted over the
calibration frames (so the choice does not trust an in-sample fit), with
`min_concept_auroc` at 0.8 by policy.
Both ranges are topped up (`topped_up`) until every class, and every colour of a class the
colour answers name, is salient in, and absent from, at least 20 frames (40 for calibration),
so that whether the CLIP can verify a concept is measured on both sides rather than read off
its prior. Calibration needs the larger count because each concept's false-flag bounds are
10 % quantiles of its labels: with 40 a side, four labels lie beyond each bound, not two
(`grounding.steady_labels`).
Evaluation seeds only report. `--write-calibration` ships the fitted
model beside the weights it was fitted for.
The uncalibrated rule (the `ground_*` thresholds) is scored on the same evaluation answers as a
baseline.

Printed for the evaluation frames: precision, recall and F1 of `ungrounded` with 95 % intervals
(Wilson for rates, a frame bootstrap for F1); AUROC and AUPR of `p_grounded` for present against
absent concepts; false flags on correct answers per class and per size bin; wrong "No" caught;
colours caught before and after the noun; and the cost of verification per (frame, answer
concept) as a ratio to one plain image forward.

Looking closer: a crop of the frame (as the actors hold it) around each concept's heatmap peak,
scored against the vocabulary (`operators/verdicts/closeups.py`), is one more feature of
`p_grounded`. Its scale is chosen on calibration frames (`crop_study`: each candidate scale's
present-vs-absent AUROC), recorded in the calibration file, and re-measured on evaluation frames.

Also measured, as before: which heatmap similarity tells overlapping objects from disjoint ones,
flag episodes on clips, and the shipped tiny LLaVA's own presence answers with its verdicts.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import torch

# one timing rule for every cost ratio the benchmarks print: the speed benchmarks' best-of
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "speed"))
from attribution_speed import timed

from drivexplain import operators as operators_package
from drivexplain.operators.assets import TINY_CLIP_CALIBRATION, TINY_LLAVA_DIR, package_relative
from drivexplain.operators.attribution import ConceptAttribution
from drivexplain.operators.config import (
    CoherenceConfig,
    DrivexplainConfig,
    HybridConfig,
    load_config,
)
from drivexplain.operators.verdicts.closeups import closeup_scores
from drivexplain.operators.verdicts.coherence import (
    MEASURES,
    ConceptEvidence,
    FrameCheck,
    answer_gradient_map,
    check_frames,
    decide,
    vocabulary_similarities,
)
from drivexplain.operators.verdicts.colours import colour_shares
from drivexplain.operators.verdicts.concepts import ConceptExtractor
from drivexplain.operators.verdicts.episodes import FrameFlag, find_episodes
from drivexplain.operators.verdicts.grounding import (
    MAX_FALSE_FLAG_RATE,
    GroundingCalibration,
    fit_choosing_closeups,
    fit_grounding,
    steady_labels,
    without_closeups,
)
from drivexplain.synthworld.objects import CLASS_COLOURS, OBJECT_CLASSES
from drivexplain.synthworld.qa import PLURALS
from drivexplain.synthworld.scene import CONDITIONS, Frame, World, parse_concept, render_scene
from drivexplain.synthworld.weather import CONDITION_CONCEPTS, condition_truth

CALIBRATION_SEED = 920_000  # never trained on (training seeds start at 20 000 000)
EVALUATION_SEED = 940_000
# Extra frames for classes seen on one side too rarely (`topped_up`) come from seeds this far
# past the split's first, clear of both splits' own ranges.
TOP_UP_OFFSET = 5_000
# Frames without a car are about 1 in 80, so a split may scan its whole top-up range, which
# ends where the next benchmark's seeds begin (presence_z.py at 930 000).
TOP_UP_SCAN = 4_999
MIN_PER_SIDE = 20
CALIBRATION_MIN_PER_SIDE = steady_labels(MAX_FALSE_FLAG_RATE)  # 40: steady false-flag bounds
FRAME_SIZE = (640, 360)
TRANSPORT_SHORT_SIDE = 224
SIZE_BINS = ((0.0, 0.01, "<1%"), (0.01, 0.03, "1-3%"), (0.03, 1.01, ">=3%"))
# Close-up scales (shares of the frame's sides) tried on calibration frames by `crop_study`.
CANDIDATE_CROP_SCALES = (0.3, 0.5, 0.7)
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six")
FLAG_CONFIDENCES = tuple(np.round(np.arange(0.5, 0.951, 0.025), 3))
MIN_CONCEPT_AUROCS = (0.8,)
TARGET_PRECISION = 0.9

PRESENCE_PROMPTS = ("is there a {c}?", "can you see any {p}?", "are there any {p} ahead?")
YES_ANSWERS = ("yes.", "yes, there is {a} ahead.", "i can see {a}.", "{n} {p}.")
HALLUCINATED = ("yes.", "yes, there is {a} on the road.", "there are two {p}.", "i see {a}.")
NO_ANSWERS = ("no.", "no, there is no {c}.", "i don't see any {p}.", "there are no {p} here.")
COLOUR_PROMPT = "what colour is the {c}?"
COLOUR_PRE = ("{a_coloured}.", "it is {a_coloured}.")
COLOUR_POST = ("the {c} is {colour}.", "it's {colour}.")
# Questions about the frame's condition, one per concept the world settles, with a right and a
# wrong answer on every frame. Their wordings come from a generator of their own per frame
# (`CONDITION_RNG` and the frame's seed), so that adding them changed no object answer.
CONDITION_PROMPTS: dict[str, tuple[str, ...]] = {
    "night": ("is it night?", "is it nighttime?"),
    "rain": ("is it raining?", "is there rain?"),
    "snow": ("is it snowing?", "is there snow?"),
    "wet road": ("is the road wet?",),
    "snowy road": ("is the road snowy?", "is the road covered in snow?"),
}
CONDITION_YES_ANSWERS = ("yes.", "yes, definitely.")
CONDITION_NO_ANSWERS = ("no.", "no, not at all.")
CONDITION_RNG = 77
# correct answers about a visible object: a right "yes" and a right colour, before or after the noun
VISIBLE_CORRECT_KINDS = ("present", "right-colour-pre", "right-colour-post")


@dataclass(frozen=True)
class Case:
    frame: int
    prompt: str
    answer: str
    wrong: bool  # the ground truth says the answer is wrong: it must be flagged
    kind: str
    cls: str
    size_bin: str | None = None


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def size_bin(area: float) -> str:
    return next(name for lo, hi, name in SIZE_BINS if lo <= area < hi)


def make_cases(n: int, frame: Frame, rng: np.random.Generator,
               colour_vocabulary: set[str], conditions: tuple[str, ...] = ()) -> list[Case]:
    """Answers with known truth for one frame (module docstring); `conditions` are the
    condition concepts to ask about."""
    total = frame.image.shape[0] * frame.image.shape[1]
    salient: dict[str, list] = defaultdict(list)
    for o in frame.objects:
        if o.salient:
            salient[o.class_name].append(o)
    anywhere = {o.class_name for o in frame.objects}
    absent = [c for c in OBJECT_CLASSES if c not in anywhere]
    cases: list[Case] = []

    def pick(options: tuple[str, ...]) -> str:
        return str(rng.choice(options))

    for c, objects in sorted(salient.items()):
        area = max(o.area for o in objects) / total
        words = {"c": c, "p": PLURALS[c], "a": _a(c),
                 "n": NUMBER_WORDS[min(len(objects), 6)]}
        prompt = pick(PRESENCE_PROMPTS).format(**words)
        cases.append(Case(n, prompt, pick(YES_ANSWERS).format(**words), False, "present", c,
                          size_bin(area)))
        cases.append(Case(n, prompt, pick(NO_ANSWERS).format(**words), True, "wrong-no", c,
                          size_bin(area)))
    for c in absent:
        words = {"c": c, "p": PLURALS[c], "a": _a(c)}
        prompt = pick(PRESENCE_PROMPTS).format(**words)
        cases.append(Case(n, prompt, pick(HALLUCINATED).format(**words), True, "hallucinated",
                          c))
        cases.append(Case(n, prompt, pick(NO_ANSWERS).format(**words), False, "correct-no", c))
    for c in CLASS_COLOURS:
        objects = [o for o in salient.get(c, []) if o.colour]
        if not objects:
            continue
        target = max(objects, key=lambda o: o.area)
        seen = {o.colour for o in frame.objects if o.class_name == c}
        wrong = [k for k in CLASS_COLOURS[c] if k not in seen and f"{k} {c}" in colour_vocabulary]
        if f"{target.colour} {c}" not in colour_vocabulary:
            continue
        area = size_bin(target.area / total)
        prompt = COLOUR_PROMPT.format(c=c)
        for colour, is_wrong in [(target.colour, False)] + \
                ([(str(rng.choice(wrong)), True)] if wrong else []):
            words = {"c": c, "colour": colour, "a_coloured": _a(f"{colour} {c}")}
            for where, options in (("pre", COLOUR_PRE), ("post", COLOUR_POST)):
                kind = f"{'wrong' if is_wrong else 'right'}-colour-{where}"
                cases.append(Case(n, prompt, pick(options).format(**words), is_wrong, kind, c,
                                  area))
    own = np.random.default_rng([CONDITION_RNG, frame.seed])
    for concept in conditions:
        truth = condition_truth(concept, frame.condition)
        if truth is None:
            continue
        prompt = str(own.choice(CONDITION_PROMPTS[concept]))
        yes, no = str(own.choice(CONDITION_YES_ANSWERS)), str(own.choice(CONDITION_NO_ANSWERS))
        cases.append(condition_case(n, prompt, yes, True, truth, concept))
        cases.append(condition_case(n, prompt, no, False, truth, concept))
    return cases


def condition_case(n: int, prompt: str, answer: str, says_yes: bool, truth: bool,
                   concept: str) -> Case:
    """A yes or a no about the frame's condition, wrong when it disagrees with the truth."""
    kind = ("condition-present" if truth else "condition-hallucinated") if says_yes else (
        "condition-wrong-no" if truth else "condition-correct-no")
    return Case(n, prompt, answer, says_yes != truth, kind, concept)


def is_condition(case: Case) -> bool:
    return case.kind.startswith("condition-")


def uncalibrated_operator(pretrained: Path | None = None
                          ) -> tuple[DrivexplainConfig, ConceptAttribution, ConceptExtractor]:
    """The default config without its grounding calibration (the benchmarks fit their own),
    the operator it builds, with `pretrained` tiny CLIP weights in place of the shipped ones,
    and an answer reader over that operator's vocabulary."""
    config = load_config(None).with_overrides(
        **{"model.pretrained": str(pretrained) if pretrained else None}).without_calibration()
    operator = ConceptAttribution.from_config(config)
    return config, operator, ConceptExtractor(operator.vocabulary()[0])


def render_frames(first_seed: int, count: int) -> list[Frame]:
    """`count` frames, the four weathers in turn, one world per seed."""
    return [render_scene(first_seed + i, FRAME_SIZE, CONDITIONS[i % len(CONDITIONS)])
            for i in range(count)]


def topped_up(frames: list[Frame], first_seed: int, concepts: tuple[str, ...] = OBJECT_CLASSES,
              min_per_side: int = MIN_PER_SIDE, scan: int = TOP_UP_SCAN
              ) -> tuple[list[Frame], dict]:
    """`frames` plus frames from seeds `first_seed + TOP_UP_OFFSET` onwards, kept only if they
    bring a concept (a class, or a class in a colour) that is short of `min_per_side` frames
    where it is salient, or where it is nowhere, closer to it.

    Pedestrians are somewhere in almost every frame, so a plain seed range holds too few frames
    without one to measure whether the CLIP can tell their absence: the class would be
    unmeasured, and no flag would rest on it. Topping up measures every class on both sides,
    in calibration and in evaluation alike. The extra frames take the four weathers in turn;
    the split's own frames come first and keep their answers.
    """
    def sides(frame: Frame) -> np.ndarray:
        """(concepts, 2): salient in this frame, nowhere in it."""
        salient, anywhere = frame.present_concepts(True), frame.present_concepts(False)
        return np.array([(c in salient, c not in anywhere) for c in concepts], int)

    have = sum((sides(f) for f in frames), np.zeros((len(concepts), 2), int))
    before = have.copy()
    out, seed = list(frames), first_seed + TOP_UP_OFFSET
    while seed < first_seed + TOP_UP_OFFSET + scan and (have < min_per_side).any():
        frame = render_scene(seed, FRAME_SIZE, CONDITIONS[(len(out) - len(frames))
                                                          % len(CONDITIONS)])
        seed += 1
        brings = sides(frame)
        if (brings.astype(bool) & (have < min_per_side)).any():
            out.append(frame)
            have += brings
    record = {"first_seed": first_seed + TOP_UP_OFFSET, "seeds_scanned": seed - first_seed
              - TOP_UP_OFFSET, "frames_added": len(out) - len(frames),
              "salient_absent_before": dict(zip(concepts, before.tolist(), strict=True)),
              "salient_absent_after": dict(zip(concepts, have.tolist(), strict=True)),
              "still_short": [c for c, v in zip(concepts, have, strict=True)
                              if v.min() < min_per_side]}
    return out, record


def transported(frame: Frame) -> np.ndarray:
    """The frame as the model actors receive it (pipeline.transport_short_side = 224)."""
    h, w = frame.image.shape[:2]
    scale = TRANSPORT_SHORT_SIDE / min(h, w)
    size = (round(w * scale / 2) * 2, round(h * scale / 2) * 2)
    return cv2.resize(frame.image, size, interpolation=cv2.INTER_AREA)


def collect(frames: list[Frame], cases: list[Case], operator: ConceptAttribution,
            extractor: ConceptExtractor, batch: int, calibration: GroundingCalibration | None,
            crop_scales: tuple[float, ...] = ()) -> list[FrameCheck]:
    """One `check_frames` call per batch of frames; the checks in case order."""
    by_frame: dict[int, list[int]] = defaultdict(list)
    for i, case in enumerate(cases):
        by_frame[case.frame].append(i)
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
        _, out = check_frames(operator, [transported(frames[f]) for f in ids], pairs,
                              calibration=calibration, crop_scales=crop_scales)
        for f, row in zip(ids, out, strict=True):
            for i, check in zip(by_frame[f], row, strict=True):
                checks[i] = check
    return [c for c in checks if c is not None]


def operators_source_digest() -> str:
    """sha256 over the per-frame compute's source files, in path order."""
    root = Path(operators_package.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cached_collect(cache: Path | None, name: str, seed: int, frames: list[Frame],
                   cases: list[Case], operator: ConceptAttribution,
                   extractor: ConceptExtractor, batch: int,
                   crop_scales: tuple[float, ...] = ()) -> list[FrameCheck]:
    """`collect` without calibration, kept as JSON under `cache` so that refitting the
    calibration and choosing thresholds does not recompute the attributions. The file is keyed
    by the seeds, the answers, how the extractor reads them (the checks hold the readings, so a
    changed reader must not replay old ones), the CLIP's weights, the evidence's fields (a
    file from before a field existed would replay it as missing) and the source of `operators/`
    (a changed colour rule or attribution must not replay old evidence)."""
    readings = []
    for c in cases:
        prompt = extractor.prompt(c.prompt)
        readings.append([prompt.to_dict(), extractor.answer(c.answer, prompt).to_dict()])
    key = hashlib.sha256(json.dumps(
        [seed, len(frames), [c.__dict__ for c in cases], readings, operator.model_id,
         operator.backbone.weights_sha256, list(crop_scales),
         list(ConceptEvidence.__dataclass_fields__), operators_source_digest()],
        sort_keys=True).encode()).hexdigest()[:16]
    path = cache / f"{name}-{key}.json" if cache else None
    if path is not None and path.is_file():
        return [FrameCheck.from_dict(d) for d in json.loads(path.read_text())]
    checks = collect(frames, cases, operator, extractor, batch, None, crop_scales)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps([c.to_dict() for c in checks]))
    return checks


def with_calibration(checks: list[FrameCheck], calibration: GroundingCalibration
                     ) -> list[FrameCheck]:
    return [replace(c, evidence={k: e.calibrated(calibration) for k, e in c.evidence.items()})
            for c in checks]


def cross_fitted(frames: list[Frame], checks: list[FrameCheck], cases: list[Case],
                 operator: ConceptAttribution, folds: int = 5) -> list[FrameCheck]:
    """The checks with p_grounded from a calibration fitted on the other frames' labels."""
    out: list[FrameCheck | None] = [None] * len(checks)
    for fold in range(folds):
        held = [i for i, c in enumerate(cases) if c.frame % folds == fold]
        rest = [i for i, c in enumerate(cases) if c.frame % folds != fold]
        evidence, labels, owners = grounding_labels(frames, [checks[i] for i in rest],
                                                    [cases[i] for i in rest])
        model = fit_grounding([e.features() for e in evidence], labels, operator.model_id,
                              operator.backbone.weights_sha256, source=f"fold {fold}",
                              groups=owners)
        for i, check in zip(held, with_calibration([checks[i] for i in held], model),
                            strict=True):
            out[i] = check
    return [c for c in out if c is not None]


def ground_truth(frame: Frame, concept: str) -> bool | None:
    """Whether `concept` is in `frame`: for a class, present means a salient instance and absent
    no instance anywhere (one seen only as a tiny, non-salient instance is neither); for a
    condition concept, what the frame's weather settles; None when the world cannot say."""
    if concept.lower() in CONDITION_CONCEPTS:
        return condition_truth(concept, frame.condition)
    if not has_ground_truth(concept):
        return None
    if concept in frame.present_concepts(salient_only=True):
        return True
    return False if concept not in frame.present_concepts(salient_only=False) else None


def grounding_labels(frames: list[Frame], checks: list[FrameCheck], cases: list[Case]
                     ) -> tuple[list, list[bool], list[int]]:
    """(evidence, present?, frame number) for every concept the answers asked about whose truth
    the world settles (`ground_truth`); the frame numbers are the calibration's groups."""
    evidence, labels, owners, seen = [], [], [], set()
    for check, case in zip(checks, cases, strict=True):
        frame = frames[case.frame]
        for concept, e in check.evidence.items():
            if (case.frame, concept) in seen:
                continue
            seen.add((case.frame, concept))
            truth = ground_truth(frame, concept)
            if truth is not None:
                evidence.append(e)
                labels.append(truth)
                owners.append(case.frame)
    return evidence, labels, owners


def condition_score(cases: list[Case], flags: list[bool]) -> dict:
    """Flags on the condition answers: precision and recall of `ungrounded`, each kind's flag
    rate, and per concept the wrong answers caught and the right ones flagged."""
    wrong = np.array([c.wrong for c in cases], bool)
    got = np.array(flags, bool)
    tp = int((wrong & got).sum())
    out: dict = {"answers": len(cases), "precision": _rate(tp, int(got.sum())),
                 "recall": _rate(tp, int(wrong.sum()))}
    out["by_kind"] = {kind: _rate(int(got[[c.kind == kind for c in cases]].sum()),
                                  sum(c.kind == kind for c in cases))
                      for kind in sorted({c.kind for c in cases})}
    out["by_concept"] = {}
    for concept in sorted({c.cls for c in cases}):
        mine = np.array([c.cls == concept for c in cases])
        out["by_concept"][concept] = {
            "wrong_caught": _rate(int((got & wrong & mine).sum()), int((wrong & mine).sum())),
            "right_flagged": _rate(int((got & ~wrong & mine).sum()), int((~wrong & mine).sum()))}
    return out


def has_ground_truth(concept: str) -> bool:
    """Whether the world knows where `concept` is: its object classes, with or without colour
    ("road" or "sky" are everywhere but have no masks, so they cannot be labelled)."""
    try:
        parse_concept(concept)
    except ValueError:
        return False
    return True


def flagged(checks: list[FrameCheck], config: CoherenceConfig) -> list[bool]:
    return [decide(c, config).verdict == "ungrounded" for c in checks]


def verdicts_by_kind(cases: list[Case], verdicts: list[str]) -> dict[str, dict[str, int]]:
    """How many answers of each kind got each verdict: what is not flagged was passed
    (`coherent`, `divergent_grounded`) or left unchecked (`unverified`), and a reviewer needs
    to know which."""
    out: dict[str, Counter] = defaultdict(Counter)
    for case, verdict in zip(cases, verdicts, strict=True):
        out[case.kind][verdict] += 1
    return {kind: dict(sorted(counts.items())) for kind, counts in sorted(out.items())}


def wilson(k: int, n: int) -> list[float] | None:
    if n == 0:
        return None
    z, p = 1.96, k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [round(max(0.0, float(centre - half)), 3), round(min(1.0, float(centre + half)), 3)]


def _rate(hits: int, n: int) -> dict:
    return {"rate": round(hits / n, 3) if n else None, "k": hits, "n": n,
            "ci95": wilson(hits, n)}


def _prf(wrong: np.ndarray, flags: np.ndarray) -> tuple[float, float, float]:
    tp = int((wrong & flags).sum())
    precision = tp / max(1, int(flags.sum()))
    recall = tp / max(1, int(wrong.sum()))
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return precision, recall, f1


def score(cases: list[Case], flags: list[bool], boot: int = 1000) -> dict:
    """Every figure the module docstring lists, from one list of flags."""
    wrong = np.array([c.wrong for c in cases])
    got = np.array(flags)
    tp = int((wrong & got).sum())
    precision, recall, f1 = _prf(wrong, got)
    frames = np.array([c.frame for c in cases])
    unique = np.unique(frames)
    rng = np.random.default_rng(0)
    index = {f: np.flatnonzero(frames == f) for f in unique}
    f1s = []
    for _ in range(boot):
        take = np.concatenate([index[f] for f in rng.choice(unique, len(unique))])
        f1s.append(_prf(wrong[take], got[take])[2])
    out: dict = {
        "answers": len(cases),
        "precision": _rate(tp, int(got.sum())) | {"rate": round(precision, 3)},
        "recall": _rate(tp, int(wrong.sum())) | {"rate": round(recall, 3)},
        "f1": {"value": round(f1, 3),
               "ci95": [round(float(np.percentile(f1s, 2.5)), 3),
                        round(float(np.percentile(f1s, 97.5)), 3)]},
    }
    correct_present = [(c, g) for c, g in zip(cases, flags, strict=True) if c.kind == "present"]
    out["false_flags_present_by_size"] = {
        name: _rate(sum(g for c, g in correct_present if c.size_bin == name),
                    sum(c.size_bin == name for c, _ in correct_present))
        for _, _, name in SIZE_BINS}
    out["false_flags_present_by_class"] = {
        cls: _rate(sum(g for c, g in correct_present if c.cls == cls),
                   sum(c.cls == cls for c, _ in correct_present))
        for cls in OBJECT_CLASSES}
    large = [(c, g) for c, g in correct_present if c.size_bin != "<1%"]
    out["false_flags_present_1pct_and_over_by_class"] = {
        cls: _rate(sum(g for c, g in large if c.cls == cls), sum(c.cls == cls for c, _ in large))
        for cls in OBJECT_CLASSES}
    # the done-when's false-flag bars are about every correct answer on a visible object: a
    # right colour of a salient car or light counts beside a right "yes", at its object's size
    visible = [(c, g) for c, g in zip(cases, flags, strict=True)
               if c.kind in VISIBLE_CORRECT_KINDS]
    out["false_flags_visible_by_size"] = {
        name: _rate(sum(g for c, g in visible if c.size_bin == name),
                    sum(c.size_bin == name for c, _ in visible))
        for _, _, name in SIZE_BINS}
    large_visible = [(c, g) for c, g in visible if c.size_bin != "<1%"]
    out["false_flags_visible_1pct_and_over_by_class"] = {
        cls: _rate(sum(g for c, g in large_visible if c.cls == cls),
                   sum(c.cls == cls for c, _ in large_visible))
        for cls in OBJECT_CLASSES}
    out["by_kind"] = {
        kind: _rate(sum(g for c, g in zip(cases, flags, strict=True) if c.kind == kind),
                    sum(c.kind == kind for c in cases))
        for kind in sorted({c.kind for c in cases})}
    wrong_no = [(c, g) for c, g in zip(cases, flags, strict=True) if c.kind == "wrong-no"]
    out["wrong_no_caught_by_class"] = {
        cls: _rate(sum(g for c, g in wrong_no if c.cls == cls),
                   sum(c.cls == cls for c, _ in wrong_no))
        for cls in OBJECT_CLASSES}
    correct_no = [(c, g) for c, g in zip(cases, flags, strict=True) if c.kind == "correct-no"]
    out["false_flags_correct_no_by_class"] = {
        cls: _rate(sum(g for c, g in correct_no if c.cls == cls),
                   sum(c.cls == cls for c, _ in correct_no))
        for cls in OBJECT_CLASSES}
    out["by_weather"] = {}
    return out


def choose_thresholds(checks: list[FrameCheck], cases: list[Case], base: CoherenceConfig
                      ) -> tuple[CoherenceConfig, list[dict]]:
    """flag_confidence, ungrounded_when and min_concept_auroc, on the calibration answers.

    A flag must be trustworthy first: among the settings whose precision is at least
    `TARGET_PRECISION` at the lower end of its 95 % interval, the one with the most recall
    (ties: the more confident flag); if none reaches it, the best F1. `min_concept_auroc` is
    policy, not fitted: a concept the CLIP does not tell apart with an AUROC of 0.8 (the usual
    bar for a useful test) on the calibration labels cannot support a claim of absence.
    """
    wrong = np.array([c.wrong for c in cases])
    sweep = []
    for value, rule, auroc in itertools.product(FLAG_CONFIDENCES, ("any", "majority", "all"),
                                                MIN_CONCEPT_AUROCS):
        update = {"flag_confidence": float(value), "ungrounded_when": rule,
                  "min_concept_auroc": float(auroc)}
        got = np.array(flagged(checks, base.model_copy(update=update)))
        precision, recall, f1 = _prf(wrong, got)
        low = wilson(int((wrong & got).sum()), int(got.sum()))
        sweep.append(update | {"precision": round(precision, 3), "precision_low": low[0]
                               if low else 0.0, "recall": round(recall, 3), "f1": round(f1, 3)})
    trusted = [r for r in sweep if r["precision_low"] >= TARGET_PRECISION]
    best = (max(trusted, key=lambda r: (r["recall"], r["flag_confidence"])) if trusted
            else max(sweep, key=lambda r: (r["f1"], r["flag_confidence"])))
    chosen = {k: best[k] for k in ("flag_confidence", "ungrounded_when", "min_concept_auroc")}
    return base.model_copy(update=chosen), sweep


def auroc_aupr(scores_: list[float], labels: list[bool]) -> dict:
    from sklearn.metrics import average_precision_score, roc_auc_score

    return {"auroc": round(float(roc_auc_score(labels, scores_)), 3),
            "aupr": round(float(average_precision_score(labels, scores_)), 3),
            "present": int(sum(labels)), "absent": int(len(labels) - sum(labels))}


def verification_cost(operator: ConceptAttribution, frames: list[Frame],
                      extractor: ConceptExtractor, calibration: GroundingCalibration,
                      repeats: int = 3) -> dict:
    """Time added by calibrated verification per (frame, answer concept), in plain forwards.

    The evidence comes from the attribution's own outputs, so the added work is turning it
    into p_grounded; it is timed as `check_frames` with the calibration minus without, and
    set against one plain no-grad image forward of the same frames.
    """
    images = [transported(f) for f in frames]
    pairs = []
    for f in frames:
        c = next(iter(sorted(f.present_concepts())), "car")
        p = extractor.prompt(f"is there {_a(c)}?")
        pairs.append([(p, extractor.answer("yes.", p))])
    concepts = len(frames)

    plain = timed(lambda: vocabulary_similarities(operator, images), repeats)
    with_cal = timed(lambda: check_frames(operator, images, pairs, calibration=calibration),
                     repeats)
    saved = operator.grounding
    operator.grounding = None
    try:
        without = timed(lambda: check_frames(operator, images, pairs, calibration=None), repeats)
    finally:
        operator.grounding = saved
    per_forward = plain / len(frames)
    # colour shares are computed with and without a calibration, so the difference above
    # leaves them out: timed on their own, for coloured concepts of the same frames
    coloured = ["black car", "white car", "red traffic light", "green traffic light"]
    maps = [{r.concept: r.heatmap for r in f.concepts}
            for f in operator.explain(images, [coloured] * len(images))]
    shares = timed(lambda: colour_shares(images, maps), repeats)
    return {
        "frames": len(frames),
        "plain_forward_ms_per_frame": round(1000 * per_forward, 2),
        "check_frames_ms_per_concept": round(1000 * with_cal / concepts, 2),
        "verification_added_forwards_per_concept":
            round(max(0.0, with_cal - without) / concepts / per_forward, 3),
        "attribution_forwards_per_concept": round(without / concepts / per_forward, 2),
        "colour_share_forwards_per_coloured_concept":
            round(shares / (len(images) * len(coloured)) / per_forward, 4),
        "note": "verification adds the close-up crops' no-grad forward (one crop per "
                "concept per scale) and the calibration's arithmetic",
    }


def crop_study(operator: ConceptAttribution, frames: list[Frame],
               scales: tuple[float, ...] = CANDIDATE_CROP_SCALES) -> dict:
    """Which close-up tells present from absent best? Run on calibration frames, it chooses
    the crop scale the evaluation and the shipped calibration use.

    For every object class in each frame: the class's heatmap, then `closeup_scores` (the
    product's own code) at each candidate scale alone, read both ways (`crop_z`,
    `crop_similarity`). Present: a salient instance; absent: none at all; tiny non-salient
    instances are left out. Reported as AUROC beside the whole frame's z and raw cosine, per
    size bin and per class with at least 5 labels a side, with crops cut from the transported
    frame (what the actors hold, and what is chosen from) and, for comparison, from the 640x360
    render (`full-res`): whether a larger transport size would pay. The chosen scale is the one
    whose better reading is best.
    """
    from sklearn.metrics import roc_auc_score

    names, _ = operator.vocabulary()
    classes = [c for c in OBJECT_CLASSES if c in {n.lower() for n in names}]
    labels_, area_, class_ = [], [], []
    columns: dict[str, list[float]] = defaultdict(list)
    for frame in frames:
        salient = frame.present_concepts(salient_only=True)
        anywhere = frame.present_concepts(salient_only=False)
        image = transported(frame)
        result = operator.explain([image], classes)[0]
        heat = [{c: result[c].heatmap for c in classes}]
        per_scale = {f"@{scale:g}{suffix}": closeup_scores(operator, [source], heat, (scale,))[0]
                     for source, suffix in ((image, ""), (frame.image, " full-res"))
                     for scale in scales}
        evidence = {r.concept: ConceptEvidence.from_result(r, result.vocabulary_similarity,
                                                           names) for r in result.concepts}
        for c in classes:
            if c in salient or c not in anywhere:
                labels_.append(c in salient)
                area_.append(float(frame.mask_for(c).mean()))
                class_.append(c)
                columns["whole_frame_z"].append(evidence[c].vocab_z)
                columns["whole_frame_similarity"].append(evidence[c].similarity)
                for key, closeups in per_scale.items():
                    columns[f"crop_z{key}"].append(closeups[c].z)
                    columns[f"crop_similarity{key}"].append(closeups[c].similarity)
    labels = np.array(labels_)
    area = np.array(area_)
    owner = np.array(class_)
    out: dict = {"frames": len(frames), "pairs": len(labels)}
    for name, column in columns.items():
        values = np.array(column, dtype=float)
        out[name] = {"auroc": round(float(roc_auc_score(labels, values)), 3)}
        for lo, hi, bin_name in SIZE_BINS:
            keep = ~labels | ((area >= lo) & (area < hi))
            if labels[keep].any():
                out[name][bin_name] = round(float(roc_auc_score(labels[keep], values[keep])), 3)
        for c in classes:  # per class, where both sides have a few labels
            keep = owner == c
            if min(int(labels[keep].sum()), int((~labels[keep]).sum())) >= 5:
                out[name][c] = round(float(roc_auc_score(labels[keep], values[keep])), 3)
    out["chosen_scale"] = max(scales, key=lambda s: max(
        out[f"crop_{reading}@{s:g}"]["auroc"] for reading in ("z", "similarity")))
    return out


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
    from drivexplain.operators.verdicts.coherence import map_similarities

    pos: dict[str, list[float]] = {m: [] for m in MEASURES}
    neg: dict[str, list[float]] = {m: [] for m in MEASURES}
    for frame in frames[:limit]:
        concepts = sorted(c for c in frame.present_concepts() if frame.mask_for(c).mean() > 0.002)
        if len(concepts) < 2:
            continue
        result = operator.explain([transported(frame)], concepts)[0]
        grid = result.concepts[0].heatmap.shape
        masks = {c: grid_mask(frame, c, grid) > 0.25 for c in concepts}
        for i, a in enumerate(concepts):
            for b in concepts[i + 1 :]:
                inter = np.logical_and(masks[a], masks[b]).sum()
                union = np.logical_or(masks[a], masks[b]).sum()
                gt = inter / union if union else 0.0
                if 0 < gt < 0.3:
                    continue  # neither clearly the same region nor clearly apart
                for m, value in map_similarities([result[a]], [result[b]]).items():
                    (pos if gt >= 0.3 else neg)[m].append(float(value or 0.0))
    return {"overlapping_pairs": len(pos["iou"]), "disjoint_pairs": len(neg["iou"]),
            "auc": {m: auc(pos[m], neg[m]) for m in MEASURES}}


def clip_study(operator: ConceptAttribution, extractor: ConceptExtractor,
               config: CoherenceConfig, clips: int, seconds: float = 8.0, fps: float = 4.0
               ) -> dict:
    """A stretch of "yes." about an absent class injected into "no." answers on a clip: the
    temporal layer must turn its flags into one episode over that stretch."""
    hits = false_episodes = found = 0
    ious: list[float] = []
    times = np.arange(0.0, seconds, 1.0 / fps)
    lo, hi = seconds * 0.3, seconds * 0.6
    for k in range(clips):
        world = World(EVALUATION_SEED + 50_000 + k, FRAME_SIZE)
        frames = [world.frame(float(t)) for t in times]
        seen = set().union(*({o.class_name for o in f.objects} for f in frames))
        absent = [c for c in OBJECT_CLASSES if c not in seen]
        if not absent:
            continue
        prompt = extractor.prompt(f"is there {_a(absent[k % len(absent)])}?")
        injected = [bool(lo <= t < hi) for t in times]
        pairs = [[(prompt, extractor.answer("yes." if bad else "no.", prompt))]
                 for bad in injected]
        _, checks = check_frames(operator, [transported(f) for f in frames], pairs)
        flags = []
        for n, (t, row) in enumerate(zip(times, checks, strict=True)):
            verdict = decide(row[0], config).verdict
            flag = verdict in config.flag_verdicts
            flags.append(FrameFlag(n, float(t), flag, (verdict,) if flag else ()))
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
    return {"clips": n, "episodes_found": found,
            "stretches_hit": round(hits / n, 3) if n else None,
            "false_episodes": false_episodes,
            "mean_time_iou": round(float(np.mean(ious)), 3) if ious else None}


def vlm_study(operator: ConceptAttribution, extractor: ConceptExtractor,
              config: CoherenceConfig, vlm_dir: Path, n: int) -> dict:
    """The tiny LLaVA's own presence answers, judged against the scene graph."""
    from drivexplain.operators.vlm.backend import load_vlm
    from drivexplain.synthworld.qa import presence

    backend = load_vlm(vlm_dir, device="cpu", max_new_tokens=4)
    rng = np.random.default_rng(1)
    frames, questions, truths = [], [], []
    seed = EVALUATION_SEED + 60_000
    while len(frames) < n:
        frame = render_scene(seed, FRAME_SIZE, CONDITIONS[seed % len(CONDITIONS)])
        seed += 1
        qa = presence(frame, rng)
        if qa is None:
            continue
        frames.append(frame)
        questions.append(qa.question)
        truths.append(qa.answer)
    images = [transported(f) for f in frames]
    replies = [backend.ask([image], q)[0] for image, q in zip(images, questions, strict=True)]
    grid = operator.backbone.grid.shape
    llm_maps = [[answer_gradient_map(r, grid)] for r in replies]
    pairs, wrong = [], []
    for question, reply, truth in zip(questions, replies, truths, strict=True):
        wrong.append(reply.answer.strip().lower().rstrip(".") != truth)
        p = extractor.prompt(question)
        pairs.append([(p, extractor.answer(reply.answer, p))])
    _, checks = check_frames(operator, images, pairs, llm_maps=llm_maps,
                             llm_weight=HybridConfig().llm_weight,
                             llm_min_peak=config.llm_map_min_peak)
    verdicts = [decide(row[0], config).verdict for row in checks]
    right = [v for v, w in zip(verdicts, wrong, strict=True) if not w]
    got = np.array([v == "ungrounded" for v in verdicts])
    precision, recall, f1 = _prf(np.array(wrong), got)
    return {
        "vlm": package_relative(vlm_dir),
        "questions": n,
        "vlm_accuracy": round(1 - float(np.mean(wrong)), 3),
        "ungrounded": {"precision": round(precision, 3), "recall": round(recall, 3),
                       "f1": round(f1, 3)},
        "verdicts_on_correct_answers": dict(Counter(right)),
        "divergent_grounded_on_correct_answers": _rate(right.count("divergent_grounded"),
                                                       len(right)),
    }


def weights_id(operator: ConceptAttribution) -> str:
    digest = operator.backbone.weights_sha256
    return f"{operator.model_id} sha256 {digest[:16] if digest else 'n/a'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cal-frames", type=int, default=160)
    parser.add_argument("--eval-frames", type=int, default=200)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--measure-frames", type=int, default=30)
    parser.add_argument("--crop-frames", type=int, default=60)
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep the (uncalibrated) checks here, to refit without recomputing")
    parser.add_argument("--clips", type=int, default=6)
    parser.add_argument("--vlm", type=Path, default=TINY_LLAVA_DIR)
    parser.add_argument("--vlm-frames", type=int, default=40)
    parser.add_argument("--pretrained", type=Path, default=None,
                        help="a retrained tiny CLIP to judge with (default: the shipped one); "
                        "its calibration is fitted here like the shipped one's")
    parser.add_argument("--write-calibration", action="store_true",
                        help=f"ship the fitted calibration as {TINY_CLIP_CALIBRATION}")
    parser.add_argument(
        "--json", type=Path,
        default=Path(__file__).resolve().parents[1] / "results" / "coherence.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    if args.pretrained is not None and args.write_calibration:
        parser.error("--write-calibration ships a calibration beside the shipped weights; "
                     "it cannot be fitted for --pretrained")
    # the calibration is fitted below
    config, operator, extractor = uncalibrated_operator(args.pretrained)
    base = config.coherence
    vocabulary, _ = operator.vocabulary()
    colour_vocabulary = {v for v in vocabulary if len(v.split()) > 1}
    conditions = tuple(c for c in CONDITION_CONCEPTS if c in {v.lower() for v in vocabulary})
    results: dict = {"model": weights_id(operator), "frame_size": list(FRAME_SIZE),
                     "transport_short_side": TRANSPORT_SHORT_SIDE}

    # every class, and every colour of a class the colour answers name
    asked = tuple(OBJECT_CLASSES) + tuple(f"{k} {c}" for c in CLASS_COLOURS
                                          for k in CLASS_COLOURS[c]
                                          if f"{k} {c}" in colour_vocabulary)
    cal_frames, results["top_up_calibration"] = topped_up(
        render_frames(CALIBRATION_SEED, args.cal_frames), CALIBRATION_SEED, asked,
        CALIBRATION_MIN_PER_SIDE)
    crop_scales: tuple[float, ...] = ()
    if args.crop_frames:
        results["crop_study_calibration"] = crop_study(operator, cal_frames[: args.crop_frames])
        crop_scales = (results["crop_study_calibration"]["chosen_scale"],)
    results["crop_scales"] = list(crop_scales)
    # each split draws its wordings from its own generator, so that the evaluation answers do
    # not change with the number of calibration frames
    rng = np.random.default_rng(0)
    cal_cases = [c for n, f in enumerate(cal_frames)
                 for c in make_cases(n, f, rng, colour_vocabulary, conditions)]
    cal_checks = cached_collect(args.cache, "calibration", CALIBRATION_SEED, cal_frames,
                                cal_cases, operator, extractor, args.batch, crop_scales)
    digest = operator.backbone.weights_sha256
    source = (f"benchmarks/verdicts/coherence.py: synthworld seeds {CALIBRATION_SEED}.."
              f"{CALIBRATION_SEED + args.cal_frames - 1} plus "
              f"{results['top_up_calibration']['frames_added']} topped-up frames from "
              f"{CALIBRATION_SEED + TOP_UP_OFFSET}, 4 weathers, {FRAME_SIZE[0]}x"
              f"{FRAME_SIZE[1]} at transport short side {TRANSPORT_SHORT_SIDE}")
    evidence, labels, owners = grounding_labels(cal_frames, cal_checks, cal_cases)
    calibration = fit_choosing_closeups([e.features() for e in evidence], labels,
                                        operator.model_id, digest, source, crop_scales,
                                        groups=owners)
    if crop_scales:
        # which concepts the close-ups would help, whether or not they are kept
        with_crops = (calibration if calibration.crop_scales else fit_grounding(
            [e.features() for e in evidence], labels, operator.model_id, digest, source,
            crop_scales=crop_scales, groups=owners))
        results["closeups_on_calibration"] = {
            **{k: v for k, v in calibration.fitted_on.items() if "closeups" in k},
            "concept_auroc_with_closeups": with_crops.concept_auroc}
    if crop_scales and not calibration.crop_scales:
        crop_scales = ()
        cal_checks = [replace(c, evidence={k: without_closeups(e) for k, e in c.evidence.items()})
                      for c in cal_checks]
    results["crop_scales"] = list(crop_scales)
    if args.write_calibration:
        calibration.save(TINY_CLIP_CALIBRATION)
        results["calibration_written"] = package_relative(TINY_CLIP_CALIBRATION)
    cal_checks = cross_fitted(cal_frames, cal_checks, cal_cases, operator)
    tuned, sweep = choose_thresholds(cal_checks, cal_cases, base)
    results["calibration"] = {"frames": len(cal_frames), "answers": len(cal_cases),
                              "fitted_on": calibration.fitted_on,
                              "chosen": {"flag_confidence": tuned.flag_confidence,
                                         "ungrounded_when": tuned.ungrounded_when,
                                         "min_concept_auroc": tuned.min_concept_auroc},
                              "concept_auroc": calibration.concept_auroc,
                              "sweep": sweep}

    eval_frames, results["top_up_evaluation"] = topped_up(
        render_frames(EVALUATION_SEED, args.eval_frames), EVALUATION_SEED, asked)
    rng = np.random.default_rng(EVALUATION_SEED)
    eval_cases = [c for n, f in enumerate(eval_frames)
                  for c in make_cases(n, f, rng, colour_vocabulary, conditions)]
    eval_checks = with_calibration(
        cached_collect(args.cache, "evaluation", EVALUATION_SEED, eval_frames, eval_cases,
                       operator, extractor, args.batch, crop_scales), calibration)
    verdicts = [decide(c, tuned).verdict for c in eval_checks]
    flags = [v == "ungrounded" for v in verdicts]
    objects = [i for i, c in enumerate(eval_cases) if not is_condition(c)]
    object_cases = [eval_cases[i] for i in objects]
    object_flags = [flags[i] for i in objects]
    results["evaluation"] = score(object_cases, object_flags)
    results["evaluation"]["verdicts_by_kind"] = verdicts_by_kind(eval_cases, verdicts)
    weathers = {n: f.condition for n, f in enumerate(eval_frames)}
    for weather in CONDITIONS:
        keep = [i for i, c in enumerate(object_cases) if weathers[c.frame] == weather]
        sub = score([object_cases[i] for i in keep], [object_flags[i] for i in keep], boot=200)
        results["evaluation"]["by_weather"][weather] = {
            k: sub[k] for k in ("answers", "precision", "recall", "f1")}
    results["conditions"] = condition_score(
        [c for c in eval_cases if is_condition(c)],
        [f for c, f in zip(eval_cases, flags, strict=True) if is_condition(c)])
    uncalibrated = [FrameCheck(c.prompt, c.answer,
                               {k: replace(e, p_grounded=None) for k, e in c.evidence.items()},
                               c.similarities)
                    for c in (eval_checks[i] for i in objects)]
    results["evaluation_uncalibrated_baseline"] = {
        k: v for k, v in score(object_cases, flagged(uncalibrated, base), boot=200).items()
        if k in ("precision", "recall", "f1", "false_flags_present_by_size", "by_kind")}
    ev, ev_labels, _ = grounding_labels(eval_frames, eval_checks, eval_cases)
    ev_concepts = [e.concept for e in ev]
    on_object = [c.lower() not in CONDITION_CONCEPTS for c in ev_concepts]
    ev_objects = [e for e, keep in zip(ev, on_object, strict=True) if keep]
    object_labels = [y for y, keep in zip(ev_labels, on_object, strict=True) if keep]
    results["p_grounded"] = auroc_aupr([e.p_grounded for e in ev_objects], object_labels)
    results["vocab_z_alone"] = auroc_aupr([e.vocab_z for e in ev_objects], object_labels)
    results["similarity_alone"] = auroc_aupr([e.similarity for e in ev_objects], object_labels)
    results["conditions"]["p_grounded"] = {
        concept: auroc_aupr([e.p_grounded for e, c in zip(ev, ev_concepts, strict=True)
                             if c == concept],
                            [y for y, c in zip(ev_labels, ev_concepts, strict=True)
                             if c == concept])
        for concept in conditions if concept in ev_concepts}
    if crop_scales:
        results["crop_z_alone"] = auroc_aupr([e.crop_z for e in ev], ev_labels)
        results["crop_similarity_alone"] = auroc_aupr([e.crop_similarity for e in ev],
                                                      ev_labels)
    results["verification_cost"] = verification_cost(operator, eval_frames[:16], extractor,
                                                     calibration)
    if args.crop_frames:
        chosen = (results["crop_study_calibration"]["chosen_scale"],)
        results["crop_study_evaluation"] = crop_study(operator, eval_frames[: args.crop_frames],
                                                      chosen)
    operator.grounding = calibration
    results["similarity_measures"] = measure_study(eval_frames, operator, args.measure_frames)
    results["clips"] = clip_study(operator, extractor, tuned, args.clips)
    if args.vlm_frames and (args.vlm / "config.json").is_file():
        results["vlm_answers"] = vlm_study(operator, extractor, tuned, args.vlm, args.vlm_frames)
    else:
        results["vlm_answers"] = (f"skipped: --vlm-frames {args.vlm_frames}, "
                                  f"vlm {package_relative(args.vlm)}")
    results["seconds_total"] = round(time.perf_counter() - started, 1)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print_summary(results)
    print(f"wrote {args.json}")


def _fmt_rate(r: dict) -> str:
    if r["rate"] is None:
        return "n/a"
    ci = r.get("ci95")
    return f"{r['rate']:.3f} ({r['k']}/{r['n']}" + (f", {ci[0]:.3f}-{ci[1]:.3f})" if ci else ")")


def print_summary(results: dict) -> None:
    """The figures the module docstring promises, as lines a reviewer can read."""
    e = results["evaluation"]
    chosen = results["calibration"]["chosen"]
    print(f"model {results['model']}; thresholds from calibration seeds: {chosen}")
    print(f"ungrounded  precision {_fmt_rate(e['precision'])}  recall {_fmt_rate(e['recall'])}"
          f"  F1 {e['f1']['value']:.3f} ({e['f1']['ci95'][0]:.3f}-{e['f1']['ci95'][1]:.3f})")
    base = results["evaluation_uncalibrated_baseline"]
    print(f"  uncalibrated z-score rule: precision {base['precision']['rate']:.3f} recall "
          f"{base['recall']['rate']:.3f} F1 {base['f1']['value']:.3f}")
    pg, z, sim = results["p_grounded"], results["vocab_z_alone"], results["similarity_alone"]
    print(f"p_grounded AUROC {pg['auroc']:.3f} AUPR {pg['aupr']:.3f} (vocab z alone "
          f"{z['auroc']:.3f} / {z['aupr']:.3f}, raw cosine alone {sim['auroc']:.3f} / "
          f"{sim['aupr']:.3f}; {pg['present']} present, {pg['absent']} absent)")
    for kind, r in e["by_kind"].items():
        print(f"  flagged, {kind:<18} {_fmt_rate(r)}")
    for name, r in e["false_flags_present_by_size"].items():
        print(f"  false flags on correct answers, {name:<5} {_fmt_rate(r)}")
    for cls, r in e["false_flags_present_by_class"].items():
        big = e["false_flags_present_1pct_and_over_by_class"][cls]
        print(f"  false flags, {cls:<14} all {_fmt_rate(r):<28} >=1% {_fmt_rate(big)}")
    if "false_flags_visible_by_size" in e:
        for name, r in e["false_flags_visible_by_size"].items():
            print(f"  false flags on correct answers with right colours, {name:<5} "
                  f"{_fmt_rate(r)}")
        for cls, r in e["false_flags_visible_1pct_and_over_by_class"].items():
            if r["n"]:
                print(f"  the same at >=1%, {cls:<14} {_fmt_rate(r)}")
    for kind, counts in e.get("verdicts_by_kind", {}).items():
        print(f"  verdicts, {kind:<18} " + ", ".join(f"{v} {n}" for v, n in counts.items()))
    for cls, r in e["wrong_no_caught_by_class"].items():
        print(f"  wrong 'No' caught, {cls:<14} {_fmt_rate(r)}")
    for weather, r in e["by_weather"].items():
        print(f"  {weather:<6} precision {r['precision']['rate']:.3f} recall "
              f"{r['recall']['rate']:.3f}")
    cond = results.get("conditions")
    if cond:
        print(f"conditions ({cond['answers']} answers): precision {_fmt_rate(cond['precision'])}"
              f"  recall {_fmt_rate(cond['recall'])}")
        for concept, r in cond["by_concept"].items():
            auc = cond.get("p_grounded", {}).get(concept, {}).get("auroc")
            print(f"  {concept:<11} wrong caught {_fmt_rate(r['wrong_caught'])}, right flagged "
                  f"{_fmt_rate(r['right_flagged'])}, p_grounded AUROC {auc}")
    cost = results["verification_cost"]
    print(f"verification: {cost['verification_added_forwards_per_concept']} plain forwards per "
          f"(frame, answer concept) added; attribution itself "
          f"{cost['attribution_forwards_per_concept']}; colour share "
          f"{cost['colour_share_forwards_per_coloured_concept']} per coloured concept")
    for split in ("calibration", "evaluation"):
        crop = results.get(f"crop_study_{split}")
        if crop:
            cells = ", ".join(f"{k} {v}" for k, v in crop.items() if isinstance(v, dict))
            print(f"close-ups on {split} frames ({crop['pairs']} pairs): {cells}")
    if "closeups_on_calibration" in results:
        print(f"close-ups on calibration labels, out-of-fold AUROC: "
              f"{results['closeups_on_calibration']}; shipped crop scales "
              f"{results['crop_scales']}")
    if "crop_z_alone" in results:
        print(f"alone: crop_z AUROC {results['crop_z_alone']['auroc']:.3f}, crop_similarity "
              f"{results['crop_similarity_alone']['auroc']:.3f}; crop scales "
              f"{results['crop_scales']} (chosen on calibration frames)")


if __name__ == "__main__":
    main()
