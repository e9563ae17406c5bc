"""Finding the input videos and naming their output folders.

Inputs come from the command line (files, directories, globs, or pyarrow-filesystem URIs such
as s3://bucket/logs/), so every name that becomes part of an output path is reduced to a safe
slug plus a hash of the full input: two inputs can never collide, and no input can escape the
output directory.
"""

from __future__ import annotations

import glob
import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from drivexplain.pipeline.sources.base import (
    ELEMENTARY_SUFFIXES,
    IMAGE_SUFFIXES,
    INPUT_SUFFIXES,
    LOG_SUFFIXES,
    VIDEO_SUFFIXES,
    VideoInput,
    is_uri,
    open_binary,
)

# The input record and URI helpers live in `base` (readers share them); re-exported here.
__all__ = ["ELEMENTARY_SUFFIXES", "IMAGE_SUFFIXES", "INPUT_SUFFIXES", "LOG_SUFFIXES",
           "VIDEO_SUFFIXES", "VideoInput", "expand_inputs", "input_kind", "is_uri",
           "open_binary", "video_id_for"]

_SLUG_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def input_kind(uri: str) -> str:
    """Which reader takes an input: video (containers), elementary, mcap, rosbag or images."""
    suffix = Path(uri.rstrip("/")).suffix.lower()
    if suffix in ELEMENTARY_SUFFIXES:
        return "elementary"
    if suffix == ".mcap":
        return "mcap"
    if suffix == ".bag":
        return "rosbag"
    if not is_uri(uri) and Path(uri).is_dir():
        return "images"
    return "video"


def video_id_for(uri: str, topic: str | None = None) -> str:
    """A filesystem-safe, collision-free folder name for one input (and camera topic)."""
    stem = uri.rstrip("/").rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    if topic:
        stem = f"{stem}__{topic.strip('/')}"
    slug = _SLUG_CHARS.sub("_", stem).strip("._-")[: 64 if topic else 48] or "video"
    key = f"{uri}#{topic}" if topic else uri
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    return f"{slug}-{digest}"


def _holds_images(folder: Path) -> bool:
    return any(p.suffix.lower() in IMAGE_SUFFIXES and p.is_file() for p in folder.iterdir())


def _local_candidates(arg: str) -> list[str]:
    path = Path(arg).expanduser()
    if path.is_dir():
        # Videos and logs anywhere below; and every folder that directly holds images is
        # one image sequence (KITTI's image_02/data, a BDD100K clip, a nuScenes CAM_FRONT).
        folders = [path, *(p for p in path.rglob("*") if p.is_dir())]
        return sorted(
            [str(p.resolve()) for p in path.rglob("*")
             if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES]
            + [str(f.resolve()) for f in folders if _holds_images(f)]
        )
    if any(ch in arg for ch in "*?["):
        return sorted(str(Path(p).resolve()) for p in glob.glob(str(path), recursive=True)
                      if Path(p).is_file())
    # A named file is taken whatever its suffix: if it is not a readable video, the run
    # reports it as a failed input rather than silently skipping it. A name that is nothing
    # at all is a typo, found before any work (expand_inputs).
    return [str(path.resolve())] if path.exists() else []


def _remote_candidates(arg: str) -> list[str]:
    from pyarrow import fs

    filesystem, root = fs.FileSystem.from_uri(arg)
    scheme = arg.split("://", 1)[0]
    info = filesystem.get_file_info(root)
    if info.type == fs.FileType.Directory:
        infos = filesystem.get_file_info(fs.FileSelector(root, recursive=True))
        return sorted(
            f"{scheme}://{i.path}"
            for i in infos
            if i.type == fs.FileType.File and Path(i.path).suffix.lower() in INPUT_SUFFIXES
        )
    if info.type == fs.FileType.NotFound:
        return []
    return [arg]


def _nothing_matches(arg: str) -> str:
    if any(ch in arg for ch in "*?[") and not is_uri(arg):
        return f"input {arg!r} is a pattern that matches no file"
    if is_uri(arg):
        return f"input {arg!r} does not exist or holds no video file"
    if Path(arg).expanduser().is_dir():
        return f"input {arg!r} is a directory that holds no video file"
    return f"input {arg!r} does not exist"


def _log_inputs(uri: str, kind: str, topics: Sequence[str]) -> list[VideoInput]:
    """One input per camera topic of a robot log: the `topics` asked for, else every one.

    A log that cannot be read stays one input, so the run reports it as a failed input with
    the reason; a topic asked for that a readable log lacks is a usage error.
    """
    from drivexplain.pipeline.sources.decode import VideoError
    from drivexplain.pipeline.sources.formats import camera_topics

    try:
        found = camera_topics(uri, kind)
    except VideoError:
        return [VideoInput(uri, video_id_for(uri), kind)]
    name = uri.rstrip("/").rsplit("/", 1)[-1]
    for topic in topics:
        if topic not in found:
            have = ", ".join(found) if found else "none"
            raise ValueError(f"--topic {topic}: {name} has no image topic {topic} "
                             f"(its image topics: {have})")
    chosen = list(dict.fromkeys(topics)) or found
    if not chosen:
        return [VideoInput(uri, video_id_for(uri), kind)]
    return [VideoInput(uri, video_id_for(uri, t), kind, t) for t in chosen]


def _image_inputs(folder: str) -> list[VideoInput]:
    """One image sequence, or one per recording when nuScenes sweeps of several share it."""
    from drivexplain.pipeline.sources.images import sequences

    logs = sequences(Path(folder))
    if not logs:
        return [VideoInput(folder, video_id_for(folder), "images")]
    return [VideoInput(folder, video_id_for(folder, log), "images", log) for log in logs]


def expand_inputs(args: Iterable[str], topics: Sequence[str] = ()) -> list[VideoInput]:
    """Expand files, directories, globs and URIs into a de-duplicated, ordered input list.

    Raises ValueError naming the first argument that matches nothing: a mistyped name or
    pattern next to real inputs would otherwise go unnoticed. A robot log (MCAP, ROS bag)
    gives one input per camera topic (`topics` selects them, every image topic by default);
    a folder of several nuScenes recordings' sweeps, one per recording.
    """
    seen: dict[str, list[VideoInput]] = {}
    for arg in args:
        candidates = _remote_candidates(arg) if is_uri(arg) else _local_candidates(arg)
        if not candidates:
            raise ValueError(_nothing_matches(arg))
        for uri in candidates:
            if uri in seen:
                continue
            kind = input_kind(uri)
            if kind in ("mcap", "rosbag"):
                seen[uri] = _log_inputs(uri, kind, topics)
            elif kind == "images":
                seen[uri] = _image_inputs(uri)
            else:
                seen[uri] = [VideoInput(uri=uri, video_id=video_id_for(uri), kind=kind)]
    return [v for found in seen.values() for v in found]
