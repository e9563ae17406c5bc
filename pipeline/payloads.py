"""What travels between the Ray stages: typed records with fixed Arrow types.

    decode --DecodedChunk--> attribution actor --AttributedChunk--> write

Frames and heatmaps travel as tensor columns (Ray Data's Arrow tensor type: one NumPy array
per row, of any shape, handed back as NumPy in batches of format "numpy"). Everything else
travels as Arrow structs and lists whose types are fixed here rather than inferred from the
values: an inferred type depends on what one block happens to hold (an empty list, a field
that is null in every row), and Ray Data pickles what it cannot infer. Each record becomes
a row at the stage that sends it and is rebuilt at the stage that receives it, so the stage
bodies work with dataclasses, never with column layouts.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
from drivexplain.operators.coherence import FrameCheck
from drivexplain.operators.results import ConceptResult
from drivexplain.pipeline.batches import plain
from drivexplain.pipeline.chunks import Chunk

_SCALARS: dict[type, pa.DataType] = {
    str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_(),
}
_KEY, _VALUE = "key", "value"


def _hints(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _optional(annotation: Any) -> Any:
    """The inner type of `X | None`, or the annotation itself."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(annotation) if a is not type(None)]
        return inner
    return annotation


def _arrow_type(annotation: Any) -> pa.DataType:
    """The Arrow type of a record field, read from its annotation.

    Operators records (`FrameCheck` and what it holds) are mapped field for field, so a field
    added there travels without a change here; a field of a kind not handled below fails at
    import instead of vanishing. A `dict[str, X]` becomes a list of (key, value) structs: as
    a struct its keys would be the fields, different in every row.
    """
    annotation = _optional(annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if dataclasses.is_dataclass(annotation):
        return pa.struct([(k, _arrow_type(t)) for k, t in _hints(annotation).items()])
    if origin is dict:
        return pa.list_(pa.struct([(_KEY, _arrow_type(args[0])), (_VALUE, _arrow_type(args[1]))]))
    if origin in (tuple, list):
        return pa.list_(_arrow_type(args[0]))
    if origin is typing.Literal:
        return _arrow_type(type(args[0]))
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    raise TypeError(f"no Arrow type for a record field annotated {annotation!r}")


def _encode(value: Any, annotation: Any) -> Any:
    """A record value as the Python form of its `_arrow_type`."""
    if value is None:
        return None
    annotation = _optional(annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if dataclasses.is_dataclass(annotation):
        return {k: _encode(getattr(value, k), t) for k, t in _hints(annotation).items()}
    if origin is dict:
        return [{_KEY: k, _VALUE: _encode(v, args[1])} for k, v in value.items()]
    if origin in (tuple, list):
        return [_encode(v, args[0]) for v in value]
    return value.item() if isinstance(value, np.generic) else value


def _decode(value: Any, annotation: Any) -> Any:
    """The inverse of `_encode`, from the plain Python of a batch row."""
    if value is None:
        return None
    annotation = _optional(annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if dataclasses.is_dataclass(annotation):
        return annotation(**{k: _decode(value[k], t) for k, t in _hints(annotation).items()})
    if origin is dict:
        return {e[_KEY]: _decode(e[_VALUE], args[1]) for e in value}
    if origin is tuple:
        return tuple(_decode(v, args[0]) for v in value)
    if origin is list:
        return [_decode(v, args[0]) for v in value]
    if annotation in (int, float, bool):
        return annotation(value)
    return value


_STRINGS = pa.list_(pa.string())
_FRAME_ERRORS = pa.list_(pa.struct([("frame", pa.int64()), ("reason", pa.string())]))

CHUNK_TYPE = pa.struct([
    ("video_id", pa.string()),
    ("uri", pa.string()),
    ("chunk_index", pa.int64()),
    ("num_chunks", pa.int64()),
    ("start", pa.int64()),
    ("stop", pa.int64()),
    ("sampled", pa.list_(pa.int64())),
    ("pts", pa.list_(pa.int64())),
    ("first_pts", pa.int64()),
    ("time_base", pa.string()),
    ("rate", pa.string()),
    ("width", pa.int64()),
    ("height", pa.int64()),
])
_SCORE = pa.struct([
    ("concept", pa.string()),
    ("contrastive", pa.string()),
    ("similarity", pa.float64()),
    ("concept_drop", pa.float64()),
    ("negative_suppression", pa.float64()),
    ("heads", pa.list_(pa.list_(pa.int64()))),
    ("present_concepts", _STRINGS),
])
_CHECK = _arrow_type(FrameCheck)
_ANSWER = pa.struct([
    ("frame", pa.int64()),
    ("prompt", pa.string()),
    ("answer", pa.string()),
    ("answer_source", pa.string()),
    ("check", _CHECK),
])
_MODEL_IDS = pa.struct([("concept_attribution", pa.string()), ("vlm", pa.string())])
_WORKER = pa.struct([
    ("pid", pa.int64()), ("host", pa.string()), ("node_id", pa.string()), ("device", pa.string()),
])

# Column types of each record's row; the columns not named here are tensor columns.
DECODED_TYPES: dict[str, pa.DataType] = {
    "chunk": CHUNK_TYPE,
    "frame_indices": pa.list_(pa.int64()),
    "errors": _FRAME_ERRORS,
}
ATTRIBUTED_TYPES: dict[str, pa.DataType] = {
    "chunk": CHUNK_TYPE,
    "scores": pa.list_(pa.struct([("frame", pa.int64()), ("concepts", pa.list_(_SCORE))])),
    "errors": _FRAME_ERRORS,
    "heatmap_frames": pa.list_(pa.int64()),
    "heatmap_concepts": _STRINGS,
    "model_ids": _MODEL_IDS,
    "answers": pa.list_(_ANSWER),
    "worker": _WORKER,
}
WRITTEN_TYPES: dict[str, pa.DataType] = {
    "video_id": pa.string(),
    "chunk_index": pa.int64(),
    "frames": pa.int64(),
    "video_frames": pa.int64(),
    "rows": pa.int64(),
    "error_rows": pa.int64(),
    "failure": pa.string(),
}


def _errors_out(errors: dict[int, str]) -> list[dict[str, Any]]:
    return [{"frame": k, "reason": v} for k, v in sorted(errors.items())]


def _errors_in(entries: list[dict[str, Any]] | None) -> dict[int, str]:
    return {int(e["frame"]): e["reason"] for e in entries or []}


@dataclass(frozen=True)
class ConceptScore:
    """Concept Attribution's figures for one (frame, concept), without the maps."""

    concept: str
    contrastive: str | None
    similarity: float | None
    concept_drop: float | None
    negative_suppression: float | None
    heads: tuple[tuple[int, int], ...] = ()
    present_concepts: tuple[str, ...] = ()

    @classmethod
    def from_result(cls, result: ConceptResult) -> ConceptScore:
        return cls.from_row(result.to_dict())

    def to_row(self) -> dict[str, Any]:
        return {"concept": self.concept, "contrastive": self.contrastive,
                "similarity": self.similarity, "concept_drop": self.concept_drop,
                "negative_suppression": self.negative_suppression,
                "heads": [list(h) for h in self.heads],
                "present_concepts": list(self.present_concepts)}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ConceptScore:
        return cls(
            concept=row["concept"], contrastive=row.get("contrastive"),
            similarity=row.get("similarity"), concept_drop=row.get("concept_drop"),
            negative_suppression=row.get("negative_suppression"),
            heads=tuple((int(h[0]), int(h[1])) for h in row.get("heads") or ()),
            present_concepts=tuple(row.get("present_concepts") or ()),
        )


@dataclass(frozen=True)
class PromptAnswer:
    """One (frame, prompt): the answer, where it came from, and the verdict's evidence."""

    frame: int
    prompt: str
    answer: str | None
    answer_source: str | None
    check: FrameCheck

    def to_row(self) -> dict[str, Any]:
        return {"frame": self.frame, "prompt": self.prompt, "answer": self.answer,
                "answer_source": self.answer_source, "check": _encode(self.check, FrameCheck)}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PromptAnswer:
        return cls(frame=int(row["frame"]), prompt=row["prompt"], answer=row.get("answer"),
                   answer_source=row.get("answer_source"),
                   check=_decode(row["check"], FrameCheck))


@dataclass(frozen=True)
class DecodedChunk:
    """A chunk's sampled frames at transport size, and why any of them is missing."""

    chunk: Chunk
    frame_indices: tuple[int, ...]
    frames: np.ndarray  # (len(frame_indices), H, W, 3) uint8 RGB
    errors: dict[int, str] = field(default_factory=dict)

    def to_row(self) -> dict[str, Any]:
        return {"chunk": self.chunk.to_dict(), "frame_indices": list(self.frame_indices),
                "frames": self.frames, "errors": _errors_out(self.errors)}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DecodedChunk:
        return cls(
            chunk=Chunk.from_dict(plain(row["chunk"])),
            frame_indices=tuple(int(i) for i in row["frame_indices"]),
            frames=np.asarray(row["frames"], dtype=np.uint8),
            errors=_errors_in(plain(row["errors"])),
        )


@dataclass(frozen=True)
class AttributedChunk:
    """The model actor's output for one chunk.

    `scores` maps each analysed frame to its concepts' figures; `heatmaps` holds, for the
    frames of `heatmap_frames`, the patch-resolution maps of `heatmap_concepts` (the overlay
    draws those) as (frames, concepts, grid H, grid W) float16. `answers` is empty when the
    coherence check does not run.
    """

    chunk: Chunk
    scores: dict[int, list[ConceptScore]]
    errors: dict[int, str]
    heatmaps: np.ndarray
    heatmap_frames: tuple[int, ...]
    heatmap_concepts: tuple[str, ...]
    model_ids: dict[str, str | None]
    answers: list[PromptAnswer] = field(default_factory=list)
    worker: dict[str, Any] = field(default_factory=dict)

    def to_row(self) -> dict[str, Any]:
        return {
            "chunk": self.chunk.to_dict(),
            "scores": [{"frame": f, "concepts": [s.to_row() for s in scores]}
                       for f, scores in self.scores.items()],
            "errors": _errors_out(self.errors),
            "heatmaps": self.heatmaps,
            "heatmap_frames": list(self.heatmap_frames),
            "heatmap_concepts": list(self.heatmap_concepts),
            "model_ids": dict(self.model_ids),
            "answers": [a.to_row() for a in self.answers],
            "worker": self.worker,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AttributedChunk:
        fields = {k: plain(v) for k, v in row.items() if k != "heatmaps"}
        return cls(
            chunk=Chunk.from_dict(fields["chunk"]),
            scores={int(e["frame"]): [ConceptScore.from_row(c) for c in e["concepts"] or []]
                    for e in fields["scores"] or []},
            errors=_errors_in(fields["errors"]),
            heatmaps=np.asarray(row["heatmaps"], dtype=np.float16),
            heatmap_frames=tuple(int(i) for i in fields["heatmap_frames"] or ()),
            heatmap_concepts=tuple(fields["heatmap_concepts"] or ()),
            model_ids=dict(fields["model_ids"]),
            answers=[PromptAnswer.from_row(a) for a in fields["answers"] or []],
            worker={k: v for k, v in (fields["worker"] or {}).items() if v is not None},
        )
