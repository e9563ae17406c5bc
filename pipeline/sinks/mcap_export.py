"""`drivexplain export mcap`: a run's overlays and per-frame results as one MCAP file, for
teams whose logs are already MCAP and who look at them in Foxglove.

Per input video (`<v>` is its safe video id) and prompt number `<k>`:

    /drivexplain/<v>/prompt<k>/overlay   foxglove.CompressedImage (JPEG): the prompt's overlay,
                                         drawn from the kept heatmaps, every video frame
    /drivexplain/<v>/prompt<k>/result    drivexplain.FrameResult: the row's figures, answer,
                                         verdict and reasons, one per analysed frame
    /drivexplain/<v>/errors              drivexplain.FrameError: frames without a result

Messages are JSON with JSON-schema schemas (Foxglove reads both); a message's log time is the
frame's time since the video's first frame. Written through the `mcap` library (an extra).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2

from drivexplain.pipeline.sinks.render import OVERLAY_COLUMNS, OverlaySpec, PromptRows, draw
from drivexplain.pipeline.sinks.run_dir import KeptVideo, RunDirError, open_run
from drivexplain.pipeline.sinks.writers import atomic_path
from drivexplain.pipeline.sources.decode import DecodedFrame, VideoIndex

JPEG_QUALITY = 85
COMPRESSED_IMAGE_SCHEMA = {
    "title": "foxglove.CompressedImage",
    "description": "A compressed image",
    "type": "object",
    "properties": {
        "timestamp": {"type": "object", "properties": {
            "sec": {"type": "integer", "minimum": 0},
            "nsec": {"type": "integer", "minimum": 0, "maximum": 999999999}}},
        "frame_id": {"type": "string"},
        "data": {"type": "string", "contentEncoding": "base64"},
        "format": {"type": "string"},
    },
}
_NUMBER = {"type": ["number", "null"]}
RESULT_SCHEMA = {
    "title": "drivexplain.FrameResult",
    "description": "One (frame, prompt) row of drivexplain's frame log, without the maps",
    "type": "object",
    "properties": {
        "frame": {"type": "integer"},
        "timestamp": {"type": "number"},
        "prompt": {"type": "string"},
        "answer": {"type": ["string", "null"]},
        "verdict": {"type": "string"},
        "reasons": {"type": "array", "items": {"type": "string"}},
        "heatmap_similarity": _NUMBER,
        "concepts": {"type": "array", "items": {"type": "object", "properties": {
            "concept": {"type": "string"}, "contrastive": {"type": ["string", "null"]},
            "similarity": _NUMBER, "concept_drop": _NUMBER, "negative_suppression": _NUMBER,
            "p_grounded": _NUMBER}}},
    },
}
ERROR_SCHEMA = {
    "title": "drivexplain.FrameError",
    "type": "object",
    "properties": {"frame": {"type": "integer"}, "timestamp": {"type": ["number", "null"]},
                   "error": {"type": "string"}},
}
_CONCEPT_FIELDS = ("concept", "contrastive", "similarity", "concept_drop",
                   "negative_suppression", "p_grounded")


@dataclass(frozen=True)
class McapExport:
    """What `export_mcap` wrote: the file, its topics and its message count."""

    path: Path
    topics: tuple[str, ...]
    messages: int
    skipped: tuple[str, ...] = ()  # inputs whose source could not be read again, and why


def _ns(seconds: float | None) -> int:
    return max(0, round((seconds or 0.0) * 1e9))


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, allow_nan=False).encode()


class _Channels:
    """The writer's schemas and channels, registered on first use."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer
        self.schemas: dict[str, int] = {}
        self.channels: dict[str, int] = {}
        self.sequence = 0

    def send(self, topic: str, schema: dict[str, Any], log_time: int, data: bytes) -> None:
        if topic not in self.channels:
            name = schema["title"]
            if name not in self.schemas:
                self.schemas[name] = self.writer.register_schema(
                    name=name, encoding="jsonschema", data=json.dumps(schema).encode())
            self.channels[topic] = self.writer.register_channel(
                topic=topic, message_encoding="json", schema_id=self.schemas[name])
        self.writer.add_message(self.channels[topic], log_time=log_time, data=data,
                                publish_time=log_time, sequence=self.sequence)
        self.sequence += 1


