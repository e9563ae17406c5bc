"""Per-video completion: join the chunks into the video's outputs, then mark it finished.

Runs once every chunk of a video has its marker. The segments are remuxed and the chunk logs
concatenated in chunk order, so frames reach the final files in presentation order whatever
order the chunks finished in. The manifest is written last and lists every output with its
size: its presence is what lets a rerun skip the video.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drivexplain.pipeline.sinks.layout import RunLayout, VideoLayout, read_json
from drivexplain.pipeline.sinks.records import error_row, to_table
from drivexplain.pipeline.sinks.report import episodes, rows_from_table, video_report
from drivexplain.pipeline.sinks.writers import (
    concat_logs,
    concat_segments,
    write_json_atomic,
    write_logs,
    write_text_atomic,
)


@dataclass(frozen=True)
class VideoOutputs:
    """One input video and the run it belongs to: what its output folder is written from."""

    out_dir: str
    video_id: str
    uri: str
    name: str
    config: dict[str, Any]
    run_info: dict[str, Any]

    @property
    def layout(self) -> VideoLayout:
        return RunLayout(Path(self.out_dir)).video(self.video_id)

    def failed(self, reason: str, **counts: Any) -> dict[str, Any]:
        """The run report's summary of a video that did not finish."""
        return {"video_id": self.video_id, "name": self.name, "uri": self.uri,
                "status": "failed", "reason": reason, **counts}


@dataclass(frozen=True)
class JoinChunks(VideoOutputs):
    """A video whose chunks all ran: how many there are and what they must match."""

    num_chunks: int
    expected_rows: int
    fingerprint: str
    keep_work: bool = False
    # --answers lines that could not be placed on this video (pipeline.answers)
    unplaced_answers: tuple[dict[str, Any], ...] = ()
    # Set when the input has several video streams: which one was analysed.
    stream_note: str | None = None
    # Where the frame times came from, and whether --fps synthesised them (VideoIndex.timing).
    timestamps: dict[str, Any] | None = None


@dataclass(frozen=True)
class UnreadableInput(VideoOutputs):
    """An input that could not be indexed, and why."""

    reason: str
    config_hash: str
    processed_at: str


def _write_outputs(
    layout: VideoLayout,
    name: str,
    rows: list[dict[str, Any]],
    has_video: bool,
    config: dict[str, Any],
    run_info: dict[str, Any],
    problems: list[str],
    unplaced: Sequence[dict[str, Any]] = (),
) -> None:
    write_logs(to_table(rows), layout.parquet, layout.jsonl)
    page = video_report(
        name,
        rows,
        layout.overlay.name if has_video else None,
        layout.overlay if has_video else None,
        config,
        run_info,
        problems,
        unplaced=unplaced,
    )
    write_text_atomic(layout.report, page)


def finalize_video(job: JoinChunks) -> dict[str, Any]:
    """Join a video's chunks; return its summary for the run report."""
    layout = job.layout
    markers = [read_json(layout.chunk_marker(n)) for n in range(job.num_chunks)]
    missing = [n for n, m in enumerate(markers) if m is None or m.get("fingerprint") !=
               job.fingerprint]
    if missing:
        return job.failed(f"chunks {missing[:5]} did not finish", report=False)
    table = concat_logs([layout.chunk_log(n) for n in range(job.num_chunks)])
    rows = rows_from_table(table)
    problems: list[str] = []
    if len(rows) < job.expected_rows:
        problems.append(f"{job.expected_rows - len(rows)} log rows are missing")
    for marker in markers:
        problems.extend(f"chunk {marker['chunk_index']}: {e}" for e in marker["video_errors"])
    segments = [layout.chunk_video(n) for n, m in enumerate(markers) if m.get("has_video")]
    has_video = bool(segments)
    if has_video:
        concat_segments(segments, layout.overlay)
    error_rows = [r for r in rows if r["status"] == "error"]
    if error_rows:
        problems.insert(0, f"{len(error_rows)} frames have no result, e.g. frame "
                           f"{error_rows[0]['frame_index']}: {error_rows[0]['error']}")
    _write_outputs(layout, job.name, rows, has_video, job.config, job.run_info, problems,
                   job.unplaced_answers)
    outputs = [layout.parquet, layout.jsonl, layout.report] + ([layout.overlay] if has_video
                                                               else [])
    found = episodes(rows, job.config)
    summary = {
        "video_id": job.video_id,
        "name": job.name,
        "uri": job.uri,
        "status": "failed" if problems else "ok",
        "reason": problems[0] if problems else None,
        "frames": len({r["frame_index"] for r in rows}),
        "rows": len(rows),
        "error_rows": len(error_rows),
        "episodes": len(found),
        "video_frames": sum(m["video_frames"] for m in markers),
        "report": True,
    }
    manifest = {
        "fingerprint": job.fingerprint,
        "summary": summary,
        "outputs": {p.name: p.stat().st_size for p in outputs},
        "unplaced_answers": list(job.unplaced_answers),
        "video_streams": job.stream_note,
        "timestamps": job.timestamps,
    }
    write_json_atomic(layout.manifest, manifest)
    if not job.keep_work:
        shutil.rmtree(layout.work, ignore_errors=True)
    return summary


def fail_video(job: UnreadableInput) -> dict[str, Any]:
    """An input that cannot be read at all: one error row, a report saying why, no manifest.

    No manifest, so the next run tries the input again (it may have been fixed or finished
    uploading).
    """
    said = f"{job.name}: {job.reason}"
    rows = [error_row(job.uri, job.video_id, said, job.config_hash, job.processed_at)]
    table_rows = rows_from_table(to_table(rows))
    _write_outputs(job.layout, job.name, table_rows, False, job.config, job.run_info, [said])
    return job.failed(job.reason, frames=0, rows=1, error_rows=1, episodes=0, report=True)
