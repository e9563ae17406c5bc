"""Dual explainability (paper III-J): does the image support the answer, and does the answer
look where the prompt looks?

Per frame and prompt, `check_frames` runs Concept Attribution once for the union of the
prompt's and the answer's concepts (the operator shares one forward and one batched backward
across concepts) and records, per concept, the evidence that it is in the image:

- the CLIP similarity cos(I, c), and its z-score and rank against the whole concept vocabulary
  on the same frame. The paper reads grounding off CD and NS alone; a similarity *relative to
  the vocabulary* is what says "this frame is more about c than about most things", and it is
  one extra no-grad image embedding per frame, because the vocabulary's text embeddings are
  cached by the operator;
- Concept Drop and Negative Suppression of the concept's heatmap (eq. 4-5), each against the
  concept's auto-selected contrastive concept;
- the similarity of the prompt's and the answer's heatmaps, by three measures (all logged):
  IoU of the background-suppressed maps' supports, Pearson correlation of the fused maps, and
  histogram intersection of the fused maps normalised to unit mass. Which one the verdict uses
  is `coherence.similarity_measure`. The default, histogram intersection, tells apart heatmaps
  of concepts whose ground-truth masks overlap from those of disjoint ones as well as Pearson
  on the shipped tiny CLIP (benchmarks/verdicts/coherence.py, 70 against 427 pairs: AUC 0.905 and
  d' 1.93; Pearson 0.910 / 2.05) and better than IoU
  (0.855 / 1.51: background suppression keeps enough of a map that supports overlap even for
  disjoint objects).

`decide` turns that evidence into a verdict with reasons that name each metric, its value and
the threshold it crossed; it is pure and cheap so the pipeline can run it on a CPU stage.

Verdicts, first match wins:
1. `ungrounded`: a concept the answer names fails a grounding test (any one, or a majority
   or all of them, per `ungrounded_when`), or the answer denies a concept that the image
   clearly supports; calibrated, "fails" and "clearly" mean past both `flag_confidence` and
   the concept's false-flag bound, uncalibrated, the `ground_*` thresholds and `deny_max_z`;
2. `unverified`: every concept the answer names or denies is one this CLIP cannot verify
   (its calibration AUROC is under `min_concept_auroc`, or was never measured), or one whose
   evidence in this frame leans against the answer without passing the concept's false-flag
   bound: nothing was confirmed, so the answer is neither passed nor flagged;
3. `ambiguous_prompt`: the prompt names no concept (Case II: generic; Case III: ambiguous);
4. `coherent`: the prompt's and the answer's heatmaps are alike (>= `coherent_similarity`);
   in CLIP-only mode an answer about the prompt's own concept has the same map by construction;
5. `divergent_grounded`: grounded, but the heatmaps differ: a different concept looked at
   elsewhere (Case I), or, with a VLM's answer gradients in the answer map, the prompt's own
   concept answered from somewhere else (the paper's "irrelevant details" failure).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from drivexplain.operators.config import AttributionConfig, CoherenceConfig, HybridConfig
from drivexplain.operators.results import ConceptResult, FrameAttribution, finite
from drivexplain.operators.verdicts.closeups import Closeup, closeup_scores
from drivexplain.operators.verdicts.colours import colour_shares
from drivexplain.operators.verdicts.grounding import (
    GroundingCalibration,
    GroundingFeatures,
    colour_margin,
)
from drivexplain.operators.verdicts.lexicon import COLOURS
from drivexplain.operators.verdicts.mentions import same_object
from drivexplain.operators.verdicts.readings import Extraction

EPS = 1e-8
# Background suppression's threshold for an operator without an `AttributionConfig`.
DEFAULT_TAU = AttributionConfig.model_fields["tau_ratio"].default


# ----------------------------------------------------------------------------- similarity
def iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of the supports of two background-suppressed maps (non-zero = kept region)."""
    sa, sb = np.asarray(a) > 0, np.asarray(b) > 0
    union = np.logical_or(sa, sb).sum()
    return float(np.logical_and(sa, sb).sum() / union) if union else 0.0


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two maps; 0 when either is flat (no spatial preference)."""
    x = np.asarray(a, np.float64).ravel()
    y = np.asarray(b, np.float64).ravel()
    x, y = x - x.mean(), y - y.mean()
    denom = math.sqrt(float((x * x).sum()) * float((y * y).sum()))
    return float((x * y).sum() / denom) if denom > EPS else 0.0


def histogram_intersection(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of the element-wise minimum of two maps scaled to unit mass (1 = identical)."""
    x = np.clip(np.asarray(a, np.float64).ravel(), 0, None)
    y = np.clip(np.asarray(b, np.float64).ravel(), 0, None)
    if x.sum() <= EPS or y.sum() <= EPS:
        return 0.0
    return float(np.minimum(x / x.sum(), y / y.sum()).sum())


