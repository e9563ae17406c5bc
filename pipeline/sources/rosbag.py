"""ROS 1 bags: each camera topic (`sensor_msgs/Image`, `sensor_msgs/CompressedImage`) is one
video, read with `rosbags` (`pip install drivexplain[mcap]`).

The bag's own index serves both passes, as for MCAP: indexing visits only the topic's
messages (deserialising one image unless header stamps time the frames), and a pipeline chunk
reads only its log-time range. Local files only: `rosbags` opens bags by path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from drivexplain.pipeline.chunks import Chunk
from drivexplain.pipeline.sources.base import (
    Frames,
    SourceSettings,
    VideoError,
    VideoIndex,
    VideoInput,
    describe_error,
    is_uri,
)
from drivexplain.pipeline.sources.messages import (
    IMAGE_SCHEMAS,
    CameraImage,
    Record,
    camera_image,
    index_records,
    log_time_range,
    records_to_frames,
)


class _Bag:
    """An open ROS 1 bag and the typestore that deserialises its messages."""

    def __init__(self, uri: str) -> None:
        if is_uri(uri):
            raise VideoError("ROS bags are read from local files only")
        try:
            from rosbags.rosbag1 import Reader
            from rosbags.typesys import Stores, get_typestore
        except ImportError:
            raise VideoError("reading ROS bags needs the mcap extra: "
                             "pip install 'drivexplain[mcap]'") from None
        if not Path(uri).is_file():
            raise VideoError("file not found")
        self.typestore = get_typestore(Stores.ROS1_NOETIC)
        self.reader = Reader(Path(uri))
        try:
            self.reader.open()
        except Exception as err:  # rosbags raises ReaderError and others for a bad bag
            raise VideoError(f"not a readable ROS 1 bag ({describe_error(err)})") from None

    def close(self) -> None:
        self.reader.close()

    def image_topics(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for connection in self.reader.connections:
            if connection.msgtype in IMAGE_SCHEMAS:
                found.setdefault(connection.topic, connection.msgtype)
        return found

    def records(self, topic: str, first: int | None = None, last: int | None = None
                ) -> Iterator[Record]:
        connections = [c for c in self.reader.connections
                       if c.topic == topic and c.msgtype in IMAGE_SCHEMAS]
        try:
            for connection, log_time, raw in self.reader.messages(
                    connections=connections, start=first,
                    stop=None if last is None else last + 1):
                yield log_time, self._deferred(raw, connection.msgtype)
        except Exception as err:
            raise VideoError(f"truncated or corrupt bag data ({describe_error(err)})") from None

    def _deferred(self, raw: bytes, msgtype: str) -> Callable[[], CameraImage]:
        def decode() -> CameraImage:
            message: Any = self.typestore.deserialize_ros1(raw, msgtype)
            return camera_image(message, msgtype)

        return decode


def camera_topics(uri: str) -> list[str]:
    bag = _Bag(uri)
    try:
        return list(bag.image_topics())
    finally:
        bag.close()


def index(source: VideoInput, settings: SourceSettings) -> VideoIndex:
    bag = _Bag(source.uri)
    try:
        if source.topic is None:
            raise VideoError("holds no camera topic (sensor_msgs/Image or CompressedImage)")
        if source.topic not in bag.image_topics():
            raise VideoError(f"has no image topic {source.topic}")
        return index_records(bag.records(source.topic), settings.mcap_timestamp,
                             "bag messages")
    finally:
        bag.close()


def frames(chunk: Chunk, wanted: set[int] | None, size: tuple[int, int] | None,
           threads: bool) -> Frames:
    bag = _Bag(chunk.uri)
    try:
        first, last = log_time_range(chunk)
        yield from records_to_frames(chunk, bag.records(chunk.topic, first, last), wanted, size)
    finally:
        bag.close()
