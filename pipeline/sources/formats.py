"""One reader per input format family, behind the two calls the pipeline makes.

    index_source(input, settings) -> VideoIndex   (driver: timestamps, keyframes, size)
    read_chunk(chunk, wanted, size) -> frames      (decode and write stages)

A reader module (`decode` for containers, `images`, `elementary`, `mcap`, `rosbag`) has an
`index` and a `frames` function with these signatures. Whatever a format needs to find a frame
again (a file name, a message's log time, a packet's byte offset) travels in the index's and
the chunk's `locators`, so every format gets the same keyframe-aligned chunks, retries and
resume as video.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from drivexplain.pipeline.chunks import Chunk
from drivexplain.pipeline.sources.base import (
    Frames,
    SourceSettings,
    VideoError,
    VideoIndex,
    VideoInput,
)
from drivexplain.pipeline.sources.decode import index_video, iter_chunk_frames


class FrameReader(Protocol):
    def index(self, source: VideoInput, settings: SourceSettings) -> VideoIndex: ...

    def frames(self, chunk: Chunk, wanted: set[int] | None, size: tuple[int, int] | None,
               threads: bool) -> Frames: ...


class _Containers:
    """MP4, MKV, MOV, TS...: PyAV demuxes them with their own timestamps (`decode`)."""

    def index(self, source: VideoInput, settings: SourceSettings) -> VideoIndex:
        return index_video(source.uri, settings.stream)

    def frames(self, chunk: Chunk, wanted: set[int] | None, size: tuple[int, int] | None,
               threads: bool) -> Frames:
        return iter_chunk_frames(chunk.uri, chunk.pts, chunk.start, wanted, size, threads,
                                 stream_index=chunk.stream)


_MODULES = {"images": "images", "elementary": "elementary", "mcap": "mcap",
            "rosbag": "rosbag"}


def reader_for(kind: str) -> FrameReader:
    if kind == "video":
        return _Containers()
    if kind not in _MODULES:
        raise ValueError(f"unknown input kind {kind!r}")
    return importlib.import_module(  # type: ignore[return-value]
        f"drivexplain.pipeline.sources.{_MODULES[kind]}")


def index_source(source: VideoInput, settings: SourceSettings) -> VideoIndex:
    """Every frame of one input in presentation order; raises VideoError if unusable."""
    return reader_for(source.kind).index(source, settings)


def read_chunk(chunk: Chunk, wanted: set[int] | None = None,
               size: tuple[int, int] | None = None, threads: bool = True) -> Frames:
    """The chunk's frames in order, or (index, reason) for each that cannot be had.

    Frames not in `wanted` come with an empty image (stepped over, not converted).
    """
    return reader_for(chunk.kind).frames(chunk, wanted, size, threads)


def camera_topics(uri: str, kind: str) -> list[str]:
    """The image topics of a robot log, in the log's channel order; VideoError if unreadable."""
    module = importlib.import_module(f"drivexplain.pipeline.sources.{_MODULES[kind]}")
    return module.camera_topics(uri)


def needs_fps(source: VideoInput) -> str | None:
    """Why this input cannot be timed without --fps, or None when it can."""
    if source.kind == "elementary":
        return "is a raw H.264/HEVC stream, which carries no timestamps"
    if source.kind == "images":
        from drivexplain.pipeline.sources.images import timing_source

        try:
            if timing_source(source.uri) is None:
                return ("is an image folder with no timestamps.txt or timestamps.csv and no "
                        "nuScenes-style microsecond file names")
        except VideoError:
            return None  # said when the folder is indexed
    return None


def span_chunk(source: VideoInput, index: VideoIndex, start: int, stop: int) -> Chunk:
    """A chunk of frames [start, stop) of any input, for readers outside the run (render,
    export): `read_chunk` on it decodes from the keyframe at or before `start`."""
    key = next(i for i in range(start, -1, -1) if i == 0 or index.keyframes[i])
    return Chunk(
        video_id=source.video_id, uri=source.uri, chunk_index=0, num_chunks=1, start=start,
        stop=stop, sampled=tuple(range(start, stop)), pts=index.pts[start:stop],
        first_pts=index.pts[0], time_base=str(index.time_base),
        rate=str(index.average_rate) if index.average_rate else None, width=index.width,
        height=index.height, stream=index.stream, kind=source.kind, topic=source.topic or "",
        key_start=key, locators=index.locators[key:stop] if index.locators else (),
    )
