"""Shared helpers for the pipeline tests: tiny test videos, a tiny model, and one shared run.

Starting Ray costs seconds, so the end-to-end, fault and browser tests share one run over a
directory holding a good clip, a variable-frame-rate clip and every kind of bad input.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pyarrow.parquet as pq
import pytest

from drivexplain.operators.config import DrivexplainConfig, load_config
from drivexplain.pipeline.run import RunOptions, RunSummary, run_pipeline

PROMPTS = ["Is a pedestrian crossing?", "Is there a car <b>ahead</b>?"]
_CACHE: dict[str, Any] = {}


def moving_box(i: int, width: int, height: int) -> np.ndarray:
    frame = np.full((height, width, 3), 40, np.uint8)
    x = (i * 5) % max(1, width - 24)
    frame[height // 3 : height // 3 + 20, x : x + 24] = (220, 40, 40)
    frame[: height // 4] = (90, 140, 220)
    return frame


def write_video(
    path: Path,
    frames: int,
    fps: int = 10,
    size: tuple[int, int] = (160, 96),
    gop: int = 8,
    pts: list[int] | None = None,
    faststart: bool = False,
) -> Path:
    """An H.264 MP4 with a moving box; `pts` (in 1/fps units) makes it variable-rate."""
    options = {"movflags": "+faststart"} if faststart else {}
    container = av.open(str(path), mode="w", options=options)
    stream = container.add_stream("libx264", rate=fps)
    stream.width, stream.height = size
    stream.pix_fmt = "yuv420p"
    stream.codec_context.gop_size = gop
    stream.codec_context.time_base = Fraction(1, fps * 100)
    for i in range(frames):
        frame = av.VideoFrame.from_ndarray(moving_box(i, *size), format="rgb24")
        frame.pts = (pts[i] if pts else i) * 100
        frame.time_base = Fraction(1, fps * 100)
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return path


def make_bad_inputs(folder: Path) -> dict[str, Path]:
    """Corrupt, truncated, zero-frame and non-video files, named for what they are."""
    good = write_video(folder / "source_for_bad.mp4", 30, faststart=True)
    data = good.read_bytes()
    good.unlink()
    truncated = folder / "truncated.mp4"
    truncated.write_bytes(data[: len(data) // 2])
    corrupt = bytearray(data)
    middle = len(corrupt) // 2
    corrupt[middle : middle + 1500] = b"\xff" * 1500  # NAL length fields become invalid
    (folder / "corrupt.mp4").write_bytes(bytes(corrupt))
    zero = av.open(str(folder / "zero.mp4"), mode="w")
    stream = zero.add_stream("libx264", rate=10)
    stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
    zero.start_encoding()
    zero.close()
    (folder / "notes.mp4").write_text("this is not a video\n")
    return {name: folder / f"{name}.mp4" for name in ("truncated", "corrupt", "zero", "notes")}


def tiny_config(checkpoint: Path, **overrides: Any) -> DrivexplainConfig:
    base = {
        "model.name": "TestTinyViT",
        "model.pretrained": str(checkpoint),
        "pipeline.chunk_frames": 8,
        "pipeline.decode_cpus": 0.25,
        "pipeline.writer_cpus": 0.25,
        "pipeline.transport_short_side": 64,
        "runtime.device": "cpu",
        "runtime.batch_size": 8,
        "attribution.heads.top_k": 3,
    }
    base.update(overrides)
    # The CLIP-only path: no VLM answers (the embedded-VLM path is tested in test_coherence).
    data = load_config().model_dump(mode="json")
    data["coherence"]["vlm"] = None
    return DrivexplainConfig.model_validate(data).with_overrides(**base)


def run_tiny(
    inputs: list[Path], out: Path, model_config_dir: Path, checkpoint: Path, **kwargs: Any
) -> RunSummary:
    config = kwargs.pop("config", None) or tiny_config(checkpoint)
    return run_pipeline(
        RunOptions(
            inputs=[str(p) for p in inputs],
            prompts=kwargs.pop("prompts", PROMPTS),
            out=out,
            config=config,
            model_config_dirs=[str(model_config_dir)],
            progress=False,
            **kwargs,
        )
    )


def start_tiny_run(clip: Path, out: Path, model_config_dir: Path, checkpoint: Path
                   ) -> subprocess.Popen:
    """`run_tiny` in a separate process (its own session, so a test can SIGKILL the driver
    alone), keeping the per-chunk work so a test can watch it progress."""
    tests = Path(__file__).resolve().parent
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(tests)!r})
        import open_clip
        open_clip.add_model_config({str(model_config_dir)!r})
        from pathlib import Path
        from pipeline_support import run_tiny
        run_tiny([Path({str(clip)!r})], Path({str(out)!r}), Path({str(model_config_dir)!r}),
                 Path({str(checkpoint)!r}), keep_work=True)
    """)
    return subprocess.Popen([sys.executable, "-c", script], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def crash_once_hook(marker: Path) -> Callable[[], None]:
    """A Ray worker setup hook: the first model call of the run kills its actor process.

    It leaves `marker` behind (holding the pid) so the test can tell the kill happened and
    the replacement actor, which runs the hook too, does not kill itself again.
    """
    path = str(marker)

    def hook() -> None:
        from drivexplain.pipeline.actors import AttributionActor

        original = AttributionActor.__call__

        def call(self: AttributionActor, batch: dict[str, np.ndarray]) -> dict[str, Any]:
            if not os.path.exists(path):
                Path(path).write_text(str(os.getpid()))
                os._exit(1)
            return original(self, batch)

        AttributionActor.__call__ = call  # type: ignore[method-assign]

    return hook


@contextlib.contextmanager
def local_ray(worker_setup: Callable[[], None]) -> Iterator[None]:
    """A local Ray whose workers run `worker_setup` first; `run_pipeline` joins it."""
    import ray

    ray.init(address="local", num_cpus=max(4, os.cpu_count() or 1), include_dashboard=False,
             log_to_driver=False, object_store_memory=512 * 1024 * 1024,
             runtime_env={"worker_process_setup_hook": worker_setup})
    try:
        yield
    finally:
        ray.shutdown()


def read_rows(out: Path, video_id: str) -> list[dict[str, Any]]:
    return pq.read_table(out / video_id / "frames.parquet").to_pylist()


def read_jsonl(out: Path, video_id: str) -> list[dict[str, Any]]:
    lines = (out / video_id / "frames.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def by_name(summary: RunSummary) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in summary.videos}


@pytest.fixture(scope="session")
def shared_run(
    tmp_path_factory: pytest.TempPathFactory, model_config_dir: Path, tiny_vit_checkpoint: Path
) -> tuple[RunSummary, Path, Path]:
    """One run over good, VFR and bad inputs; returns (summary, out dir, inputs dir).

    Each test module that imports this fixture registers its own copy, so the result is
    cached here to keep it to one run per session.
    """
    if "shared_run" in _CACHE:
        return _CACHE["shared_run"]
    inputs = tmp_path_factory.mktemp("inputs")
    write_video(inputs / "good.mp4", 30)
    vfr = [0, 1, 2, 3, 5, 6, 9, 10, 11, 15, 16, 17, 18, 20, 24, 25, 26, 27, 30, 31]
    write_video(inputs / "vfr.mp4", len(vfr), pts=vfr)
    make_bad_inputs(inputs)
    out = tmp_path_factory.mktemp("out")
    summary = run_tiny([inputs], out, model_config_dir, tiny_vit_checkpoint, keep_work=False)
    _CACHE["shared_run"] = (summary, out, inputs)
    return _CACHE["shared_run"]
