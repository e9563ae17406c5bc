"""Concept Attribution (paper section III), batched over frames × concepts.

Cost model, which is why the code is shaped as it is:
- One functional forward per frame, shared by all its concepts.
- The gradient of cos(I, T) with respect to the image embedding has a closed form, and the
  backward from the embedding to the attention probabilities is linear in that vector, so the
  gradients for all concepts of a batch are K vector-Jacobian products over one retained graph
  (one per concept slot, each for every frame). Autograd stops at the earliest captured layer:
  the backward only runs through the layers the head strategy needs, and the graph is not even
  recorded before them. Only the pooled query rows' attention is formed explicitly; the rest of
  each layer's attention runs in the fused kernel, forward and backward.
- Head selection and contrast selection run for the whole batch as tensor operations; results
  come to the host once per batch, not once per (frame, concept).
- The contrastive concept enters the gradient target, cos(I, T+) − γ·cos(I, T−), which costs
  nothing extra because the target is linear in the text directions.
- Concept Drop and Negative Suppression need forwards of masked frames; all (frame, concept)
  pairs go through one batched no-grad forward.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from functools import partial

import numpy as np
import torch
import torch.nn.functional as F

from drivexplain.operators.config import AttributionConfig, DrivexplainConfig, RuntimeConfig
from drivexplain.operators.contrastive import (
    ContrastiveChoice,
    cached_vocabulary_text,
    choose_contrastive_batch,
    load_vocabulary,
    vocabulary_key,
)
from drivexplain.operators.faithfulness import adjust, evaluate, evaluate_drop_tokens
from drivexplain.operators.fusion import fuse, minmax, suppress_background
from drivexplain.operators.heads import candidate_layers, select_heads_batched
from drivexplain.operators.models.backbone import OpenClipViT, VisualTrace
from drivexplain.operators.models.device import resolve_device
from drivexplain.operators.results import ConceptResult, FrameAttribution
from drivexplain.operators.tiling import (
    canvas_shape,
    grids,
    per_view,
    stitch_views,
    views_for,
)
from drivexplain.operators.verdicts.grounding import GroundingCalibration, grounding_for


class ConceptAttribution:
    """The Concept Attribution operator over an open_clip ViT."""

    def __init__(
        self,
        backbone: OpenClipViT,
        config: AttributionConfig | None = None,
        runtime: RuntimeConfig | None = None,
    ) -> None:
        self.backbone = backbone
        self.config = config or AttributionConfig()
        self.runtime = runtime or RuntimeConfig()
        self.layers = candidate_layers(
            self.config.heads.strategy, backbone.num_layers, self.config.heads.last_layers
        )
        self._vocabulary: list[str] | None = None
        # Turns this CLIP's evidence into p_grounded (operators.verdicts.grounding).
        self.grounding: GroundingCalibration | None = None
        self._vocabulary_text: torch.Tensor | None = None

    @classmethod
    def from_config(cls, config: DrivexplainConfig) -> ConceptAttribution:
        """Load the model once (model actors call this in their constructor)."""
        device = resolve_device(config.runtime.device)
        backbone = OpenClipViT.from_config(config.model, device=device)
        operator = cls(backbone, config.attribution, config.runtime)
        if config.coherence.enabled:
            operator.grounding = grounding_for(config.coherence.calibration, backbone.model_id,
                                               backbone.weights_sha256)
        return operator

    @property
    def model_id(self) -> str:
        return self.backbone.model_id

    @property
    def heatmap_shape(self) -> tuple[int, int]:
        """(rows, cols) of every heatmap this operator returns: the backbone's patch grid, or
        with tiling the stitched canvas (operators/tiling.py), which other maps must match."""
        cfg = self.config
        levels = grids(cfg.tiling, cfg.tile_grid, cfg.pyramid_levels)
        return canvas_shape(self.backbone.grid.shape, levels, cfg.tile_overlap)

    # ------------------------------------------------------------------ public API
    def explain(
        self,
        frames: Sequence[np.ndarray] | np.ndarray,
        concepts: Sequence[str] | Sequence[Sequence[str]],
        contrastive: str | None = None,
    ) -> list[FrameAttribution]:
        """Attribute `concepts` in `frames` (uint8 RGB, any size).

        `concepts` is one list shared by every frame, or one list per frame. `contrastive`
        overrides the configured mode (`auto`, `none` or a fixed text) for this call.
        """
        if isinstance(frames, np.ndarray) and frames.ndim == 3:
            frames = [frames]
        frames = list(frames)
        if not frames:
            raise ValueError("no frames given")
        per_frame = _per_frame_concepts(concepts, len(frames))
        mode = (contrastive if contrastive is not None else self.config.contrastive.mode).strip()
        if not mode:
            raise ValueError("contrastive must be 'auto', 'none' or a non-empty text")
        results: list[FrameAttribution] = []
        step = self.runtime.batch_size
        for start in range(0, len(frames), step):
            results.extend(
                self._explain_batch(
                    frames[start : start + step], per_frame[start : start + step], mode
                )
            )
        return results

    # ------------------------------------------------------------------ internals
    def _autocast(self) -> contextlib.AbstractContextManager:
        device = self.backbone.device
        if device.type != "cuda" or self.runtime.precision == "fp32":
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if self.runtime.precision == "bf16" else torch.float16
        return torch.autocast(device_type="cuda", dtype=dtype)

    def vocabulary(self) -> tuple[list[str], torch.Tensor]:
        """The contrastive candidates and their text embeddings, loaded once."""
        if self._vocabulary is None:
            bb = self.backbone
            vocabulary = load_vocabulary(self.config.contrastive.vocabulary)
            key = (vocabulary_key(bb.weights_sha256, bb.model_id, vocabulary)
                   if bb.weights_sha256 else None)
            # Embedded once per model and vocabulary, then read from the disk cache.
            bb.remember_text(vocabulary, cached_vocabulary_text(key, vocabulary, bb.encode_text))
            self._vocabulary = vocabulary
            self._vocabulary_text = bb.encode_text(vocabulary)
        return self._vocabulary, self._vocabulary_text

    def _contrasts(
        self,
        mode: str,
        concept_lists: list[list[str]],
        image_unit: torch.Tensor,
        concept_text: torch.Tensor,
    ) -> tuple[list[list[ContrastiveChoice | None]], torch.Tensor | None]:
        """The contrast of every (frame, concept) and its (B, K, D) text embedding (None when
        `mode` is `none`); `auto` picks them for the whole batch in one matrix product."""
        if mode == "none":
            return [[None] * len(c) for c in concept_lists], None
        if mode != "auto":
            text = self.backbone.encode_text([mode])
            return ([[ContrastiveChoice(mode, ())] * len(c) for c in concept_lists],
                    text.expand(*concept_text.shape[:2], -1))
        vocab, vocab_text = self.vocabulary()
        cfg = self.config.contrastive
        choices, pick = choose_contrastive_batch(
            concept_text, concept_lists, image_unit, vocab, vocab_text, cfg.present_top_k,
            cfg.max_text_similarity,
        )
        return choices, vocab_text[pick]

    def _explain_batch(
        self, frames: list[np.ndarray], concept_lists: list[list[str]], mode: str
    ) -> list[FrameAttribution]:
        cfg = self.config
        bb = self.backbone
        with stage("preprocess"):
            pixels = bb.preprocess(frames)
            # Tiled attribution (operators/tiling.py): the views of one forward and backward
            # are the B frames then their tiles; per_view gives a tile its frame's rows.
            tiles = views_for(bb, frames, cfg)
        batch = len(frames)
        views = batch + (tiles.pixels.shape[0] if tiles is not None else 0)
        slots = max(len(c) for c in concept_lists)
        # Pad every frame to the same number of concept slots with its own first concept; the
        # padded slots are computed and discarded, which keeps every tensor rectangular.
        padded = [c + [c[0]] * (slots - len(c)) for c in concept_lists]
        flat = [concept for concepts in padded for concept in concepts]
        with stage("text"):
            text_pos = bb.encode_text(flat).view(batch, slots, -1)

        view_pixels = pixels if tiles is None else torch.cat([pixels, tiles.pixels])
        with stage("forward"), torch.enable_grad(), self._autocast():
            trace = bb.trace(view_pixels, capture_layers=self.layers, pooled_rows=True)
        image_unit = F.normalize(trace.embedding.detach().float(), dim=-1)
        sim_pos = torch.einsum("bd,bkd->bk", image_unit, per_view(text_pos, tiles))

        with stage("contrast"):
            choices, text_neg = self._contrasts(mode, padded, image_unit[:batch], text_pos)
            has_contrast = text_neg is not None
            direction = text_pos
            if text_neg is not None:
                direction = text_pos - cfg.contrastive.weight * text_neg

        with stage("backward"):
            grads = similarity_gradients(trace, per_view(direction, tiles).float(), self.layers)
        # (B, C, P) attention and (B, K, C, P) gradient over candidate heads C = layers × heads,
        # read on the pooled query rows and the patch columns.
        # The gradient term is Grad-CAM's rule on attention (the paper's refs [13], [19]):
        # ∂cos/∂A ⊙ A, so a patch counts only where the pooled token actually attends to it.
        # Its positive part is G; its negative part marks what favours the contrast.
        attention = torch.cat(
            [trace.attentions[layer].detach()[..., 1:].mean(2) for layer in self.layers],
            dim=1,
        ).float()
        weighted = torch.cat(
            [
                (g * trace.attentions[layer].detach()[:, None].to(g.dtype))[..., 1:]
                .mean(3)
                for g, layer in zip(grads, self.layers, strict=True)
            ],
            dim=2,
        ).float()
        gradient = weighted.clamp(min=0)

        candidates = [(layer, head) for layer in self.layers for head in range(bb.num_heads)]
        with stage("head selection"):
            chosen, selection = self._select(
                trace, candidates, per_view(text_pos, tiles), views, slots
            )
        counts = selection.sum(-1, keepdim=True)
        sa = torch.einsum("bkc,bcp->bkp", selection, attention) / counts
        g = torch.einsum("bkc,bkcp->bkp", selection, gradient) / counts
        against = torch.einsum("bkc,bkcp->bkp", selection, (-weighted).clamp(min=0)) / counts

        fused = fuse(sa, g, cfg.alpha, cfg.beta, cfg.eps)
        grid = bb.grid.shape
        if tiles is not None:
            with stage("stitch"):
                fused, against, grid = stitch_views(fused, against, sim_pos, tiles, grid, cfg)
            sim_pos, chosen = sim_pos[:batch], chosen[:batch]
        contrast_regions = minmax(against, cfg.eps) if has_contrast else torch.zeros_like(fused)
        cd = ns = None
        masks = torch.zeros_like(fused)
        if cfg.faithfulness.enabled:
            # The masked images go through the model in chunks of the batch size chosen for
            # the device: on CPU, 16 images a chunk cost 15 % less per image than 64 (cache).
            chunk = self.runtime.batch_size
            with stage("faithfulness"), torch.no_grad(), self._autocast():
                if cfg.faithfulness.method == "drop_tokens":
                    cd, ns, masks = evaluate_drop_tokens(
                        partial(bb.embed_token_subsets, batch_size=chunk), pixels, fused, grid,
                        bb.grid.shape, sim_pos, text_pos, text_neg, cfg.faithfulness,
                    )
                else:
                    cd, ns, masks = evaluate(
                        partial(bb.embed_images, batch_size=chunk),
                        pixels,
                        fused,
                        grid,
                        sim_pos,
                        text_pos,
                        text_neg,
                        cfg.faithfulness,
                    )
        final = fused
        with stage("adjust and suppress"):
            if cfg.dynamic.enabled:
                final = adjust(fused, masks, contrast_regions, cd, ns, cfg.dynamic)
            final = suppress_background(final, cfg.tau_ratio)

        # In auto mode the vocabulary's text is already cached: cos(I, v) is one matmul.
        vocab_sims = None
        if mode == "auto":
            vocab_sims = (image_unit[:batch] @ self.vocabulary()[1].float().T).cpu().numpy()
        out: list[FrameAttribution] = []
        with stage("results to host"):
            # One transfer per tensor: no per-(frame, concept) host sync.
            final = final.reshape(*final.shape[:2], *grid).float().cpu().numpy()
            fused = fused.reshape(*fused.shape[:2], *grid).float().cpu().numpy()
            similarity = sim_pos.cpu().tolist()
            cd = cd.cpu().tolist() if cd is not None else None
            ns = ns.cpu().tolist() if ns is not None else None
        for b, concepts in enumerate(concept_lists):
            frame_size = tuple(int(v) for v in frames[b].shape[:2])
            frame = FrameAttribution(
                frame_size=frame_size,  # type: ignore[arg-type]
                vocabulary_similarity=vocab_sims[b] if vocab_sims is not None else None,
            )
            for k, concept in enumerate(concepts):
                choice = choices[b][k]
                frame.concepts.append(
                    ConceptResult(
                        concept=concept,
                        contrastive=choice.concept if choice else None,
                        similarity=similarity[b][k],
                        concept_drop=cd[b][k] if cd is not None else None,
                        negative_suppression=ns[b][k] if ns is not None else None,
                        heads=chosen[b][k],
                        heatmap=final[b, k],
                        heatmap_fused=fused[b, k],
                        frame_size=frame_size,  # type: ignore[arg-type]
                        present_concepts=choice.present if choice else (),
                    )
                )
            out.append(frame)
        return out

    def _select(
        self,
        trace: VisualTrace,
        candidates: list[tuple[int, int]],
        text_pos: torch.Tensor,
        batch: int,
        slots: int,
    ) -> tuple[list[list[list[tuple[int, int]]]], torch.Tensor]:
        """Heads per (frame, concept), and the same as a (B, K, C) 0/1 selection matrix."""
        cfg = self.config
        selection = torch.zeros(batch, slots, len(candidates), device=text_pos.device)
        if cfg.heads.strategy == "layers":
            selection[:] = 1.0
            return [[list(candidates)] * slots for _ in range(batch)], selection
        contributions = torch.cat(
            [self.backbone.head_embeddings(trace, layer).detach() for layer in self.layers],
            dim=1,
        ).float()
        picked = select_heads_batched(
            contributions, text_pos, cfg.heads.top_k, cfg.alpha, cfg.beta
        )
        selection.scatter_(-1, picked, 1.0)
        chosen = [[[candidates[i] for i in heads] for heads in row] for row in picked.tolist()]
        return chosen, selection


def stage(name: str) -> contextlib.AbstractContextManager:
    """A named span of a frame's work, seen by `torch.profiler`
    (benchmarks/speed/profile_operator.py) and free when no profiler runs."""
    return torch.profiler.record_function(f"ca::{name}")


def similarity_gradients(
    trace: VisualTrace, directions: torch.Tensor, layers: Sequence[int]
) -> list[torch.Tensor]:
    """d cos(e_b, w_bk) / d A_l for every frame b, direction k and layer l.

    `directions` is (B, K, D). The gradient with respect to the embedding has the closed form
    (w − (ê·w)ê) / |e|, so the K backward passes differ only in their seed vector: K plain
    backward passes over one retained graph. (`is_grads_batched` computes the same in one call
    but cost 1.5x more on CPU: benchmarks/results/operator_speed.md.) Returns one
    (B, K, H, Q, N) tensor per layer.
    """
    embedding = trace.embedding.to(directions.dtype)
    norm = embedding.norm(dim=-1, keepdim=True).detach()
    unit = (embedding / norm).detach()
    along = torch.einsum("bd,bkd->bk", unit, directions)
    seeds = (directions - along[..., None] * unit[:, None]) / norm[:, None]
    seeds = seeds.to(trace.embedding.dtype)
    targets = [trace.attentions[layer] for layer in layers]
    count = seeds.shape[1]
    per_direction = [
        torch.autograd.grad(trace.embedding, targets, grad_outputs=seeds[:, k].contiguous(),
                            retain_graph=k < count - 1)
        for k in range(count)
    ]
    return [torch.stack([g[i] for g in per_direction], dim=1).to(directions.dtype)
            for i in range(len(layers))]


def _per_frame_concepts(
    concepts: Sequence[str] | Sequence[Sequence[str]], frames: int
) -> list[list[str]]:
    if isinstance(concepts, str):
        concepts = [concepts]
    concepts = list(concepts)
    if not concepts:
        raise ValueError("no concepts given")
    if all(isinstance(c, str) for c in concepts):
        lists = [list(concepts)] * frames
    elif all(isinstance(c, (list, tuple)) for c in concepts):
        if len(concepts) != frames:
            raise ValueError(
                f"{len(concepts)} concept lists were given for {frames} frames; give one per "
                "frame or a single shared list"
            )
        lists = [list(c) for c in concepts]
    else:
        raise ValueError("concepts must be a list of texts or one list of texts per frame")
    for i, row in enumerate(lists):
        if not row:
            raise ValueError(f"frame {i} has no concepts")
        for concept in row:
            if not isinstance(concept, str) or not concept.strip():
                raise ValueError(f"concept {concept!r} (frame {i}) is empty; give a text")
    return lists
