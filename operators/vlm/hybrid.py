"""Hybrid Concept Attribution: CLIP similarity gradients fused with LLM answer gradients.

Paper III-G extends CLIP-ViT Concept Attribution with an LLM (the Dolphins layout: a CLIP ViT
feeding an LLM). The LLM brings two things, both used here:

* *linguistic context*: the concept is expanded (`operators.vlm.expansion`) and the expansion's CLIP
  text embedding replaces the bare concept in head scoring and in the gradient target;
* *answer gradients*: the VLM's answer, differentiated with respect to its vision tower
  (`operators.vlm.backend`), restricted to the answer tokens that name the concept when it is named.

Formulas (all maps min-max normalised, written norm(.)):

LLM side, per vision layer l of the VLM tower that feeds the LLM (l < L_f), with the text
strength alpha_l of that layer (paper III-B: alpha can be set per layer in a hybrid):

    W_l   = (1 - alpha_l) * norm(SA_l) + alpha_l * norm(G_l)
    H_LLM = norm( mean_l W_l )

    SA_l[j] = sum_{i in patches} mean_h A_l[h, i, j]           (attention patch j receives)
    G_l[j]  = sum_{i in patches} mean_h relu(dlogp/dA_l * A_l)[h, i, j]

H_LLM lives on the VLM's grid, which covers `frame_box` of the frame (llava-hf centre-crops); it
is resampled onto the CLIP grid (which squashes the whole frame), zero outside the box.

CLIP side: H_CLIP = the Concept Attribution heatmap of the concept (paper III-A..F).

Hybrid:
    H = norm( (1 - lambda) * H_CLIP + lambda * H_LLM )

lambda = `llm_weight`: 0 is CLIP-only, 1 is the LLM's answer map alone.

Both gradient sources should come from the same vision encoder, otherwise the two maps describe
different models: `tower_match` converts the open_clip tower and compares its features with the
VLM's tower layer by layer (LLaVA-1.5's tower is open_clip `ViT-L-14-336`/`openai`; the shipped
tiny LLaVA's is the shipped tiny CLIP's).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from drivexplain.operators.attribution import ConceptAttribution
from drivexplain.operators.config import TINY_LLAVA_DIR, DrivexplainConfig, HybridConfig
from drivexplain.operators.fusion import minmax
from drivexplain.operators.models.backbone import OpenClipViT
from drivexplain.operators.results import ConceptResult
from drivexplain.operators.vlm.backend import VLMAnswer, VLMBackend
from drivexplain.operators.vlm.convert import TowerComparison, compare_towers
from drivexplain.operators.vlm.expansion import ConceptExpander, Expansion, expanded_text_embedding
from drivexplain.operators.vlm.families import ATTENTION_GRADIENT


def layer_alphas(config: HybridConfig, num_layers: int) -> np.ndarray:
    """One text strength per VLM vision layer; a single value is shared by all."""
    if isinstance(config.layer_alpha, (int, float)):
        return np.full(num_layers, float(config.layer_alpha), dtype=np.float32)
    if len(config.layer_alpha) != num_layers:
        raise ValueError(
            f"layer_alpha has {len(config.layer_alpha)} values for {num_layers} VLM vision layers"
        )
    return np.asarray(config.layer_alpha, dtype=np.float32)


def llm_concept_map(answer: VLMAnswer, config: HybridConfig) -> np.ndarray:
    """H_LLM on the VLM's grid: per-layer fusion of attention and answer gradients.

    A feature-gradient family (`operators.vlm.families`) has no per-layer tower attention: its
    map is the gradient norm at the LLM's vision tokens, already drawn over the whole frame.
    """
    if answer.map_method != ATTENTION_GRADIENT:
        return minmax(np.asarray(answer.layer_relevance, np.float32).sum(axis=0), config.eps,
                      dim=None)
    relevance = np.asarray(answer.layer_relevance, dtype=np.float32)
    attention = np.asarray(answer.layer_attention, dtype=np.float32)
    if relevance.shape[0] == 0:
        return np.zeros((answer.grid.grid_h, answer.grid.grid_w), np.float32)
    alphas = layer_alphas(config, relevance.shape[0])
    fused = [
        (1.0 - a) * minmax(sa, config.eps, dim=None) + a * minmax(g, config.eps, dim=None)
        for a, sa, g in zip(alphas, attention, relevance, strict=True)
    ]
    return minmax(np.mean(fused, axis=0), config.eps, dim=None)


def resample_to_frame_grid(
    heat: np.ndarray,
    frame_box: tuple[float, float, float, float],
    frame_size: tuple[int, int],
    grid: tuple[int, int],
) -> np.ndarray:
    """Move a map that covers `frame_box` of a frame onto a grid that covers the whole frame.

    Each target cell takes the bilinear value at its centre; cells outside the box get 0, since
    the model never saw those pixels.
    """
    top, left, box_h, box_w = frame_box
    height, width = frame_size
    rows, cols = grid
    ys = (np.arange(rows) + 0.5) * height / rows
    xs = (np.arange(cols) + 0.5) * width / cols
    gy = 2.0 * (ys - top) / box_h - 1.0
    gx = 2.0 * (xs - left) / box_w - 1.0
    mesh = np.stack(np.meshgrid(gx, gy, indexing="xy"), axis=-1)  # (rows, cols, 2) as (x, y)
    sample = F.grid_sample(
        torch.from_numpy(np.ascontiguousarray(heat, dtype=np.float32))[None, None],
        torch.from_numpy(mesh.astype(np.float32))[None],
        mode="bilinear",
        padding_mode="zeros",
        align_corners=False,
    )
    return sample[0, 0].numpy().astype(np.float32)


def fuse_hybrid(clip_map: np.ndarray, llm_map: np.ndarray, config: HybridConfig) -> np.ndarray:
    """H = norm((1 - lambda) * H_CLIP + lambda * H_LLM) on the CLIP grid."""
    if clip_map.shape != llm_map.shape:
        raise ValueError(f"maps differ in shape: {clip_map.shape} vs {llm_map.shape}")
    lam = config.llm_weight
    mixed = (1.0 - lam) * minmax(clip_map, config.eps, dim=None) + lam * minmax(
        llm_map, config.eps, dim=None
    )
    return minmax(mixed, config.eps, dim=None)


def concepts_in_text(text: str, vocabulary: Sequence[str]) -> list[str]:
    """Vocabulary concepts named in a text, present or denied, once each, in text order.

    The package's one phrase matcher, `operators.verdicts.concepts.concepts_in_text`: longest phrase
    first ("red car", not also "car"), plurals and synonyms ("pedestrians", "people").
    """
    from drivexplain.operators.verdicts.concepts import concepts_in_text as named_in

    return named_in(text, vocabulary)


class _ExpandedTextBackbone:
    """The CA backbone with `encode_text` answering expanded embeddings for chosen concepts.

    Concept Attribution asks the backbone for text embeddings both for head scoring and for the
    gradient target, so swapping them here puts the linguistic context into both without
    touching the operator.
    """

    def __init__(self, backbone: OpenClipViT, replacements: dict[str, torch.Tensor]) -> None:
        self._backbone = backbone
        self._replacements = replacements

    def __getattr__(self, name: str):  # everything but encode_text is the real backbone
        return getattr(self._backbone, name)

    def encode_text(self, texts: Sequence[str]) -> torch.Tensor:
        base = self._backbone.encode_text(texts)
        rows = [
            self._replacements[t].to(base) if t in self._replacements else base[i]
            for i, t in enumerate(texts)
        ]
        return torch.stack(rows)


def with_expansions(
    attribution: ConceptAttribution, expansions: Sequence[Expansion], concept_weight: float
) -> ConceptAttribution:
    """A Concept Attribution operator whose concept texts carry their expansions."""
    useful = [e for e in expansions if e.terms]
    if not useful:
        return attribution
    backbone = attribution.backbone
    embedded = expanded_text_embedding(backbone.encode_text, useful, concept_weight)
    replacements = {e.concept: embedded[i] for i, e in enumerate(useful)}
    proxy = _ExpandedTextBackbone(backbone, replacements)
    return ConceptAttribution(proxy, attribution.config, attribution.runtime)  # type: ignore[arg-type]


def tower_match(
    attribution: ConceptAttribution, vlm: VLMBackend, seed: int = 0
) -> TowerComparison:
    """Compare the CA backbone's open_clip tower with the VLM's tower on random pixels.

    A small difference (`HybridConfig.max_tower_diff`) means both gradient sources come from
    the same encoder; the comparison is reported, not assumed.
    """
    visual = attribution.backbone.visual
    tower = vlm.model.model.vision_tower
    size = tuple(int(v) for v in visual.image_size)
    if size != vlm.input_hw:
        raise ValueError(f"towers differ in input size: open_clip {size} vs VLM {vlm.input_hw}")
    generator = torch.Generator().manual_seed(seed)
    pixels = torch.randn(1, 3, *size, generator=generator)
    tower_dtype = next(tower.parameters()).dtype
    device = next(tower.parameters()).device
    with torch.no_grad():
        return compare_towers(visual, tower, pixels.to(device, tower_dtype))


@dataclass
class HybridConcept:
    """One concept of one frame: the CLIP result, the LLM map and their fusion (CLIP grid)."""

    concept: str
    clip: ConceptResult
    llm_map: np.ndarray
    hybrid_map: np.ndarray
    expansion: Expansion | None
    focus_found: bool | None


@dataclass
class HybridFrame:
    answer: VLMAnswer
    concepts: list[HybridConcept] = field(default_factory=list)


class HybridAttribution:
    """Concept Attribution over CLIP, fused with the VLM's answer gradients (paper III-G)."""

    def __init__(
        self,
        attribution: ConceptAttribution,
        vlm: VLMBackend,
        config: HybridConfig | None = None,
        expander: ConceptExpander | None = None,
        *,
        check_towers: bool = True,
        other_tower: str = "refuse",
    ) -> None:
        """`other_tower`: what to do when a LLaVA-1.5 tower is not the CLIP: "refuse", or
        "image-space" (fuse the two maps on the frame's pixels, as for other families)."""
        if other_tower not in ("refuse", "image-space"):
            raise ValueError(f"other_tower must be 'refuse' or 'image-space', got {other_tower!r}")
        self.attribution = attribution
        self.vlm = vlm
        self.config = config or HybridConfig()
        self.expander = expander or ConceptExpander(None)
        self.tower_report: TowerComparison | None = None
        # Exact fusion: the VLM's tower is a plain ViT whose map sits on its own patch grid and
        # is compared with the CLIP's; every other family's map is already in frame pixels and
        # is fused with CLIP's in image space (`resample_to_frame_grid` over the whole frame).
        self.fusion = "exact" if vlm.exact else "image-space"
        if check_towers and vlm.exact:
            size = tuple(int(v) for v in attribution.backbone.visual.image_size)
            if other_tower == "image-space" and size != vlm.input_hw:
                self.fusion = "image-space"  # different grids: not the same encoder
                return
            self.tower_report = tower_match(attribution, vlm)
            if self.tower_report.max_diff <= self.config.max_tower_diff:
                return
            if other_tower == "image-space":
                self.fusion = "image-space"
            else:
                raise ValueError(
                    f"the CLIP model ({attribution.model_id}) and the VLM's vision tower "
                    f"({vlm.model_id}) differ (max feature difference "
                    f"{self.tower_report.max_diff:.3g}); the two gradient maps would describe "
                    "different encoders. Use the CLIP the VLM was built on, or pass "
                    "check_towers=False (or other_tower='image-space') to fuse anyway."
                )

    def explain(
        self,
        frames: Sequence[np.ndarray],
        prompt: str | Sequence[str],
        concepts: Sequence[str] | Sequence[Sequence[str]] | None = None,
        *,
        answers: Sequence[VLMAnswer] | None = None,
        vocabulary: Sequence[str] | None = None,
    ) -> list[HybridFrame]:
        """Answer the prompt per frame and attribute each concept with CLIP, LLM and both.

        `concepts` is one list for every frame or one list per frame; without it, they are the
        vocabulary concepts named in the prompt and the answer. Pass `answers` (from an earlier
        `vlm.ask`) to skip generation.
        """
        frames = list(frames)
        answers = list(answers) if answers is not None else self.vlm.ask(frames, prompt)
        if vocabulary is None:
            vocabulary, _ = self.attribution.vocabulary()
        shared = concepts is not None and all(isinstance(c, str) for c in concepts)
        if concepts is not None and not shared and len(concepts) != len(frames):
            raise ValueError(f"{len(concepts)} concept lists for {len(frames)} frames")
        per_frame: list[list[str]] = []
        for b, answer in enumerate(answers):
            if concepts is None:
                chosen = concepts_in_text(f"{answer.prompt} {answer.answer}", vocabulary)
            else:
                chosen = list(concepts) if shared else list(concepts[b])  # type: ignore[arg-type]
            per_frame.append(chosen or ["object"])
        expansions: dict[str, Expansion] = {}
        if self.config.expand:
            for concept in {c for row in per_frame for c in row}:
                expansions[concept] = self.expander.expand(concept)
        operator = with_expansions(
            self.attribution, list(expansions.values()), self.config.concept_weight
        )
        clip_results = operator.explain(frames, per_frame)
        out: list[HybridFrame] = []
        slots = max(len(row) for row in per_frame)
        llm_maps: list[list[np.ndarray]] = [[] for _ in frames]
        found: list[list[bool | None]] = [[] for _ in frames]
        for k in range(slots):
            focus = [row[k] if k < len(row) else None for row in per_frame]
            explained = self.vlm.explain_answers(frames, answers, focus=focus)
            for b, item in enumerate(explained):
                if k < len(per_frame[b]):
                    llm_maps[b].append(llm_concept_map(item, self.config))
                    found[b].append(item.focus_found)
        for b, answer in enumerate(answers):
            frame = HybridFrame(answer=answer)
            for k, concept in enumerate(per_frame[b]):
                clip = clip_results[b].concepts[k]
                llm = resample_to_frame_grid(
                    llm_maps[b][k],
                    answer.frame_box,
                    answer.frame_size,
                    clip.heatmap.shape,
                )
                frame.concepts.append(
                    HybridConcept(
                        concept=concept,
                        clip=clip,
                        llm_map=llm,
                        hybrid_map=fuse_hybrid(clip.heatmap, llm, self.config),
                        expansion=expansions.get(concept),
                        focus_found=found[b][k],
                    )
                )
            out.append(frame)
        return out


