"""Reading a finished run's output folder back: the videos it holds, their kept frame logs,
the source each was read from.

`drivexplain render` and the exports work from what a run kept, never from the model, so they
start from here. A run folder holds `run.json` and one folder per input (named by its safe
`video_id`); each finished input has `frames.parquet` and `manifest.json`. Either the run
folder or one input's folder may be given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from drivexplain.pipeline.sinks.layout import RunLayout, VideoLayout, read_json
from drivexplain.pipeline.sinks.records import SCHEMA
from drivexplain.pipeline.sources.decode import VideoIndex
from drivexplain.pipeline.sources.formats import (
    Frames,
    SourceSettings,
    index_source,
    read_chunk,
    span_chunk,
)
from drivexplain.pipeline.sources.inputs import VideoInput, input_kind


class RunDirError(ValueError):
    """The folder is not a run's output, or lacks what was asked for; the text says which."""


@dataclass(frozen=True)
class KeptVideo:
    """One input of a finished run, as its output folder describes it, and how to read its
    source again (the reader and settings the run used)."""

    layout: VideoLayout
    source: VideoInput
    settings: SourceSettings
    config: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def video_id(self) -> str:
        return self.source.video_id

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def uri(self) -> str:
        return self.source.uri

    def index(self) -> VideoIndex:
        """The source's frames and timestamps, as the run indexed them."""
        try:
            return index_source(self.source, self.settings)
        except Exception as err:
            raise RunDirError(f"the source {self.name} ({self.uri}) cannot be read ({err}); "
                              "this needs the input the run was made from") from None

    def frames(self, index: VideoIndex, start: int = 0, stop: int | None = None) -> Frames:
        """Frames [start, stop) of the source (decoded from the keyframe before `start`)."""
        stop = index.num_frames if stop is None else stop
        return read_chunk(span_chunk(self.source, index, start, stop))

    def table(self, columns: list[str] | None = None) -> pa.Table:
        """The frame log (`frames.parquet`), optionally only some columns."""
        return pq.read_table(self.layout.parquet, columns=columns, schema=SCHEMA)

    def prompts(self) -> list[str]:
        """The run's prompts in their order (prompt 1 first)."""
        column = self.table(["prompt"]).column("prompt").to_pylist()
        return [p for p in dict.fromkeys(column) if p is not None]


def kept_video(layout: VideoLayout, uri: str, name: str | None, run: dict[str, Any],
               manifest: dict[str, Any] | None = None,
               source: dict[str, Any] | None = None) -> KeptVideo:
    """An input's outputs and how to read its source again, from what the run recorded:
    `run` is run.json's content ({"run": ..., "config": ...}), `source` the reader and topic
    the manifest names (`input`: {kind, topic})."""
    source = source or (manifest or {}).get("input") or {}
    kind = source.get("kind") or input_kind(uri)
    topic = source.get("topic")
    if topic is None and kind in ("mcap", "rosbag") and name and ":" in name:
        topic = name.split(":", 1)[1]  # a manifest from before `input`: "file:topic"
    config = run.get("config") or {}
    reading = config.get("input") or {}
    settings = SourceSettings(
        stream=(run.get("run") or {}).get("stream"), fps=reading.get("fps"),
        mcap_timestamp=reading.get("mcap_timestamp") or "log_time")
    return KeptVideo(layout, VideoInput(uri, layout.root.name, kind, topic), settings, config,
                     manifest or {})


def _video(folder: Path, run: dict[str, Any]) -> KeptVideo:
    layout = RunLayout(folder.parent).video(folder.name)
    manifest = read_json(layout.manifest) or {}
    summary = manifest.get("summary") or {}
    uri = summary.get("uri")
    if uri is None:  # an input that failed before its manifest: the log still names it
        first = pq.read_table(layout.parquet, columns=["video"]).column("video").to_pylist()
        uri = first[0] if first else ""
    return kept_video(layout, str(uri), summary.get("name"), run, manifest)


def open_run(path: Path) -> list[KeptVideo]:
    """The videos of a run folder, or the one video of an input's folder."""
    if not path.is_dir():
        raise RunDirError(f"{path} is not a folder; give the --out folder of a drivexplain run")
    if (path / "frames.parquet").is_file():
        run = read_json(path.parent / "run.json") or {}
        return [_video(path, run)]
    if not (path / "run.json").is_file():
        raise RunDirError(f"{path} is not a drivexplain run: it holds neither run.json nor "
                          "frames.parquet")
    try:
        run = json.loads((path / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise RunDirError(f"{path / 'run.json'} cannot be read ({err})") from None
    # Inputs that could not be read at all have a log (one error row) but no manifest:
    # there is nothing of theirs to draw or export.
    videos = [_video(folder, run) for folder in sorted(path.iterdir())
              if folder.is_dir() and not folder.name.startswith(".")
              and (folder / "frames.parquet").is_file() and (folder / "manifest.json").is_file()]
    if not videos:
        raise RunDirError(f"{path} holds no finished input (no <video>/manifest.json)")
    return videos


def pick_video(videos: list[KeptVideo], video: str | None) -> KeptVideo:
    """The one video asked for by its folder name or input file name, or the only one."""
    if video is None:
        if len(videos) > 1:
            names = ", ".join(v.video_id for v in videos[:5])
            raise RunDirError(f"the run holds {len(videos)} inputs ({names}); choose one with "
                              "--video or give its folder")
        return videos[0]
    for candidate in videos:
        if video in (candidate.video_id, candidate.name):
            return candidate
    raise RunDirError(f"--video {video!r} is not an input of this run; it holds "
                      + ", ".join(v.video_id for v in videos[:10]))
