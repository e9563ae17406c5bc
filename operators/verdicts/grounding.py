"""One calibrated probability that a concept is in the frame: `p_grounded`.

Concept Attribution already computes, for every (frame, concept), several pieces of evidence
that the concept is there: the image's similarity to the concept relative to the whole
vocabulary (a z-score), Concept Drop and Negative Suppression of the concept's heatmap, and,
for a coloured concept, how far it stands above the same class in other colours. Each alone
needs its own threshold, and a fixed z threshold treats every class alike although a CLIP is
far surer of a bus than of a traffic light. A logistic regression over that evidence, with one
offset per concept, turns it into one probability that means the same thing for every class
and that a single threshold can act on. Concepts of the whole frame (night, rain, a wet road)
have no region for the heatmap's readings to test, and get a model of their own.

The model is fitted on labelled frames (`fit_grounding`): the synthetic world's calibration
seeds for the shipped tiny CLIP, or a user's own labels through `drivexplain calibrate`. It is
only valid for the CLIP it was fitted on, so the file records that model's id and the sha256 of
its weights, and `GroundingCalibration.check_model` refuses another.

No extra forward pass is needed: every feature is read off what the operator already computed.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from drivexplain.operators.verdicts.lexicon import FRAME_CONDITIONS

log = logging.getLogger("drivexplain.grounding")
FORMAT = "drivexplain-grounding-calibration/1"
FEATURES = ("vocab_z", "concept_drop", "negative_suppression", "colour_margin", "crop_z",
            "similarity", "crop_similarity", "colour_share")
# Ratios such as Negative Suppression can explode when the contrast's cosine is near zero;
# clipping keeps one odd frame from dominating the linear model.
_FEATURE_CLIP = 10.0
# Close-ups cost a forward per checked concept: they must buy at least this much out-of-fold
# AUROC, about one standard error of an AUROC on a couple of thousand labels (less is noise).
MIN_CLOSEUP_GAIN = 0.005
# A colour share below about one pixel of a 224-px frame reads as none.
COLOUR_SHARE_FLOOR = 1e-5
# Out-of-fold estimates (each concept's AUROC and flag bounds) hold out one fold in OOF_FOLDS
# at a time, with every label of one group (a labelled frame) in the same fold, over
# OOF_REPEATS seeded assignments of groups to folds. One assignment decides too much: on the
# shipped CLIP's calibration labels, twenty of them put a black car's AUROC anywhere in
# 0.77-0.84 and a red traffic light's in 0.75-0.80, on both sides of
# coherence.min_concept_auroc.
OOF_FOLDS = 5
OOF_REPEATS = 5
# A concept's own AUROC needs this many present and absent labels; with fewer it is noise, and
# no flag rests on the concept (`GroundingCalibration.unmeasured`).
MIN_LABELS_PER_SIDE = 10
# The share of a concept's correct answers its flags may fall on, on the calibration labels:
# the bar a reviewer is promised for objects at or above 1 % of the frame (issue #17).
MAX_FALSE_FLAG_RATE = 0.1
# A bound is a quantile of one side's labels; it is steady when this many labels lie beyond it
# (at the 0.1 rate, 40 a side). With fewer, one odd frame moves it: at 20 a side the shipped
# CLIP's bound for a denied car was 0.891, at 40 it was 0.746.
LABELS_BEYOND_BOUND = 4


# Concepts of the whole frame rather than of an object in it. They have no region of their own,
# so what the heatmap says (Concept Drop, Negative Suppression, the colour readings) means
# something else for them, and they get a logistic model of their own
# (`GroundingCalibration.frame_model`): fitted with the objects' labels, they moved the objects'
# coefficients (on the shipped CLIP's labels, wrong colours caught 0.473 -> 0.440).
WHOLE_FRAME_CONCEPTS = FRAME_CONDITIONS | frozenset({"wet road", "snowy road"})


def steady_labels(false_flag_rate: float) -> int:
    """Labels a side that put `LABELS_BEYOND_BOUND` of them beyond a concept's bound."""
    return math.ceil(LABELS_BEYOND_BOUND / false_flag_rate - 1e-9)


