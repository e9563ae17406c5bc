"""Issue 18, part A: a run owns its output, accounts for every answer, writes readable files,
and refuses before any compute what cannot work (config pairs, --out, inputs, the machine)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pipeline_support import tiny_config, write_video

from drivexplain.operators.config import ConfigError, DrivexplainConfig, load_config
from drivexplain.pipeline import guards
from drivexplain.pipeline.answers import assign_answers, read_answers, unknown_videos
from drivexplain.pipeline.commands import EXIT_INPUT_FAILED, EXIT_OK, EXIT_USAGE, run_command
from drivexplain.pipeline.guards import (
    LOCK_NAME,
    OutputBusy,
    actor_memory_bytes,
    check_local_resources,
    check_output_dir,
    local_ray_environment,
    output_lock,
)
from drivexplain.pipeline.sinks.writers import write_json_atomic
from drivexplain.pipeline.sources.inputs import expand_inputs

PROMPT = "Is there a car ahead?"
REPO = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, caplog: pytest.LogCaptureFixture, **kwargs) -> int:
    args = {"inputs": [str(tmp_path / "in")], "prompts": [PROMPT], "prompts_file": None,
            "concepts": [], "config_path": None, "address": None, "out": tmp_path / "out",
            "progress": False}
    args.update(kwargs)
    with caplog.at_level(logging.INFO, logger="drivexplain.pipeline"):
        return run_command(**args)


@pytest.fixture
def one_video(tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir()
    return write_video(tmp_path / "in" / "clip.mp4", 4)


def _nothing_written(out: Path) -> bool:
    return not (out / "run.json").exists() and not (out / "report.html").exists() and not [
        p for p in out.glob("*") if p.is_dir()]


# ----------------------------------------------------------------------------- item 1
def test_second_run_on_a_held_out_exits_2_naming_the_holder(
        tmp_path: Path, one_video: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "out"
    with output_lock(out):
        code = _run(tmp_path, caplog)
        assert code == EXIT_USAGE
        assert f"pid {os.getpid()} on {socket.gethostname()}" in caplog.text
        assert "in use by another drivexplain run" in caplog.text
        assert _nothing_written(out)
    assert (out / LOCK_NAME).read_text() == ""  # released cleanly: nothing to take over
    with output_lock(out):  # free again
        pass


def test_stale_lock_is_taken_over_and_its_ray_processes_stopped(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "out"
    out.mkdir()
    node_id = "f00d" * 14
    # stands for the DashboardAgent a SIGKILLed run's Ray leaves behind
    orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                              env={**os.environ, "RAY_NODE_ID": node_id})
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                                 env={**os.environ, "RAY_NODE_ID": "other"})
    try:
        (out / LOCK_NAME).write_text(json.dumps({
            "pid": 999_999_999, "host": socket.gethostname(), "started": time.time() - 60,
            "ray_node_id": node_id}))
        with caplog.at_level(logging.INFO, logger="drivexplain.pipeline"), output_lock(out):
            assert orphan.wait(timeout=10) != 0
        assert "taking over the lock" in caplog.text and "pid 999999999" in caplog.text
        assert "stopped 1 Ray processes" in caplog.text
        assert bystander.poll() is None
    finally:
        for proc in (orphan, bystander):
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_lock_is_held_across_processes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path\n"
        "from drivexplain.pipeline.guards import output_lock\n"
        f"with output_lock(Path({str(out)!r})):\n"
        "    print('held', flush=True); time.sleep(30)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(OutputBusy, match=f"pid {holder.pid} on"), output_lock(out):
            pass
        holder.kill()  # SIGKILL: the kernel drops the lock, the content stays
        holder.wait()
        with output_lock(out) as lock:
            assert lock.holder["pid"] == os.getpid()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


# ----------------------------------------------------------------------------- item 2
def test_answers_that_cannot_be_placed_are_listed_with_line_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "answers.jsonl"
    path.write_text("\n".join([
        '{"frame": 2, "answer": "by frame"}',
        '{"frame": 999, "answer": "beyond the video"}',
        '{"t": 9.0, "answer": "after the end"}',
        '{"t": 0.41, "answer": "nearest"}',
        '{"t": 0.44, "answer": "same frame, further"}',
        '{"t": 0.2, "answer": "lands on the frame line 1 answers"}',
        '{"frame": 0, "answer": "another input", "video": "other.mp4"}',
        '{"frame": 2, "answer": "frame 2 again, for this video", "video": "clip.mp4"}',
    ]) + "\n")
    items = read_answers(path, [PROMPT])
    analysed = {0: 0.0, 2: 0.2, 4: 0.4, 6: 0.6}
    placed = assign_answers(items, ["clip.mp4", "clip"], analysed, fps=10.0)
    assert placed.answers == {2: {PROMPT: "by frame"}, 4: {PROMPT: "nearest"}}
    reasons = dict(placed.unplaced)
    assert sorted(reasons) == [2, 3, 5, 6, 8]
    assert "past the end" in reasons[2] and "past the end" in reasons[3]
    assert "like line 4, which is nearer" in reasons[5]
    assert "which line 1 answers by frame index" in reasons[6]
    assert "already has an answer on line 1" in reasons[8]
    assert unknown_videos(items, ["clip.mp4", "clip"]) == [
        (7, "video 'other.mp4' matches no input of this run")]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_unplaced_answers_are_recorded_and_fail_the_run_unless_allowed(
        tmp_path: Path, model_config_dir: Path, tiny_vit_checkpoint: Path,
        capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    """One real local run, which also checks items 3, 12 and 16 on it."""
    import ray

    from drivexplain.pipeline.run import RunOptions, run_pipeline

    video = write_video(tmp_path / "clip.mp4", 12)
    answers = tmp_path / "answers.jsonl"
    answers.write_text("\n".join(json.dumps(x) for x in [
        {"frame": 0, "answer": "Yes."},
        {"frame": 40, "answer": "No."},                       # past the end
        {"t": 0.1, "answer": "lands on frame 1"},
        {"t": 0.12, "answer": "also frame 1, further"},       # two on one frame
        {"frame": 2, "answer": "Yes.", "video": "typo.mp4"},  # no such input
    ]) + "\n")
    out = tmp_path / "out"
    seen: dict[str, object] = {}

    def on_chunk(_row: dict) -> None:
        if not seen:
            seen["ip"] = ray.util.get_node_ip_address()
            seen["lock"] = json.loads((out / LOCK_NAME).read_text())

    options = RunOptions(inputs=[str(video)], prompts=[PROMPT], out=out,
                         config=tiny_config(tiny_vit_checkpoint),
                         model_config_dirs=[str(model_config_dir)], progress=False,
                         answers=answers)
    with caplog.at_level(logging.INFO, logger="drivexplain.pipeline"):
        summary = run_pipeline(options, on_chunk=on_chunk)
    assert summary.videos[0]["status"] == "ok" and not summary.failed
    assert summary.exit_code == EXIT_INPUT_FAILED
    record = json.loads((out / "run.json").read_text())
    where = {u["where"]: u for u in record["unplaced_answers"]}
    assert set(where) == {f"{answers}:{n}" for n in (2, 4, 5)}
    assert "past the end" in where[f"{answers}:2"]["reason"]
    assert "nearer" in where[f"{answers}:4"]["reason"]
    assert "'typo.mp4' matches no input" in where[f"{answers}:5"]["reason"]
    video_dir = out / summary.videos[0]["video_id"]
    manifest = json.loads((video_dir / "manifest.json").read_text())
    assert {u["line"] for u in manifest["unplaced_answers"]} == {2, 4}
    for page in (out / "report.html", video_dir / "report.html"):
        text = page.read_text()
        assert "Unplaced answers" in text and f"{answers.name}:2" in text
    assert "could not be placed" in caplog.text and "--allow-unplaced" in caplog.text

    # item 3: every output is readable like any file the user creates
    mask = guards_umask()
    modes = {p.relative_to(out): stat.S_IMODE(p.stat().st_mode) for p in out.rglob("*")
             if p.is_file()}
    assert modes and set(modes.values()) == {0o666 & ~mask}, modes
    # item 12: the local Ray listened on loopback only; the lock named its node for cleanup
    assert seen["ip"] == "127.0.0.1"
    assert seen["lock"]["pid"] == os.getpid() and seen["lock"]["ray_node_id"]
    # item 16: the actors asked for memory, and Ray's lines are explained or gone
    assert "each attribution actor requests" in caplog.text
    assert "has constructor arguments in the object store" in caplog.text
    err = capfd.readouterr().err
    assert "Token authentication is enabled" not in err
    assert "but Ray only requests" not in err
    assert "Progress bars disabled" not in err

    # the same audit with --allow-unplaced: recorded still, but exit 0 (nothing is recomputed)
    again = run_pipeline(RunOptions(**{**options.__dict__, "allow_unplaced": True}))
    assert again.exit_code == EXIT_OK and again.videos[0].get("skipped")
    assert len(again.unplaced) == 3
    assert len(json.loads((out / "run.json").read_text())["unplaced_answers"]) == 3


def guards_umask() -> int:
    from drivexplain.pipeline.sinks.writers import current_umask

    return current_umask()


# ----------------------------------------------------------------------------- item 3
@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002])
def test_atomic_outputs_honour_the_umask(tmp_path: Path, mask: int) -> None:
    old = os.umask(mask)
    try:
        write_json_atomic(tmp_path / "x.json", {"a": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "x.json").stat().st_mode) == 0o666 & ~mask


# ----------------------------------------------------------------------------- item 4
def test_contradicting_config_pairs_are_refused_before_compute(
        tmp_path: Path, one_video: Path, caplog: pytest.LogCaptureFixture) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("coherence:\n  episode_enter: 0.1\n  episode_exit: 0.9\n")
    assert _run(tmp_path, caplog, config_path=bad) == EXIT_USAGE
    assert "coherence.episode_exit" in caplog.text and "coherence.episode_enter" in caplog.text
    assert "Traceback" not in caplog.text and _nothing_written(tmp_path / "out")
    for text, keys in [
        ("coherence:\n  episode_enter: 0.5\n  episode_exit: 0.5\n", ["episode_exit"]),
        ("pipeline:\n  stride: 3\n  sample_fps: 2\n", ["pipeline.stride", "sample_fps"]),
        ("attribution:\n  faithfulness:\n    enabled: false\ncoherence:\n  ground_min_ns: 2\n",
         ["coherence.ground_min_ns", "attribution.faithfulness.enabled"]),
    ]:
        bad.write_text(text)
        with pytest.raises(ConfigError) as err:
            load_config(bad)
        assert all(k in str(err.value) for k in keys), str(err.value)
    bad.write_text("pipeline:\n  stride: 1\n  sample_fps: 2\n")  # stride 1 is no contradiction
    assert load_config(bad).pipeline.sample_fps == 2


# ----------------------------------------------------------------------------- item 5 / 13
def test_out_that_is_a_file_is_a_sentence(tmp_path: Path, one_video: Path,
                                          caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "out").write_text("I am a file")
    assert _run(tmp_path, caplog) == EXIT_USAGE
    assert f"--out {tmp_path / 'out'} is a file, not a directory" in caplog.text
    assert "Traceback" not in caplog.text


def test_demo_out_that_is_a_file_is_a_sentence(tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    from drivexplain.pipeline.commands import demo_command

    (tmp_path / "demo").write_text("a file")
    with caplog.at_level(logging.INFO, logger="drivexplain.pipeline"):
        assert demo_command(tmp_path / "demo", progress=False) == EXIT_USAGE
    assert "is a file, not a directory" in caplog.text


def test_out_that_cannot_be_written_fails_before_compute(
        tmp_path: Path, one_video: Path, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    def read_only(self: Path, *args, **kwargs):  # what a read-only mount answers
        if self.name.startswith(".drivexplain-probe"):
            raise OSError(errno.EROFS, "Read-only file system")
        return original(self, *args, **kwargs)

    original = Path.open
    monkeypatch.setattr(Path, "open", read_only)
    assert _run(tmp_path, caplog) == EXIT_USAGE
    assert "cannot be written (Read-only file system)" in caplog.text
    assert _nothing_written(tmp_path / "out")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a 0555 directory")
def test_out_without_write_permission(tmp_path: Path) -> None:
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        with pytest.raises(ValueError, match="cannot be written"):
            check_output_dir(out)
    finally:
        out.chmod(0o755)


# ----------------------------------------------------------------------------- item 7
def test_an_input_that_matches_nothing_is_named(tmp_path: Path, one_video: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    for typo, said in [(str(tmp_path / "in" / "clp*.mp4"), "a pattern that matches no file"),
                       (str(tmp_path / "in" / "clpi.mp4"), "does not exist"),
                       (str(tmp_path / "out"), "does not exist")]:
        with pytest.raises(ValueError, match="matches no file|does not exist") as err:
            expand_inputs([str(one_video), typo])
        assert repr(typo) in str(err.value) and said in str(err.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="directory that holds no video file"):
        expand_inputs([str(one_video), str(tmp_path / "empty")])
    with pytest.raises(ValueError, match="does not exist or holds no video"):
        expand_inputs([str(one_video), (tmp_path / "nothing").as_uri()])
    code = _run(tmp_path, caplog, inputs=[str(one_video), str(tmp_path / "in" / "*.mkv")])
    assert code == EXIT_USAGE and "*.mkv' is a pattern that matches no file" in caplog.text
    assert _nothing_written(tmp_path / "out")


# ----------------------------------------------------------------------------- item 8
def test_actor_pool_that_can_never_be_scheduled_is_refused(
        tmp_path: Path, one_video: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = tmp_path / "many.yaml"
    config.write_text("pipeline:\n  num_actors: 1000\n")
    assert _run(tmp_path, caplog, config_path=config) == EXIT_USAGE
    assert "pipeline.num_actors (1000)" in caplog.text
    assert f"this machine has {os.cpu_count()} cores" in caplog.text
    assert _nothing_written(tmp_path / "out")
    pipe = DrivexplainConfig().pipeline
    check_local_resources(pipe.model_copy(update={"num_actors": 2}), cores=2, gpus=0)
    with pytest.raises(ValueError, match=r"needs 3 CPUs, but this machine has 2 cores: at most"
                                         r" 2 actors fit"):
        check_local_resources(pipe.model_copy(update={"num_actors": 3}), cores=2)
    gpu = pipe.model_copy(update={"num_actors": 3, "num_gpus_per_actor": 0.5})
    check_local_resources(gpu, cores=8, gpus=2)
    with pytest.raises(ValueError, match=r"needs 1.5 GPUs, but this machine has 1: at most 2"):
        check_local_resources(gpu, cores=8, gpus=1)
    with pytest.raises(ValueError, match="GPUs, but this machine has 0"):
        check_local_resources(gpu, cores=8, gpus=0)
    with pytest.raises(ValueError, match=r"need about 6.0 GiB \(3.0 GiB each\).* at most 1 fit"):
        check_local_resources(pipe.model_copy(update={"num_actors": 2}), cores=8,
                              actor_memory=3 * 2**30, memory=5 * 2**30)


# ----------------------------------------------------------------------------- item 12
def test_local_ray_is_bound_to_loopback_and_keeps_token_auth_quietly() -> None:
    import ray
    import ray._private.ray_constants as constants
    from ray._private import services

    if ray.is_initialized():
        pytest.skip("another test left Ray running")
    before = constants.ENABLE_RAY_CLUSTER
    auth_log = logging.getLogger("ray._private.authentication.authentication_token_setup")
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    handler = Keep()
    auth_log.addHandler(handler)
    try:
        with local_ray_environment():
            assert services.get_node_ip_address() == "127.0.0.1"
            assert os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] == "0"
            auth_log.warning("Token authentication is enabled for this Ray cluster. Set ...")
            auth_log.warning("Token authentication is disabled for this Ray cluster. ...")
    finally:
        auth_log.removeHandler(handler)
    assert seen == ["Token authentication is disabled for this Ray cluster. ..."]
    assert constants.ENABLE_RAY_CLUSTER == before
    assert "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER" not in os.environ or before is False


# ----------------------------------------------------------------------------- item 15
def test_ray_auth_token_is_ignored_by_git() -> None:
    lines = (REPO / ".gitignore").read_text().splitlines()
    assert "ray_auth_token" in lines
    if (REPO / ".git").exists():
        check = subprocess.run(["git", "check-ignore", "-q", "ray_auth_token"], cwd=REPO)
        assert check.returncode == 0


# ----------------------------------------------------------------------------- item 16
def test_actor_memory_request_follows_the_models_and_batch() -> None:
    config = load_config()
    clip_only = actor_memory_bytes(config, with_vlm=False)
    with_vlm = actor_memory_bytes(config, with_vlm=True)
    assert 1 * 2**30 < clip_only < with_vlm < 6 * 2**30
    bigger = config.with_overrides(**{"runtime.batch_size": 32})
    assert actor_memory_bytes(bigger, with_vlm=True) > with_vlm
    on_gpu = config.with_overrides(**{"pipeline.num_gpus_per_actor": 1.0})
    assert actor_memory_bytes(on_gpu, with_vlm=True) < with_vlm  # activations on the device
    assert guards._weight_bytes(None) == 0


# ----------------------------------------------------------------------------- items 1 + 12, live
def _processes_of_node(node_id: str) -> list[int]:
    marker = f"RAY_NODE_ID={node_id}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.slow
def test_concurrent_run_is_refused_and_a_killed_runs_ray_is_cleaned_up(
        tmp_path: Path, model_config_dir: Path, tiny_vit_checkpoint: Path) -> None:
    """Two real runs on one --out: the second is refused, naming the first; after a SIGKILL of
    the first driver (only), a rerun takes the lock over, stops the Ray processes it left
    (DashboardAgent, RuntimeEnvAgent...) and finishes."""
    from pipeline_support import run_tiny, start_tiny_run

    clip = write_video(tmp_path / "long.mp4", 80, gop=8)
    out = tmp_path / "out"
    job = start_tiny_run(clip, out, model_config_dir, tiny_vit_checkpoint)
    node_id = ""
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not list(out.glob("*/.work/chunk_*.json")):
            assert job.poll() is None, "the first run ended before it could be watched"
            time.sleep(0.05)
        with pytest.raises(OutputBusy, match=f"pid {job.pid} on {socket.gethostname()}"):
            run_tiny([clip], out, model_config_dir, tiny_vit_checkpoint)
        assert not (out / "run.json").exists()
        node_id = json.loads((out / LOCK_NAME).read_text())["ray_node_id"]
        job.kill()  # SIGKILL of the driver alone, as a user's `kill -9` would
        job.wait()
        # Whether Ray's agents outlive the driver depends on timing (they usually linger for
        # about 90 s); either way, after the rerun none of them may be left.
        summary = run_tiny([clip], out, model_config_dir, tiny_vit_checkpoint)
        assert summary.exit_code == 0
        deadline = time.monotonic() + 10
        while _processes_of_node(node_id) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _processes_of_node(node_id)
    finally:
        if job.poll() is None:
            job.kill()
            job.wait()
        for pid in _processes_of_node(node_id) if node_id else []:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
