"""Synthetic frames written in the forms driving logs come in, with each format's own writer.

Tests and `benchmarks/speed/input_formats.py` use these to make every input format from the same
frames: an image folder (PIL), a raw H.264/HEVC elementary stream (PyAV), an MCAP file (the
`mcap` writers: ROS 2 CDR, Foxglove JSON or protobuf) and a ROS 1 bag (`rosbags`). No binary
fixture is stored anywhere.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np

ROS2_COMPRESSED = """std_msgs/Header header
string format
uint8[] data
================================================================================
MSG: std_msgs/Header
builtin_interfaces/Time stamp
string frame_id
================================================================================
MSG: builtin_interfaces/Time
int32 sec
uint32 nanosec
"""
ROS2_IMAGE = """std_msgs/Header header
uint32 height
uint32 width
string encoding
uint8 is_bigendian
uint32 step
uint8[] data
================================================================================
MSG: std_msgs/Header
builtin_interfaces/Time stamp
string frame_id
================================================================================
MSG: builtin_interfaces/Time
int32 sec
uint32 nanosec
"""
FOXGLOVE_COMPRESSED_JSONSCHEMA = {
    "title": "foxglove.CompressedImage", "type": "object",
    "properties": {
        "timestamp": {"type": "object", "properties": {"sec": {"type": "integer"},
                                                       "nsec": {"type": "integer"}}},
        "frame_id": {"type": "string"},
        "data": {"type": "string", "contentEncoding": "base64"},
        "format": {"type": "string"},
    },
}


def jpeg(frame: np.ndarray, quality: int = 90) -> bytes:
    import cv2

    ok, data = cv2.imencode(".jpg", frame[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return data.tobytes()


def write_image_folder(frames: Sequence[np.ndarray], folder: Path, timing: str = "fps",
                       times_us: Sequence[int] | None = None, suffix: str = ".png") -> Path:
    """Frames as numbered images; `timing`: fps (names only), txt, csv or nuscenes names."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    times = list(times_us) if times_us is not None else [
        1_532_402_927_612_460 + 100_000 * i for i in range(len(frames))]
    names = []
    for i, frame in enumerate(frames):
        name = (f"n015-2018-07-24-11-22-45+0800__CAM_FRONT__{times[i]}{suffix}"
                if timing == "nuscenes" else f"{i:010d}{suffix}")
        Image.fromarray(frame).save(folder / name)
        names.append(name)
    if timing == "txt":
        (folder / "timestamps.txt").write_text(
            "".join(f"{t / 1e6:.6f}\n" for t in times), encoding="utf-8")
    elif timing == "csv":
        rows = [f"{n},{t}" for n, t in zip(names, times, strict=True)]
        (folder / "timestamps.csv").write_text(
            "filename,timestamp_us\n" + "\n".join(rows[::-1]) + "\n", encoding="utf-8")
    return folder


def write_elementary(frames: Sequence[np.ndarray], path: Path, codec: str = "libx264",
                     gop: int = 8, closed_gop: bool = True) -> Path:
    """A raw Annex B stream (no container, no timestamps), as FFmpeg's h264/hevc muxers
    write it; `closed_gop=False` gives HEVC CRA keyframes with leading pictures."""
    fmt = "h264" if codec in ("libx264", "h264") else "hevc"
    container = av.open(str(path), mode="w", format=fmt)
    stream = container.add_stream(codec, rate=10)
    height, width = frames[0].shape[:2]
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.codec_context.gop_size = gop
    if fmt == "hevc":
        stream.options = {"x265-params": f"keyint={gop}:min-keyint={gop}:log-level=error:"
                                         f"open-gop={0 if closed_gop else 1}"}
    for i, image in enumerate(frames):
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts = i
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return path