# Any evidence dataclass that carries the close-ups' readings.
_WithCloseups = TypeVar("_WithCloseups")


class CalibrationError(ValueError):
    """A calibration file is missing, malformed or fitted for another model; says which."""


@dataclass(frozen=True)
class GroundingFeatures:
    """The evidence for one (frame, concept), as the calibration model reads it.

    `vocab_z`: cos(I, concept) in standard deviations above the frame's mean over the
    vocabulary. `concept_drop` / `negative_suppression`: the faithfulness metrics of the
    concept's heatmap (None when faithfulness is off). `colour_margin`: for a coloured concept
    ("black car"), its z minus the best z of the same class in another vocabulary colour; 0 for
    a concept without a colour. `crop_z` / `crop_similarity`: the concept's z-score and raw
    cosine in the crops around its heatmap's peak, each the best crop's
    (`operators.verdicts.closeups`); None without crops. `similarity`: the raw whole-frame
    cos(I, concept). The z-scores compare the concept with the rest of the vocabulary, so a
    frame full of other classes lowers them; the raw cosine is what a CLIP trained with a
    presence loss (the shipped one) was taught to raise for a present concept, and its scale is
    the model's own, which the calibration fits. `colour_share`: for a coloured concept, the
    heatmap-weighted share of pixels showing its colour (`operators.verdicts.colours`), read
    on a log scale (`vector`); None without a colour.
    """

    concept: str
    vocab_z: float | None
    concept_drop: float | None
    negative_suppression: float | None
    colour_margin: float | None
    crop_z: float | None = None
    similarity: float | None = None
    crop_similarity: float | None = None
    colour_share: float | None = None

    def vector(self) -> list[float | None]:
        """The features as the model reads them: `colour_share` on a log scale, since it
        spans three orders of magnitude, from a lit lamp's few pixels to a car that fills the
        heat, and "ten times the usual" should weigh alike for both (out of fold on the shipped
        CLIP's calibration labels, traffic lights' colours 0.49-0.69 read linearly, 0.73-0.87
        on the log scale)."""
        values = [getattr(self, name) for name in FEATURES]
        share = FEATURES.index("colour_share")
        if values[share] is not None:
            values[share] = math.log10(max(values[share], 0.0) + COLOUR_SHARE_FLOOR)
        return values