# Which map each measure reads: IoU needs the suppressed map (its support is the region); the
# others read the fused map, whose graded values background suppression would zero out.
MEASURES: dict[str, tuple[Callable[[np.ndarray, np.ndarray], float], str]] = {
    "iou": (iou, "heatmap"),
    "pearson": (pearson, "heatmap_fused"),
    "histogram": (histogram_intersection, "heatmap_fused"),
}


def _joint_map(results: Sequence[ConceptResult], attr: str) -> np.ndarray:
    """Several concepts' maps as one: their element-wise maximum."""
    return np.max(np.stack([getattr(r, attr) for r in results]), axis=0)


def hybrid_answer_maps(
    answer: Sequence[ConceptResult], llm_map: np.ndarray, llm_weight: float, tau_ratio: float
) -> dict[str, np.ndarray]:
    """The answer's heatmap with the VLM's answer gradients fused in (paper III-G).

    H = norm((1 - w) * norm(H_CLIP) + w * norm(H_LLM)) on the CLIP grid, as
    `drivexplain.operators.vlm.hybrid.fuse_hybrid` but with norm = `minmax(..., exact=True)`, so
    answer gradients with a tiny range are stretched to [0, 1] like any other map; its
    background-suppressed form (`operators.fusion.suppress_background`) keeps H > tau * max(H).
    With a VLM, this is where the model looked *when answering*, which is what dual
    explainability compares with the prompt's map; CLIP alone only says where the concept is.
    """
    import torch

    from drivexplain.operators.fusion import minmax, suppress_background

    def norm(x: np.ndarray) -> np.ndarray:
        return minmax(x, EPS, dim=None, exact=True)

    clip = _joint_map(answer, "heatmap_fused")
    fused = norm((1.0 - llm_weight) * norm(clip) + llm_weight * norm(llm_map))
    kept = suppress_background(torch.from_numpy(fused).reshape(1, -1), tau_ratio)
    return {"heatmap_fused": fused, "heatmap": kept.reshape(fused.shape).numpy()}


def answer_gradient_map(
    answer: Any, grid: tuple[int, int], config: HybridConfig | None = None
) -> np.ndarray | None:
    """A VLM answer's gradient map (`operators.vlm.hybrid.llm_concept_map`) on the CLIP grid.

    `config` is the run's `hybrid:` section (its defaults when None). None when the gradients
    were not finite: such a map must not speak for the model.
    """
    from drivexplain.operators.vlm.hybrid import llm_concept_map, resample_to_frame_grid

    if not answer.grad_finite:
        return None
    return resample_to_frame_grid(llm_concept_map(answer, config or HybridConfig()),
                                  answer.frame_box, answer.frame_size, grid)


def map_similarities(
    prompt: Sequence[ConceptResult], answer: Sequence[ConceptResult],
    answer_maps: dict[str, np.ndarray] | None = None,
) -> dict[str, float | None]:
    """All measures between the prompt's and the answer's (max-fused) maps.

    `answer_maps` replaces the answer side (the hybrid maps of `hybrid_answer_maps`).
    """
    if not prompt or not answer:
        return {name: None for name in MEASURES}
    return {
        name: fn(_joint_map(prompt, attr),
                 answer_maps[attr] if answer_maps else _joint_map(answer, attr))
        for name, (fn, attr) in MEASURES.items()
    }


def peak_share(heatmap: np.ndarray, top: float = 0.1) -> float:
    """Share of a map's mass in its strongest `top` fraction of cells, after min-max.

    `top` for a flat map (no preference), 1 when all the mass sits in those cells. A map that
    points at an object is peaked; one spread over the frame says little about where the model
    looked, whatever its argmax.
    """
    from drivexplain.operators.fusion import minmax

    values = np.sort(minmax(np.asarray(heatmap, np.float64), EPS, dim=None, exact=True)
                     .ravel().astype(np.float64))[::-1]
    total = float(values.sum())
    if total <= EPS:
        return top
    return float(values[: max(1, round(top * values.size))].sum() / total)