def _stamp(ns: int) -> dict[str, int]:
    return {"sec": ns // 1_000_000_000, "nanosec": ns % 1_000_000_000}


def write_mcap(path: Path, cameras: dict[str, Sequence[np.ndarray]], kind: str = "ros2_jpeg",
               start_ns: int = 1_700_000_000_000_000_000, period_ns: int = 100_000_000,
               stamp_offset_ns: int = 0, chunk_size: int = 64 * 1024) -> Path:
    """One topic per camera, messages interleaved in time as a recorder writes them.

    kind: ros2_jpeg (sensor_msgs/msg/CompressedImage), ros2_raw (sensor_msgs/msg/Image, rgb8),
    foxglove_json (foxglove.CompressedImage, JSON) or foxglove_protobuf. The header stamp is
    the log time plus `stamp_offset_ns`.
    """
    with path.open("wb") as handle:
        if kind.startswith("ros2"):
            from mcap_ros2.writer import Writer as Ros2Writer

            writer = Ros2Writer(handle, chunk_size=chunk_size)
            schema = (writer.register_msgdef("sensor_msgs/msg/CompressedImage", ROS2_COMPRESSED)
                      if kind == "ros2_jpeg" else
                      writer.register_msgdef("sensor_msgs/msg/Image", ROS2_IMAGE))
            for i in range(max(len(f) for f in cameras.values())):
                t = start_ns + i * period_ns
                for n, (topic, frames) in enumerate(cameras.items()):
                    if i >= len(frames):
                        continue
                    frame, header = frames[i], {"stamp": _stamp(t + stamp_offset_ns),
                                                "frame_id": topic}
                    message = ({"header": header, "format": "jpeg", "data": jpeg(frame)}
                               if kind == "ros2_jpeg" else
                               {"header": header, "height": frame.shape[0],
                                "width": frame.shape[1], "encoding": "rgb8", "is_bigendian": 0,
                                "step": frame.shape[1] * 3, "data": frame.tobytes()})
                    writer.write_message(topic, schema, message, log_time=t + n,
                                         publish_time=t + n)
            writer.finish()
            return path
        from mcap.writer import Writer

        writer = Writer(handle, chunk_size=chunk_size)
        writer.start(profile="", library="drivexplain tests")
        if kind == "foxglove_json":
            schema_id = writer.register_schema(
                "foxglove.CompressedImage", "jsonschema",
                json.dumps(FOXGLOVE_COMPRESSED_JSONSCHEMA).encode())
            encoding = "json"
        else:
            descriptor_set, message_class = _foxglove_protobuf()
            schema_id = writer.register_schema("foxglove.CompressedImage", "protobuf",
                                               descriptor_set)
            encoding = "protobuf"
        channels = {topic: writer.register_channel(topic, encoding, schema_id)
                    for topic in cameras}
        for i in range(max(len(f) for f in cameras.values())):
            t = start_ns + i * period_ns
            for n, (topic, frames) in enumerate(cameras.items()):
                if i >= len(frames):
                    continue
                stamp = t + stamp_offset_ns
                if kind == "foxglove_json":
                    data = json.dumps({
                        "timestamp": {"sec": stamp // 10**9, "nsec": stamp % 10**9},
                        "frame_id": topic, "format": "jpeg",
                        "data": base64.b64encode(jpeg(frames[i])).decode()}).encode()
                else:
                    message = message_class(frame_id=topic, format="jpeg", data=jpeg(frames[i]))
                    message.timestamp.seconds, message.timestamp.nanos = divmod(stamp, 10**9)
                    data = message.SerializeToString()
                writer.add_message(channels[topic], log_time=t + n, data=data,
                                   publish_time=t + n)
        writer.finish()
    return path


def _foxglove_protobuf() -> tuple[bytes, type]:
    """foxglove.CompressedImage's protobuf schema (as Foxglove publishes it) and its class."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, timestamp_pb2

    proto = descriptor_pb2.FileDescriptorProto(
        name="foxglove/CompressedImage.proto", package="foxglove", syntax="proto3",
        dependency=["google/protobuf/timestamp.proto"])
    message = proto.message_type.add(name="CompressedImage")
    field = descriptor_pb2.FieldDescriptorProto
    for name, number, kind, type_name in (
            ("timestamp", 1, field.TYPE_MESSAGE, ".google.protobuf.Timestamp"),
            ("frame_id", 4, field.TYPE_STRING, None), ("data", 2, field.TYPE_BYTES, None),
            ("format", 3, field.TYPE_STRING, None)):
        entry = message.field.add(name=name, number=number, type=kind,
                                  label=field.LABEL_OPTIONAL)
        if type_name:
            entry.type_name = type_name
    files = descriptor_pb2.FileDescriptorSet()
    timestamp = files.file.add()
    timestamp_pb2.DESCRIPTOR.CopyToProto(timestamp)
    files.file.append(proto)
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    cls = message_factory.GetMessageClass(pool.FindMessageTypeByName("foxglove.CompressedImage"))
    return files.SerializeToString(), cls


def write_rosbag(path: Path, cameras: dict[str, Sequence[np.ndarray]],
                 start_ns: int = 1_700_000_000_000_000_000, period_ns: int = 100_000_000
                 ) -> Path:
    """A ROS 1 bag: one sensor_msgs/CompressedImage topic per camera (rosbags' writer)."""
    from rosbags.rosbag1 import Writer
    from rosbags.typesys import Stores, get_typestore

    store = get_typestore(Stores.ROS1_NOETIC)
    image_t = store.types["sensor_msgs/msg/CompressedImage"]
    header_t = store.types["std_msgs/msg/Header"]
    time_t = store.types["builtin_interfaces/msg/Time"]
    with Writer(path) as writer:
        connections = {
            topic: writer.add_connection(topic, image_t.__msgtype__, typestore=store)
            for topic in cameras}
        for i in range(max(len(f) for f in cameras.values())):
            t = start_ns + i * period_ns
            for n, (topic, frames) in enumerate(cameras.items()):
                if i >= len(frames):
                    continue
                header = header_t(seq=i, stamp=time_t(sec=t // 10**9, nanosec=t % 10**9),
                                  frame_id=topic)
                message = image_t(header=header, format="jpeg",
                                  data=np.frombuffer(jpeg(frames[i]), np.uint8))
                writer.write(connections[topic], t + n,
                             store.serialize_ros1(message, image_t.__msgtype__))
    return path
