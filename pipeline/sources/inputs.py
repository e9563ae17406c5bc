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
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

VIDEO_SUFFIXES = frozenset(
    {".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".ts", ".mts", ".h264", ".hevc", ".flv"}
)
_SLUG_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


@dataclass(frozen=True)
class VideoInput:
    """One input: `uri` is what the user gave (resolved), `video_id` its safe output name."""

    uri: str
    video_id: str

    @property
    def name(self) -> str:
        return self.uri.rstrip("/").rsplit("/", 1)[-1]


def is_uri(text: str) -> bool:
    """A filesystem URI (s3://, gs://, file://...): read through pyarrow, not the local OS."""
    return bool(_URI.match(text))


def video_id_for(uri: str) -> str:
    """A filesystem-safe, collision-free folder name for one input."""
    stem = uri.rstrip("/").rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    slug = _SLUG_CHARS.sub("_", stem).strip("._-")[:48] or "video"
    digest = hashlib.sha256(uri.encode()).hexdigest()[:8]
    return f"{slug}-{digest}"


def _local_candidates(arg: str) -> list[str]:
    path = Path(arg).expanduser()
    if path.is_dir():
        return sorted(
            str(p.resolve())
            for p in path.rglob("*")
            if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES
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
            if i.type == fs.FileType.File and Path(i.path).suffix.lower() in VIDEO_SUFFIXES
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


def expand_inputs(args: Iterable[str]) -> list[VideoInput]:
    """Expand files, directories, globs and URIs into a de-duplicated, ordered input list.

    Raises ValueError naming the first argument that matches nothing: a mistyped name or
    pattern next to real inputs would otherwise go unnoticed.
    """
    seen: dict[str, VideoInput] = {}
    for arg in args:
        candidates = _remote_candidates(arg) if is_uri(arg) else _local_candidates(arg)
        if not candidates:
            raise ValueError(_nothing_matches(arg))
        for uri in candidates:
            if uri not in seen:
                seen[uri] = VideoInput(uri=uri, video_id=video_id_for(uri))
    return list(seen.values())


def open_binary(uri: str) -> IO[bytes] | str:
    """What `av.open` should be given: a local path, or a pyarrow file for a remote URI."""
    if not is_uri(uri):
        return uri
    from pyarrow import fs

    filesystem, path = fs.FileSystem.from_uri(uri)
    return filesystem.open_input_file(path)
