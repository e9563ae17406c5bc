"""The bodies of the Ray Data stages, one chunk per row and per block.

decode (CPU task) -> attribute (model actor, see `drivexplain.pipeline.actors`) -> write (CPU task)

Rows carry only strings and bytes: the chunk description as JSON, model-sized frames as raw
bytes, heatmaps at patch resolution as float16 bytes. That keeps Arrow conversions trivial and
the object store small. Every stage turns a failure into per-frame error entries on its chunk
instead of raising, because Ray Data would otherwise fail (or retry) the whole block, and one
bad packet must not cost the other frames of the file their results.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from drivexplain.operators.config import CoherenceConfig
from drivexplain.operators.overlay import overlay_heatmap
from drivexplain.pipeline.batches import batch_rows, rows_batch, text
from drivexplain.pipeline.chunks import Chunk
from drivexplain.pipeline.decode import DecodedFrame, iter_chunk_frames, transport_size
from drivexplain.pipeline.layout import RunLayout
from drivexplain.pipeline.records import (
    NOT_EVALUATED_REASONS,
    VERDICT_NOT_EVALUATED,
    empty_row,
    error_row,
    finite,
    metric_flags,
    to_table,
)
from drivexplain.pipeline.writers import (
    SegmentEncoder,
    caption_band,
    write_json_atomic,
    write_parquet_atomic,
)

log = logging.getLogger("drivexplain.pipeline")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def worker_info() -> dict[str, Any]:
    info: dict[str, Any] = {"pid": os.getpid(), "host": os.uname().nodename}
    try:
        import ray

        if ray.is_initialized():
            info["node_id"] = ray.get_runtime_context().get_node_id()
    except Exception:  # outside Ray, or an older runtime context
        pass
    return info


# ----------------------------------------------------------------------------- decode
def decode_chunk(chunk: Chunk, short_side: int | None) -> dict[str, Any]:
    """Model-sized RGB frames of the chunk's sampled frames, plus reasons for missing ones."""
    size = transport_size(chunk.width, chunk.height, short_side)
    wanted = set(chunk.sampled)
    images: dict[int, np.ndarray] = {}
    errors: dict[int, str] = {}
    if wanted:
        try:
            for item in iter_chunk_frames(chunk.uri, chunk.pts, chunk.start, wanted, size):
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
    return {
        "chunk": json.dumps(chunk.to_dict()),
        "frames": stack.tobytes(),
        "frame_shape": json.dumps(list(stack.shape)),
        "frame_indices": json.dumps(order),
        "errors": json.dumps({str(k): v for k, v in sorted(errors.items())}),
    }


def decode_stage(batch: dict[str, np.ndarray], short_side: int | None) -> dict[str, np.ndarray]:
    rows = [
        decode_chunk(Chunk.from_dict(json.loads(text(r["chunk"]))), short_side)
        for r in batch_rows(batch)
    ]
    return rows_batch(rows)


def frames_from_row(row: dict[str, Any]) -> tuple[list[int], np.ndarray]:
    shape = json.loads(text(row["frame_shape"]))
    data = np.frombuffer(row["frames"], dtype=np.uint8).reshape(shape)
    return json.loads(text(row["frame_indices"])), data


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


def _concept_result(c: str, found: dict[str, Any] | None) -> dict[str, Any]:
    found = found or {}
    return {
        "concept": c,
        "contrastive": found.get("contrastive"),
        "similarity": finite(found.get("similarity")),
        "concept_drop": finite(found.get("concept_drop")),
        "negative_suppression": finite(found.get("negative_suppression")),
        "heads": [list(map(int, h)) for h in found.get("heads", [])],
    }


