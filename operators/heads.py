"""Attention-head selection (paper III-D/E).

HeadScore = α·TextRelevance − β·DiversityPenalty, chosen greedily. TextRelevance is a head's
direct contribution to the image embedding projected on the text embedding (Gandelsman et
al.'s decomposition); it is min–max normalised over the candidate heads so that α and β weigh
quantities on the same [0, 1] scale. DiversityPenalty is the largest cosine between the
candidate's contribution and the contributions of heads already picked, floored at 0: a head
pointing *against* a picked one is not rewarded, since it would cancel rather than complement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch

from drivexplain.operators.fusion import minmax

Strategy = Literal["layers", "heads", "both"]


def candidate_layers(strategy: Strategy, num_layers: int, last_layers: int = 4) -> list[int]:
    """Layers a strategy draws heads from: the last `last_layers`, or only the last one."""
    if strategy not in ("layers", "heads", "both"):
        raise ValueError(f"unknown head strategy {strategy!r}; use layers, heads or both")
    if strategy == "heads":
        return [num_layers - 1]
    return list(range(max(0, num_layers - last_layers), num_layers))


def select_heads(
    contributions: torch.Tensor,
    text: torch.Tensor,
    candidates: Sequence[tuple[int, int]],
    top_k: int,
    alpha: float,
    beta: float,
) -> list[tuple[int, int]]:
    """Greedily pick `top_k` heads of `candidates` for one (frame, concept).

    `contributions` is (C, D): each candidate head's contribution in the joint space, in the
    order of `candidates`; `text` is the (D,) concept direction.
    """
    if contributions.shape[0] != len(candidates):
        raise ValueError("one contribution row per candidate head is needed")
    k = min(top_k, len(candidates))
    relevance = minmax(contributions @ text)
    unit = torch.nn.functional.normalize(contributions, dim=-1)
    penalty = torch.zeros_like(relevance)
    chosen: list[int] = []
    available = torch.ones_like(relevance, dtype=torch.bool)
    for _ in range(k):
        score = alpha * relevance - beta * penalty
        score = torch.where(available, score, torch.full_like(score, -torch.inf))
        best = int(score.argmax())
        chosen.append(best)
        available[best] = False
        similarity = (unit @ unit[best]).clamp(min=0.0)
        penalty = similarity if len(chosen) == 1 else torch.maximum(penalty, similarity)
    return [candidates[i] for i in chosen]


def select_heads_batched(
    contributions: torch.Tensor,
    text: torch.Tensor,
    top_k: int,
    alpha: float,
    beta: float,
) -> torch.Tensor:
    """`select_heads` for every (frame, concept) at once, without leaving the device.

    `contributions` is (B, C, D), `text` (B, K, D). Returns the chosen candidate indices,
    (B, K, top_k) in the order picked: the same greedy rule as `select_heads` (which states it
    for one pair and which the tests hold this equal to), run as `top_k` steps over all pairs.
    """
    c = contributions.shape[1]
    k = min(top_k, c)
    relevance = minmax(torch.einsum("bcd,bkd->bkc", contributions, text))
    unit = torch.nn.functional.normalize(contributions, dim=-1)
    similarity = (unit @ unit.transpose(1, 2)).clamp(min=0.0)  # (B, C, C)
    penalty = torch.zeros_like(relevance)
    taken = torch.zeros_like(relevance, dtype=torch.bool)
    chosen = relevance.new_empty((*relevance.shape[:2], k), dtype=torch.long)
    for step in range(k):
        score = (alpha * relevance - beta * penalty).masked_fill(taken, -torch.inf)
        best = score.argmax(dim=-1)  # (B, K)
        chosen[..., step] = best
        taken.scatter_(-1, best[..., None], True)
        picked = similarity.gather(1, best[..., None].expand(-1, -1, c))  # (B, K, C)
        penalty = torch.maximum(penalty, picked)
    return chosen