# ----------------------------------------------------------------------------- evidence
@dataclass(frozen=True)
class ConceptEvidence:
    """What the model and its heatmap say about one concept in one frame.

    `similarity`: the raw whole-frame cos(I, concept). `colour_margin`: for a coloured concept,
    how many vocabulary standard deviations its similarity stands above the same class in the
    best other colour (0 without a colour). `crop_z` / `crop_similarity`: the best close-up's
    readings (`closeups.Closeup`), None without close-ups. `colour_share`: for a coloured
    concept, how much of its heatmap's weight lies on pixels of its colour
    (`colours.colour_shares`), None without a colour. `p_grounded`: the calibrated
    probability that the concept is in the frame (`operators.verdicts.grounding`); None when no
    calibration is loaded for this CLIP.
    `concept_auroc`: how well that probability told the concept's presence from its absence on
    the calibration labels; a concept the CLIP cannot tell apart is not flagged either way.
    `affirm_bound` / `deny_bound`: the concept's false-flag bounds
    (`GroundingCalibration.concept_flag_bounds`): a named concept is flagged only at
    p_grounded <= affirm_bound, a denied one only at p_grounded >= deny_bound; None for no
    bound.
    """

    concept: str
    contrastive: str | None
    similarity: float
    concept_drop: float | None
    negative_suppression: float | None
    vocab_z: float | None
    vocab_rank: int | None
    colour_margin: float | None = None
    crop_z: float | None = None
    crop_similarity: float | None = None
    colour_share: float | None = None
    p_grounded: float | None = None
    concept_auroc: float | None = None
    affirm_bound: float | None = None
    deny_bound: float | None = None
    # The VLM's own grounding evidence (`operators.vlm.grounding_score`), None without a VLM.
    vlm_grounding: float | None = None

    @classmethod
    def from_result(cls, result: ConceptResult, vocab_sims: np.ndarray | None,
                    vocabulary: Sequence[str] = (), closeup: Closeup | None = None,
                    colour_share: float | None = None) -> ConceptEvidence:
        z = rank = margin = None
        if vocab_sims is not None and len(vocab_sims) > 1:
            others = np.array(
                [s for s, name in zip(vocab_sims, vocabulary, strict=True)
                 if name.lower() != result.concept.lower()]
            ) if vocabulary else vocab_sims
            std = float(others.std())
            z = (result.similarity - float(others.mean())) / std if std > EPS else 0.0
            rank = int((others > result.similarity).sum())
            if vocabulary and std > EPS:
                scaled = {name.lower(): float(s) / std
                          for s, name in zip(vocab_sims, vocabulary, strict=True)}
                scaled[result.concept.lower()] = float(result.similarity) / std
                margin = colour_margin(result.concept, scaled, sorted(COLOURS))
        return cls(result.concept, result.contrastive, float(result.similarity),
                   finite(result.concept_drop), finite(result.negative_suppression), z, rank,
                   margin, closeup.z if closeup else None,
                   closeup.similarity if closeup else None, colour_share)

    def features(self) -> GroundingFeatures:
        return GroundingFeatures(self.concept, self.vocab_z, self.concept_drop,
                                 self.negative_suppression, self.colour_margin, self.crop_z,
                                 self.similarity, self.crop_similarity, self.colour_share)

    def calibrated(self, calibration: GroundingCalibration | None) -> ConceptEvidence:
        if calibration is None:
            return self
        affirm, deny = calibration.flag_bounds(self.concept)
        return replace(self, p_grounded=calibration.probability(self.features()),
                       concept_auroc=calibration.auroc_for(self.concept), affirm_bound=affirm,
                       deny_bound=deny)


    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConceptEvidence:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})


def unverifiable(evidence: ConceptEvidence | None, config: CoherenceConfig) -> str | None:
    """Why no flag may rest on this concept, or None: the CLIP told it apart too poorly on the
    calibration labels for its p_grounded to mean much, or the labels held it on one side too
    rarely to tell (`GroundingCalibration.unmeasured`), or never named it."""
    if evidence is None or evidence.p_grounded is None:
        return None
    if evidence.concept_auroc is None:
        return (f"'{evidence.concept}' cannot be verified by this CLIP: the calibration labels "
                "hold too few present or absent examples of it, if any, to measure its AUROC")
    if evidence.concept_auroc >= config.min_concept_auroc:
        return None
    return (f"'{evidence.concept}' cannot be verified by this CLIP: calibration AUROC "
            f"{evidence.concept_auroc:.3f} < min_concept_auroc {config.min_concept_auroc:g}")