def verdict_fields(entry: dict[str, Any] | None, config: CoherenceConfig | None,
                   has_vlm: bool) -> dict[str, Any]:
    """answer, verdict, reasons and the similarity columns of one (frame, prompt) row.

    `entry` is what the model actor shipped for the pair; the verdict itself is decided here,
    on the CPU writer stage, from its evidence (`drivexplain.operators.coherence.decide`).
    """
    from drivexplain.operators.coherence import FrameCheck, decide

    if config is None or not config.enabled:
        return {"verdict": VERDICT_NOT_EVALUATED, "reasons": list(NOT_EVALUATED_REASONS)}
    if not entry or not entry.get("answer"):
        why = ("the VLM gave no answer for this frame" if has_vlm else
               "no answer for this frame: no VLM is configured (coherence.vlm) and no "
               "--answers line matches it")
        return {"verdict": VERDICT_NOT_EVALUATED, "reasons": [why]}
    check = FrameCheck.from_dict(entry["check"])
    verdict = decide(check, config)
    answer = check.answer
    return {
        "answer": entry["answer"],
        "answer_source": entry.get("answer_source"),
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
    chunk: Chunk,
    tracks: list[dict[str, Any]],
    results: dict[int, list[dict[str, Any]]],
    errors: dict[int, str],
    model_ids: dict[str, str | None],
    config_hash: str,
    cd_below: float,
    ns_below: float,
    processed_at: str,
    coherence: dict[int, dict[str, Any]] | None = None,
    coherence_config: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Exactly one row per (sampled frame, prompt), or one error row per sampled frame."""
    coherence = coherence or {}
    has_vlm = bool(model_ids.get("vlm"))
    config = (CoherenceConfig.model_validate(coherence_config)
              if coherence_config is not None else None)
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
                    config_hash,
                    processed_at,
                    frame_index=i,
                    pts=common["pts"],
                    timestamp=common["timestamp"],
                    chunk_index=chunk.chunk_index,
                    model_ids=model_ids,
                )
            )
            continue
        by_concept = {r["concept"]: r for r in results[i]}
        for track in tracks:
            judged = verdict_fields(coherence.get(i, {}).get(track["prompt"]), config, has_vlm)
            evidence = judged.pop("evidence", {})
            concepts = list(dict.fromkeys(
                list(track["concepts"]) + judged.get("answer_concepts", [])
                + judged.get("denied_concepts", [])))
            concept_results = [
                _concept_result(c, by_concept.get(c)) | (
                    {"vocab_z": finite(evidence[c].vocab_z),
                     "vocab_rank": evidence[c].vocab_rank} if c in evidence else {})
                for c in concepts
            ]
            primary = concept_results[0] if concept_results else _concept_result("", None)
            flags = []
            for result in concept_results:
                for flag in metric_flags(
                    result["concept_drop"], result["negative_suppression"], cd_below, ns_below
                ):
                    flags.append(f"{result['concept']}: {flag}")
            rows.append(
                empty_row(
                    **common,
                    status="ok",
                    prompt=track["prompt"],
                    concepts=list(track["concepts"]),
                    concept_source=track["source"],
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
                    config_hash=config_hash,
                    processed_at=processed_at,
                )
            )
    return rows


def _captions(
    chunk: Chunk, frame: int, tracks: list[dict[str, Any]], results: dict[int, list[dict]],
    errors: dict[int, str], verdicts: dict[tuple[int, str], dict[str, Any]] | None = None,
) -> list[str]:
    source = frame
    lines = []
    if source not in results:
        reason = errors.get(frame)
        return [f"frame {frame}: not analysed" + (f" ({reason[:80]})" if reason else "")]
    by_concept = {r["concept"]: r for r in results[source]}
    for track in tracks[:3]:
        row = (verdicts or {}).get((frame, track["prompt"]), {})
        concepts = list(track["concepts"]) + list(row.get("answer_concepts") or [])
        concept = concepts[0] if concepts else "-"
        result = by_concept.get(concept, {})
        answer = row.get("answer") or "n/a"
        lines.append(
            f"Q: {track['prompt'][:50]} | A: {answer[:40]} | {concept}: "
            f"CD {_fmt(finite(result.get('concept_drop')), '+.2f')} "
            f"NS {_fmt(finite(result.get('negative_suppression')), '.2f')} | "
            f"verdict: {row.get('verdict', VERDICT_NOT_EVALUATED)}"
        )
    return lines


def write_chunk(
    row: dict[str, Any],
    out_dir: str,
    tracks: list[dict[str, Any]],
    fingerprints: dict[str, str],
    config_hash: str,
    cd_below: float,
    ns_below: float,
    crf: int,
    preset: str,
    coherence_config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Log rows, the overlay segment, then the marker: the chunk's unit of resume."""
    started = time.perf_counter()
    chunk = Chunk.from_dict(json.loads(text(row["chunk"])))
    layout = RunLayout(Path(out_dir)).video(chunk.video_id)
    results = {int(k): v for k, v in json.loads(text(row["results"])).items()}
    errors = {int(k): v for k, v in json.loads(text(row["errors"])).items()}
    model_ids = json.loads(text(row["model_ids"]))
    heat_shape = json.loads(text(row["heatmap_shape"]))
    heatmaps = np.frombuffer(row["heatmaps"], dtype=np.float16).reshape(heat_shape)
    heat_order = json.loads(text(row["heatmap_frames"]))
    processed_at = now_iso()

    coherence = {int(k): v for k, v in json.loads(text(row.get("coherence", "{}"))).items()}
    rows = build_rows(chunk, tracks, results, errors, model_ids, config_hash, cd_below,
                      ns_below, processed_at, coherence, coherence_config)
    verdicts = {(r["frame_index"], r["prompt"]): r for r in rows if r["status"] == "ok"}
    layout.work.mkdir(parents=True, exist_ok=True)
    write_parquet_atomic(layout.chunk_log(chunk.chunk_index), to_table(rows))

    # The overlay shows the first prompt's concepts (of the first prompt that has any), fused
    # by max; a run whose prompts are all generic has no shared map to draw.
    first_concepts = next((t["concepts"] for t in tracks if t["concepts"]), [])
    concept_pos = [json.loads(text(row["heatmap_concepts"])).index(c) for c in first_concepts]
    heat_of = {
        frame: heatmaps[n, concept_pos].astype(np.float32).max(axis=0)
        for n, frame in enumerate(heat_order)
    } if concept_pos else {}
    lookup = _heatmap_lookup(chunk, sorted(heat_of))
    written = 0
    video_errors: list[str] = []
    marker_video = layout.chunk_video(chunk.chunk_index)
    try:
        from drivexplain.pipeline.writers import atomic_path

        with atomic_path(marker_video) as tmp:
            encoder = SegmentEncoder(tmp, chunk.width, chunk.height, chunk.tb, chunk.frame_rate,
                                     crf, preset)
            try:
                for item in iter_chunk_frames(chunk.uri, chunk.pts, chunk.start):
                    if not isinstance(item, DecodedFrame):
                        video_errors.append(f"frame {item[0]}: {item[1]}")
                        continue
                    image = item.image
                    source = lookup.get(item.index)
                    if source is not None:
                        image = overlay_heatmap(image, heat_of[source])
                    shown = source if source is not None else item.index
                    image = caption_band(
                        image, _captions(chunk, shown, tracks, results, errors, verdicts))
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
        "fingerprint": fingerprints[chunk.video_id],
        "chunk_index": chunk.chunk_index,
        "start": chunk.start,
        "stop": chunk.stop,
        "rows": len(rows),
        "error_rows": n_errors,
        "has_video": has_video,
        "video_frames": written,
        "video_errors": video_errors,
        "worker": {"writer": worker_info(), "model": json.loads(text(row["worker"]))},
        "write_seconds": round(time.perf_counter() - started, 3),
    }
    write_json_atomic(layout.chunk_marker(chunk.chunk_index), marker)
    return {
        "video_id": chunk.video_id,
        "chunk_index": chunk.chunk_index,
        "frames": len(chunk.sampled),
        "video_frames": chunk.stop - chunk.start,
        "rows": len(rows),
        "error_rows": n_errors,
    }


def write_stage(batch: dict[str, np.ndarray], **kwargs: Any) -> dict[str, np.ndarray]:
    out = []
    for row in batch_rows(batch):
        try:
            out.append(write_chunk(row, **kwargs))
        except Exception as err:  # the driver reports the chunk as failed and exits non-zero
            chunk = json.loads(text(row["chunk"]))
            log.exception("writing chunk %s/%s failed", chunk["video_id"], chunk["chunk_index"])
            out.append({
                "video_id": chunk["video_id"],
                "chunk_index": chunk["chunk_index"],
                "frames": len(chunk["sampled"]),
                "video_frames": chunk["stop"] - chunk["start"],
                "rows": 0,
                "error_rows": -1,
                "failure": f"{type(err).__name__}: {err}",
            })
    for item in out:
        item.setdefault("failure", "")
    return rows_batch(out)
