"""The calibrated grounding probability: fitting, the model check, files, and verdicts."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from drivexplain.operators.assets import TINY_CLIP_CALIBRATION, file_sha256
from drivexplain.operators.config import CoherenceConfig
from drivexplain.operators.verdicts.coherence import ConceptEvidence, FrameCheck, decide
from drivexplain.operators.verdicts.grounding import (
    CalibrationError,
    GroundingFeatures,
    colour_margin,
    fit_grounding,
    grounding_for,
    load_calibration,
    oof_folds,
)
from drivexplain.operators.verdicts.readings import Extraction


def _samples(n: int = 400, seed: int = 0) -> tuple[list[GroundingFeatures], list[bool]]:
    """Two concepts whose evidence separates presence, one of them harder (lower z when
    present), which only a per-concept offset can absorb."""
    rng = np.random.default_rng(seed)
    samples, labels = [], []
    for i in range(n):
        concept = "bus" if i % 2 else "traffic light"
        present = bool(rng.random() < 0.5)
        shift = 1.5 if concept == "bus" else 0.0
        z = rng.normal((1.5 if present else -0.5) + shift, 0.5)
        samples.append(GroundingFeatures(concept, z, rng.normal(0.1 if present else 0.0, 0.05),
                                         None, 0.0))
        labels.append(present)
    return samples, labels


def test_fit_separates_and_is_monotone_in_the_evidence() -> None:
    samples, labels = _samples()
    cal = fit_grounding(samples, labels, "M@w", "ab" * 32, source="test")
    probs = np.array([cal.probability(s) for s in samples])
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(labels, probs) > 0.95
    low = cal.probability(GroundingFeatures("bus", -1.0, 0.0, None, 0.0))
    high = cal.probability(GroundingFeatures("bus", 3.0, 0.0, None, 0.0))
    assert 0.0 <= low < 0.5 < high <= 1.0
    # the harder class sits lower at the same z: the offset learned that a traffic light's
    # z-scores run lower than a bus's
    assert cal.concept_offsets["traffic light"] > cal.concept_offsets["bus"]
    # a concept never seen still gets a probability (no offset), and a missing metric counts as
    # its mean instead of failing
    unseen = cal.probability(GroundingFeatures("tram", 2.0, None, None, None))
    assert 0.0 < unseen < 1.0
    assert cal.fitted_on == {"samples": 400, "present": sum(labels),
                             "absent": 400 - sum(labels), "source": "test"}


def test_concepts_of_the_whole_frame_are_fitted_apart_from_the_objects(tmp_path: Path) -> None:
    objects, object_labels = _samples()
    rng = np.random.default_rng(1)
    frame, frame_labels = [], []
    for i in range(200):
        present = bool(rng.random() < 0.5)
        # a condition fills the frame: its z runs far higher, and its heatmap metrics say
        # nothing, which would pull a shared model's weights
        z = rng.normal(4.0 if present else -1.0, 0.5)
        frame.append(GroundingFeatures("night" if i % 2 else "wet road", z, -0.3, 0.5, 0.0))
        frame_labels.append(present)
    both = fit_grounding(objects + frame, object_labels + frame_labels, "M@w", None, "test")
    alone = fit_grounding(objects, object_labels, "M@w", None, "test")
    # the objects' model is the one their labels alone give
    assert (both.coef, both.intercept, both.concept_offsets) == (
        alone.coef, alone.intercept, alone.concept_offsets)
    assert both.frame_model is not None and set(both.frame_model.concept_offsets) == {
        "night", "wet road"}
    night = GroundingFeatures("night", 4.0, -0.3, 0.5, 0.0)
    assert both.probability(night) == both.frame_model.probability(night) > 0.9
    assert both.concept_auroc["night"] > 0.95 and both.fitted_on["samples"] == 600
    # written and read back, it gives the same probabilities
    again = load_calibration(both.save(tmp_path / "cal.json"))
    assert again.probability(night) == both.probability(night)
    # with the frame's concepts on one side only, one model serves all
    one_sided = fit_grounding(objects + frame[:1], object_labels + frame_labels[:1], "M@w",
                              None, "test")
    assert one_sided.frame_model is None


def test_a_file_fitted_before_a_feature_existed_reads_only_its_own_features() -> None:
    samples, labels = _samples()
    cal = fit_grounding(samples, labels, "M@w", "ab" * 32, source="test")
    k = cal.features.index("similarity")
    older = cal.model_copy(update={
        name: tuple(v for i, v in enumerate(getattr(cal, name)) if i != k)
        for name in ("features", "mean", "scale", "coef")})
    evidence = GroundingFeatures("bus", 2.0, 0.1, None, 0.0, similarity=0.9)
    # the raw cosine was never seen while fitting (its coefficient is 0 in the full file), so
    # the older file gives the same probability, and a new feature it lacks is not read
    assert older.probability(evidence) == pytest.approx(cal.probability(evidence))
    assert "similarity" not in older.features


def test_out_of_fold_folds_keep_a_frames_labels_together() -> None:
    """Every label of one group (frame) lands in one fold, the folds share the groups evenly,
    and each repeat deals them anew but the same way every time it is asked."""
    groups = [f"frame{n // 3}" for n in range(3 * 23)] + [("clip.mp4", 7)] * 4
    folds = oof_folds(groups, 0)
    assert all(len({f for f, g in zip(folds, groups, strict=True) if g == key}) == 1
               for key in set(groups))
    per_fold = [len({g for f, g in zip(folds, groups, strict=True) if f == k}) for k in range(5)]
    assert sorted(per_fold) == [4, 5, 5, 5, 5]  # 24 groups
    assert (oof_folds(groups, 1) != folds).any()
    assert (oof_folds(groups, 1) == oof_folds(groups, 1)).all()
    assert sorted(oof_folds(range(10), 0).tolist()) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]


def test_a_calibration_fitted_by_frame_holds_out_whole_frames() -> None:
    """`groups` must name one group per label; a calibration fitted with them measures the
    same evidence as well as without (the shared model does not change)."""
    samples, labels = _samples()
    groups = [n // 4 for n in range(len(samples))]
    with pytest.raises(ValueError, match="groups for"):
        fit_grounding(samples, labels, "M", None, "test", groups=groups[:-1])
    grouped = fit_grounding(samples, labels, "M", None, "test", groups=groups)
    plain = fit_grounding(samples, labels, "M", None, "test")
    assert (grouped.coef, grouped.intercept) == (plain.coef, plain.intercept)
    assert grouped.concept_auroc["bus"] > 0.9
    assert grouped.concept_auroc != plain.concept_auroc  # other folds, other estimates


def test_flag_bounds_hold_each_concepts_false_flags_near_the_rate() -> None:
    """A concept the evidence tells apart poorly gets a lower affirm bound (its present
    examples reach low probabilities) than one it tells apart well; both bounds leave about
    `false_flag_rate` of the concept's correct answers on the flagging side, out of fold."""
    samples, labels = _samples(600)
    rng = np.random.default_rng(5)
    weak = [GroundingFeatures("bicycle", rng.normal(0.3 if i % 2 else 0.0, 1.0), 0.0, None, 0.0)
            for i in range(200)]
    cal = fit_grounding(samples + weak, labels + [bool(i % 2) for i in range(200)], "M@w",
                        "ab" * 32, source="test", false_flag_rate=0.1)
    assert cal.false_flag_rate == 0.1
    bus_affirm, bus_deny = cal.flag_bounds("Bus")
    bike_affirm, bike_deny = cal.flag_bounds("bicycle")
    assert bike_affirm < bus_affirm and bike_deny > bus_deny
    present = [cal.probability(s) for s, y in zip(samples, labels, strict=True)
               if y and s.concept == "bus"]
    assert 0.03 < np.mean(np.array(present) <= bus_affirm) < 0.2  # in-sample, near 0.1
    assert cal.flag_bounds("tram") == (None, None)  # never named: nothing measured
    # a side with fewer than 10 labels has no bound
    few = fit_grounding(samples + weak[:12], labels + [True] * 3 + [False] * 9, "M@w", None,
                        source="test")
    assert few.flag_bounds("bicycle") == (None, None)