@dataclass(frozen=True)
class FrameCheck:
    """Everything `decide` needs for one (frame, prompt): JSON-safe, so it can cross Ray."""

    prompt: Extraction
    answer: Extraction | None
    evidence: dict[str, ConceptEvidence] = field(default_factory=dict)
    similarities: dict[str, float | None] = field(default_factory=dict)
    # The VLM's answer-gradient map: its peak share (None without a map) and whether it was
    # peaked enough to stand for where the model looked, and so entered the answer's heatmap.
    llm_map_peak: float | None = None
    llm_map_used: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt": self.prompt.to_dict(),
            "answer": self.answer.to_dict() if self.answer else None,
            "evidence": {k: v.to_dict() for k, v in self.evidence.items()},
            "similarities": dict(self.similarities),
            "llm_map_peak": self.llm_map_peak,
            "llm_map_used": self.llm_map_used,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FrameCheck:
        return cls(
            prompt=Extraction.from_dict(data["prompt"]),
            answer=Extraction.from_dict(data["answer"]) if data.get("answer") else None,
            evidence={k: ConceptEvidence.from_dict(v) for k, v in data["evidence"].items()},
            similarities=dict(data.get("similarities", {})),
            llm_map_peak=data.get("llm_map_peak"),
            llm_map_used=bool(data.get("llm_map_used", False)),
        )


def frame_concepts(
    pairs: Sequence[tuple[Extraction, Extraction | None]], base: Sequence[str] = ()
) -> list[str]:
    """The concepts one frame must be explained for: `base`, then every prompt's and answer's."""
    out = list(base)
    for prompt, answer in pairs:
        out.extend(prompt.all_concepts)
        if answer is not None:
            out.extend(answer.all_concepts)
    return list(dict.fromkeys(out))


def vocabulary_similarities(operator: Any, frames: Sequence[np.ndarray]) -> tuple[
        list[str], np.ndarray]:
    """cos(I, v) for every vocabulary concept v: (B, V), one no-grad forward of the frames."""
    import torch
    import torch.nn.functional as F

    names, text = operator.vocabulary()
    backbone = operator.backbone
    with torch.no_grad():
        pixels = backbone.preprocess(list(frames))
        image = F.normalize(backbone.embed_images(pixels).float(), dim=-1)
    return names, (image @ text.float().T).cpu().numpy()


def concept_evidence(
    operator: Any,
    frames: Sequence[np.ndarray],
    concepts: Sequence[Sequence[str]],
    vocabulary_scores: Callable[[Any, Sequence[np.ndarray]], tuple[list[str], np.ndarray]]
    | None = None,
    calibration: GroundingCalibration | None = None,
    crop_scales: Sequence[float] = (),
) -> tuple[list[FrameAttribution | None], list[dict[str, ConceptEvidence]]]:
    """Concept Attribution of `concepts[b]` in frame b, and each concept's evidence.

    One `explain` call over the frames that have concepts; a frame with none gets None and no
    evidence. See `check_frames` for `vocabulary_scores`; `calibration` adds p_grounded;
    `crop_scales` adds each concept's close-up readings (`closeups.closeup_scores`, one more
    no-grad forward per crop); coloured concepts get their colour share (no forward).
    """
    todo = [b for b, c in enumerate(concepts) if c]
    attributions: list[FrameAttribution | None] = [None] * len(frames)
    evidence: list[dict[str, ConceptEvidence]] = [{} for _ in frames]
    if not todo:
        return attributions, evidence
    chosen = [frames[b] for b in todo]
    explained = operator.explain(chosen, [list(concepts[b]) for b in todo])
    if vocabulary_scores is None and all(f.vocabulary_similarity is not None for f in explained):
        vocabulary = operator.vocabulary()[0]
        sims = np.stack([f.vocabulary_similarity for f in explained])
    else:
        vocabulary, sims = (vocabulary_scores or vocabulary_similarities)(operator, chosen)
    maps = [{r.concept: r.heatmap for r in f.concepts} for f in explained]
    closeups = closeup_scores(operator, chosen, maps, crop_scales)
    shares = colour_shares(chosen, maps)
    for n, b in enumerate(todo):
        attributions[b] = explained[n]
        evidence[b] = {
            r.concept: ConceptEvidence.from_result(
                r, sims[n], vocabulary, closeups[n].get(r.concept),
                shares[n].get(r.concept)).calibrated(calibration)
            for r in explained[n].concepts
        }
    return attributions, evidence


