"""Reading video with PyAV: indexing, sampling and chunk decoding.

The pipeline never trusts a container's frame count or nominal frame rate. It indexes the
packets once (demuxing without decoding is cheap) to learn every frame's presentation
timestamp and where the keyframes are. That index is what makes variable-frame-rate video,
B-frame reordering, fps sampling and keyframe-aligned chunks all exact, and it is how a
truncated file is caught before any work is spent on it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from fractions import Fraction

import av
import numpy as np

from drivexplain.pipeline.sources.base import (
    DecodedFrame,
    VideoError,
    VideoIndex,
    describe_error,
    open_binary,
    resize_rgb,
)

# The shared records are re-exported: callers read them as the container reader's.
__all__ = ["DecodedFrame", "VideoError", "VideoIndex", "count_video_streams", "index_video",
           "iter_chunk_frames", "no_such_stream", "resize_rgb", "sample_frames",
           "transport_size"]



def count_video_streams(uri: str) -> int | None:
    """How many video streams the file has; None when it cannot be opened (said later)."""
    try:
        container = av.open(open_binary(uri), mode="r")
    except Exception:
        return None
    try:
        return len(container.streams.video)
    finally:
        container.close()


def no_such_stream(stream: int, count: int) -> str:
    have = "no video stream" if count == 0 else (
        "1 video stream (0)" if count == 1 else f"{count} video streams (0 to {count - 1})")
    return f"has no video stream {stream}: it has {have}"


def index_video(uri: str, stream_index: int | None = None) -> VideoIndex:
    """Demux (not decode) every packet of one video stream; raise VideoError if unusable.

    `stream_index` counts the file's video streams from 0; None is the first one.
    """
    try:
        container = av.open(open_binary(uri), mode="r")
    except FileNotFoundError:
        raise VideoError("file not found") from None
    except Exception as err:  # PyAV raises many types; every one means "not readable video"
        raise VideoError(f"not a readable video container ({describe_error(err)})") from None
    try:
        if not container.streams.video:
            raise VideoError("no video stream (zero frames or not a video)")
        count = len(container.streams.video)
        chosen = 0 if stream_index is None else stream_index
        if not 0 <= chosen < count:
            raise VideoError(no_such_stream(chosen, count))
        stream = container.streams.video[chosen]
        expected = stream.frames or 0
        rows: list[tuple[int, bool]] = []
        try:
            for packet in container.demux(stream):
                if packet.size == 0:
                    continue  # flush packet
                stamp = packet.pts if packet.pts is not None else packet.dts
                if stamp is None:
                    raise VideoError("packets carry no timestamps; remux the file first")
                rows.append((int(stamp), bool(packet.is_keyframe)))
        except VideoError:
            raise
        except Exception as err:
            raise VideoError(
                f"truncated or corrupt after {len(rows)} packets ({describe_error(err)})"
            ) from None
        if not rows:
            raise VideoError("zero frames: the video stream holds no packets")
        if expected and len(rows) < expected:
            raise VideoError(
                f"truncated: the container lists {expected} frames but only {len(rows)} "
                "packets can be read"
            )
        rows.sort()
        pts = tuple(r[0] for r in rows)
        if len(set(pts)) != len(pts):
            raise VideoError("duplicate presentation timestamps; remux the file first")
        if stream.time_base is None:
            raise VideoError("video stream has no time base")
        ctx = stream.codec_context
        if not ctx.width or not ctx.height:
            raise VideoError("video stream has no frame size")
        return VideoIndex(
            pts=pts,
            keyframes=tuple(r[1] for r in rows),
            time_base=Fraction(stream.time_base),
            width=int(ctx.width),
            height=int(ctx.height),
            average_rate=Fraction(stream.average_rate) if stream.average_rate else None,
            codec=str(ctx.name),
            stream=chosen,
            video_streams=count,
        )
    finally:
        container.close()


def sample_frames(index: VideoIndex, stride: int = 1, sample_fps: float | None = None) -> list[int]:
    """Which frames the model sees.

    With `sample_fps`, a frame is kept when it is the first one at or after each 1/fps tick of
    real time, so a VFR clip is sampled evenly in time rather than in frame count.
    """
    if sample_fps is None:
        return list(range(0, index.num_frames, stride))
    kept: list[int] = []
    last_bucket = -1
    for i in range(index.num_frames):
        bucket = math.floor(index.timestamp(i) * sample_fps + 1e-6)
        if bucket > last_bucket:
            kept.append(i)
            last_bucket = bucket
    return kept


def transport_size(width: int, height: int, short_side: int | None) -> tuple[int, int]:
    """(w, h) for frames that travel through Ray: the shorter side scaled down to `short_side`.

    Only model-sized frames go through the object store; the writer decodes the original
    again, so a 1080p minute costs megabytes there instead of gigabytes.
    """
    if short_side is None or min(width, height) <= short_side:
        return width - width % 2, height - height % 2
    scale = short_side / min(width, height)
    w = max(2, round(width * scale / 2) * 2)
    h = max(2, round(height * scale / 2) * 2)
    return w, h


def iter_chunk_frames(
    uri: str,
    pts: Sequence[int],
    first_index: int,
    wanted: set[int] | None = None,
    size: tuple[int, int] | None = None,
    threads: bool = True,
    stream_index: int = 0,
) -> Iterator[DecodedFrame | tuple[int, str]]:
    """Decode the frames whose presentation timestamps are `pts` (sorted, consecutive).

    `first_index` is the video frame index of `pts[0]`. Seeks to the keyframe at or before the
    first frame, so a chunk that does not begin on a keyframe is still exact. A packet that
    fails to decode is skipped; any expected frame that never comes out is yielded as
    (index, reason) so the caller can write an error row for it. `wanted` limits which frames
    are converted to arrays (the rest are only stepped over and yielded with an empty image).
    `stream_index` is which of the file's video streams, as `index_video` was given it.
    """
    position = {p: i for i, p in enumerate(pts, first_index)}
    first_pts, last_pts = pts[0], pts[-1]
    seen: set[int] = set()
    last_error = "frame missing from the decoder output"
    container = av.open(open_binary(uri), mode="r")
    try:
        stream = container.streams.video[stream_index]
        if threads:
            stream.thread_type = "AUTO"
        if first_index > 0:
            container.seek(first_pts, stream=stream, backward=True, any_frame=False)
        done = False
        for packet in container.demux(stream):
            try:
                decoded = packet.decode()
            except av.error.FFmpegError as err:
                last_error = f"packet could not be decoded ({describe_error(err)})"
                continue
            for frame in decoded:
                stamp = frame.pts
                if stamp is None or stamp < first_pts:
                    continue
                if stamp > last_pts:
                    done = True
                    break
                i = position.get(stamp)
                if i is None or i in seen:
                    continue
                seen.add(i)
                if wanted is not None and i not in wanted:
                    yield DecodedFrame(i, stamp, np.empty((0, 0, 3), np.uint8))
                    continue
                if size is not None:
                    image = frame.to_ndarray(format="rgb24", width=size[0], height=size[1])
                else:
                    image = frame.to_ndarray(format="rgb24")
                yield DecodedFrame(i, stamp, image)
            if done:
                break
    finally:
        container.close()
    for i in range(first_index, first_index + len(pts)):
        if i not in seen:
            yield (i, last_error)