def test_a_file_without_bounds_flags_on_flag_confidence_alone() -> None:
    samples, labels = _samples()
    cal = fit_grounding(samples, labels, "M@w", "ab" * 32, source="test")
    older = cal.model_validate({k: v for k, v in cal.model_dump().items()
                                if k not in ("false_flag_rate", "concept_flag_bounds")})
    assert older.flag_bounds("bus") == (None, None)
    evidence = ConceptEvidence("bus", "car", 0.3, 0.0, 1.0, -1.0, 10, 0.0).calibrated(older)
    assert evidence.affirm_bound is None and evidence.deny_bound is None


@pytest.mark.parametrize(("denies", "p", "verdict", "said"), [
    (False, 0.30, "unverified", "> 0.150, its false-flag bound: too weak to flag"),
    (False, 0.10, "ungrounded", "and <= 0.150, its false-flag bound"),
    (False, 0.70, "coherent", "> 0.5 (1 - flag_confidence)"),
    (True, 0.70, "unverified", "but < 0.900, its false-flag bound"),
    (True, 0.95, "ungrounded", "and >= 0.900, its false-flag bound"),
    (True, 0.30, "coherent", "does not contradict it: p_grounded 0.300 < flag_confidence 0.5")])
def test_a_concept_is_flagged_only_past_its_false_flag_bound(denies: bool, p: float,
                                                             verdict: str, said: str) -> None:
    config = CoherenceConfig(flag_confidence=0.5, calibration=None)
    evidence = ConceptEvidence("car", "truck", 0.3, 0.1, 3.0, 0.0, 10, 0.0, p_grounded=p,
                               concept_auroc=0.95, affirm_bound=0.15, deny_bound=0.9)
    answer = (Extraction("No.", (), ("car",), polarity="deny") if denies
              else Extraction("Yes.", ("car",), polarity="affirm"))
    out = decide(FrameCheck(Extraction("Is there a car?", ("car",)), answer, {"car": evidence},
                            {"histogram": 1.0}), config)
    assert out.verdict == verdict
    assert said in " ".join(out.reasons)


