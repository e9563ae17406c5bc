"""The bodies of the Ray Data stages, one chunk per row and per block.

decode (CPU task) -> attribute (model actor, see `drivexplain.pipeline.actors`) -> write (CPU task)

Between stages a chunk is a typed record (`drivexplain.pipeline.payloads`): model-sized frames
and patch-resolution float16 heatmaps as tensor columns, everything else as Arrow structs, so
the object store holds only what the next stage reads. Every stage turns a failure into
per-frame error entries on its chunk instead of raising, because Ray Data would otherwise fail
(or retry) the whole block, and one bad packet must not cost the other frames of the file
their results.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from drivexplain.operators.config import CoherenceConfig
from drivexplain.operators.overlay import overlay_heatmap
from drivexplain.pipeline.batches import batch_rows, plain, rows_block
from drivexplain.pipeline.chunks import Chunk
from drivexplain.pipeline.payloads import (
    DECODED_TYPES,
    WRITTEN_TYPES,
    AttributedChunk,
    ConceptScore,
    DecodedChunk,
    PromptAnswer,
    WorkerInfo,
    WrittenChunk,
)
from drivexplain.pipeline.prompts import PromptTrack
from drivexplain.pipeline.sinks.layout import RunLayout
from drivexplain.pipeline.sinks.records import (
    NOT_EVALUATED_REASONS,
    VERDICT_NOT_EVALUATED,
    empty_row,
    error_row,
    finite,
    metric_flags,
    to_table,
)
from drivexplain.pipeline.sinks.writers import (
    SegmentEncoder,
    caption_band,
    write_json_atomic,
    write_parquet_atomic,
)
from drivexplain.pipeline.sources.decode import DecodedFrame, transport_size
from drivexplain.pipeline.sources.formats import read_chunk

log = logging.getLogger("drivexplain.pipeline")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def worker_info() -> WorkerInfo:
    node_id = None
    try:
        import ray

        if ray.is_initialized():
            node_id = ray.get_runtime_context().get_node_id()
    except Exception:  # outside Ray, or an older runtime context
        pass
    return WorkerInfo(os.getpid(), os.uname().nodename, node_id)


def _known(worker: WorkerInfo | None) -> dict[str, Any]:
    """A worker record for a marker file, without the fields nobody filled in."""
    return {k: v for k, v in asdict(worker).items() if v is not None} if worker else {}


# ----------------------------------------------------------------------------- decode
def decode_chunk(chunk: Chunk, short_side: int | None) -> DecodedChunk:
    """Model-sized RGB frames of the chunk's sampled frames, plus reasons for missing ones."""
    size = transport_size(chunk.width, chunk.height, short_side)
    wanted = set(chunk.sampled)
    images: dict[int, np.ndarray] = {}
    errors: dict[int, str] = {}
    if wanted:
        try:
            for item in read_chunk(chunk, wanted, size):
                if isinstance(item, DecodedFrame):
                    if item.index in wanted:
                        images[item.index] = item.image
                elif item[0] in wanted:
                    errors[item[0]] = item[1]
        except Exception as err:
            reason = f"chunk could not be decoded ({type(err).__name__}: {err})"
            errors = {i: reason for i in wanted}
            images = {}
    order = [i for i in chunk.sampled if i in images]
    stack = (
        np.stack([images[i] for i in order])
        if order
        else np.zeros((0, size[1], size[0], 3), np.uint8)
    )
    return DecodedChunk(chunk, tuple(order), stack, errors)


def decode_stage(batch: dict[str, np.ndarray], short_side: int | None) -> pa.Table:
    rows = [
        decode_chunk(Chunk.from_dict(plain(r["chunk"])), short_side).to_row()
        for r in batch_rows(batch)
    ]
    return rows_block(rows, DECODED_TYPES)


# ----------------------------------------------------------------------------- write
def _heatmap_lookup(
    chunk: Chunk, analysed: list[int]
) -> dict[int, int]:
    """For every frame of the chunk, the analysed frame whose heatmap it shows.

    The latest analysed frame at or before it, or, before the chunk's first analysed frame,
    that first one: each chunk stands alone, so chunks can be written in any order.
    """
    lookup: dict[int, int] = {}
    if not analysed:
        return lookup
    cursor = 0
    for i in range(chunk.start, chunk.stop):
        while cursor + 1 < len(analysed) and analysed[cursor + 1] <= i:
            cursor += 1
        lookup[i] = analysed[cursor]
    return lookup


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


@dataclass(frozen=True)
class WriterSettings:
    """What the write stage needs of the run, the same for every chunk.

    `coherence` is None when the run has no coherence configuration at all.
    """

    out_dir: str
    tracks: tuple[PromptTrack, ...]
    fingerprints: dict[str, str]
    config_hash: str
    cd_below: float
    ns_below: float
    crf: int
    preset: str
    coherence: CoherenceConfig | None = None