DEFAULT_VLM_DIR = TINY_LLAVA_DIR


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "concept"


def ask_image(
    image: str | Path,
    prompt: str,
    out: str | Path,
    *,
    vlm: str | Path | None = None,
    config: DrivexplainConfig | None = None,
    hybrid_config: HybridConfig | None = None,
    concepts: Sequence[str] | None = None,
) -> dict:
    """What `drivexplain ask` does, without the CLI: answer, answer-gradient and hybrid overlays.

    Writes OUT/answer.json, OUT/answer_overlay.png (the answer-gradient map over the part of the
    frame the VLM saw) and, per concept named in the prompt or the answer, OUT/clip_<c>.png and
    OUT/hybrid_<c>.png. `vlm` is a VLM directory or hub id of a supported family
    (`operators.vlm.families`; default: the shipped tiny LLaVA);
    `config` a `DrivexplainConfig` (default: configs/default.yaml); its `hybrid` section sets
    the fusion unless `hybrid_config` is given.
    """
    import cv2

    from drivexplain.operators.config import load_config
    from drivexplain.operators.images import read_rgb
    from drivexplain.operators.overlay import overlay_heatmap
    from drivexplain.operators.vlm.backend import load_vlm

    path = Path(image)
    frame, alpha_note = read_rgb(path)  # transparency composited on black, with a note
    source = str(vlm) if vlm is not None else str(DEFAULT_VLM_DIR)
    if vlm is None and not DEFAULT_VLM_DIR.is_dir():
        raise FileNotFoundError(
            f"the default VLM {DEFAULT_VLM_DIR} is missing; train it with "
            "`python -m drivexplain.synthworld.training.train_vlm` or pass --vlm /path/to/llava-dir"
        )
    cfg = config if config is not None else load_config(None)
    backend = load_vlm(source, device=cfg.runtime.device)
    attribution = ConceptAttribution.from_config(cfg)
    hybrid = HybridAttribution(attribution, backend, hybrid_config or cfg.hybrid,
                               other_tower="image-space")
    answer = backend.ask([frame], prompt)[0]
    result = hybrid.explain([frame], prompt, concepts, answers=[answer])[0]
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)

    def save(name: str, heat: np.ndarray) -> str:
        cv2.imwrite(
            str(target / name), cv2.cvtColor(overlay_heatmap(frame, heat), cv2.COLOR_RGB2BGR)
        )
        return name

    height, width = frame.shape[:2]
    whole = resample_to_frame_grid(
        answer.answer_map,
        answer.frame_box,
        (height, width),
        (max(1, height // 4), max(1, width // 4)),
    )
    record = {
        "prompt": prompt,
        "answer": answer.answer,
        "answer_token_ids": list(answer.answer_token_ids),
        "logprob": answer.logprob,
        "ended_with_eos": answer.ended_with_eos,
        "grad_finite": answer.grad_finite,
        "vlm": backend.model_id,
        "clip": attribution.model_id,
        "tower_max_diff": hybrid.tower_report.max_diff if hybrid.tower_report else None,
        "vlm_family": backend.family.name,
        "map_method": answer.map_method,
        "fusion": hybrid.fusion,
        "answer_overlay": save("answer_overlay.png", whole),
        "concepts": [],
        "notes": [alpha_note] if alpha_note else [],
    }
    for item in result.concepts:
        slug = _slug(item.concept)
        record["concepts"].append(
            {
                **item.clip.to_dict(),
                "expansion": list(item.expansion.terms) if item.expansion else [],
                "expansion_source": item.expansion.source if item.expansion else None,
                "named_in_answer": item.focus_found,
                "clip_overlay": save(f"clip_{slug}.png", item.clip.heatmap),
                "hybrid_overlay": save(f"hybrid_{slug}.png", item.hybrid_map),
            }
        )
    (target / "answer.json").write_text(json.dumps(record, indent=2))
    return record