def check_frames(
    operator: Any,
    frames: Sequence[np.ndarray],
    pairs: Sequence[Sequence[tuple[Extraction, Extraction | None]]],
    base_concepts: Sequence[str] = (),
    vocabulary_scores: Callable[[Any, Sequence[np.ndarray]], tuple[list[str], np.ndarray]]
    | None = None,
    llm_maps: Sequence[Sequence[np.ndarray | None]] | None = None,
    llm_weight: float = 0.5,
    calibration: GroundingCalibration | None = None,
    llm_min_peak: float = 0.0,
    crop_scales: Sequence[float] | None = None,
) -> tuple[list[FrameAttribution | None], list[list[FrameCheck]]]:
    """Evidence for every (frame, prompt) pair, from one `explain` call over the frames.

    `operator` is a `ConceptAttribution`; `pairs[b]` lists frame b's (prompt, answer)
    extractions, the answer None where there is none. Returns each frame's attribution (None
    for a frame with no concept at all) and its checks, in the order of `pairs`.
    `vocabulary_scores(operator, frames)` gives cos(I, v) over the vocabulary (a test can
    stand in a controlled model); by default the attributions' own `vocabulary_similarity`
    is used, and `vocabulary_similarities` (one more image forward) only where it is missing.
    `llm_maps[b][k]`, where a VLM answered, is its answer-gradient
    map on the CLIP grid; the answer's heatmap then becomes the hybrid map (weight
    `llm_weight`) before it is compared with the prompt's, if its `peak_share` reaches
    `llm_min_peak`: a diffuse map does not say where the model looked. `calibration` turns
    each concept's evidence into `p_grounded`; by default the operator's own
    (`operator.grounding`), if any. `crop_scales` are the close-ups the calibration read; by
    default the ones the calibration was fitted with.
    """
    if calibration is None:
        calibration = getattr(operator, "grounding", None)
    if crop_scales is None:
        crop_scales = calibration.crop_scales if calibration is not None else ()
    frames = list(frames)
    if len(pairs) != len(frames):
        raise ValueError(f"{len(pairs)} prompt/answer lists for {len(frames)} frames")
    concept_lists = [frame_concepts(p, base_concepts) for p in pairs]
    attributions, evidences = concept_evidence(operator, frames, concept_lists,
                                                vocabulary_scores, calibration, crop_scales)
    checks: list[list[FrameCheck]] = []
    for b, frame_pairs in enumerate(pairs):
        attribution, evidence = attributions[b], evidences[b]
        row = []
        for k, (prompt, answer) in enumerate(frame_pairs):
            mine = {c: evidence[c] for c in frame_concepts([(prompt, answer)]) if c in evidence}
            sims: dict[str, float | None] = {name: None for name in MEASURES}
            peak, hybrid = None, None
            if attribution is not None and answer is not None:
                answer_side = [attribution[c] for c in answer.concepts or answer.denied]
                llm = llm_maps[b][k] if llm_maps is not None else None
                peak = peak_share(llm) if llm is not None else None
                if peak is not None and peak >= llm_min_peak and answer_side and llm_weight > 0:
                    tau = getattr(getattr(operator, "config", None), "tau_ratio", DEFAULT_TAU)
                    hybrid = hybrid_answer_maps(answer_side, llm, llm_weight, tau)
                sims = map_similarities(
                    [attribution[c] for c in prompt.all_concepts], answer_side, hybrid)
            row.append(FrameCheck(prompt, answer, mine, sims, peak, hybrid is not None))
        checks.append(row)
    return attributions, checks


# ----------------------------------------------------------------------------- verdicts
@dataclass(frozen=True)
class Verdict:
    verdict: str
    reasons: tuple[str, ...]
    heatmap_similarity: float | None


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "n/a" if value is None else format(value, spec)


GROUNDED, NOT_GROUNDED, UNCHECKED = "grounded", "not grounded", "unchecked"