def _concept_result(c: str, found: ConceptScore | None) -> dict[str, Any]:
    return {
        "concept": c,
        "contrastive": found.contrastive if found else None,
        "similarity": finite(found.similarity) if found else None,
        "concept_drop": finite(found.concept_drop) if found else None,
        "negative_suppression": finite(found.negative_suppression) if found else None,
        "heads": [list(h) for h in found.heads] if found else [],
    }


def verdict_fields(entry: PromptAnswer | None, config: CoherenceConfig | None,
                   has_vlm: bool) -> dict[str, Any]:
    """answer, verdict, reasons and the similarity columns of one (frame, prompt) row.

    `entry` is what the model actor shipped for the pair; the verdict itself is decided here,
    on the CPU writer stage, from its evidence (`drivexplain.operators.verdicts.coherence.decide`).
    """
    from drivexplain.operators.verdicts.coherence import decide

    if config is None or not config.enabled:
        return {"verdict": VERDICT_NOT_EVALUATED, "reasons": list(NOT_EVALUATED_REASONS)}
    if entry is None or not entry.answer:
        why = ("the VLM gave no answer for this frame" if has_vlm else
               "no answer for this frame: no VLM is configured (coherence.vlm) and no "
               "--answers line matches it")
        return {"verdict": VERDICT_NOT_EVALUATED, "reasons": [why]}
    check = entry.check
    verdict = decide(check, config)
    answer = check.answer
    return {
        "answer": entry.answer,
        "answer_source": entry.answer_source,
        "answer_concepts": list(answer.concepts) if answer else [],
        "denied_concepts": list(answer.denied) if answer else [],
        "prompt_kind": check.prompt.kind,
        "heatmap_similarity": finite(verdict.heatmap_similarity),
        "heatmap_similarities": {k: finite(v) for k, v in check.similarities.items()},
        "verdict": verdict.verdict,
        "reasons": list(verdict.reasons),
        "evidence": check.evidence,
    }


def build_rows(
    attributed: AttributedChunk, settings: WriterSettings, processed_at: str
) -> list[dict[str, Any]]:
    """Exactly one row per (sampled frame, prompt), or one error row per sampled frame."""
    chunk, results, errors = attributed.chunk, attributed.scores, attributed.errors
    model_ids = attributed.model_ids
    answers = {(a.frame, a.prompt): a for a in attributed.answers}
    has_vlm = bool(model_ids.get("vlm"))
    config = settings.coherence
    rows: list[dict[str, Any]] = []
    for i in chunk.sampled:
        common = {
            "video": chunk.uri,
            "video_id": chunk.video_id,
            "chunk_index": chunk.chunk_index,
            "frame_index": i,
            "pts": chunk.pts_of(i),
            "timestamp": chunk.timestamp(i),
        }
        if i not in results:
            reason = errors.get(i, "no result was produced for this frame")
            rows.append(
                error_row(
                    chunk.uri,
                    chunk.video_id,
                    reason,
                    settings.config_hash,
                    processed_at,
                    frame_index=i,
                    pts=common["pts"],
                    timestamp=common["timestamp"],
                    chunk_index=chunk.chunk_index,
                    model_ids=model_ids,
                )
            )
            continue
        by_concept = {r.concept: r for r in results[i]}
        for track in settings.tracks:
            judged = verdict_fields(answers.get((i, track.prompt)), config, has_vlm)
            evidence = judged.pop("evidence", {})
            concepts = list(dict.fromkeys(
                list(track.concepts) + judged.get("answer_concepts", [])
                + judged.get("denied_concepts", [])))
            concept_results = [
                _concept_result(c, by_concept.get(c)) | (
                    {"vocab_z": finite(evidence[c].vocab_z),
                     "vocab_rank": evidence[c].vocab_rank,
                     "p_grounded": finite(evidence[c].p_grounded),
                     "concept_auroc": evidence[c].concept_auroc} if c in evidence else {})
                for c in concepts
            ]
            primary = concept_results[0] if concept_results else _concept_result("", None)
            flags = []
            for result in concept_results:
                for flag in metric_flags(result["concept_drop"], result["negative_suppression"],
                                         settings.cd_below, settings.ns_below):
                    flags.append(f"{result['concept']}: {flag}")
            rows.append(
                empty_row(
                    **common,
                    status="ok",
                    prompt=track.prompt,
                    concepts=list(track.concepts),
                    concept_source=track.source,
                    concept=primary["concept"] or None,
                    contrastive_concept=primary["contrastive"],
                    heads=primary["heads"],
                    similarity=primary["similarity"],
                    concept_drop=primary["concept_drop"],
                    negative_suppression=primary["negative_suppression"],
                    concept_results=concept_results,
                    flags=flags,
                    **judged,
                    model_ids=model_ids,
                    config_hash=settings.config_hash,
                    processed_at=processed_at,
                )
            )
    return rows


