"""Where every output lives, and how a rerun tells finished work from unfinished.

All paths are built from the output root and a sanitised `video_id` (see `pipeline.sources.inputs`),
never from raw input text. A chunk's marker JSON is written last, after its log and video
segment, and a video's manifest last of all its outputs: a marker that exists, and whose job
fingerprint matches, proves the files it names are complete.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drivexplain.pipeline.sources.inputs import is_uri


@dataclass(frozen=True)
class VideoLayout:
    root: Path

    @property
    def overlay(self) -> Path:
        """The first prompt's overlay video (`overlay_for(1)`)."""
        return self.overlay_for(1)

    def overlay_for(self, prompt_number: int) -> Path:
        """Prompt `prompt_number`'s (from 1) overlay video over the whole input."""
        return self.root / ("overlay.mp4" if prompt_number == 1
                            else f"overlay_prompt{prompt_number}.mp4")

    def clip(self, episode_number: int, prompt_number: int) -> Path:
        """A flagged episode's clip (both from 1) for one of its flagged prompts."""
        return self.root / f"flagged_{episode_number:03d}_prompt{prompt_number}.mp4"

    @property
    def parquet(self) -> Path:
        return self.root / "frames.parquet"

    @property
    def jsonl(self) -> Path:
        return self.root / "frames.jsonl"

    @property
    def report(self) -> Path:
        return self.root / "report.html"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def work(self) -> Path:
        return self.root / ".work"

    def chunk_log(self, n: int) -> Path:
        return self.work / f"chunk_{n:05d}.parquet"

    def chunk_video(self, n: int, prompt_number: int = 1) -> Path:
        return self.work / (f"chunk_{n:05d}.mp4" if prompt_number == 1
                            else f"chunk_{n:05d}_prompt{prompt_number}.mp4")

    def chunk_marker(self, n: int) -> Path:
        return self.work / f"chunk_{n:05d}.json"


@dataclass(frozen=True)
class RunLayout:
    root: Path

    def video(self, video_id: str) -> VideoLayout:
        if not video_id or "/" in video_id or video_id.startswith("."):
            raise ValueError(f"unsafe video id {video_id!r}")
        return VideoLayout(self.root / video_id)

    @property
    def report(self) -> Path:
        return self.root / "report.html"

    @property
    def run_record(self) -> Path:
        return self.root / "run.json"


def input_fingerprint(uri: str) -> dict[str, Any]:
    """Size and modification time: enough to notice that an input changed between runs."""
    if is_uri(uri):
        from pyarrow import fs

        filesystem, path = fs.FileSystem.from_uri(uri)
        info = filesystem.get_file_info(path)
        return {"size": info.size, "mtime_ns": info.mtime_ns}
    try:
        stat = os.stat(uri)
    except OSError:
        return {"size": None, "mtime_ns": None}
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def job_fingerprint(config_hash: str, tracks: list[dict[str, Any]], uri: str) -> str:
    """What a finished chunk or video must match to be reused: config, prompts, input."""
    blob = json.dumps(
        {"config": config_hash, "tracks": tracks, "input": input_fingerprint(uri), "uri": uri},
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def chunk_done(layout: VideoLayout, n: int, fingerprint: str,
               span: tuple[int, int] | None = None) -> bool:
    """Chunk `n` was written by a run with this fingerprint (and, given `span`, covers the
    same frames [start, stop): a plan cut differently never passes for this one)."""
    marker = read_json(layout.chunk_marker(n))
    return (
        marker is not None
        and marker.get("fingerprint") == fingerprint
        and (span is None or (marker.get("start"), marker.get("stop")) == span)
        and layout.chunk_log(n).is_file()
        and (not marker.get("has_video") or all(
            layout.chunk_video(n, k).is_file()
            for k in range(1, int(marker.get("overlay_prompts", 1)) + 1)))
    )


def video_done(layout: VideoLayout, fingerprint: str) -> bool:
    """Finished and consistent: the manifest matches and every file it lists has its size."""
    manifest = read_json(layout.manifest)
    if manifest is None or manifest.get("fingerprint") != fingerprint:
        return False
    for name, size in manifest.get("outputs", {}).items():
        path = layout.root / name
        if "/" in name or not path.is_file() or path.stat().st_size != size:
            return False
    return True
