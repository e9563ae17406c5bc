"""Raw H.264/HEVC elementary streams (`.h264`, `.hevc`, openpilot's `fcamera.hevc`).

Such a stream has no container, so its packets carry no timestamps: frame i is at i / fps
(`--fps`, recorded as synthesised). It has no seek index either. One demux pass (FFmpeg's
parser, no decoding) finds every packet's byte offset, and the NAL unit types at the start
of each packet say which ones a decoder can start from: an IDR picture that carries its own
parameter sets (SPS/PPS, and VPS for HEVC). Decoding from such a packet yields frames in
presentation order starting at that packet's position, because an IDR closes its group of
pictures; an open-GOP keyframe (HEVC CRA, H.264 recovery point) does not, so it is not used
as a chunk start and a chunk past it decodes from the IDR before it. Each chunk opens the
file at its keyframe's byte offset.
"""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path
from typing import IO

import av
import numpy as np

from drivexplain.pipeline.chunks import Chunk
from drivexplain.pipeline.sources.base import (
    DecodedFrame,
    Frames,
    SourceSettings,
    VideoError,
    VideoIndex,
    VideoInput,
    describe_error,
    open_binary,
)

_H264_IDR, _H264_PARAMS = {5}, {7, 8}
_HEVC_IDR, _HEVC_PARAMS = {19, 20}, {32, 33, 34}


def stream_format(uri: str) -> str:
    """FFmpeg's raw demuxer for the file name: h264 or hevc."""
    return "h264" if Path(uri.rstrip("/")).suffix.lower() in (".h264", ".264") else "hevc"


def nal_types(data: bytes, fmt: str) -> list[int]:
    """The NAL unit types of an Annex B packet, in order."""
    types, at = [], 0
    while True:
        at = data.find(b"\x00\x00\x01", at)
        if at < 0 or at + 3 >= len(data):
            return types
        header = data[at + 3]
        types.append(header & 0x1F if fmt == "h264" else (header >> 1) & 0x3F)
        at += 3


def starts_decoding(data: bytes, fmt: str) -> bool:
    """Whether a decoder can start at this packet: a self-contained IDR."""
    types = set(nal_types(data, fmt))
    idr, params = (_H264_IDR, _H264_PARAMS) if fmt == "h264" else (_HEVC_IDR, _HEVC_PARAMS)
    return bool(types & idr) and params <= types



def index(source: VideoInput, settings: SourceSettings) -> VideoIndex:
    if settings.fps is None:
        raise VideoError("is a raw H.264/HEVC stream, which carries no timestamps; give --fps")
    fmt = stream_format(source.uri)
    try:
        container = av.open(open_binary(source.uri), mode="r", format=fmt)
    except FileNotFoundError:
        raise VideoError("file not found") from None
    except Exception as err:
        raise VideoError(
            f"not a readable raw {fmt.upper()} stream ({describe_error(err)})") from None
    try:
        if not container.streams.video:
            raise VideoError(f"not a raw {fmt.upper()} stream: no video found")
        stream = container.streams.video[0]
        offsets: list[int] = []
        keys: list[bool] = []
        try:
            for packet in container.demux(stream):
                if packet.size == 0:
                    continue
                if packet.pos is None:
                    raise VideoError("the parser gives a packet no byte offset")
                offsets.append(int(packet.pos))
                keys.append(not keys or starts_decoding(bytes(packet), fmt))
        except VideoError:
            raise
        except Exception as err:
            raise VideoError(f"truncated or corrupt after {len(offsets)} packets "
                             f"({describe_error(err)})") from None
        ctx = stream.codec_context
        if not offsets:
            raise VideoError("zero frames: the stream holds no packets")
        if not ctx.width or not ctx.height:
            raise VideoError(f"not a raw {fmt.upper()} stream: no frame size in its headers")
        rate = Fraction(settings.fps).limit_denominator(1001)
        return VideoIndex(
            pts=tuple(range(len(offsets))), keyframes=tuple(keys), time_base=1 / rate,
            width=int(ctx.width), height=int(ctx.height), average_rate=rate,
            codec=str(ctx.name), locators=tuple(str(o) for o in offsets),
            timing=f"synthesised from --fps {settings.fps:g}", synthesised=True,
        )
    finally:
        container.close()


class _Tail(io.RawIOBase):
    """A read-only view of a file from byte `start` on, as if it began there."""

    def __init__(self, handle: IO[bytes], start: int) -> None:
        self._handle, self._start = handle, start
        handle.seek(start)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        data = self._handle.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            self._handle.seek(self._start + offset)
        elif whence == io.SEEK_CUR:
            self._handle.seek(offset, io.SEEK_CUR)
        else:
            self._handle.seek(offset, io.SEEK_END)
        return self.tell()

    def tell(self) -> int:
        return self._handle.tell() - self._start

    def close(self) -> None:
        self._handle.close()
        super().close()


def _open(uri: str) -> IO[bytes]:
    target = open_binary(uri)
    return open(target, "rb") if isinstance(target, str) else target


def frames(chunk: Chunk, wanted: set[int] | None, size: tuple[int, int] | None,
           threads: bool) -> Frames:
    fmt = stream_format(chunk.uri)
    seen: set[int] = set()
    last_error = "frame missing from the decoder output"
    tail = _Tail(_open(chunk.uri), int(chunk.locators[0]))
    try:
        container = av.open(tail, mode="r", format=fmt)
        try:
            stream = container.streams.video[0]
            if threads:
                stream.thread_type = "AUTO"
            position = chunk.key_start
            for packet in container.demux(stream):
                try:
                    decoded = packet.decode()
                except av.error.FFmpegError as err:
                    last_error = f"packet could not be decoded ({describe_error(err)})"
                    continue
                for frame in decoded:
                    i, position = position, position + 1
                    if i < chunk.start:
                        continue
                    if i >= chunk.stop:
                        break
                    seen.add(i)
                    pts = chunk.pts_of(i)
                    if wanted is not None and i not in wanted:
                        yield DecodedFrame(i, pts, np.empty((0, 0, 3), np.uint8))
                    elif size is not None:
                        yield DecodedFrame(i, pts, frame.to_ndarray(
                            format="rgb24", width=size[0], height=size[1]))
                    else:
                        yield DecodedFrame(i, pts, frame.to_ndarray(format="rgb24"))
                if position >= chunk.stop:
                    break
        finally:
            container.close()
    finally:
        tail.close()
    for i in range(chunk.start, chunk.stop):
        if i not in seen:
            yield (i, last_error)
