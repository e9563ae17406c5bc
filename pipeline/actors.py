"""The model actor: Concept Attribution over one chunk's frames, and the coherence evidence.

With dual explainability on, each (frame, prompt) gets an answer: the configured
VLM's (`coherence.vlm`), else the `--answers` file's, else none. Frames with an answer are
explained for the prompt's and the answer's concepts in the same `explain` call, and the
evidence the verdict needs (`operators.verdicts.coherence.FrameCheck`) travels to the writer stage,
which decides the verdict on CPU. A chunk arrives as a `DecodedChunk` and leaves as an
`AttributedChunk` (`drivexplain.pipeline.payloads`).

A Ray Data actor pool keeps these alive, so the model is loaded once per actor, not per chunk.
Ray Data restarts a dead actor and retries its chunk (max_restarts and max_task_retries
default to -1 for actor pools), which is how a lost actor's frames are redone. A Python error
inside attribution is not a dead actor: it becomes error entries on the chunk's frames so the
other chunks go on.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from drivexplain.pipeline.batches import batch_rows, rows_block
from drivexplain.pipeline.payloads import (
    ATTRIBUTED_TYPES,
    AttributedChunk,
    ConceptScore,
    DecodedChunk,
    PromptAnswer,
)
from drivexplain.pipeline.prompts import EXPLICIT_CONCEPTS, PromptTrack
from drivexplain.pipeline.stages import worker_info

log = logging.getLogger("drivexplain.pipeline")


class AttributionActor:
    """Runs `ConceptAttribution.explain` on the sampled frames of each chunk."""

    def __init__(
        self,
        config: dict[str, Any],
        concepts: list[str],
        model_config_dirs: list[str] | None = None,
        torch_threads: int | None = None,
        tracks: list[PromptTrack] | None = None,
        answers: dict[str, dict[int, dict[str, str]]] | None = None,
        logged_answers: bool = False,
    ) -> None:
        import open_clip
        import torch

        from drivexplain.operators.attribution import ConceptAttribution
        from drivexplain.operators.config import DrivexplainConfig

        if torch_threads:
            torch.set_num_threads(torch_threads)
        for directory in model_config_dirs or []:
            open_clip.add_model_config(Path(directory))
        self.config = DrivexplainConfig.model_validate(config)
        self.concepts = list(concepts)
        self.operator = ConceptAttribution.from_config(self.config)
        self.model_id = self.operator.model_id
        self.tracks = list(tracks or [])
        self.answers = answers or {}
        self.vlm = None
        self.extractor = None
        coherence = self.config.coherence
        if coherence.enabled and self.tracks:
            from drivexplain.operators.verdicts.concepts import ConceptExtractor

            # An answers file is audited instead of generating answers, even with a VLM set.
            if coherence.vlm and not logged_answers:
                from drivexplain.operators.vlm.backend import load_vlm

                self.vlm = load_vlm(coherence.vlm, device=self.config.runtime.device,
                                    max_new_tokens=coherence.vlm_max_new_tokens)
            vocabulary, _ = self.operator.vocabulary()
            llm = self.vlm if (self.vlm is not None and coherence.llm_extraction) else None
            self.extractor = ConceptExtractor(vocabulary, llm=llm)
            self.prompt_extractions = [self._prompt_extraction(t) for t in self.tracks]
        self.model_ids = {"concept_attribution": self.model_id,
                          "vlm": self.vlm.model_id if self.vlm is not None else None}

    def _prompt_extraction(self, track: PromptTrack):
        """The prompt as the coherence check reads it (what a question asks about, a concept
        named by its opposite), unless `--concept` chose its concepts: those rule."""
        from drivexplain.operators.verdicts.readings import Extraction

        if track.source != EXPLICIT_CONCEPTS:
            return self.extractor.prompt(track.prompt)  # type: ignore[union-attr]
        return Extraction(track.prompt, track.concepts, (), "specific", None, track.source)

    def _answers_for(self, video_id: str, indices: list[int], frames: np.ndarray
                     ) -> tuple[dict[int, dict[str, str]], str | None, dict[tuple[int, str],
                                                                            np.ndarray]]:
        """frame -> prompt -> answer text for this chunk, where the answers came from, and
        (VLM only) each answer's answer-gradient map on the CLIP grid."""
        if self.vlm is not None:
            from drivexplain.operators.verdicts.coherence import answer_gradient_map

            out: dict[int, dict[str, str]] = {i: {} for i in indices}
            maps: dict[tuple[int, str], np.ndarray] = {}
            grid = self.operator.heatmap_shape  # the CA maps' shape (tiled: the canvas)
            step = self.config.runtime.batch_size
            for track in self.tracks:
                for start in range(0, len(indices), step):
                    replies = self.vlm.ask(list(frames[start : start + step]), track.prompt)
                    for i, reply in zip(indices[start : start + step], replies, strict=True):
                        out[i][track.prompt] = reply.answer
                        heat = answer_gradient_map(reply, grid, self.config.hybrid)
                        if heat is not None:
                            maps[(i, track.prompt)] = heat
            return out, "vlm", maps
        logged = self.answers.get(video_id, {})
        found = {i: logged[i] for i in indices if i in logged}
        return found, ("answers file" if found else None), {}

    def _coherence(self, video_id: str, indices: list[int], frames: np.ndarray
                   ) -> tuple[list[Any], list[PromptAnswer]]:
        """Attributions for every frame plus the per-(frame, prompt) evidence for verdicts."""
        from drivexplain.operators.verdicts.coherence import check_frames

        answers, source, maps = self._answers_for(video_id, indices, frames)
        pairs = []
        for i in indices:
            row = []
            for track, prompt in zip(self.tracks, self.prompt_extractions, strict=True):
                said = answers.get(i, {}).get(track.prompt)
                answer = self.extractor.answer(said, prompt) if said else None  # type: ignore[union-attr]
                row.append((prompt, answer))
            pairs.append(row)
        llm_maps = [[maps.get((i, t.prompt)) for t in self.tracks] for i in indices]
        attributions, checks = check_frames(
            self.operator, list(frames), pairs, self.concepts, llm_maps=llm_maps,
            llm_weight=self.config.hybrid.llm_weight,
            llm_min_peak=self.config.coherence.llm_map_min_peak)
        if source == "vlm" and self.config.coherence.vlm_grounding:
            from drivexplain.operators.vlm.grounding_score import add_vlm_grounding

            # The VLM's own evidence per concept, beside CLIP's (logged, not yet voted on).
            add_vlm_grounding(self.vlm, list(frames), [t.prompt for t in self.tracks], checks)
        found = [
            PromptAnswer(i, track.prompt, answers.get(i, {}).get(track.prompt), source, check)
            for i, frame_checks in zip(indices, checks, strict=True)
            for track, check in zip(self.tracks, frame_checks, strict=True)
        ]
        return attributions, found

    def _chunk_maps(self, attributions: list[Any]) -> tuple[tuple[str, ...], np.ndarray]:
        """Every concept explained on any frame of the chunk and its maps, NaN where a frame
        did not explain it: the prompts' concepts first, then those only answers named.

        The answers' concepts travel too, so each (frame, prompt) row keeps the maps of all
        the concepts its verdict read.
        """
        explained = [a for a in attributions if a is not None]
        names = tuple(dict.fromkeys(
            [*self.concepts, *(c.concept for a in explained for c in a.concepts)]))
        grid = next((c.heatmap.shape for a in explained for c in a.concepts), (1, 1))
        maps = np.full((len(attributions), len(names), *grid), np.nan, np.float16)
        for n, attribution in enumerate(attributions):
            for result in attribution.concepts if attribution is not None else []:
                maps[n, names.index(result.concept)] = result.heatmap
        return names, maps

    def explain(self, decoded: DecodedChunk) -> AttributedChunk:
        """Attribution (and, when configured, the coherence evidence) for one chunk."""
        indices, frames = list(decoded.frame_indices), decoded.frames
        errors = dict(decoded.errors)
        scores: dict[int, list[ConceptScore]] = {}
        chunk_concepts = tuple(self.concepts)
        heatmaps = np.zeros((0, len(self.concepts), 1, 1), np.float16)
        done: list[int] = []
        found: list[PromptAnswer] = []
        if indices:
            try:
                if self.extractor is not None:
                    attributions, found = self._coherence(decoded.chunk.video_id, indices,
                                                          frames)
                else:
                    attributions = self.operator.explain(list(frames), concepts=self.concepts)
                for frame_index, attribution in zip(indices, attributions, strict=True):
                    concepts = attribution.concepts if attribution is not None else []
                    scores[frame_index] = [ConceptScore.from_result(c) for c in concepts]
                    done.append(frame_index)
                chunk_concepts, heatmaps = self._chunk_maps(attributions)
            except Exception as err:
                log.exception("attribution failed")
                reason = f"attribution failed ({type(err).__name__}: {err})"
                errors.update({i: reason for i in indices})
                scores, done, found = {}, [], []
                chunk_concepts = tuple(self.concepts)
                heatmaps = np.zeros((0, len(self.concepts), 1, 1), np.float16)
        return AttributedChunk(
            chunk=decoded.chunk,
            scores=scores,
            errors=errors,
            heatmaps=heatmaps,
            heatmap_frames=tuple(done),
            heatmap_concepts=chunk_concepts,
            model_ids=self.model_ids,
            answers=found,
            worker=replace(worker_info(), device=str(self.operator.backbone.device)),
        )

    def __call__(self, batch: dict[str, np.ndarray]) -> pa.Table:
        rows = [self.explain(DecodedChunk.from_row(row)).to_row() for row in batch_rows(batch)]
        return rows_block(rows, ATTRIBUTED_TYPES)
