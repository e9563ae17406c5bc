"""Synthetic dashcam clips: H.264 MP4 plus a ground-truth Parquet sidecar, written streaming.

Each frame is rendered, encoded and dropped; sidecar rows are flushed in row groups. Memory is
therefore bounded by one frame plus one row group, whatever the clip length.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from drivexplain.synthworld.scene import MAX_LIFE_S, Frame, World

CLIP_START_S = MAX_LIFE_S  # start once traffic has had time to fill the road
ROW_GROUP_FRAMES = 64
MAX_DIMENSION = 7680

_SIZE_RE = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")


class SizeError(ValueError):
    """A frame size that cannot be used (the message names the offending input)."""


OBJECT_TYPE = pa.struct([
    ("instance", pa.int32()),
    ("track_id", pa.string()),
    ("class_name", pa.string()),
    ("colour", pa.string()),
    ("position", pa.string()),
    ("distance", pa.string()),
    ("depth_m", pa.float32()),
    ("bbox", pa.list_(pa.int32())),  # x0, y0, x1, y1 (exclusive)
    ("salient", pa.bool_()),
    ("crossing", pa.bool_()),
    ("mask_rle", pa.list_(pa.int32())),  # see rle_encode
])
SIDECAR_SCHEMA = pa.schema([
    ("frame_index", pa.int32()),
    ("timestamp_s", pa.float64()),
    ("width", pa.int32()),
    ("height", pa.int32()),
    ("condition", pa.string()),
    ("captions", pa.list_(pa.string())),
    ("objects", pa.list_(OBJECT_TYPE)),
])


def parse_size(text: str) -> tuple[int, int]:
    """'640x360' -> (640, 360); H.264/yuv420p needs even sides, so odd ones are rejected."""
    m = _SIZE_RE.match(str(text))
    if not m:
        raise SizeError(f"invalid size {text!r}: expected WIDTHxHEIGHT, e.g. '640x360'")
    width, height = int(m.group(1)), int(m.group(2))
    if not (32 <= width <= MAX_DIMENSION and 32 <= height <= MAX_DIMENSION):
        raise SizeError(f"invalid size {text!r}: width and height must be in 32..{MAX_DIMENSION}")
    if width % 2 or height % 2:
        raise SizeError(f"invalid size {text!r}: width and height must be even for yuv420p video")
    return width, height


def rle_encode(mask: np.ndarray) -> list[int]:
    """Row-major run lengths of a boolean mask, starting with a (possibly empty) run of False."""
    flat = np.asarray(mask, dtype=bool).ravel()
    if flat.size == 0:
        return []
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate(([0], change, [flat.size]))
    runs = np.diff(bounds).astype(np.int64)
    counts = runs.tolist()
    return [0, *counts] if flat[0] else counts


def rle_decode(counts: list[int] | np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Inverse of rle_encode; the counts must cover exactly height*width pixels."""
    c = np.asarray(counts, dtype=np.int64)
    total = int(np.prod(shape))
    if (c < 0).any() or int(c.sum()) != total:
        raise ValueError(
            f"RLE counts sum to {int(c.sum())} (or contain negatives) but shape {tuple(shape)} "
            f"has {total} pixels"
        )
    values = np.zeros(len(c), bool)
    values[1::2] = True
    return np.repeat(values, c).reshape(shape)


def frame_record(frame: Frame, index: int, timestamp_s: float) -> dict:
    """One sidecar row: the frame's scene graph with RLE masks."""
    w, h = frame.size
    objects = []
    for i, o in enumerate(frame.objects):
        rec = o.to_record()
        rec.pop("depth_m")
        objects.append({**rec, "instance": i, "depth_m": float(o.depth_m),
                        "mask_rle": rle_encode(o.mask)})
    return {"frame_index": index, "timestamp_s": float(timestamp_s), "width": w, "height": h,
            "condition": frame.condition, "captions": list(frame.captions), "objects": objects}


def iter_clip_frames(seconds: float, fps: float, seed: int, size: tuple[int, int],
                     condition: str | None = None) -> Iterator[tuple[int, float, Frame]]:
    """(index, timestamp, frame) lazily, so callers can stream arbitrarily long clips."""
    if seconds <= 0 or fps <= 0:
        raise ValueError(f"seconds and fps must be positive, got seconds={seconds}, fps={fps}")
    world = World(seed, size, condition)
    n = max(1, round(seconds * fps))
    for i in range(n):
        ts = i / fps
        yield i, ts, world.frame(CLIP_START_S + ts)


def write_clip(out: Path, seconds: float, fps: float, seed: int,
               size: tuple[int, int] = (640, 360), condition: str | None = None,
               crf: int = 23) -> Path:
    """Render, encode (H.264, yuv420p) and write `out` plus `out.with_suffix('.parquet')`."""
    import av

    out = Path(out)
    width, height = size
    parse_size(f"{width}x{height}")  # same validation and messages as the CLI
    if out.suffix.lower() != ".mp4":
        raise ValueError(f"output {str(out)!r} must end in .mp4")
    out.parent.mkdir(parents=True, exist_ok=True)
    sidecar = out.with_suffix(".parquet")
    rate = Fraction(fps).limit_denominator(1001)
    rows: list[dict] = []
    with av.open(str(out), mode="w") as container, \
            pq.ParquetWriter(str(sidecar), SIDECAR_SCHEMA, compression="zstd") as writer:
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": str(crf), "preset": "veryfast"}
        for i, ts, frame in iter_clip_frames(seconds, fps, seed, (width, height), condition):
            vf = av.VideoFrame.from_ndarray(frame.image, format="rgb24")
            for packet in stream.encode(vf):
                container.mux(packet)
            rows.append(frame_record(frame, i, ts))
            if len(rows) >= ROW_GROUP_FRAMES:
                writer.write_table(pa.Table.from_pylist(rows, schema=SIDECAR_SCHEMA))
                rows.clear()
        for packet in stream.encode():
            container.mux(packet)
        if rows:
            writer.write_table(pa.Table.from_pylist(rows, schema=SIDECAR_SCHEMA))
    return out


def read_sidecar(path: Path | str) -> pa.Table:
    """The ground-truth table written beside a clip."""
    p = Path(path)
    if p.suffix.lower() == ".mp4":
        p = p.with_suffix(".parquet")
    if not p.is_file():
        raise FileNotFoundError(f"ground-truth sidecar {p} does not exist")
    return pq.read_table(p)


def sidecar_masks(row: dict) -> list[tuple[dict, np.ndarray]]:
    """Decode one sidecar row (as from `table.to_pylist()`) into (object, mask) pairs."""
    shape = (int(row["height"]), int(row["width"]))
    return [(o, rle_decode(o["mask_rle"], shape)) for o in row["objects"]]