def grounding(evidence: ConceptEvidence | None, config: CoherenceConfig) -> tuple[str, list[str]]:
    """Whether a named concept is `GROUNDED`, `NOT_GROUNDED` or `UNCHECKED` (the CLIP cannot
    verify it, or its evidence leans to absent but not past its false-flag bound), and one
    clause per enabled test saying why."""
    if evidence is None:
        return NOT_GROUNDED, ["no attribution was computed for it"]
    e = evidence
    why = unverifiable(e, config)
    if why is not None:
        return UNCHECKED, [f"p_grounded {e.p_grounded:.3f}, but {why}"]
    if e.p_grounded is not None:
        limit = 1.0 - config.flag_confidence
        said = f"p_grounded {e.p_grounded:.3f}"
        if e.p_grounded > limit:
            return GROUNDED, [f"{said} > {limit:.3g} (1 - flag_confidence)"]
        if e.affirm_bound is not None and e.p_grounded > e.affirm_bound:
            return UNCHECKED, [f"{said} <= {limit:.3g} (1 - flag_confidence), but > "
                               f"{e.affirm_bound:.3f}, its false-flag bound: too weak to flag"]
        bound = "" if e.affirm_bound is None else \
            f" and <= {e.affirm_bound:.3f}, its false-flag bound"
        return NOT_GROUNDED, [f"{said} <= {limit:.3g} (1 - flag_confidence){bound}"]
    tests: list[tuple[str, float | None, float | None, bool]] = [
        # name, value, threshold, passes when value >= threshold (CD: strictly above)
        ("vocabulary z-score", e.vocab_z, config.ground_min_z, True),
        ("concept drop", e.concept_drop, config.ground_min_cd, False),
        ("negative suppression", e.negative_suppression, config.ground_min_ns, True),
        ("CLIP similarity", e.similarity, config.ground_min_similarity, True),
    ]
    ok = True
    clauses: list[str] = []
    for name, value, threshold, inclusive in tests:
        if threshold is None:
            continue
        if value is None:
            ok = False
            clauses.append(f"{name} n/a (threshold {threshold:g})")
            continue
        passed = value >= threshold if inclusive else value > threshold
        ok &= passed
        sign = (">=" if inclusive else ">") if passed else ("<" if inclusive else "<=")
        clauses.append(f"{name} {value:.3f} {sign} {threshold:g}")
    if config.ground_max_rank is not None:
        if e.vocab_rank is None:
            ok = False
            clauses.append("vocabulary rank n/a")
        else:
            passed = e.vocab_rank <= config.ground_max_rank
            ok &= passed
            clauses.append(f"vocabulary rank {e.vocab_rank} {'<=' if passed else '>'} "
                           f"{config.ground_max_rank}")
    if not clauses:
        clauses.append("no grounding test is enabled (every ground_* threshold is null)")
    return (GROUNDED if ok else NOT_GROUNDED), clauses


