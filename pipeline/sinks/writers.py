"""Writing outputs: atomic files, per-chunk video segments, their remux, and the logs.

Every output is written to a temporary name in the same directory and renamed into place, so a
job killed at any moment leaves either the finished file or no file, never a torn one; resume
can then trust whatever it finds.

The overlay video is encoded per chunk (in parallel, streaming, on whichever node ran the
chunk) with the original timestamps and time base, and without B-frames so decode and
presentation order agree. The per-video file is then a remux of the segments in chunk order:
no re-encode, original resolution and frame timing (VFR included) kept.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from drivexplain.pipeline.sinks.records import SCHEMA, to_table


def current_umask() -> int:
    """This process's umask, read without changing it (os.umask sets it, racing threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path beside `final`; rename it over `final` only on success."""
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp" + final.suffix,
                               dir=final.parent)
    try:
        # mkstemp makes the file 0600; the renamed output must read like any file the user
        # creates (0644 under umask 022), e.g. for a web server on shared storage.
        os.fchmod(fd, 0o666 & ~current_umask())
    finally:
        os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, final)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json_atomic(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def write_parquet_atomic(path: Path, table: pa.Table) -> None:
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bytes):  # the kept heatmaps: base64, as JSON has no bytes
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def write_logs(table: pa.Table, parquet_path: Path, jsonl_path: Path) -> None:
    """The same rows as Parquet (for queries) and JSONL (for grep and streaming readers)."""
    write_parquet_atomic(parquet_path, table)
    with atomic_path(jsonl_path) as tmp, tmp.open("w", encoding="utf-8") as handle:
        for row in table.to_pylist():
            handle.write(json.dumps(row, default=_json_default, allow_nan=False) + "\n")


def concat_logs(parts: Sequence[Path]) -> pa.Table:
    """Chunk logs in chunk order, sorted by frame then prompt order within each chunk."""
    tables = [pq.read_table(p, schema=SCHEMA) for p in parts]
    return pa.concat_tables(tables) if tables else to_table([])


# ----------------------------------------------------------------------------- captions
def caption_band(frame: np.ndarray, lines: Sequence[str]) -> np.ndarray:
    """Draw a dark band with caption lines over the bottom of the frame (size unchanged)."""
    if not lines:
        return frame
    h, w = frame.shape[:2]
    lines = [text.encode("ascii", "replace").decode("ascii") for text in lines]
    scale = min(1.0, w / 1600)
    widest = max(cv2.getTextSize(t, cv2.FONT_HERSHEY_SIMPLEX, 1.0, 1)[0][0] for t in lines)
    if widest > 0:
        scale = min(scale, (w - 16) / widest)  # shrink long captions to fit the width
    scale = max(0.3, scale)
    thickness = 1 if scale < 0.7 else 2
    line_h = int(28 * scale) + 4
    band_h = min(h, line_h * len(lines) + 8)
    out = frame.copy()
    band = out[h - band_h :, :]
    band[:] = (band.astype(np.float32) * 0.3).astype(np.uint8)
    for n, text in enumerate(lines):
        y = h - band_h + 4 + line_h * (n + 1) - 6
        cv2.putText(out, text, (8, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255),
                    thickness, cv2.LINE_AA)
    return out


# ----------------------------------------------------------------------------- video segments
class SegmentEncoder:
    """An H.264 MP4 for one chunk, keeping the source's timestamps and time base."""

    def __init__(
        self,
        path: Path,
        width: int,
        height: int,
        time_base: Fraction,
        rate: Fraction | None,
        crf: int,
        preset: str,
    ) -> None:
        self.path = path
        self.time_base = time_base
        self.container = av.open(str(path), mode="w", format="mp4")
        stream = self.container.add_stream("libx264", rate=rate or Fraction(30))
        stream.width, stream.height = width - width % 2, height - height % 2
        stream.pix_fmt = "yuv420p"
        # The encoder must count in the source's time base: the default (1/rate) would round
        # variable-frame-rate timestamps onto a fixed grid.
        stream.codec_context.time_base = time_base
        stream.codec_context.max_b_frames = 0  # dts == pts, so segments remux in order
        stream.options = {"preset": preset, "crf": str(crf)}
        self.stream = stream
        self.frames = 0

    def add(self, image: np.ndarray, pts: int) -> None:
        h, w = self.stream.height, self.stream.width
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image[:h, :w]), format="rgb24")
        frame.pts = pts
        frame.time_base = self.time_base
        for packet in self.stream.encode(frame):
            self.container.mux(packet)
        self.frames += 1

    def close(self) -> None:
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()


def concat_segments(segments: Sequence[Path], out: Path) -> int:
    """Remux segments, in the given order, into one faststart MP4; returns the packet count."""
    if not segments:
        raise ValueError("no segments to join")
    packets = 0
    with atomic_path(out) as tmp:
        output = av.open(str(tmp), mode="w", format="mp4", options={"movflags": "+faststart"})
        try:
            template = av.open(str(segments[0]))
            try:
                src = template.streams.video[0]
                stream = output.add_stream_from_template(src)
                stream.time_base = src.time_base
            finally:
                template.close()
            last_dts: int | None = None
            for segment in segments:
                source = av.open(str(segment))
                try:
                    for packet in source.demux(source.streams.video[0]):
                        if packet.dts is None:
                            continue
                        if last_dts is not None and packet.dts <= last_dts:
                            raise ValueError(f"segment {segment.name} goes back in time")
                        last_dts = packet.dts
                        packet.stream = stream
                        output.mux(packet)
                        packets += 1
                finally:
                    source.close()
        finally:
            output.close()
    return packets
