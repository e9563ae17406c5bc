"""MCAP logs: each camera topic is one video (ROS 2 `sensor_msgs/msg/CompressedImage` and
`Image`, Foxglove `CompressedImage` and `RawImage`, as CDR, protobuf or JSON).

Read with the `mcap` libraries (`pip install drivexplain[mcap]`) through the file's summary and
chunk index: indexing a topic visits only the chunks that hold it and, with log-time stamps,
deserialises one image; a pipeline chunk reads only the log-time range of its frames. Ray's
`read_mcap` is not used: it turns a whole file into one block of undecoded messages, while the
pipeline's unit is a keyframe-aligned chunk of one topic's frames that can be retried and
resumed on its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import IO, Any

from drivexplain.pipeline.chunks import Chunk
from drivexplain.pipeline.sources.base import (
    Frames,
    SourceSettings,
    VideoError,
    VideoIndex,
    VideoInput,
    describe_error,
    open_binary,
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


def _libraries() -> Any:
    try:
        from mcap.reader import make_reader
    except ImportError:
        raise VideoError("reading MCAP needs the mcap extra: pip install 'drivexplain[mcap]'"
                         ) from None
    return make_reader


def _open(uri: str) -> IO[bytes]:
    try:
        target = open_binary(uri)
        return open(target, "rb") if isinstance(target, str) else target
    except FileNotFoundError:
        raise VideoError("file not found") from None


class _Log:
    """An open MCAP file whose summary has been read."""

    def __init__(self, uri: str) -> None:
        make_reader = _libraries()
        self.handle = _open(uri)
        try:
            self.reader = make_reader(self.handle, decoder_factories=_factories())
            summary = self.reader.get_summary()
        except Exception as err:  # the mcap library raises many types for a bad file
            self.handle.close()
            raise VideoError(f"not a readable MCAP file ({describe_error(err)})") from None
        if summary is None:
            self.handle.close()
            raise VideoError("the MCAP file has no summary (it was not closed properly); "
                             "`mcap recover` rewrites it with one")
        self.summary = summary

    def close(self) -> None:
        self.handle.close()

    def image_topics(self) -> dict[str, str]:
        """topic -> schema name, for every channel whose schema is a camera image."""
        found: dict[str, str] = {}
        for channel in self.summary.channels.values():
            schema = self.summary.schemas.get(channel.schema_id)
            if schema is not None and schema.name in IMAGE_SCHEMAS:
                found.setdefault(channel.topic, schema.name)
        return found

    def records(self, topic: str, first: int | None = None, last: int | None = None
                ) -> Iterator[Record]:
        decoders: dict[int, Callable[[bytes], Any]] = {}
        messages = self.reader.iter_messages(
            topics=[topic], log_time_order=True,
            starting_at=first, ending_before=None if last is None else last + 1)
        try:
            for schema, channel, message in messages:
                if schema is None or schema.name not in IMAGE_SCHEMAS:
                    continue
                if channel.id not in decoders:
                    decoders[channel.id] = _decoder(schema, channel.message_encoding)
                yield message.log_time, _deferred(decoders[channel.id], message.data,
                                                  schema.name)
        except VideoError:
            raise
        except Exception as err:
            raise VideoError(f"truncated or corrupt MCAP data ({describe_error(err)})") from None


def _factories() -> list[Any]:
    """The mcap decoder factories that are installed (ROS 2 CDR, protobuf)."""
    found = []
    try:
        from mcap_ros2.decoder import DecoderFactory as Ros2

        found.append(Ros2())
    except ImportError:
        pass
    try:
        from mcap_protobuf.decoder import DecoderFactory as Protobuf

        found.append(Protobuf())
    except ImportError:
        pass
    return found


def _decoder(schema: Any, encoding: str) -> Callable[[bytes], Any]:
    if encoding == "json":
        return lambda data: json.loads(data)
    for factory in _factories():
        decode = factory.decoder_for(encoding, schema)
        if decode is not None:
            return decode
    raise VideoError(f"no decoder for {schema.name} messages encoded as {encoding!r} "
                     "(install drivexplain[mcap])")


def _deferred(decode: Callable[[bytes], Any], data: bytes, schema: str
              ) -> Callable[[], CameraImage]:
    return lambda: camera_image(decode(data), schema)


def camera_topics(uri: str) -> list[str]:
    log = _Log(uri)
    try:
        return list(log.image_topics())
    finally:
        log.close()


def index(source: VideoInput, settings: SourceSettings) -> VideoIndex:
    log = _Log(source.uri)
    try:
        topics = log.image_topics()
        if source.topic is None:
            raise VideoError("holds no camera topic (sensor_msgs CompressedImage or Image, "
                             "Foxglove CompressedImage or RawImage)")
        if source.topic not in topics:
            raise VideoError(f"has no image topic {source.topic}")
        return index_records(log.records(source.topic), settings.mcap_timestamp, "messages")
    finally:
        log.close()


def frames(chunk: Chunk, wanted: set[int] | None, size: tuple[int, int] | None,
           threads: bool) -> Frames:
    log = _Log(chunk.uri)
    try:
        first, last = log_time_range(chunk)
        yield from records_to_frames(chunk, log.records(chunk.topic, first, last), wanted, size)
    finally:
        log.close()
