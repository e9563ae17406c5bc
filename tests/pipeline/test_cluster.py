"""A real two-node Ray cluster on this machine: `ray start --head` plus a second node that
joins it, then `--address` runs the pipeline there and work lands on both nodes.

Each node gets its own short --temp-dir, so the cluster's address file is not where a plain
`ray.init()` looks, and no other job on the machine joins it by accident.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
from pipeline_support import PROMPTS, write_video

pytestmark = pytest.mark.slow
RAY = str(Path(sys.executable).parent / "ray")
TESTS = Path(__file__).resolve().parents[1]


def _node_ip() -> str:
    import ray._private.services as services

    return services.get_node_ip_address()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("", 0))
        return sock.getsockname()[1]


def _ray(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([RAY, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def two_node_cluster() -> tuple[str, dict[str, str]]:
    if not Path(RAY).exists():
        pytest.skip("the ray CLI is not installed next to this Python")
    ip, port = _node_ip(), _free_port()
    head_dir = tempfile.mkdtemp(prefix="dxh", dir="/tmp")
    worker_dir = tempfile.mkdtemp(prefix="dxw", dir="/tmp")
    env = dict(os.environ, RAY_AUTH_MODE="token")
    common = ["--num-cpus=2", "--disable-usage-stats"]
    head = _ray("start", "--head", f"--node-ip-address={ip}", f"--port={port}",
                f"--temp-dir={head_dir}", "--include-dashboard=false", *common, env=env)
    assert head.returncode == 0, head.stderr[-2000:]
    address = f"{ip}:{port}"
    try:
        worker = _ray("start", f"--address={address}", f"--node-ip-address={ip}",
                      f"--temp-dir={worker_dir}", *common, env=env)
        assert worker.returncode == 0, worker.stderr[-2000:]
        yield address, env
    finally:
        # stop only this cluster's processes: their session dirs hold their pids
        for directory in (worker_dir, head_dir):
            _stop_session(Path(directory))
        shutil.rmtree(head_dir, ignore_errors=True)
        shutil.rmtree(worker_dir, ignore_errors=True)


def _stop_session(temp_dir: Path) -> None:
    """Kill the processes whose command line names this node's temp dir, by pid."""
    import signal

    marker = str(temp_dir)
    for sig, pause in ((signal.SIGTERM, 2), (signal.SIGKILL, 0)):
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmdline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(entry.name), sig)
        time.sleep(pause)


def test_pipeline_runs_on_both_nodes(
    two_node_cluster, tmp_path: Path, model_config_dir: Path, tiny_vit_checkpoint: Path
) -> None:
    address, env = two_node_cluster
    clips = [write_video(tmp_path / f"clip{i}.mp4", 32, gop=8) for i in range(2)]
    out = tmp_path / "out"
    # The driver runs in its own process: Ray reads RAY_AUTH_MODE when it first loads.
    script = textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {str(TESTS)!r})
        import open_clip
        open_clip.add_model_config({str(model_config_dir)!r})
        from pathlib import Path
        import ray
        from pipeline_support import run_tiny, tiny_config
        from ray.data import DataContext
        # Ray Data spreads tasks and actors over the nodes by default; this test relies on it.
        assert DataContext.get_current().scheduling_strategy == "SPREAD"
        ray.init(address={address!r}, log_to_driver=False)
        alive = len([n for n in ray.nodes() if n["Alive"]])
        ray.shutdown()
        ckpt = Path({str(tiny_vit_checkpoint)!r})
        config = tiny_config(ckpt, **{{"pipeline.num_actors": 2,
                                       "pipeline.num_cpus_per_actor": 1.0}})
        summary = run_tiny([Path(p) for p in {[str(c) for c in clips]!r}],
                           Path({str(out)!r}), Path({str(model_config_dir)!r}), ckpt,
                           config=config, address={address!r}, keep_work=True)
        print("RESULT", json.dumps({{"alive": alive, "videos": summary.videos}}))
    """)
    job = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=400)
    lines = [line for line in job.stdout.splitlines() if line.startswith("RESULT ")]
    assert job.returncode == 0 and lines, job.stderr[-3000:]
    result = json.loads(lines[-1].removeprefix("RESULT "))
    assert result["alive"] == 2
    model_nodes, writer_nodes = set(), set()
    for video in result["videos"]:
        assert video["status"] == "ok", video
        assert video["rows"] == 32 * len(PROMPTS)
        for marker in (out / video["video_id"] / ".work").glob("chunk_*.json"):
            worker = json.loads(marker.read_text())["worker"]
            model_nodes.add(worker["model"]["node_id"])
            writer_nodes.add(worker["writer"]["node_id"])
    assert len(model_nodes | writer_nodes) == 2, (model_nodes, writer_nodes)
