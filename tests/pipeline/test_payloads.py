"""The records between Ray stages survive the trip through Arrow blocks and NumPy batches."""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np
import pyarrow as pa
from ray.data.block import BlockAccessor

from drivexplain.operators.verdicts.coherence import ConceptEvidence, FrameCheck
from drivexplain.operators.verdicts.readings import Extraction
from drivexplain.pipeline.batches import batch_rows, rows_block
from drivexplain.pipeline.chunks import Chunk
from drivexplain.pipeline.payloads import (
    ATTRIBUTED_TYPES,
    DECODED_TYPES,
    AttributedChunk,
    ConceptScore,
    DecodedChunk,
    PromptAnswer,
    WorkerInfo,
)


def _chunk(index: int, sampled: tuple[int, ...], rate: str | None) -> Chunk:
    return Chunk(video_id="v-1", uri="/x/v.mp4", chunk_index=index, num_chunks=2, start=0,
                 stop=4, sampled=sampled, pts=(0, 512, 1024, 1536), first_pts=0,
                 time_base="1/12800", rate=rate, width=160, height=96)


def _through_ray(tables: list[pa.Table]) -> list[dict]:
    """What the next stage sees: blocks joined into one batch of format "numpy"."""
    from ray.data._internal.arrow_ops.transform_pyarrow import concat

    batch = BlockAccessor.for_block(concat(tables)).to_batch_format("numpy")
    return batch_rows(batch)


def _evidence(concept: str, **values: float | None) -> ConceptEvidence:
    base = {f.name: None for f in fields(ConceptEvidence)}
    base.update(concept=concept, contrastive=None, similarity=0.25, vocab_rank=3)
    base.update(values)
    return ConceptEvidence(**base)


def test_decoded_chunks_keep_frames_and_errors() -> None:
    rng = np.random.default_rng(0)
    full = DecodedChunk(_chunk(0, (0, 2), "10/1"), (0, 2),
                        rng.integers(0, 256, (2, 36, 64, 3), dtype=np.uint8), {})
    empty = DecodedChunk(_chunk(1, (1,), None), (), np.zeros((0, 40, 64, 3), np.uint8),
                         {1: "packet could not be decoded"})
    tables = [rows_block([c.to_row()], DECODED_TYPES) for c in (full, empty)]
    back = [DecodedChunk.from_row(r) for r in _through_ray(tables)]
    for original, copy in zip((full, empty), back, strict=True):
        assert copy.chunk == original.chunk
        assert copy.frame_indices == original.frame_indices
        assert copy.errors == original.errors
        assert copy.frames.dtype == np.uint8 and np.array_equal(copy.frames, original.frames)


def test_attributed_chunks_keep_scores_maps_and_evidence() -> None:
    prompt = Extraction("Any car?", ("car",), kind="specific", source="--concept")
    answer = Extraction("Yes, a red car.", ("red car",), polarity="yes", notes=("n",))
    check = FrameCheck(prompt, answer,
                       {"car": _evidence("car", concept_drop=0.5),
                        "red car": _evidence("red car", vocab_z=1.5)},
                       {"iou": 0.5, "pearson": None, "histogram": 0.25})
    score = ConceptScore("car", None, 0.3, None, 2.5, ((11, 2), (11, 5)), ("road",))
    heat = np.random.default_rng(1).random((2, 1, 3, 5)).astype(np.float16)
    full = AttributedChunk(
        chunk=_chunk(0, (0, 2), "10/1"), scores={0: [score], 2: []}, errors={},
        heatmaps=heat, heatmap_frames=(0, 2), heatmap_concepts=("car",),
        model_ids={"concept_attribution": "tiny", "vlm": None},
        answers=[PromptAnswer(0, "Any car?", "Yes, a red car.", "vlm", check),
                 PromptAnswer(2, "Any car?", None, None, FrameCheck(prompt, None))],
        worker=WorkerInfo(7, "h", None, "cpu"),
    )
    failed = AttributedChunk(
        chunk=_chunk(1, (1,), None), scores={}, errors={1: "attribution failed (x)"},
        heatmaps=np.zeros((0, 1, 1, 1), np.float16), heatmap_frames=(),
        heatmap_concepts=("car",), model_ids={"concept_attribution": "tiny", "vlm": None},
    )
    tables = [rows_block([c.to_row()], ATTRIBUTED_TYPES) for c in (full, failed)]
    # the types are the record's, whatever the values: empty lists and all-null fields alike
    for name, kind in ATTRIBUTED_TYPES.items():
        assert tables[0].schema.field(name).type == tables[1].schema.field(name).type == kind
    back = [AttributedChunk.from_row(r) for r in _through_ray(tables)]
    for original, copy in zip((full, failed), back, strict=True):
        assert copy.chunk == original.chunk
        assert copy.scores == original.scores
        assert copy.errors == original.errors
        assert copy.heatmap_frames == original.heatmap_frames
        assert copy.heatmap_concepts == original.heatmap_concepts
        assert copy.model_ids == original.model_ids
        assert copy.answers == original.answers
        assert copy.worker == original.worker
        assert copy.heatmaps.dtype == np.float16
        assert np.array_equal(copy.heatmaps, original.heatmaps)
    assert back[0].answers[0].check.evidence["red car"].vocab_z == 1.5
    assert math.isclose(back[0].answers[0].check.similarities["iou"], 0.5)
