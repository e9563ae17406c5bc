"""Resume and recovery: a killed job finishes equal to an uninterrupted one; a dead actor's
frames are redone; a finished video is skipped."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import av
import pytest
from pipeline_support import (
    crash_once_hook,
    local_ray,
    read_rows,
    run_tiny,
    start_tiny_run,
    tiny_config,
    write_video,
)

from drivexplain.pipeline.sinks.records import TIMING_FIELDS

pytestmark = pytest.mark.slow


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _kill_tree(pid: int) -> None:
    """SIGKILL the job and every process it started (Ray's too), by pid only."""
    for victim in [pid, *_descendants(pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)


def _comparable(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in TIMING_FIELDS} for r in rows]


def _packets(path: Path) -> list[tuple[int, bytes]]:
    with av.open(str(path)) as container:
        return [(p.pts, bytes(p)) for p in container.demux(video=0) if p.size]


def test_killed_run_resumes_to_equal_outputs(
    tmp_path: Path, model_config_dir: Path, tiny_vit_checkpoint: Path
) -> None:
    clip = write_video(tmp_path / "long.mp4", 80, gop=8)
    reference = tmp_path / "reference"
    summary = run_tiny([clip], reference, model_config_dir, tiny_vit_checkpoint)
    assert summary.exit_code == 0
    video_id = summary.videos[0]["video_id"]

    resumed = tmp_path / "resumed"
    job = start_tiny_run(clip, resumed, model_config_dir, tiny_vit_checkpoint)
    work = resumed / video_id / ".work"
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline and len(list(work.glob("chunk_*.json"))) < 3:
            assert job.poll() is None, "the job ended before it could be killed"
            time.sleep(0.05)
    finally:
        _kill_tree(job.pid)
        job.wait()
    markers = list(work.glob("chunk_*.json"))
    assert 3 <= len(markers) < 10, "the kill must land mid-way"
    assert not (resumed / video_id / "manifest.json").exists()

    finished = run_tiny([clip], resumed, model_config_dir, tiny_vit_checkpoint)
    assert finished.exit_code == 0
    assert _comparable(read_rows(resumed, video_id)) == _comparable(
        read_rows(reference, video_id))
    assert _packets(resumed / video_id / "overlay.mp4") == _packets(
        reference / video_id / "overlay.mp4")

    # a third run finds everything finished and consistent, and skips it
    again = run_tiny([clip], resumed, model_config_dir, tiny_vit_checkpoint)
    assert again.videos[0].get("skipped") is True and again.exit_code == 0
    # ...unless an output was damaged
    (resumed / video_id / "frames.jsonl").write_text("torn")
    repaired = run_tiny([clip], resumed, model_config_dir, tiny_vit_checkpoint)
    assert not repaired.videos[0].get("skipped")
    assert (resumed / video_id / "frames.jsonl").read_text() != "torn"


def test_dead_actor_is_replaced_and_its_frames_redone(
    tmp_path: Path, model_config_dir: Path, tiny_vit_checkpoint: Path
) -> None:
    clip = write_video(tmp_path / "clip.mp4", 24, gop=8)
    marker = tmp_path / "crashed.txt"
    with local_ray(worker_setup=crash_once_hook(marker)):
        summary = run_tiny([clip], tmp_path / "out", model_config_dir, tiny_vit_checkpoint,
                           config=tiny_config(tiny_vit_checkpoint,
                                              **{"pipeline.actor_batch_size": 2}))
    assert marker.exists(), "the actor was never killed"
    assert summary.exit_code == 0
    rows = read_rows(tmp_path / "out", summary.videos[0]["video_id"])
    assert {r["status"] for r in rows} == {"ok"}
    assert sorted({r["frame_index"] for r in rows}) == list(range(24))