def _write_video(channels: _Channels, kept: KeptVideo, index: VideoIndex) -> None:
    rows = kept.table([*OVERLAY_COLUMNS, "timestamp"]).to_pylist()
    prompts = list(dict.fromkeys(r["prompt"] for r in rows if r["status"] == "ok"))
    base = f"/drivexplain/{kept.video_id}"
    tables = [PromptRows.build(OverlaySpec(p, k), rows) for k, p in enumerate(prompts, 1)]
    for item in kept.frames(index):
        if not isinstance(item, DecodedFrame):
            continue
        log_time = _ns(index.timestamp(item.index))
        for table in tables:
            image = draw(item.image, table.spec, table.shown(item.index), item.index,
                         table.errors.get(item.index))
            ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                                    [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            if not ok:
                raise RuntimeError(f"frame {item.index} could not be JPEG-encoded")
            message = {"timestamp": {"sec": log_time // 10**9, "nsec": log_time % 10**9},
                       "frame_id": kept.video_id,
                       "data": base64.b64encode(jpeg.tobytes()).decode("ascii"),
                       "format": "jpeg"}
            channels.send(f"{base}/prompt{table.spec.number}/overlay", COMPRESSED_IMAGE_SCHEMA,
                          log_time, _json(message))
    full = kept.table().to_pylist()
    for row in full:
        if row["frame_index"] is None:
            continue
        log_time = _ns(row["timestamp"])
        if row["status"] != "ok":
            channels.send(f"{base}/errors", ERROR_SCHEMA, log_time, _json(
                {"frame": row["frame_index"], "timestamp": row["timestamp"],
                 "error": row.get("error") or "error"}))
            continue
        k = prompts.index(row["prompt"]) + 1
        channels.send(f"{base}/prompt{k}/result", RESULT_SCHEMA, log_time, _json({
            "frame": row["frame_index"], "timestamp": row["timestamp"],
            "prompt": row["prompt"], "answer": row.get("answer"),
            "verdict": row.get("verdict") or "not_evaluated",
            "reasons": list(row.get("reasons") or []),
            "heatmap_similarity": row.get("heatmap_similarity"),
            "concepts": [{k2: c.get(k2) for k2 in _CONCEPT_FIELDS}
                         for c in row.get("concept_results") or []],
        }))


def export_mcap(run_dir: Path, out: Path) -> McapExport:
    """Write the run's overlays and per-frame results to `out` (.mcap).

    Raises RunDirError (not a run, source unreadable) or ImportError (no `mcap`) with a
    sentence; the file appears only when complete.
    """
    if out.suffix.lower() != ".mcap":
        raise RunDirError(f"--out {out} must name an .mcap file")
    videos = open_run(run_dir)
    try:
        from mcap.writer import Writer
    except ImportError:
        raise ImportError("the MCAP export needs the mcap library: pip install "
                          "'drivexplain[mcap]'") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp, tmp.open("wb") as handle:
        writer = Writer(handle)
        writer.start(profile="", library="drivexplain")
        channels = _Channels(writer)
        skipped = []
        for kept in videos:
            try:
                index = kept.index()
            except RunDirError as err:
                if len(videos) == 1:
                    raise
                skipped.append(str(err))
                continue
            _write_video(channels, kept, index)
        if not channels.channels:
            raise RunDirError("no input of the run could be read again: " + "; ".join(skipped))
        writer.finish()
    return McapExport(out, tuple(channels.channels), channels.sequence, tuple(skipped))
