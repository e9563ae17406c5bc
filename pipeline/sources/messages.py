"""Camera messages of robot logs (MCAP, ROS bags) as RGB frames.

The logs' own libraries decode the serialised messages (ROS 2 CDR, ROS 1, protobuf, JSON);
this module only reads the image fields they share: ROS `sensor_msgs/Image` and
`CompressedImage`, Foxglove `CompressedImage` and `RawImage`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from drivexplain.pipeline.chunks import Chunk
from drivexplain.pipeline.sources.base import (
    DecodedFrame,
    Frames,
    VideoError,
    VideoIndex,
    resize_rgb,
)

MICROSECONDS = Fraction(1, 1_000_000)

# Schema name -> whether the image is compressed (JPEG/PNG bytes) or raw pixels.
IMAGE_SCHEMAS = {
    "sensor_msgs/msg/CompressedImage": True,
    "sensor_msgs/CompressedImage": True,
    "foxglove.CompressedImage": True,
    "sensor_msgs/msg/Image": False,
    "sensor_msgs/Image": False,
    "foxglove.RawImage": False,
}

_CHANNELS = {"rgb8": 3, "bgr8": 3, "rgba8": 4, "bgra8": 4, "mono8": 1, "8UC1": 1,
             "8UC3": 3, "mono16": 1, "16UC1": 1}
_BAYER = {"bayer_rggb8": "COLOR_BayerRG2RGB", "bayer_bggr8": "COLOR_BayerBG2RGB",
          "bayer_gbrg8": "COLOR_BayerGB2RGB", "bayer_grbg8": "COLOR_BayerGR2RGB"}


@dataclass(frozen=True)
class CameraImage:
    """The image fields of one camera message, whatever its schema."""

    stamp_ns: int | None
    compressed: bool
    data: bytes
    format: str = ""
    width: int = 0
    height: int = 0
    encoding: str = ""
    step: int = 0
    bigendian: bool = False


def _get(message: Any, name: str, default: Any = None) -> Any:
    if isinstance(message, dict):
        return message.get(name, default)
    return getattr(message, name, default)


def _stamp_ns(message: Any) -> int | None:
    header = _get(message, "header")
    stamp = _get(header, "stamp") if header is not None else _get(message, "timestamp")
    if stamp is None:
        return None
    sec = _get(stamp, "sec", _get(stamp, "seconds", 0)) or 0
    nsec = _get(stamp, "nanosec", _get(stamp, "nsec", _get(stamp, "nanos", 0))) or 0
    return int(sec) * 1_000_000_000 + int(nsec)


def _bytes(value: Any, json_message: bool) -> bytes:
    if isinstance(value, str) and json_message:  # Foxglove JSON carries bytes as base64
        return base64.b64decode(value)
    if isinstance(value, np.ndarray):
        return value.tobytes()
    return bytes(value)


def camera_image(message: Any, schema_name: str) -> CameraImage:
    """Read the image fields of a decoded message (an object, or a dict from JSON)."""
    compressed = IMAGE_SCHEMAS[schema_name]
    data = _bytes(_get(message, "data", b""), isinstance(message, dict))
    if compressed:
        return CameraImage(_stamp_ns(message), True, data, str(_get(message, "format", "")))
    return CameraImage(
        _stamp_ns(message), False, data, width=int(_get(message, "width", 0)),
        height=int(_get(message, "height", 0)), encoding=str(_get(message, "encoding", "")),
        step=int(_get(message, "step", 0)), bigendian=bool(_get(message, "is_bigendian", False)),
    )


def to_rgb(image: CameraImage) -> np.ndarray:
    """HxWx3 uint8 RGB; ValueError with the reason when the image cannot be read."""
    import cv2

    if image.compressed:
        decoded = cv2.imdecode(np.frombuffer(image.data, np.uint8), cv2.IMREAD_COLOR)
        if decoded is None:
            raise ValueError(f"compressed image ({image.format or 'unknown format'}) could "
                             "not be decoded")
        return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)
    encoding, w, h = image.encoding, image.width, image.height
    if encoding in _BAYER:
        channels, dtype = 1, np.dtype(np.uint8)
    elif encoding in _CHANNELS:
        channels = _CHANNELS[encoding]
        dtype = np.dtype(">u2" if image.bigendian else "<u2") if "16" in encoding \
            else np.dtype(np.uint8)
    else:
        raise ValueError(f"image encoding {encoding!r} is not supported")
    row = w * channels * dtype.itemsize
    step = image.step or row
    if w <= 0 or h <= 0 or step < row or len(image.data) < step * h:
        raise ValueError(f"raw image of {w}x{h} {encoding} holds {len(image.data)} bytes, "
                         f"fewer than it needs")
    rows = np.frombuffer(image.data, np.uint8, count=step * h).reshape(h, step)[:, :row]
    pixels = np.ascontiguousarray(rows).view(dtype).reshape(h, w, channels)
    if dtype.itemsize == 2:  # 16-bit mono: scale the used range to 8 bits
        top = max(1, int(pixels.max()))
        pixels = (pixels.astype(np.float32) * (255.0 / top)).astype(np.uint8)
    if encoding in _BAYER:
        return cv2.cvtColor(pixels[:, :, 0], getattr(cv2, _BAYER[encoding]))
    if channels == 1:
        return np.repeat(pixels, 3, axis=2)
    if encoding.startswith("bgr"):
        pixels = pixels[:, :, 2::-1]
    return np.ascontiguousarray(pixels[:, :, :3])


# ----------------------------------------------------------------------------- logs as videos
# A record of a camera topic: its log time (ns) and how to decode it (decoding is deferred,
# so an index by log time never deserialises an image).
Record = tuple[int, Callable[[], CameraImage]]


def index_records(records: Iterable[Record], clock: str, what: str) -> VideoIndex:
    """The topic as a video: frames ordered by `clock` (log_time or header_stamp), times in
    microseconds from the first frame, located again by their log times.

    `what` names the topic's messages in errors ("messages", "bag messages").
    """
    stamped: list[tuple[int, int]] = []
    first: CameraImage | None = None
    for log_time, decode in records:
        image = decode() if first is None or clock == "header_stamp" else None
        if image is not None and first is None:
            first = image
        if clock == "header_stamp":
            assert image is not None
            if image.stamp_ns is None:
                raise VideoError(f"{what} have no header stamp; set input.mcap_timestamp: "
                                 "log_time")
            stamped.append((image.stamp_ns, log_time))
        else:
            stamped.append((log_time, log_time))
    if first is None:
        raise VideoError(f"zero frames: the topic holds no {what}")
    try:
        sample = to_rgb(first)
    except ValueError as err:
        raise VideoError(f"its first image cannot be read: {err}") from None
    stamped.sort()
    origin = stamped[0][0]
    pts = [(t - origin) // 1000 for t, _ in stamped]
    for n in range(1, len(pts)):
        if pts[n] == pts[n - 1]:
            raise VideoError(f"two {what} share the time {stamped[n][0]} ns ({clock}); "
                             "a video needs distinct frame times")
    span = pts[-1]
    rate = (Fraction(len(pts) - 1) / (span * MICROSECONDS)).limit_denominator(1001) \
        if span else None
    return VideoIndex(
        pts=tuple(pts), keyframes=(True,) * len(pts), time_base=MICROSECONDS,
        width=int(sample.shape[1]), height=int(sample.shape[0]), average_rate=rate,
        codec="compressed images" if first.compressed else f"raw images ({first.encoding})",
        locators=tuple(str(log_time) for _, log_time in stamped),
        timing=f"{'header stamps' if clock == 'header_stamp' else 'log times'}; first frame "
               f"at {origin} ns",
    )


def log_time_range(chunk: Chunk) -> tuple[int, int]:
    """[first, last] log time of the chunk's messages, for the log's own time index."""
    times = [int(t) for t in chunk.locators]
    return min(times), max(times)


def records_to_frames(chunk: Chunk, records: Iterable[Record], wanted: set[int] | None,
                      size: tuple[int, int] | None) -> Frames:
    """The chunk's frames from its topic's records in its log-time range."""
    where: dict[int, list[int]] = {}
    for i, locator in zip(range(chunk.key_start, chunk.stop), chunk.locators, strict=True):
        if i >= chunk.start:
            where.setdefault(int(locator), []).append(i)
    seen: set[int] = set()
    for log_time, decode in records:
        slots = where.get(log_time)
        if not slots:
            continue
        i = slots.pop(0)
        seen.add(i)
        pts = chunk.pts_of(i)
        if wanted is not None and i not in wanted:
            yield DecodedFrame(i, pts, np.empty((0, 0, 3), np.uint8))
            continue
        try:
            image = to_rgb(decode())
        except Exception as err:  # a bad message is that frame's error row
            yield (i, f"message at {log_time} ns could not be decoded "
                      f"({type(err).__name__}: {err})")
            continue
        if (image.shape[1], image.shape[0]) != (chunk.width, chunk.height):
            yield (i, f"message at {log_time} ns is {image.shape[1]}x{image.shape[0]}, the "
                      f"topic's first image {chunk.width}x{chunk.height}")
            continue
        yield DecodedFrame(i, pts, resize_rgb(image, size))
    for i in range(chunk.start, chunk.stop):
        if i not in seen:
            yield (i, "message missing from the log")
