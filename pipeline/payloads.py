"""What travels between the Ray stages: typed records with fixed Arrow types.

    decode --DecodedChunk--> attribution actor --AttributedChunk--> write

Each record is one row, one column per field. Fields annotated `np.ndarray` (frames,
heatmaps) travel as tensor columns (Ray Data's Arrow tensor type: one NumPy array per row, of
any shape, handed back as NumPy in batches of format "numpy"). Every other field travels as
an Arrow struct or list whose type is read from the field's annotation rather than inferred
from the values: an inferred type depends on what one block happens to hold (an empty list,
a field that is null in every row), and Ray Data pickles what it cannot infer. The stage
that sends a record calls `to_row`, the one that receives it `from_row`, so the stage bodies
work with dataclasses, never with column layouts.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa

from drivexplain.operators.results import ConceptResult
from drivexplain.operators.verdicts.coherence import FrameCheck
from drivexplain.pipeline.batches import plain
from drivexplain.pipeline.chunks import Chunk

_SCALARS: dict[type, pa.DataType] = {
    str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_(),
}
_KEY, _VALUE = "key", "value"


@functools.cache
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

    Records are mapped field for field, operators records (`FrameCheck` and what it holds)
    included, so a field added there travels without a change here; a field of a kind not
    handled below fails at import instead of vanishing. A `dict[K, V]` becomes a list of
    (key, value) structs: as a struct its keys would be the fields, different in every row.
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


_R = TypeVar("_R", bound="_Row")


class _Row:
    """`to_row` / `from_row` for a dataclass record, from its field annotations."""

    def to_row(self) -> dict[str, Any]:
        return {k: getattr(self, k) if t is np.ndarray else _encode(getattr(self, k), t)
                for k, t in _hints(type(self)).items()}

    @classmethod
    def from_row(cls: type[_R], row: dict[str, Any]) -> _R:
        return cls(**{k: np.asarray(row[k]) if t is np.ndarray else _decode(plain(row[k]), t)
                      for k, t in _hints(cls).items()})


def row_types(cls: type) -> dict[str, pa.DataType]:
    """The Arrow types of a record's row; its `np.ndarray` fields, not named, are tensors."""
    return {k: _arrow_type(t) for k, t in _hints(cls).items() if t is not np.ndarray}


@dataclass(frozen=True)
class ConceptScore(_Row):
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
        data = result.to_dict()
        return _decode({k: data.get(k) for k in _hints(cls)}, cls)


@dataclass(frozen=True)
class PromptAnswer(_Row):
    """One (frame, prompt): the answer, where it came from, and the verdict's evidence."""

    frame: int
    prompt: str
    answer: str | None
    answer_source: str | None
    check: FrameCheck


@dataclass(frozen=True)
class WorkerInfo(_Row):
    """Which process on which node ran a stage; `node_id` is None outside Ray."""

    pid: int
    host: str
    node_id: str | None = None
    device: str | None = None


@dataclass(frozen=True)
class DecodedChunk(_Row):
    """A chunk's sampled frames at transport size, and why any of them is missing."""

    chunk: Chunk
    frame_indices: tuple[int, ...]
    frames: np.ndarray  # (len(frame_indices), H, W, 3) uint8 RGB
    errors: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AttributedChunk(_Row):
    """The model actor's output for one chunk.

    `scores` maps each analysed frame to its concepts' figures; `heatmaps` holds, for the
    frames of `heatmap_frames`, the patch-resolution maps of `heatmap_concepts` (every concept
    explained on any frame of the chunk, NaN where a frame did not explain it) as (frames,
    concepts, grid H, grid W) float16; the writer keeps them in the log rows and draws the
    overlays from them. `answers` is empty when the coherence check does not run.
    """

    chunk: Chunk
    scores: dict[int, list[ConceptScore]]
    errors: dict[int, str]
    heatmaps: np.ndarray
    heatmap_frames: tuple[int, ...]
    heatmap_concepts: tuple[str, ...]
    model_ids: dict[str, str | None]
    answers: list[PromptAnswer] = field(default_factory=list)
    worker: WorkerInfo | None = None


@dataclass(frozen=True)
class WrittenChunk(_Row):
    """What the write stage reports to the driver for one chunk; `failure` is "" when none."""

    video_id: str
    chunk_index: int
    frames: int
    video_frames: int
    rows: int
    error_rows: int
    failure: str = ""


CHUNK_TYPE = _arrow_type(Chunk)
DECODED_TYPES = row_types(DecodedChunk)
ATTRIBUTED_TYPES = row_types(AttributedChunk)
WRITTEN_TYPES = row_types(WrittenChunk)
