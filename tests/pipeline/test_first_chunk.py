"""Time to the first processed frame: a short first chunk (pipeline.first_chunk_frames), the
driver hearing of each chunk when it is written, and decode/write workers that do not import
torch. None of it may change what a run writes."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from pipeline_support import (  # noqa: F401  (shared_run is a fixture)
    PROMPTS,
    by_name,
    read_rows,
    shared_run,
    tiny_config,
    write_video,
)

from drivexplain.pipeline.chunks import plan_chunks
from drivexplain.pipeline.run import RunOptions, run_pipeline
from drivexplain.pipeline.sinks.layout import VideoLayout, chunk_done
from drivexplain.pipeline.sinks.records import TIMING_FIELDS
from drivexplain.pipeline.sources.decode import (
    DecodedFrame,
    VideoIndex,
    index_video,
    iter_chunk_frames,
)


def _index(frames: int, keyframes: list[int]) -> VideoIndex:
    return VideoIndex(pts=tuple(range(frames)), keyframes=tuple(
        i in keyframes for i in range(frames)), time_base=Fraction(1, 10), width=64, height=64,
        average_rate=Fraction(10), codec="h264")


def test_first_chunk_holds_the_given_number_of_sampled_frames() -> None:
    index = _index(100, keyframes=list(range(0, 100, 10)))
    every = list(range(100))
    chunks = plan_chunks("v", "v.mp4", index, every, chunk_frames=30, first_chunk_frames=16)
    assert [(c.start, c.stop) for c in chunks] == [(0, 16), (16, 50), (50, 80), (80, 100)]
    assert [c.key_start for c in chunks] == [0, 10, 50, 80]  # 16 is no keyframe: seek to 10
    assert [i for c in chunks for i in c.sampled] == every  # every frame once, in order
    # with sparse sampling the first chunk still holds that many *analysed* frames
    third = list(range(0, 100, 3))
    chunks = plan_chunks("v", "v.mp4", index, third, chunk_frames=30, first_chunk_frames=4)
    assert chunks[0].sampled == (0, 3, 6, 9) and chunks[1].start == 12
    assert [i for c in chunks for i in c.sampled] == third
    # off (0), or no shorter than the usual first chunk: the plan is the usual one
    usual = plan_chunks("v", "v.mp4", index, every, chunk_frames=30)
    for first in (0, 30, 40, 200):
        assert plan_chunks("v", "v.mp4", index, every, chunk_frames=30,
                           first_chunk_frames=first) == usual
    assert [(c.start, c.stop) for c in usual] == [(0, 30), (30, 60), (60, 90), (90, 100)]


def test_short_first_chunk_decodes_to_the_whole_video(tmp_path: Path) -> None:
    path = write_video(tmp_path / "c.mp4", 40, gop=7)
    index = index_video(str(path))
    chunks = plan_chunks("c", str(path), index, list(range(40)), chunk_frames=9,
                         first_chunk_frames=3)
    assert (chunks[0].start, chunks[0].stop, chunks[1].start) == (0, 3, 3)
    frames = [item for chunk in chunks
              for item in iter_chunk_frames(str(path), chunk.pts, chunk.start)]
    assert all(isinstance(f, DecodedFrame) for f in frames)
    assert [f.index for f in frames] == list(range(40))
    whole = [f.image for f in iter_chunk_frames(str(path), index.pts, 0)]
    assert all(np.array_equal(a.image, b) for a, b in zip(frames, whole, strict=True))


def test_a_marker_for_other_frames_is_not_this_chunk(tmp_path: Path) -> None:
    layout = VideoLayout(tmp_path)
    layout.work.mkdir(parents=True)
    layout.chunk_log(0).write_bytes(b"rows")
    layout.chunk_marker(0).write_text(json.dumps(
        {"fingerprint": "f", "chunk_index": 0, "start": 0, "stop": 64, "has_video": False}))
    assert chunk_done(layout, 0, "f", (0, 64)) and chunk_done(layout, 0, "f")
    assert not chunk_done(layout, 0, "f", (0, 16))  # planned with another first chunk
    assert not chunk_done(layout, 0, "g", (0, 64))


def test_decode_and_write_stages_do_not_import_torch() -> None:
    """Their workers start beside the model actor; a torch import there takes CPU the actor's
    own start-up needs (seconds on a small machine)."""
    code = ("import sys, drivexplain.pipeline.stages, drivexplain.pipeline.payloads; "
            "print('torch' in sys.modules)")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True)
    assert found.stdout.strip() == "False"


def _comparable(rows: list[dict]) -> list[dict]:
    skip = {*TIMING_FIELDS, "chunk_index", "config_hash"}
    return [{k: v for k, v in r.items() if k not in skip} for r in rows]


def _same(a: object, b: object) -> bool:
    """Equal, floats up to float32 rounding: a batch of 3 frames and one of 8 may take
    different matrix-product kernels, which round differently (about 1e-7 per similarity). A
    drop is a difference of such similarities and keeps their absolute error, not their
    relative one: a concept drop of 0.0104 differed by 1.2e-6 (1.2e-4 of itself) on one
    machine, hence the absolute tolerance of 1e-5."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-5)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_short_first_chunk_writes_the_same_rows(
    tmp_path: Path, shared_run, model_config_dir: Path, tiny_vit_checkpoint: Path,  # noqa: F811
) -> None:
    summary, out, inputs = shared_run  # first chunk like the others (8 frames, gop 8)
    good = by_name(summary)["good.mp4"]
    config = tiny_config(tiny_vit_checkpoint, **{"pipeline.first_chunk_frames": 3})
    heard: list[dict] = []
    result = run_pipeline(RunOptions(
        inputs=[str(inputs / "good.mp4")], prompts=PROMPTS, out=tmp_path / "out",
        config=config, model_config_dirs=[str(model_config_dir)], progress=False,
        ), on_chunk=heard.append)
    assert result.exit_code == 0
    # the first chunk is 3 frames, then chunks end on keyframes as before (gop 8: at 16 and 24)
    assert sorted((int(h["chunk_index"]), int(h["frames"])) for h in heard) == [
        (0, 3), (1, 13), (2, 8), (3, 6)]
    rows = read_rows(tmp_path / "out", good["video_id"])
    assert [(r["frame_index"], r["prompt"]) for r in rows] == [
        (i, p) for i in range(30) for p in PROMPTS]
    assert _same(_comparable(rows), _comparable(read_rows(out, good["video_id"])))
    overlay = index_video(str(tmp_path / "out" / good["video_id"] / "overlay.mp4"))
    source = index_video(str(inputs / "good.mp4"))
    assert overlay.pts == source.pts


