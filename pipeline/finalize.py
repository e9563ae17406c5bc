"""Per-video completion: join the chunks into the video's outputs, then mark it finished.

Runs once every chunk of a video has its marker. The segments are remuxed and the chunk logs
concatenated in chunk order, so frames reach the final files in presentation order whatever
order the chunks finished in. The manifest is written last and lists every output with its
size: its presence is what lets a rerun skip the video.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from drivexplain.pipeline.layout import RunLayout, VideoLayout, read_json
from drivexplain.pipeline.records import error_row, to_table
from drivexplain.pipeline.report import episodes, rows_from_table, video_report
from drivexplain.pipeline.writers import (
    concat_logs,
    concat_segments,
    write_json_atomic,
    write_logs,
    write_text_atomic,
)


def _write_outputs(
    layout: VideoLayout,
    name: str,
    rows: list[dict[str, Any]],
    has_video: bool,
    config: dict[str, Any],
    run_info: dict[str, Any],
    problems: list[str],
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
    )
    write_text_atomic(layout.report, page)


def finalize_video(
    out_dir: str,
    video_id: str,
    uri: str,
    name: str,
    num_chunks: int,
    expected_rows: int,
    fingerprint: str,
    config: dict[str, Any],
    run_info: dict[str, Any],
    keep_work: bool = False,
) -> dict[str, Any]:
    """Join a video's chunks; return its summary for the run report."""
    layout = RunLayout(Path(out_dir)).video(video_id)
    markers = [read_json(layout.chunk_marker(n)) for n in range(num_chunks)]
    missing = [n for n, m in enumerate(markers) if m is None or m.get("fingerprint") !=
               fingerprint]
    if missing:
        return {"video_id": video_id, "name": name, "uri": uri, "status": "failed",
                "reason": f"chunks {missing[:5]} did not finish", "report": False}
    table = concat_logs([layout.chunk_log(n) for n in range(num_chunks)])
    rows = rows_from_table(table)
    problems: list[str] = []
    if len(rows) < expected_rows:
        problems.append(f"{expected_rows - len(rows)} log rows are missing")
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
    _write_outputs(layout, name, rows, has_video, config, run_info, problems)
    outputs = [layout.parquet, layout.jsonl, layout.report] + ([layout.overlay] if has_video
                                                               else [])
    found = episodes(rows, config)
    summary = {
        "video_id": video_id,
        "name": name,
        "uri": uri,
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
        "fingerprint": fingerprint,
        "summary": summary,
        "outputs": {p.name: p.stat().st_size for p in outputs},
    }
    write_json_atomic(layout.manifest, manifest)
    if not keep_work:
        shutil.rmtree(layout.work, ignore_errors=True)
    return summary


def fail_video(
    out_dir: str,
    video_id: str,
    uri: str,
    name: str,
    reason: str,
    config: dict[str, Any],
    config_hash: str,
    run_info: dict[str, Any],
    processed_at: str,
) -> dict[str, Any]:
    """An input that cannot be read at all: one error row, a report saying why, no manifest.

    No manifest, so the next run tries the input again (it may have been fixed or finished
    uploading).
    """
    layout = RunLayout(Path(out_dir)).video(video_id)
    rows = [error_row(uri, video_id, f"{name}: {reason}", config_hash, processed_at)]
    table_rows = rows_from_table(to_table(rows))
    _write_outputs(layout, name, table_rows, False, config, run_info, [f"{name}: {reason}"])
    return {"video_id": video_id, "name": name, "uri": uri, "status": "failed",
            "reason": reason, "frames": 0, "rows": 1, "error_rows": 1, "episodes": 0,
            "report": True}
