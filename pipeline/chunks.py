"""Cutting a video into chunks: the unit of work, retry and resume.

Ray Data counts retries, checkpoints and errors per block, so a chunk is made one block: a
failure then costs one chunk, not a whole file, and a finished chunk is never redone. Chunks
start on keyframes where the video allows it, so each one decodes independently and the
per-chunk video segments join by remuxing, without re-encoding.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

from drivexplain.pipeline.sources.decode import VideoIndex


@dataclass(frozen=True)
class Chunk:
    """Frames [start, stop) of one video; `sampled` are the ones the model sees.

    It carries its slice of the video index (timestamps) and the stream facts a worker needs,
    so no worker has to index the whole file again.
    """

    video_id: str
    uri: str
    chunk_index: int
    num_chunks: int
    start: int
    stop: int
    sampled: tuple[int, ...]
    pts: tuple[int, ...]
    first_pts: int
    time_base: str
    rate: str | None
    width: int
    height: int
    # Which of the file's video streams (pipeline.sources.decode.VideoIndex.stream).
    stream: int = 0
    # What reads it (pipeline.sources.formats: video, images, elementary, mcap, rosbag) and,
    # for a robot log, which camera topic.
    kind: str = "video"
    topic: str = ""
    # Decoding starts at frame `key_start` (the keyframe at or before `start`); `locators`
    # say where frames key_start..stop-1 lie in the source (VideoIndex.locators).
    key_start: int = 0
    locators: tuple[str, ...] = ()


    @property
    def tb(self) -> Fraction:
        return Fraction(self.time_base)

    @property
    def frame_rate(self) -> Fraction | None:
        return Fraction(self.rate) if self.rate else None

    def pts_of(self, index: int) -> int:
        return self.pts[index - self.start]

    def timestamp(self, index: int) -> float:
        return float((self.pts_of(index) - self.first_pts) * self.tb)

    def to_dict(self) -> dict[str, Any]:
        row = asdict(self)
        row["sampled"] = list(self.sampled)
        row["pts"] = list(self.pts)
        row["locators"] = list(self.locators)
        return row

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> Chunk:
        data = dict(row)
        data["sampled"] = tuple(int(i) for i in data["sampled"])
        data["pts"] = tuple(int(i) for i in data["pts"])
        data["locators"] = tuple(str(s) for s in data.get("locators") or ())
        return cls(**data)


def plan_chunks(
    video_id: str,
    uri: str,
    index: VideoIndex,
    sampled: list[int],
    chunk_frames: int,
    max_factor: int = 2,
    kind: str = "video",
    topic: str = "",
    first_chunk_frames: int = 0,
) -> list[Chunk]:
    """Keyframe-aligned chunks of at least `chunk_frames` frames.

    A chunk ends at the first keyframe after it has `chunk_frames` frames. A video with sparse
    keyframes (long GOPs) would make huge chunks, so one is also cut after
    `max_factor * chunk_frames` frames even off a keyframe; decoding then seeks back to the
    previous keyframe, which costs time but stays exact.

    With `first_chunk_frames` > 0 the first chunk ends, keyframe or not, once it holds that many
    sampled frames (if the usual cut is not earlier): a run's first rows are written after one
    model batch instead of a whole chunk, which is most of the time to the first processed
    frame on CPU. The cut is exact for the same reason as the long-GOP one.
    """
    first_stop = (sampled[first_chunk_frames]
                  if 0 < first_chunk_frames < len(sampled) else None)
    bounds = [0]
    for i in range(1, index.num_frames):
        length = i - bounds[-1]
        if ((index.keyframes[i] and length >= chunk_frames) or length >= max_factor * chunk_frames
                or (i == first_stop and len(bounds) == 1)):
            bounds.append(i)
    bounds.append(index.num_frames)
    spans = list(itertools.pairwise(bounds))
    chunks = []
    cursor = 0
    key = 0
    for n, (start, stop) in enumerate(spans):
        key = next(i for i in range(start, key - 1, -1) if i == 0 or index.keyframes[i])
        picked = []
        while cursor < len(sampled) and sampled[cursor] < stop:
            picked.append(sampled[cursor])
            cursor += 1
        chunks.append(
            Chunk(
                video_id=video_id,
                uri=uri,
                chunk_index=n,
                num_chunks=len(spans),
                start=start,
                stop=stop,
                sampled=tuple(picked),
                pts=index.pts[start:stop],
                first_pts=index.pts[0],
                time_base=str(index.time_base),
                rate=str(index.average_rate) if index.average_rate else None,
                width=index.width,
                height=index.height,
                stream=index.stream,
                kind=kind,
                topic=topic,
                key_start=key,
                locators=index.locators[key:stop] if index.locators else (),
            )
        )
    return chunks
