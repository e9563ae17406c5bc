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
from drivexplain.operators.overlay import quantize_heatmaps
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
    KeptHeatmaps,
    empty_row,
    error_row,
    finite,
    metric_flags,
    to_table,
)
from drivexplain.pipeline.sinks.render import OverlaySpec, PromptRows, encode_overlays
from drivexplain.pipeline.sinks.writers import write_json_atomic, write_parquet_atomic
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
    overlay: str = "all"  # pipeline.overlay: the write stage encodes only for "all"


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


def kept_heatmaps(attributed: AttributedChunk, position: int | None, concepts: list[str]
                  ) -> KeptHeatmaps:
    """The uint8 maps a row keeps: of `concepts`, those the chunk has a map for at this frame
    (`position` in `heatmap_frames`), in the row's concept order."""
    names = attributed.heatmap_concepts
    if position is None:
        return KeptHeatmaps((), np.zeros((0, 0, 0), np.uint8))
    found = [c for c in concepts if c in names
             and not np.isnan(attributed.heatmaps[position, names.index(c)]).any()]
    maps = attributed.heatmaps[position, [names.index(c) for c in found]]
    return KeptHeatmaps(tuple(found), quantize_heatmaps(maps))


def build_rows(
    attributed: AttributedChunk, settings: WriterSettings, processed_at: str
) -> list[dict[str, Any]]:
    """Exactly one row per (sampled frame, prompt), or one error row per sampled frame."""
    chunk, results, errors = attributed.chunk, attributed.scores, attributed.errors
    model_ids = attributed.model_ids
    answers = {(a.frame, a.prompt): a for a in attributed.answers}
    has_vlm = bool(model_ids.get("vlm"))
    config = settings.coherence
    map_of = {frame: n for n, frame in enumerate(attributed.heatmap_frames)}
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
                     "crop_z": finite(evidence[c].crop_z),
                     "crop_similarity": finite(evidence[c].crop_similarity),
                     "colour_share": finite(evidence[c].colour_share),
                     "p_grounded": finite(evidence[c].p_grounded),
                     "concept_auroc": evidence[c].concept_auroc,
                     "vlm_grounding": finite(evidence[c].vlm_grounding)} if c in evidence else {})
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
                    **kept_heatmaps(attributed, map_of.get(i), concepts).columns(),
                    flags=flags,
                    **judged,
                    model_ids=model_ids,
                    config_hash=settings.config_hash,
                    processed_at=processed_at,
                )
            )
    return rows


def write_chunk(attributed: AttributedChunk, settings: WriterSettings) -> WrittenChunk:
    """Log rows, the overlay segment, then the marker: the chunk's unit of resume."""
    started = time.perf_counter()
    chunk = attributed.chunk
    layout = RunLayout(Path(settings.out_dir)).video(chunk.video_id)
    processed_at = now_iso()

    rows = build_rows(attributed, settings, processed_at)
    layout.work.mkdir(parents=True, exist_ok=True)
    write_parquet_atomic(layout.chunk_log(chunk.chunk_index), to_table(rows))

    # One overlay per prompt, drawn from the rows' kept maps; with `overlay: flagged` the
    # clips are cut when the video is joined (episodes span chunks), with `none` never.
    specs = [OverlaySpec(t.prompt, k) for k, t in enumerate(settings.tracks, 1)] \
        if settings.overlay == "all" else []
    written, encode_seconds, has_video = 0, 0.0, False
    video_errors: list[str] = []
    if specs:
        try:
            stats = encode_overlays(
                read_chunk(chunk),
                [(layout.chunk_video(chunk.chunk_index, s.number), PromptRows.build(s, rows))
                 for s in specs],
                (chunk.width, chunk.height), chunk.tb, chunk.frame_rate, settings.crf,
                settings.preset)
            written, encode_seconds, has_video = stats.frames, stats.seconds, True
            video_errors.extend(stats.errors)
        except Exception as err:
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
        "overlay_prompts": len(specs) if has_video else 0,
        "video_frames": written,
        "encode_seconds": round(encode_seconds, 3),
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
