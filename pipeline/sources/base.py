"""What every input reader shares: the input, its frame index, a decoded frame, the error.

Readers (`decode` for containers, `images`, `elementary`, `mcap`, `rosbag`) and the entry
points over them (`formats`) import these from here, so no reader depends on another.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import IO

import numpy as np

VIDEO_SUFFIXES = frozenset(
    {".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".ts", ".mts", ".flv"}
)
# Raw H.264/HEVC elementary streams: no container, no timestamps (pipeline.sources.elementary).
ELEMENTARY_SUFFIXES = frozenset({".h264", ".264", ".h265", ".265", ".hevc"})
# Robot logs: one video per camera topic (pipeline.sources.mcap, pipeline.sources.rosbag).
LOG_SUFFIXES = frozenset({".mcap", ".bag"})
# A folder that directly holds these is one image sequence (pipeline.sources.images).
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
INPUT_SUFFIXES = VIDEO_SUFFIXES | ELEMENTARY_SUFFIXES | LOG_SUFFIXES
_URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


@dataclass(frozen=True)
class VideoInput:
    """One input video: `uri` is what the user gave (resolved), `video_id` its safe output
    name. `kind` says which reader takes it (`input_kind`); a robot log gives one input per
    camera `topic`."""

    uri: str
    video_id: str
    kind: str = "video"
    topic: str | None = None

    @property
    def name(self) -> str:
        file = self.uri.rstrip("/").rsplit("/", 1)[-1]
        return f"{file}:{self.topic}" if self.topic else file


class VideoError(Exception):
    """An input cannot be processed; the message is the reason shown in logs and the report."""


@dataclass(frozen=True)
class VideoIndex:
    """Every frame of a video in presentation order, from its packets."""

    pts: tuple[int, ...]
    keyframes: tuple[bool, ...]
    time_base: Fraction
    width: int
    height: int
    average_rate: Fraction | None
    codec: str
    # Which of the file's video streams this is (0 = the first), and how many it has.
    stream: int = 0
    video_streams: int = 1
    # Where each frame lies in a source that is not a container, in that source's own terms
    # (pipeline.sources.formats): a file name, a message's log time, a packet's byte offset.
    locators: tuple[str, ...] = ()
    # Where the timestamps came from, and whether they were made up from --fps.
    timing: str = "container timestamps"
    synthesised: bool = False

    @property
    def num_frames(self) -> int:
        return len(self.pts)

    def timestamp(self, index: int) -> float:
        """Seconds since the first frame, from the real timestamps (so VFR stays exact)."""
        return float((self.pts[index] - self.pts[0]) * self.time_base)

    @property
    def duration(self) -> float:
        if self.num_frames < 2:
            return 0.0
        step = self.timestamp(-1) / (self.num_frames - 1)
        return self.timestamp(-1) + step


@dataclass
class DecodedFrame:
    index: int
    pts: int
    image: np.ndarray  # HxWx3 uint8 RGB


def resize_rgb(image: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    """An RGB frame at `size` (w, h), for readers that decode to arrays rather than through
    FFmpeg's scaler; area averaging, as a shrink to model size wants."""
    if size is None or (image.shape[1], image.shape[0]) == size:
        return np.ascontiguousarray(image)
    import cv2

    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


Frames = Iterator[DecodedFrame | tuple[int, str]]


@dataclass(frozen=True)
class SourceSettings:
    """What the run says about reading its inputs (`--stream`, `--fps`, `input.*`)."""

    stream: int | None = None
    fps: float | None = None
    mcap_timestamp: str = "log_time"


def describe_error(err: BaseException) -> str:
    """A library's exception as 'Type: message', the tail of every reader's one-sentence error."""
    return f"{type(err).__name__}: {str(err).strip() or type(err).__name__}"


def is_uri(text: str) -> bool:
    """A filesystem URI (s3://, gs://, file://...): read through pyarrow, not the local OS."""
    return bool(_URI.match(text))


def open_binary(uri: str) -> IO[bytes] | str:
    """What `av.open` should be given: a local path, or a pyarrow file for a remote URI."""
    if not is_uri(uri):
        return uri
    from pyarrow import fs

    filesystem, path = fs.FileSystem.from_uri(uri)
    return filesystem.open_input_file(path)