class GroundingCalibration(BaseModel):
    """A fitted logistic model: p = sigmoid(intercept + coef . standardised(x) + offset[c])."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str = Field(FORMAT, pattern=f"^{FORMAT}$")
    model_id: str = Field(description="The CLIP it was fitted for, as the operator names it.")
    weights_sha256: str | None = Field(
        description="sha256 of that CLIP's weights file; null for open_clip tags and random "
        "weights, which are identified by model_id alone."
    )
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    concept_offsets: dict[str, float] = Field(
        default_factory=dict,
        description="Per-concept shift of the log-odds, for concepts seen in the labels; "
        "other concepts get none.",
    )
    concept_z_slopes: dict[str, float] = Field(
        default_factory=dict,
        description="Per-concept change of the vocab_z weight: a CLIP is surer of some "
        "classes than of others, so the same z-score says more about a bus than a bicycle.",
    )
    concept_auroc: dict[str, float] = Field(
        default_factory=dict,
        description="How well p_grounded told present from absent for each concept with at "
        "least 10 labels of each kind, out of fold (5-fold cross-validation with a frame's "
        "labels in one fold, the mean over 5 assignments of frames to folds): below "
        "coherence.min_concept_auroc the CLIP cannot verify that concept, and no flag rests "
        "on it.",
    )
    overall_auroc: float | None = Field(
        None, description="The same over all labels. A concept the labels never name gets "
        "no AUROC: nothing measured how well this CLIP tells it, so no flag rests on it."
    )
    unmeasured: tuple[str, ...] = Field(
        (), description="Concepts in the labels with fewer than 10 present or fewer than 10 "
        "absent examples. Their AUROC cannot be measured, and their offset mostly learns how "
        "often they occur (a class in nearly every frame looks present whatever the image "
        "shows), so no flag rests on them."
    )
    false_flag_rate: float | None = Field(
        None, gt=0.0, lt=1.0, description="The share of a concept's present (absent) "
        "calibration labels whose out-of-fold p_grounded lies below its affirm bound (above "
        "its deny bound); null in files fitted before the bounds existed, which have none."
    )
    concept_flag_bounds: dict[str, tuple[float | None, float | None]] = Field(
        default_factory=dict,
        description="Per concept, (affirm, deny): a named concept is flagged only at "
        "p_grounded <= affirm, a denied one only at p_grounded >= deny, besides the "
        "flag_confidence threshold. A global threshold lets a weakly told concept flag many "
        "correct answers while the overall precision looks fine; these bounds hold each "
        "concept's own false flags near false_flag_rate. A side with fewer than 10 labels "
        "is null (no bound).",
    )
    crop_scales: tuple[float, ...] = Field(
        (), description="The close-up crops crop_z was measured with (shares of the frame's "
        "sides, one crop per scale around the concept's heatmap peak); a run must cut the same."
    )
    frame_model: GroundingCalibration | None = Field(
        None, description="The logistic model for concepts of the whole frame "
        "(WHOLE_FRAME_CONCEPTS: night, rain, snow, fog, a wet or a snowy road), fitted on their "
        "labels apart from the objects'; null when the labels hold too few of them to fit one. "
        "Its own AUROCs and bounds are the top level's."
    )
    fitted_on: dict[str, int | float | str] = Field(
        default_factory=dict, description="What the labels were: counts and their source."
    )

    def probability(self, features: GroundingFeatures) -> float:
        """p_grounded for one (frame, concept); a missing feature counts as its mean."""
        concept = features.concept.lower()
        if self.frame_model is not None and concept in WHOLE_FRAME_CONCEPTS:
            return self.frame_model.probability(features)
        values = dict(zip(FEATURES, features.vector(), strict=True))
        logit = self.intercept + self.concept_offsets.get(concept, 0.0)
        for name, mean, scale, coef in zip(self.features, self.mean, self.scale, self.coef,
                                           strict=True):
            value = _clean(values.get(name))
            standard = ((value if value is not None else mean) - mean) / scale
            if name == "vocab_z":
                coef += self.concept_z_slopes.get(concept, 0.0)
            logit += coef * standard
        return 1.0 / (1.0 + math.exp(-logit)) if logit > -700 else 0.0

    def auroc_for(self, concept: str) -> float | None:
        """How verifiable `concept` proved on the labels: its own AUROC; None when the labels
        hold it on one side too rarely to measure (`unmeasured`) or never name it. The
        overall AUROC says nothing of one concept: on the shipped CLIP's labels it is 0.96
        while bicycles are 0.50."""
        return self.concept_auroc.get(concept.lower())

    def flag_bounds(self, concept: str) -> tuple[float | None, float | None]:
        """(affirm, deny) bounds of `concept` (`concept_flag_bounds`); none for a concept the
        labels never name."""
        return self.concept_flag_bounds.get(concept.lower(), (None, None))

    def check_model(self, model_id: str, weights_sha256: str | None) -> None:
        """Refuse a calibration fitted for another CLIP, naming both models."""
        if self.weights_sha256 and weights_sha256:
            same = self.weights_sha256 == weights_sha256
        else:
            same = self.model_id == model_id
        if not same:
            raise CalibrationError(
                f"the grounding calibration was fitted for {self.model_id} (weights sha256 "
                f"{_short(self.weights_sha256)}), but the loaded CLIP is {model_id} (weights "
                f"sha256 {_short(weights_sha256)}); fit one for this model with `drivexplain "
                "calibrate LABELS.jsonl --out calibration.json` and set coherence.calibration"
            )

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.model_dump(mode="json"), indent=2) + "\n")
        return path


def _short(digest: str | None) -> str:
    return digest[:12] if digest else "n/a"


def _clean(value: float | None) -> float | None:
    if value is None or not math.isfinite(float(value)):
        return None
    return float(np.clip(value, -_FEATURE_CLIP, _FEATURE_CLIP))


def load_calibration(path: str | Path) -> GroundingCalibration:
    """Read and validate a calibration file; errors name the file and the problem."""
    path = Path(path)
    if not path.is_file():
        raise CalibrationError(f"grounding calibration {path} does not exist")
    try:
        data = json.loads(path.read_text())
        return GroundingCalibration.model_validate(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CalibrationError(f"grounding calibration {path} is not JSON: {err}") from None
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "<root>"
        raise CalibrationError(
            f"grounding calibration {path} is malformed: {where}: {first['msg']}") from None


def colour_margin(concept: str, z_by_concept: Mapping[str, float], colours: Sequence[str]
                  ) -> float:
    """z(concept) minus the best z of the same class in another colour of the vocabulary."""
    words = concept.lower().split()
    if len(words) < 2 or words[0] not in colours or concept.lower() not in z_by_concept:
        return 0.0
    rest = " ".join(words[1:])
    others = [z for name, z in z_by_concept.items()
              if name.endswith(" " + rest) and name.split()[0] in colours
              and name != concept.lower()]
    return float(z_by_concept[concept.lower()] - max(others)) if others else 0.0


def fit_grounding(
    samples: Sequence[GroundingFeatures],
    labels: Sequence[bool],
    model_id: str,
    weights_sha256: str | None,
    source: str,
    regularisation: float = 1.0,
    crop_scales: Sequence[float] = (),
    false_flag_rate: float = MAX_FALSE_FLAG_RATE,
    groups: Sequence[Hashable] | None = None,
) -> GroundingCalibration:
    """Fit the logistic model on labelled (frame, concept) evidence.

    `crop_scales` are the close-ups the samples' `crop_z` came from; the file records them so
    that a run cuts the same crops.

    Each concept's flag bounds are quantiles of its out-of-fold probabilities: the
    `false_flag_rate` quantile of its present labels (affirm) and the 1 - `false_flag_rate`
    quantile of its absent ones (deny). On the shipped CLIP's calibration labels, a red traffic
    light's p_grounded fell under 0.5 for 16 of 58 correct colour answers while every class
    stayed under 0.15: one threshold cannot serve both.

    Features are standardised on the labels themselves; a concept gets its own offset and its
    own change of the vocab_z weight (one-hot and one-hot x z, L2-regularised like the rest, so
    a rarely seen concept stays near the shared model). Each concept's AUROC is measured out
    of fold, so that a concept the CLIP cannot tell apart is known as such (`concept_auroc`).

    `groups` names what each label was read from (a frame); labels of one group are always
    held out together (`oof_folds`), since a model that saw a frame's other labels while
    fitting knows more about that frame than a run will. Without it every label is its own
    group. The AUROCs are means over `OOF_REPEATS` assignments of groups to folds, and the
    bounds quantiles of all of their out-of-fold probabilities together.
    """
    y = np.asarray(labels, dtype=bool)
    if len(samples) != len(y):
        raise ValueError(f"{len(samples)} samples for {len(y)} labels")
    if y.all() or not y.any():
        raise CalibrationError("the labels need both present and absent examples to calibrate")
    if groups is not None and len(groups) != len(y):
        raise ValueError(f"{len(groups)} groups for {len(y)} labels")
    fitted = _fit_split(samples, y, model_id, weights_sha256, source, regularisation)
    oof = np.zeros((OOF_REPEATS, len(y)))
    for repeat in range(OOF_REPEATS):
        folds = oof_folds(range(len(y)) if groups is None else groups, repeat)
        for fold in range(OOF_FOLDS):
            train = folds != fold
            if not (~train).any():
                continue
            if y[train].all() or not y[train].any():
                oof[repeat, ~train] = 0.5
                continue
            model = _fit_split([s for s, t in zip(samples, train, strict=True) if t],
                               y[train], model_id, weights_sha256, source, regularisation)
            oof[repeat, ~train] = [model.probability(s)
                                   for s, t in zip(samples, train, strict=True) if not t]
    concepts = np.array([s.concept.lower() for s in samples])
    per_concept = {c: _mean_auroc(y[concepts == c], oof[:, concepts == c], MIN_LABELS_PER_SIDE)
                   for c in sorted(set(concepts))}
    return fitted.model_copy(update={
        "concept_auroc": {c: a for c, a in per_concept.items() if a is not None},
        "unmeasured": tuple(c for c, a in per_concept.items() if a is None),
        "overall_auroc": _mean_auroc(y, oof),
        "false_flag_rate": false_flag_rate,
        "concept_flag_bounds": {c: _flag_bounds(y[concepts == c], oof[:, concepts == c],
                                                false_flag_rate)
                                for c in sorted(set(concepts))},
        "crop_scales": tuple(float(v) for v in crop_scales)})


def oof_folds(groups: Sequence[Hashable], repeat: int) -> np.ndarray:
    """The out-of-fold fold (0 .. OOF_FOLDS - 1) of each label: its group's, the groups
    dealt to the folds in turn in an order shuffled by `repeat`, so every fold holds a fifth
    of the groups and a group never straddles two."""
    keys = list(dict.fromkeys(groups))
    order = np.random.default_rng(repeat).permutation(len(keys))
    fold_of = {keys[k]: n % OOF_FOLDS for n, k in enumerate(order)}
    return np.array([fold_of[g] for g in groups], dtype=int)


def _flag_bounds(labels: np.ndarray, repeats: np.ndarray, rate: float
                 ) -> tuple[float | None, float | None]:
    """(affirm, deny): the `rate` quantile of the present labels' probabilities and the
    1 - `rate` quantile of the absent ones', over every row of `repeats` (one repeat's
    out-of-fold probabilities); None for a side with too few labels."""
    present, absent = repeats[:, labels].ravel(), repeats[:, ~labels].ravel()
    affirm = (round(float(np.quantile(present, rate)), 6)
              if labels.sum() >= MIN_LABELS_PER_SIDE else None)
    deny = (round(float(np.quantile(absent, 1.0 - rate)), 6)
            if (~labels).sum() >= MIN_LABELS_PER_SIDE else None)
    return affirm, deny


def fit_choosing_closeups(
    samples: Sequence[GroundingFeatures],
    labels: Sequence[bool],
    model_id: str,
    weights_sha256: str | None,
    source: str,
    crop_scales: Sequence[float],
    false_flag_rate: float = MAX_FALSE_FLAG_RATE,
    groups: Sequence[Hashable] | None = None,
) -> GroundingCalibration:
    """`fit_grounding` with the close-ups' readings, and without; the better one out of fold.

    A close-up costs one no-grad forward per crop on every (frame, concept) a run checks, so it
    is kept (and its `crop_scales` recorded for runs to cut) only if it raises the
    out-of-fold AUROC on these labels by `MIN_CLOSEUP_GAIN`; otherwise the calibration has no
    crop scales and runs cut no crops. Both AUROCs are kept in `fitted_on`.
    """
    with_crops = fit_grounding(samples, labels, model_id, weights_sha256, source,
                               crop_scales=crop_scales, false_flag_rate=false_flag_rate,
                               groups=groups)
    if not crop_scales:
        return with_crops
    without = fit_grounding([without_closeups(s) for s in samples], labels, model_id,
                            weights_sha256, source, false_flag_rate=false_flag_rate,
                            groups=groups)
    gain = (with_crops.overall_auroc or 0.0) - (without.overall_auroc or 0.0)
    chosen = with_crops if gain >= MIN_CLOSEUP_GAIN else without
    record = {"oof_auroc_with_closeups": with_crops.overall_auroc or 0.0,
              "oof_auroc_without_closeups": without.overall_auroc or 0.0}
    return chosen.model_copy(update={"fitted_on": {**chosen.fitted_on, **record}})


def without_closeups(evidence: _WithCloseups) -> _WithCloseups:
    """The same evidence (`GroundingFeatures` or the verdicts' `ConceptEvidence`) as it would
    be without close-up crops."""
    return replace(evidence, crop_z=None, crop_similarity=None)


def _mean_auroc(labels: np.ndarray, repeats: np.ndarray, min_per_side: int = 1
                ) -> float | None:
    """The mean AUROC of each row of `repeats` (one repeat's out-of-fold probabilities)."""
    each = [_auroc(labels, scores, min_per_side) for scores in repeats]
    return None if each[0] is None else round(float(np.mean(each)), 4)


def _auroc(labels: np.ndarray, scores: np.ndarray, min_per_side: int = 1) -> float | None:
    if min(int(labels.sum()), int((~labels).sum())) < min_per_side:
        return None
    from sklearn.metrics import roc_auc_score

    return round(float(roc_auc_score(labels, scores)), 4)


def _fit_split(samples: Sequence[GroundingFeatures], y: np.ndarray, model_id: str,
               weights_sha256: str | None, source: str, regularisation: float
               ) -> GroundingCalibration:
    """The objects' model, with the whole frame's concepts fitted apart as its `frame_model`
    when both groups hold present and absent labels; else one model over all labels."""
    frame = np.array([s.concept.lower() in WHOLE_FRAME_CONCEPTS for s in samples], bool)

    def both_sides(mask: np.ndarray) -> bool:
        return bool(y[mask].any() and (~y[mask]).any())

    if not (both_sides(frame) and both_sides(~frame)):
        return _fit_logistic(samples, y, model_id, weights_sha256, source, regularisation)
    objects = _fit_logistic([s for s, f in zip(samples, frame, strict=True) if not f],
                            y[~frame], model_id, weights_sha256, source, regularisation)
    whole = _fit_logistic([s for s, f in zip(samples, frame, strict=True) if f], y[frame],
                          model_id, weights_sha256, source, regularisation)
    return objects.model_copy(update={
        "frame_model": whole,
        "fitted_on": {**objects.fitted_on, "samples": len(y), "present": int(y.sum()),
                      "absent": int((~y).sum())}})


def _fit_logistic(samples: Sequence[GroundingFeatures], y: np.ndarray, model_id: str,
                  weights_sha256: str | None, source: str, regularisation: float
                  ) -> GroundingCalibration:
    from sklearn.linear_model import LogisticRegression

    raw = np.array([[_clean(v) for v in s.vector()] for s in samples], dtype=float)
    seen = ~np.isnan(raw)
    mean = np.where(seen.any(axis=0),
                    np.nansum(raw, axis=0) / np.maximum(seen.sum(axis=0), 1), 0.0)
    raw = np.where(np.isnan(raw), mean, raw)
    scale = raw.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    concepts = sorted({s.concept.lower() for s in samples})
    onehot = np.array([[s.concept.lower() == c for c in concepts] for s in samples], float)
    standard = (raw - mean) / scale
    z = standard[:, FEATURES.index("vocab_z")][:, None]
    x = np.hstack([standard, onehot, onehot * z])
    model = LogisticRegression(C=regularisation, max_iter=5000).fit(x, y)
    weights = model.coef_[0]
    k = len(FEATURES)
    return GroundingCalibration(
        model_id=model_id,
        weights_sha256=weights_sha256,
        features=FEATURES,
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        coef=tuple(float(v) for v in weights[:k]),
        intercept=float(model.intercept_[0]),
        concept_offsets={c: round(float(w), 6)
                         for c, w in zip(concepts, weights[k : k + len(concepts)], strict=True)},
        concept_z_slopes={c: round(float(w), 6)
                          for c, w in zip(concepts, weights[k + len(concepts) :], strict=True)},
        fitted_on={"samples": len(y), "present": int(y.sum()),
                   "absent": int((~y).sum()), "source": source},
    )


def grounding_for(source: str | None, model_id: str, weights_sha256: str | None
                  ) -> GroundingCalibration | None:
    """The calibration a run uses for this CLIP, or None (uncalibrated grounding).

    The shipped calibration is the default for every model, so for any CLIP but the shipped one
    it is skipped with a warning naming both models; a file the user chose must match, or it
    is an error.
    """
    if source is None:
        return None
    from drivexplain.operators.assets import TINY_CLIP_CALIBRATION

    calibration = load_calibration(source)
    try:
        calibration.check_model(model_id, weights_sha256)
    except CalibrationError as err:
        if Path(source).resolve() != TINY_CLIP_CALIBRATION.resolve():
            raise
        log.warning("%s; grounding runs uncalibrated", err)
        return None
    return calibration