def decide(check: FrameCheck, config: CoherenceConfig) -> Verdict:
    """The verdict for one (frame, prompt) and its reasons (order in the module docstring)."""
    prompt, answer = check.prompt, check.answer
    sim = check.similarities.get(config.similarity_measure)
    measure = config.similarity_measure
    if answer is None:
        return Verdict("not_evaluated", ("no answer to audit for this frame",), None)
    reasons: list[str] = []
    failed: list[str] = []
    grounded_notes: list[str] = []
    # Concepts this CLIP cannot verify, or whose evidence here is too weak either way: not a
    # flag, but not a confirmation either, so their notes lead the reasons of whatever verdict
    # follows.
    unverified: list[str] = []
    for concept in answer.concepts:
        status, clauses = grounding(check.evidence.get(concept), config)
        {GROUNDED: grounded_notes, NOT_GROUNDED: failed, UNCHECKED: unverified}[status].append(
            f"answer concept '{concept}' {status}: " + ", ".join(clauses))
    contradicted: list[str] = []
    denied_notes: list[str] = []
    for concept in answer.denied:
        e = check.evidence.get(concept)
        p = e.p_grounded if e else None
        why = unverifiable(e, config)
        if why is not None:
            unverified.append(f"the answer denies '{concept}': {why}")
            continue
        if p is not None:
            said = f"p_grounded {p:.3f}"
            if p < config.flag_confidence:
                denied_notes.append(f"the answer denies '{concept}' and the image does not "
                                    f"contradict it: {said} < flag_confidence "
                                    f"{config.flag_confidence:g}")
            elif e.deny_bound is not None and p < e.deny_bound:
                unverified.append(f"the answer denies '{concept}', and the image leans the "
                                  f"other way but not enough to flag: {said} >= "
                                  f"flag_confidence {config.flag_confidence:g}, but < "
                                  f"{e.deny_bound:.3f}, its false-flag bound")
            else:
                bound = "" if e.deny_bound is None else \
                    f" and >= {e.deny_bound:.3f}, its false-flag bound"
                contradicted.append(f"the answer denies '{concept}' and the image supports "
                                    f"it: {said} >= flag_confidence "
                                    f"{config.flag_confidence:g}{bound}")
            continue
        z = e.vocab_z if e else None
        if z is not None and z >= config.deny_max_z:
            contradicted.append(
                f"the answer denies '{concept}' but the image supports it: vocabulary z-score "
                f"{z:.3f} >= deny_max_z {config.deny_max_z:g}")
        else:
            denied_notes.append(
                f"the answer denies '{concept}' and the image does not contradict it: "
                f"vocabulary z-score {_fmt(z)} < deny_max_z {config.deny_max_z:g}")
    named = len(answer.concepts)
    enough = {"any": len(failed) >= 1, "majority": 2 * len(failed) > named,
              "all": named > 0 and len(failed) == named}[config.ungrounded_when]
    if (failed and enough) or contradicted:
        if failed and config.ungrounded_when != "any":
            failed = [*failed, f"{len(failed)} of {named} answer concepts are not grounded "
                               f"(ungrounded_when: {config.ungrounded_when})"]
        return Verdict("ungrounded",
                       tuple(failed + contradicted + unverified + grounded_notes), sim)
    if unverified and len(unverified) == len(answer.concepts) + len(answer.denied):
        return Verdict("unverified", tuple(unverified), sim)
    grounded_notes += failed  # tolerated by ungrounded_when; still reported
    reasons.extend(unverified)
    if prompt.kind != "specific":
        case = "Case II, generic" if prompt.kind == "generic" else "Case III, ambiguous"
        reasons.append(f"the prompt names no concrete concept ({case}): prompt and answer "
                       "heatmaps cannot be compared")
        if not answer.concepts and not answer.denied:
            reasons.append("the answer names no concept either")
        return Verdict("ambiguous_prompt", tuple(reasons + grounded_notes + denied_notes), sim)
    if not answer.concepts:
        note = denied_notes or ([] if reasons else
                                ["the answer names no concept; nothing to ground"])
        return Verdict("coherent", tuple(reasons + note), sim)
    shared = [a for a in answer.concepts if any(same_object(a, p) for p in prompt.all_concepts)]
    about = f"the answer is about the prompt's concept ({', '.join(shared)})"
    if shared and not check.llm_map_used:
        # Both maps would be CLIP's maps of the same concept: they cannot show where the VLM
        # looked, so no divergence is claimed.
        why = ("the VLM's answer-gradient map is too diffuse to say where it looked: peak "
               f"share {check.llm_map_peak:.3f} < llm_map_min_peak "
               f"{config.llm_map_min_peak:g}" if check.llm_map_peak is not None
               else "no VLM answer-gradient map says where the model looked")
        return Verdict("coherent", (*reasons, f"{about}; {why}", *grounded_notes), sim)
    if shared and sim is not None and sim < config.coherent_similarity:
        reasons.append(
            f"{about}, but the VLM's answer-gradient map (peak share {check.llm_map_peak:.3f} "
            f">= {config.llm_map_min_peak:g}) concentrates elsewhere: answer heatmap vs "
            f"prompt heatmap {measure} {sim:.3f} < {config.coherent_similarity:g}")
        return Verdict("divergent_grounded", tuple(reasons + grounded_notes), sim)
    if shared:
        reasons.append(f"{about}, heatmaps alike with the VLM's answer gradients: {measure} "
                       f"{_fmt(sim)}")
        return Verdict("coherent", tuple(reasons + grounded_notes), sim)
    pair = f"answer {list(answer.concepts)} vs prompt {list(prompt.all_concepts)}"
    if sim is not None and sim >= config.coherent_similarity:
        reasons.append(f"{pair}: heatmaps alike, {measure} {sim:.3f} >= "
                       f"{config.coherent_similarity:g}")
        return Verdict("coherent", tuple(reasons + grounded_notes), sim)
    reasons.append(f"{pair}: a different concept, heatmaps differ, {measure} {_fmt(sim)} < "
                   f"{config.coherent_similarity:g} (Case I)")
    return Verdict("divergent_grounded", tuple(reasons + grounded_notes), sim)