def test_fit_needs_both_labels() -> None:
    samples, _ = _samples(10)
    with pytest.raises(CalibrationError, match="both present and absent"):
        fit_grounding(samples, [True] * 10, "M", None, source="test")


def test_calibration_round_trips_and_refuses_another_model(tmp_path: Path) -> None:
    samples, labels = _samples()
    cal = fit_grounding(samples, labels, "TinyDriveCLIP@a.safetensors", "ab" * 32, "test")
    loaded = load_calibration(cal.save(tmp_path / "cal.json"))
    assert loaded == cal
    loaded.check_model("renamed@b.safetensors", "ab" * 32)  # same weights, other name: fine
    with pytest.raises(CalibrationError) as err:
        loaded.check_model("ViT-B-16@openai", None)
    assert "TinyDriveCLIP@a.safetensors" in str(err.value) and "ViT-B-16@openai" in str(err.value)
    with pytest.raises(CalibrationError, match="cd" * 6):
        loaded.check_model("TinyDriveCLIP@a.safetensors", "cd" * 32)


@pytest.mark.parametrize(
    ("content", "problem"),
    [("not json", "is not JSON"), ("{}", "is malformed"),
     (json.dumps({"format": "other/1"}), "is malformed")],
)
def test_bad_calibration_files_are_named(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "cal.json"
    path.write_text(content)
    with pytest.raises(CalibrationError, match=problem) as err:
        load_calibration(path)
    assert str(path) in str(err.value)
    with pytest.raises(CalibrationError, match="does not exist"):
        load_calibration(tmp_path / "missing.json")


def test_colour_margin() -> None:
    z = {"red car": 2.0, "blue car": 0.5, "black car": 1.0, "car": 3.0}
    colours = ["red", "blue", "black"]
    assert colour_margin("red car", z, colours) == pytest.approx(1.0)
    assert colour_margin("blue car", z, colours) == pytest.approx(-1.5)
    assert colour_margin("car", z, colours) == 0.0  # no colour: nothing to compare


def _evidence(concept: str, p: float) -> ConceptEvidence:
    return ConceptEvidence(concept, "sky", 0.3, 0.1, 3.0, 0.0, 10, 0.0, p_grounded=p,
                           concept_auroc=0.95)


PROMPT = Extraction("Is there a pedestrian?", ("pedestrian",))


@pytest.mark.parametrize(("p", "confidence", "flag"),
                         [(0.1, 0.5, True), (0.6, 0.5, False), (0.3, 0.8, False),
                          (0.15, 0.8, True)])
def test_a_named_concept_is_flagged_when_it_is_likely_absent(p: float, confidence: float,
                                                             flag: bool) -> None:
    config = CoherenceConfig(flag_confidence=confidence, calibration=None)
    answer = Extraction("Yes, a pedestrian.", ("pedestrian",), polarity="affirm")
    verdict = decide(FrameCheck(PROMPT, answer, {"pedestrian": _evidence("pedestrian", p)},
                                {"histogram": 1.0}), config)
    assert (verdict.verdict == "ungrounded") is flag
    assert f"p_grounded {p:.3f}" in " ".join(verdict.reasons)
    assert "vocabulary z-score" not in " ".join(verdict.reasons)  # the calibrated rule only


@pytest.mark.parametrize(("p", "flag"), [(0.9, True), (0.4, False)])
def test_a_denied_concept_is_flagged_when_it_is_likely_present(p: float, flag: bool) -> None:
    config = CoherenceConfig(flag_confidence=0.7, calibration=None)
    answer = Extraction("No.", (), ("pedestrian",), polarity="deny")
    verdict = decide(FrameCheck(PROMPT, answer, {"pedestrian": _evidence("pedestrian", p)},
                                {"histogram": 1.0}), config)
    assert (verdict.verdict == "ungrounded") is flag
    assert f"p_grounded {p:.3f} {'>=' if flag else '<'} flag_confidence 0.7" in \
        " ".join(verdict.reasons)


def test_the_shipped_calibration_matches_the_shipped_clip() -> None:
    from drivexplain.operators.models.tiny_clip import TINY_CLIP_NAME, default_weights_path

    cal = load_calibration(TINY_CLIP_CALIBRATION)
    assert cal.weights_sha256 == file_sha256(default_weights_path())
    assert cal.model_id.startswith(TINY_CLIP_NAME)
    assert CoherenceConfig().calibration == str(TINY_CLIP_CALIBRATION)


def test_embedded_calibration_is_skipped_for_another_clip(caplog: pytest.LogCaptureFixture,
                                                          tmp_path: Path) -> None:
    with caplog.at_level(logging.WARNING, logger="drivexplain"):
        assert grounding_for(str(TINY_CLIP_CALIBRATION), "ViT-B-16@openai", None) is None
    assert "ViT-B-16@openai" in caplog.text and "uncalibrated" in caplog.text
    mine = tmp_path / "mine.json"
    mine.write_text(TINY_CLIP_CALIBRATION.read_text())
    with pytest.raises(CalibrationError, match="ViT-B-16@openai"):
        grounding_for(str(mine), "ViT-B-16@openai", None)


def test_an_unverifiable_concept_raises_no_flag_and_says_so_first() -> None:
    config = CoherenceConfig(calibration=None, min_concept_auroc=0.8)
    weak = ConceptEvidence("bicycle", "car", 0.3, 0.0, 1.0, 0.0, 10, 0.0,
                           p_grounded=0.05, concept_auroc=0.47)
    prompt = Extraction("Is there a bicycle?", ("bicycle",))
    for answer in (Extraction("Yes.", ("bicycle",), polarity="affirm"),
                   Extraction("No.", (), ("bicycle",), polarity="deny")):
        verdict = decide(FrameCheck(prompt, answer, {"bicycle": weak}, {"histogram": 1.0}),
                         config)
        assert verdict.verdict == "unverified"
        assert "'bicycle' cannot be verified by this CLIP: calibration AUROC 0.470 < " \
               "min_concept_auroc 0.8" in verdict.reasons[0]
    # the same evidence from a concept the CLIP tells apart well is a flag
    strong = ConceptEvidence("bus", "car", 0.3, 0.0, 1.0, 0.0, 10, 0.0,
                             p_grounded=0.05, concept_auroc=0.97)
    verdict = decide(FrameCheck(Extraction("Is there a bus?", ("bus",)),
                                Extraction("Yes.", ("bus",), polarity="affirm"),
                                {"bus": strong}, {"histogram": 1.0}), config)
    assert verdict.verdict == "ungrounded"


def test_a_concept_the_labels_hold_on_one_side_only_is_unmeasured_and_raises_no_flag() -> None:
    from dataclasses import replace

    samples, labels = _samples()
    # pedestrians, as in street scenes: present in 60 frames, absent from 3
    rng = np.random.default_rng(3)
    extra = [GroundingFeatures("pedestrian", rng.normal(0.3, 1.0), 0.0, None, 0.0)
             for _ in range(63)]
    cal = fit_grounding(samples + extra, labels + [True] * 60 + [False] * 3, "M@w", "ab" * 32,
                        source="test")
    assert cal.unmeasured == ("pedestrian",) and "pedestrian" not in cal.concept_auroc
    assert cal.auroc_for("Pedestrian") is None
    assert cal.auroc_for("bus") == cal.concept_auroc["bus"]
    assert cal.auroc_for("tram") is None  # never named: no flag may rest on it
    # the offset learned how often pedestrians occur: a weak z still reads as present ...
    denied = cal.probability(replace(extra[0], vocab_z=-0.5))
    assert denied > 0.5
    # ... so a denial is not flagged on that, and the reason says why
    evidence = replace(ConceptEvidence("pedestrian", None, 0.2, 0.0, 1.0, -0.5, 10, 0.0),
                       p_grounded=denied, concept_auroc=cal.auroc_for("pedestrian"))
    verdict = decide(FrameCheck(Extraction("Is there a pedestrian?", ("pedestrian",)),
                                Extraction("No.", (), ("pedestrian",), polarity="deny"),
                                {"pedestrian": evidence}, {"histogram": 1.0}),
                     CoherenceConfig(calibration=None))
    assert verdict.verdict != "ungrounded"
    assert "too few present or absent examples" in verdict.reasons[0]
    # a calibration file written before the field existed loads with nothing unmeasured
    data = json.loads(cal.model_dump_json())
    del data["unmeasured"]
    assert type(cal).model_validate(data).unmeasured == ()


def _with_crop_z(samples: list[GroundingFeatures], labels: list[bool], informative: bool,
                 seed: int = 1) -> list[GroundingFeatures]:
    """crop_z that sees what the whole frame misses (present small objects), or pure noise."""
    from dataclasses import replace

    rng = np.random.default_rng(seed)
    return [replace(s, vocab_z=s.vocab_z + rng.normal(0, 2.0),
                    crop_z=(2.0 if y else -1.0) + rng.normal(0, 0.7) if informative
                    else rng.normal(0, 1.0))
            for s, y in zip(samples, labels, strict=True)]


@pytest.mark.parametrize("informative", [True, False])
def test_the_close_up_is_kept_only_when_it_raises_out_of_fold_auroc(informative: bool) -> None:
    from drivexplain.operators.verdicts.grounding import fit_choosing_closeups

    samples, labels = _samples()
    samples = _with_crop_z(samples, labels, informative)
    cal = fit_choosing_closeups(samples, labels, "M", None, "test", (0.5,))
    with_crop, without = (cal.fitted_on["oof_auroc_with_closeups"],
                          cal.fitted_on["oof_auroc_without_closeups"])
    assert cal.crop_scales == ((0.5,) if informative else ())
    assert (with_crop > without) is informative
    if informative:
        assert with_crop > without + 0.02


def test_a_close_up_that_buys_less_than_the_margin_is_not_kept() -> None:
    """A forward per concept for an AUROC gain within the folds' noise is not worth it."""
    from dataclasses import replace

    from drivexplain.operators.verdicts.grounding import MIN_CLOSEUP_GAIN, fit_choosing_closeups

    samples, labels = _samples()
    rng = np.random.default_rng(5)
    samples = [replace(s, vocab_z=s.vocab_z + rng.normal(0, 2.0),
                       crop_z=(0.25 if y else 0.0) + rng.normal(0, 1.0))
               for s, y in zip(samples, labels, strict=True)]
    cal = fit_choosing_closeups(samples, labels, "M", None, "test", (0.5,))
    gain = cal.fitted_on["oof_auroc_with_closeups"] - cal.fitted_on["oof_auroc_without_closeups"]
    assert 0.0 < gain < MIN_CLOSEUP_GAIN, gain
    assert cal.crop_scales == ()


def test_an_answer_with_one_checked_concept_is_judged_on_it_and_notes_the_rest() -> None:
    """"unverified" only when nothing the answer says could be checked: a grounded bus beside
    an unverifiable bicycle is a coherent answer whose reasons still say the bicycle was not
    checked."""
    config = CoherenceConfig(calibration=None, min_concept_auroc=0.8)
    weak = ConceptEvidence("bicycle", "car", 0.3, 0.0, 1.0, 0.0, 10, 0.0,
                           p_grounded=0.05, concept_auroc=0.47)
    strong = ConceptEvidence("bus", "car", 0.3, 0.0, 1.0, 0.0, 10, 0.0,
                             p_grounded=0.95, concept_auroc=0.97)
    prompt = Extraction("Is there a bus?", ("bus",))
    answer = Extraction("Yes, a bus and a bicycle.", ("bus", "bicycle"), polarity="affirm")
    verdict = decide(FrameCheck(prompt, answer, {"bus": strong, "bicycle": weak},
                                {"histogram": 1.0}), config)
    assert verdict.verdict == "coherent"
    assert "'bicycle' cannot be verified" in verdict.reasons[0]
    assert any("answer concept 'bus' grounded" in r for r in verdict.reasons)


def test_unverified_is_a_verdict_the_config_knows() -> None:
    assert CoherenceConfig(flag_verdicts=("ungrounded", "unverified")).flag_verdicts == (
        "ungrounded", "unverified")
    with pytest.raises(ValueError, match="unknown verdicts"):
        CoherenceConfig(flag_verdicts=("unchecked",))
