"""VLM-internal grounding evidence per concept, in the style of GLSim (Park & Li, NeurIPS 2025).

CLIP's evidence (`operators.verdicts.coherence`) says whether a concept is in the frame by an
encoder that did not write the answer. This is a second, independent signal from the VLM's own
hidden states, training-free: the concept is teacher-forced as the answer to the prompt, and

    global(c) = cos( h_l(c), h_l(last prompt token) )
    local(c)  = mean_{v in top-K(c)} cos( h_l(c), h_l(v) )
    score(c)  = w * global(c) + (1 - w) * local(c)

where h_l is the language model's hidden state at layer l, h_l(c) the mean over the concept's
tokens, and top-K(c) the K vision tokens whose states the *visual logit lens* (final norm + LM
head applied to the vision tokens' last-layer states) reads as most likely to be c's first
token. GLSim's global term compares the object token with the instruction's last token (the
scene as the model summarised it); its local term, with the image regions the model itself
associates with the object. A concept the model hallucinates tends to sit far from both.

Scores are logged as `vlm_grounding` beside CLIP's evidence; how well they tell present from
absent concepts, alone and fused with CLIP's `p_grounded`, is measured by
`benchmarks/verdicts/vlm_grounding.py`, not assumed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

DEFAULT_WEIGHT = 0.5  # GLSim's w: global and local terms count equally
DEFAULT_TOP_FRACTION = 0.1  # K as a share of the vision tokens (at least one)


@dataclass(frozen=True)
class GroundingScore:
    """One concept's VLM-internal grounding evidence on one frame (formulas: module doc).

    `top_tokens` are the vision-token indices the logit lens picked (in the LLM's order).
    """

    concept: str
    score: float
    global_similarity: float
    local_similarity: float
    layer: int
    top_tokens: tuple[int, ...]


def default_layer(num_layers: int) -> int:
    """A late-middle layer (3/4 of the depth), where object tokens are formed but not yet
    turned into next-token predictions; index into `hidden_states` (0 = embeddings)."""
    return max(1, math.ceil(0.75 * num_layers))


def grounding_scores(
    vlm: Any,
    frames: Sequence[np.ndarray],
    prompt: str | Sequence[str],
    concepts: Sequence[Sequence[str]],
    *,
    layer: int | None = None,
    weight: float = DEFAULT_WEIGHT,
    top_fraction: float = DEFAULT_TOP_FRACTION,
    batch_size: int = 16,
) -> list[dict[str, GroundingScore]]:
    """GLSim-style scores for each frame's concepts, from one no-grad replay per pair.

    `vlm` is a `VLMBackend`; `concepts[b]` lists frame b's concepts. Each (frame, concept)
    pair is one teacher-forced sequence (prompt, then the concept as the answer); pairs are
    batched `batch_size` at a time.
    """
    frames = list(frames)
    if len(concepts) != len(frames):
        raise ValueError(f"{len(concepts)} concept lists for {len(frames)} frames")
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"weight must be in [0, 1], got {weight}")
    prompts = [prompt] * len(frames) if isinstance(prompt, str) else list(prompt)
    pairs = [(b, c) for b, row in enumerate(concepts) for c in row]
    out: list[dict[str, GroundingScore]] = [{} for _ in frames]
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start : start + batch_size]
        replay = vlm.hidden_replay([frames[b] for b, _ in chunk], [prompts[b] for b, _ in chunk],
                                   [c for _, c in chunk])
        scored = scores_from_replay(vlm, replay, [c for _, c in chunk], layer=layer,
                                    weight=weight, top_fraction=top_fraction)
        for (b, concept), score in zip(chunk, scored, strict=True):
            out[b][concept] = score
    return out


def scores_from_replay(vlm: Any, replay: Any, concepts: Sequence[str], *,
                       layer: int | None = None, weight: float = DEFAULT_WEIGHT,
                       top_fraction: float = DEFAULT_TOP_FRACTION) -> list[GroundingScore]:
    """One score per replayed row (row n teacher-forced `concepts[n]`); several settings can
    be read off one `VLMBackend.hidden_replay`, which is where the cost is."""
    depth = len(replay.hidden_states) - 1
    chosen = default_layer(depth) if layer is None else layer % (depth + 1)
    states = replay.hidden_states[chosen]
    # The visual logit lens reads the last layer (already normed in transformers).
    lens = vlm.logit_lens(replay.hidden_states[-1], normed=True)
    return [_score(replay, states, lens, n, concept, chosen, weight, top_fraction)
            for n, concept in enumerate(concepts)]


def _score(replay: Any, states: torch.Tensor, lens: torch.Tensor, n: int, concept: str,
           layer: int, weight: float, top_fraction: float) -> GroundingScore:
    start = replay.answer_start
    answer = replay.answer_mask[n]
    if not bool(answer.any()):
        raise ValueError(f"the concept {concept!r} tokenises to nothing")
    positions = start + torch.nonzero(answer).flatten()
    obj = states[n, positions].mean(dim=0)
    instruction = states[n, start - 1]  # the prompt's last token (the assistant cue)
    global_sim = float(F.cosine_similarity(obj, instruction, dim=0))
    visual = torch.nonzero(replay.visual[n]).flatten()
    if not len(visual):
        raise ValueError("the replay has no vision tokens")
    first = int(replay.answer_ids[n, 0])
    lens_scores = lens[n, visual, first]
    k = max(1, round(top_fraction * len(visual)))
    top = torch.topk(lens_scores, k).indices
    local_sim = float(F.cosine_similarity(states[n, visual[top]], obj[None], dim=-1).mean())
    return GroundingScore(
        concept=concept,
        score=weight * global_sim + (1.0 - weight) * local_sim,
        global_similarity=global_sim,
        local_similarity=local_sim,
        layer=layer,
        top_tokens=tuple(int(t) for t in top.tolist()),
    )


def add_vlm_grounding(vlm: Any, frames: Sequence[np.ndarray], prompts: Sequence[str],
                      checks: Sequence[Sequence[Any]]) -> None:
    """Fill `vlm_grounding` in each check's concept evidence, in place.

    `checks[b][k]` is frame b's `FrameCheck` for `prompts[k]` (`check_frames`' output); every
    concept that has CLIP evidence gets the VLM's score for the same frame and prompt.
    """
    from dataclasses import replace

    frames = list(frames)
    for k, prompt in enumerate(prompts):
        rows = [list(checks[b][k].evidence) for b in range(len(frames))]
        if not any(rows):
            continue
        scores = grounding_scores(vlm, frames, prompt, rows)
        for b, found in enumerate(scores):
            evidence = checks[b][k].evidence
            for concept, score in found.items():
                evidence[concept] = replace(evidence[concept], vlm_grounding=score.score)