def _captions(
    attributed: AttributedChunk, frame: int, tracks: tuple[PromptTrack, ...],
    verdicts: dict[tuple[int, str], dict[str, Any]],
) -> list[str]:
    lines = []
    if frame not in attributed.scores:
        reason = attributed.errors.get(frame)
        return [f"frame {frame}: not analysed" + (f" ({reason[:80]})" if reason else "")]
    by_concept = {r.concept: r for r in attributed.scores[frame]}
    for track in tracks[:3]:
        row = verdicts.get((frame, track.prompt), {})
        concepts = list(track.concepts) + list(row.get("answer_concepts") or [])
        concept = concepts[0] if concepts else "-"
        result = by_concept.get(concept)
        answer = row.get("answer") or "n/a"
        cd = finite(result.concept_drop) if result else None
        ns = finite(result.negative_suppression) if result else None
        lines.append(
            f"Q: {track.prompt[:50]} | A: {answer[:40]} | {concept}: "
            f"CD {_fmt(cd, '+.2f')} NS {_fmt(ns, '.2f')} | "
            f"verdict: {row.get('verdict', VERDICT_NOT_EVALUATED)}"
        )
    return lines


def write_chunk(attributed: AttributedChunk, settings: WriterSettings) -> WrittenChunk:
    """Log rows, the overlay segment, then the marker: the chunk's unit of resume."""
    started = time.perf_counter()
    chunk = attributed.chunk
    layout = RunLayout(Path(settings.out_dir)).video(chunk.video_id)
    processed_at = now_iso()

    rows = build_rows(attributed, settings, processed_at)
    verdicts = {(r["frame_index"], r["prompt"]): r for r in rows if r["status"] == "ok"}
    layout.work.mkdir(parents=True, exist_ok=True)
    write_parquet_atomic(layout.chunk_log(chunk.chunk_index), to_table(rows))

    # The overlay shows the first prompt's concepts (of the first prompt that has any), fused
    # by max; a run whose prompts are all generic has no shared map to draw.
    first_concepts = next((t.concepts for t in settings.tracks if t.concepts), ())
    concept_pos = [attributed.heatmap_concepts.index(c) for c in first_concepts]
    heat_of = {
        frame: attributed.heatmaps[n, concept_pos].astype(np.float32).max(axis=0)
        for n, frame in enumerate(attributed.heatmap_frames)
    } if concept_pos else {}
    lookup = _heatmap_lookup(chunk, sorted(heat_of))
    written = 0
    video_errors: list[str] = []
    marker_video = layout.chunk_video(chunk.chunk_index)
    try:
        from drivexplain.pipeline.sinks.writers import atomic_path

        with atomic_path(marker_video) as tmp:
            encoder = SegmentEncoder(tmp, chunk.width, chunk.height, chunk.tb, chunk.frame_rate,
                                     settings.crf, settings.preset)
            try:
                for item in read_chunk(chunk):
                    if not isinstance(item, DecodedFrame):
                        video_errors.append(f"frame {item[0]}: {item[1]}")
                        continue
                    image = item.image
                    source = lookup.get(item.index)
                    if source is not None:
                        image = overlay_heatmap(image, heat_of[source])
                    shown = source if source is not None else item.index
                    image = caption_band(
                        image, _captions(attributed, shown, settings.tracks, verdicts))
                    encoder.add(image, item.pts)
                    written += 1
            finally:
                encoder.close()
            if written == 0:
                raise RuntimeError("no frame of the chunk could be decoded for the overlay")
        has_video = True
    except Exception as err:
        has_video = False
        video_errors.append(f"overlay segment not written ({type(err).__name__}: {err})")
    n_errors = sum(1 for r in rows if r["status"] == "error")
    marker = {
        "fingerprint": settings.fingerprints[chunk.video_id],
        "chunk_index": chunk.chunk_index,
        "start": chunk.start,
        "stop": chunk.stop,
        "rows": len(rows),
        "error_rows": n_errors,
        "has_video": has_video,
        "video_frames": written,
        "video_errors": video_errors,
        "worker": {"writer": _known(worker_info()), "model": _known(attributed.worker)},
        "write_seconds": round(time.perf_counter() - started, 3),
    }
    write_json_atomic(layout.chunk_marker(chunk.chunk_index), marker)
    return WrittenChunk(chunk.video_id, chunk.chunk_index, len(chunk.sampled),
                        chunk.stop - chunk.start, len(rows), n_errors)


def write_stage(batch: dict[str, np.ndarray], settings: WriterSettings) -> pa.Table:
    out = []
    for row in batch_rows(batch):
        try:
            out.append(write_chunk(AttributedChunk.from_row(row), settings))
        except Exception as err:  # the driver reports the chunk as failed and exits non-zero
            chunk = plain(row["chunk"])
            log.exception("writing chunk %s/%s failed", chunk["video_id"], chunk["chunk_index"])
            out.append(WrittenChunk(
                chunk["video_id"], chunk["chunk_index"], len(chunk["sampled"]),
                chunk["stop"] - chunk["start"], rows=0, error_rows=-1,
                failure=f"{type(err).__name__}: {err}",
            ))
    return rows_block([w.to_row() for w in out], WRITTEN_TYPES)