@pytest.mark.slow
def test_interrupted_run_with_a_short_first_chunk_resumes(
    tmp_path: Path, model_config_dir: Path, tiny_vit_checkpoint: Path
) -> None:
    """A chunk whose marker is missing (the run stopped before it was written) is the only one
    redone; the short first chunk and the others are reused, and the rows come out the same."""
    clip = write_video(tmp_path / "clip.mp4", 30)
    config = tiny_config(tiny_vit_checkpoint, **{"pipeline.first_chunk_frames": 3})

    def run() -> tuple[list[tuple[int, int]], Path]:
        heard: list[dict] = []
        result = run_pipeline(RunOptions(
            inputs=[str(clip)], prompts=PROMPTS, out=tmp_path / "out", config=config,
            model_config_dirs=[str(model_config_dir)], progress=False, keep_work=True),
            on_chunk=heard.append)
        assert result.exit_code == 0
        return (sorted((int(h["chunk_index"]), int(h["frames"])) for h in heard),
                tmp_path / "out" / result.videos[0]["video_id"])

    heard, folder = run()
    assert heard == [(0, 3), (1, 13), (2, 8), (3, 6)]
    rows = read_rows(tmp_path / "out", folder.name)
    layout = VideoLayout(folder)
    layout.chunk_marker(2).unlink()
    layout.manifest.unlink()
    heard, _ = run()
    assert heard == [(2, 8)]
    assert _comparable(read_rows(tmp_path / "out", folder.name)) == _comparable(rows)
