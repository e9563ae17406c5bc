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
from drivexplain.pipeline.sinks.report import (
    episodes,
    flagged_prompts,
    rows_from_table,
    video_report,
)
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
    # Which reader took the input and which camera topic (or nuScenes log) of it, so tools
    # that read the source again (render, export) rebuild the same VideoInput.
    source: dict[str, Any] | None = None


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
    overlays: Sequence[tuple[str, str]] = (),
    clips: Sequence[Sequence[tuple[str, str]]] = (),
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
        overlays=overlays,
        clips=clips,
    )
    write_text_atomic(layout.report, page)


def _join_overlays(layout: VideoLayout, markers: list[dict[str, Any]], prompts: list[str]
                   ) -> list[Path]:
    """Each prompt's chunk segments remuxed into its overlay video (`overlay: all`)."""
    with_video = [m for m in markers if m.get("has_video")]
    count = min((int(m.get("overlay_prompts", 1)) for m in with_video), default=0)
    joined = []
    for number in range(1, min(count, len(prompts)) + 1):
        segments = [layout.chunk_video(int(m["chunk_index"]), number) for m in with_video]
        concat_segments(segments, layout.overlay_for(number))
        joined.append(layout.overlay_for(number))
    return joined


def _cut_clips(job: JoinChunks, rows: list[dict[str, Any]], found: list[dict[str, Any]],
               prompts: list[str]) -> tuple[list[list[Path]], float, list[str]]:
    """`overlay: flagged`: one short clip per (episode, prompt flagged in it), with
    `pipeline.overlay_context_s` seconds either side, drawn from the kept heatmaps.

    Returns the clips per episode, the seconds spent and any problem.
    """
    from drivexplain.pipeline.sinks.render import (
        OverlaySpec,
        PromptRows,
        clip_range,
        encode_overlays,
    )
    from drivexplain.pipeline.sinks.run_dir import RunDirError, kept_video

    pipeline = job.config.get("pipeline") or {}
    clips: list[list[Path]] = [[] for _ in found]
    if not found:
        return clips, 0.0, []
    try:  # the source read again as the run read it
        kept = kept_video(job.layout, job.uri, job.name,
                          {"run": job.run_info, "config": job.config}, source=job.source)
        index = kept.index()
    except RunDirError as err:
        return clips, 0.0, [f"flagged clips not written: {err}"]
    seconds, problems = 0.0, []
    tables = {p: PromptRows.build(OverlaySpec(p, n), rows) for n, p in enumerate(prompts, 1)}
    for number, episode in enumerate(found, 1):
        start, stop = clip_range(index, episode["t0"], episode["t1"],
                                 float(pipeline.get("overlay_context_s", 2.0)))
        which = [p for p in flagged_prompts(rows, episode, job.config) if p in tables]
        outputs = [(job.layout.clip(number, tables[p].spec.number), tables[p]) for p in which]
        if not outputs:
            continue
        try:
            stats = encode_overlays(
                kept.frames(index, start, stop), outputs,
                (index.width, index.height), index.time_base, index.average_rate,
                int(pipeline.get("video_crf", 23)), str(pipeline.get("video_preset", "veryfast")),
                skip_before=start, rebase=True)
        except Exception as err:
            problems.append(f"flagged clip {number} not written ({type(err).__name__}: {err})")
            continue
        seconds += stats.seconds
        clips[number - 1] = [path for path, _ in outputs]
    return clips, seconds, problems


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
    prompts = list(dict.fromkeys(r["prompt"] for r in rows if r["status"] == "ok"))
    overlays = _join_overlays(layout, markers, prompts)
    has_video = bool(overlays)
    error_rows = [r for r in rows if r["status"] == "error"]
    if error_rows:
        problems.insert(0, f"{len(error_rows)} frames have no result, e.g. frame "
                           f"{error_rows[0]['frame_index']}: {error_rows[0]['error']}")
    found = episodes(rows, job.config)
    mode = (job.config.get("pipeline") or {}).get("overlay", "all")
    clips, clip_seconds, clip_problems = (
        _cut_clips(job, rows, found, prompts) if mode == "flagged" else ([], 0.0, []))
    problems.extend(clip_problems)
    _write_outputs(layout, job.name, rows, has_video, job.config, job.run_info, problems,
                   job.unplaced_answers,
                   overlays=[(f"prompt {n}: {prompts[n - 1]}", path.name)
                             for n, path in enumerate(overlays, 1)],
                   clips=[[(_clip_prompt(path, prompts), path.name) for path in episode]
                          for episode in clips])
    outputs = [layout.parquet, layout.jsonl, layout.report, *overlays,
               *(path for episode in clips for path in episode)]
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
        "overlay": mode,
        "overlays": [p.name for p in overlays],
        "clips": [p.name for episode in clips for p in episode],
        # decode + draw + encode of every overlay video and clip, summed over the workers
        "encode_seconds": round(sum(float(m.get("encode_seconds", 0.0)) for m in markers)
                                + clip_seconds, 3),
        "report": True,
    }
    manifest = {
        "fingerprint": job.fingerprint,
        "summary": summary,
        "outputs": {p.name: p.stat().st_size for p in outputs},
        "unplaced_answers": list(job.unplaced_answers),
        "video_streams": job.stream_note,
        "timestamps": job.timestamps,
        "input": job.source,
    }
    write_json_atomic(layout.manifest, manifest)
    if not job.keep_work:
        shutil.rmtree(layout.work, ignore_errors=True)
    return summary


def _clip_prompt(path: Path, prompts: list[str]) -> str:
    """The prompt a clip shows, from the number its name carries (`VideoLayout.clip`)."""
    number = int(path.stem.rsplit("prompt", 1)[1])
    return f"prompt {number}: {prompts[number - 1]}"


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
