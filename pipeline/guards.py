"""What a run checks and holds before any compute: its output directory, its lock, the machine.

- `check_output_dir`: `--out` is a directory (or can be made one) that this user can write,
  proved with a probe file, so a read-only mount fails in a sentence before the compute and
  not with an OSError after it.
- `output_lock`: one run owns an output directory at a time. The lock is an advisory
  `flock` on `OUT/.drivexplain.lock`, which holds the owner's PID, host and start time; the
  kernel drops the lock when the owner dies however it dies, so a lock left by a killed run
  is taken over (with a note) and the processes its local Ray left behind are stopped.
- `check_local_resources`: on a local run (no `--address`), an actor pool that this machine
  can never schedule (more actors than cores or GPUs allow) is refused with the numbers.
- `local_ray_environment`: a local Ray listens on loopback only and keeps token
  authentication without warning about it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import math
import os
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("drivexplain.pipeline")

LOCK_NAME = ".drivexplain.lock"


class OutputBusy(ValueError):
    """Another run holds the output directory; the message names it."""


def check_output_dir(out: Path) -> None:
    """Raise ValueError with a sentence if `out` cannot hold this run's outputs."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a directory; give a directory path")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ValueError(f"--out {out} cannot be created ({err.strerror or err})") from None
    probe = out / f".drivexplain-probe-{os.getpid()}"
    try:
        with probe.open("wb") as handle:
            handle.write(b"probe")
    except OSError as err:
        raise ValueError(f"--out {out} cannot be written ({err.strerror or err})") from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()


# ----------------------------------------------------------------------------- the lock
def _holder_text(holder: dict[str, Any]) -> str:
    started = holder.get("started")
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)) if started else "?"
    return f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}, started {when}"


def _read_holder(fd: int) -> dict[str, Any]:
    os.lseek(fd, 0, os.SEEK_SET)
    data = b""
    while chunk := os.read(fd, 65536):
        data += chunk
    try:
        holder = json.loads(data.decode("utf-8")) if data.strip() else {}
    except (UnicodeDecodeError, ValueError):
        return {"pid": "?", "host": "?"}
    return holder if isinstance(holder, dict) else {}


def _write_holder(fd: int, holder: dict[str, Any]) -> None:
    data = json.dumps(holder, sort_keys=True).encode() + b"\n"
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, data)


@dataclass
class OutputLock:
    """The held lock; `record` adds facts about the run (e.g. its local Ray node)."""

    path: Path
    fd: int
    holder: dict[str, Any]

    def record(self, **facts: Any) -> None:
        self.holder.update(facts)
        _write_holder(self.fd, self.holder)


@contextlib.contextmanager
def output_lock(out: Path) -> Iterator[OutputLock]:
    """Hold `out` for this run; raise OutputBusy naming the holder if another run has it."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            holder = _read_holder(fd)
            raise OutputBusy(
                f"--out {out} is in use by another drivexplain run ({_holder_text(holder)}); "
                "wait for it to finish or choose another --out") from None
        previous = _read_holder(fd)
        if previous:
            log.info("%s: taking over the lock of a run that ended without releasing it (%s)",
                     out, _holder_text(previous))
            _stop_orphans(previous)
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
        _write_holder(fd, holder)
        lock = OutputLock(path, fd, holder)
        try:
            yield lock
        finally:
            os.ftruncate(fd, 0)  # an empty file: released cleanly, nothing to take over
    finally:
        os.close(fd)  # closing drops the flock


def _stop_orphans(previous: dict[str, Any]) -> int:
    """Stop the processes of a dead run's local Ray node, found by their RAY_NODE_ID.

    Only for a run on this host that started its own Ray (`ray_node_id` recorded), and only
    processes whose environment carries that node ID: a `ray start` cluster or another run's
    Ray has another ID. Ray's DashboardAgent and RuntimeEnvAgent otherwise linger ~90 s.
    """
    node_id = previous.get("ray_node_id")
    if not node_id or previous.get("host") != socket.gethostname():
        return 0
    marker = f"RAY_NODE_ID={node_id}".encode()
    stopped = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in environ.split(b"\0"):
            with contextlib.suppress(OSError):
                os.kill(int(entry.name), signal.SIGKILL)
                stopped += 1
    if stopped:
        log.info("stopped %d Ray processes left by the run that held the lock", stopped)
    return stopped


# ----------------------------------------------------------------------------- the machine
def _gpu_count() -> int:
    try:
        import torch

        return torch.cuda.device_count() if torch.cuda.is_available() else 0
    except Exception:  # no torch build with CUDA: no GPUs as far as the actors are concerned
        return 0


def actors_that_fit(per_actor: float, available: float) -> int:
    """How many actors asking `per_actor` of a whole-unit resource (cores, GPUs) fit."""
    if per_actor <= 0:
        return 10**9
    if per_actor <= 1:  # fractions share a unit: floor(1/f) per unit, as Ray packs them
        return math.floor(available) * math.floor(1 / per_actor + 1e-9)
    return math.floor(available / per_actor + 1e-9)


# Measured with the shipped tiny CLIP and tiny LLaVA on CPU, one torch thread: 0.58 GiB unique
# memory once torch, transformers and both models are loaded; a peak RSS of 2.36 GiB over a
# 16-frame batch (forward, the attention backward and the VLM's answers).
_RUNTIME_BYTES = 640 * 2**20
_PER_FRAME_BYTES = 112 * 2**20


def _weight_bytes(path: str | Path | None) -> int:
    """Bytes of the weights in a checkpoint file or a model directory (0 when not local)."""
    if not path:
        return 0
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    if path.is_dir():
        return sum(p.stat().st_size for p in path.iterdir()
                   if p.suffix in (".safetensors", ".bin", ".pt", ".pth") and p.is_file())
    return 0


def actor_memory_bytes(config: Any, with_vlm: bool) -> int:
    """The host memory one attribution actor asks Ray for, estimated from its models.

    The Python/torch runtime, four bytes per weight byte (fp16 checkpoints widen to fp32, and
    the checkpoint is read while the model is built), and, on CPU, the activations of one
    batch of `runtime.batch_size` frames (on a GPU they live in device memory); the per-frame
    share grows with the square root of the CLIP's size relative to the shipped one (the
    width, for a fixed depth).
    """
    from drivexplain.operators.assets import TINY_CLIP_DIR

    clip = config.model.pretrained
    if not clip and config.model.name == "TinyDriveCLIP":
        clip = TINY_CLIP_DIR / "open_clip_model.safetensors"
    clip_bytes = _weight_bytes(clip)
    vlm_bytes = _weight_bytes(config.coherence.vlm) if with_vlm else 0
    tiny = _weight_bytes(TINY_CLIP_DIR / "open_clip_model.safetensors") or 1
    on_gpu = config.pipeline.num_gpus_per_actor > 0
    per_frame = 0.0 if on_gpu else _PER_FRAME_BYTES * max(1.0, clip_bytes / tiny) ** 0.5
    return int(_RUNTIME_BYTES + 4 * (clip_bytes + vlm_bytes)
               + config.runtime.batch_size * per_frame)


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB"


def check_local_resources(pipeline: Any, cores: int | None = None, gpus: int | None = None,
                          actor_memory: int | None = None, memory: int | None = None,
                          reserved: int = 0) -> None:
    """Refuse an actor pool this machine can never run (a local run only).

    `actor_memory` is what each actor requests; `memory` what the machine has free (default:
    MemAvailable), of which `reserved` (the object store) is not for actors.
    """
    cores = cores if cores is not None else (os.cpu_count() or 1)
    actors, cpus = pipeline.num_actors, pipeline.num_cpus_per_actor
    fit = actors_that_fit(cpus, cores)
    if actors > fit:
        raise ValueError(
            f"pipeline.num_actors ({actors}) x pipeline.num_cpus_per_actor ({cpus:g}) needs "
            f"{actors * cpus:g} CPUs, but this machine has {cores} cores: at most {fit} actors "
            "fit; lower num_actors or give --address of a larger Ray cluster")
    per_gpu = pipeline.num_gpus_per_actor
    if per_gpu > 0:
        gpus = gpus if gpus is not None else _gpu_count()
        if per_gpu > 1 and per_gpu != int(per_gpu):
            raise ValueError(f"pipeline.num_gpus_per_actor ({per_gpu:g}) must be at most 1 or "
                             "a whole number")
        fit = actors_that_fit(per_gpu, gpus)
        if actors > fit:
            raise ValueError(
                f"pipeline.num_actors ({actors}) x pipeline.num_gpus_per_actor ({per_gpu:g}) "
                f"needs {actors * per_gpu:g} GPUs, but this machine has {gpus}: at most {fit} "
                "actors fit")
    if actor_memory:
        memory = memory if memory is not None else _available_memory()
        if memory is not None:
            free = memory - reserved
            fit = max(0, free // actor_memory)
            if actors > fit:
                raise ValueError(
                    f"pipeline.num_actors ({actors}) attribution actors need about "
                    f"{_gib(actors * actor_memory)} ({_gib(actor_memory)} each), but this "
                    f"machine has {_gib(free)} free for them: at most {fit} fit; lower "
                    "num_actors or runtime.batch_size")


# ----------------------------------------------------------------------------- local Ray
_LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


class _QuietDefaultTokenAuth(logging.Filter):
    """Drops Ray's warning that a new local cluster turned token authentication on."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Token authentication is enabled for this Ray")


@contextlib.contextmanager
def local_ray_environment() -> Iterator[None]:
    """Settings for a Ray that this process starts for itself, undone afterwards.

    - Loopback only: with clustering off (Ray's own switch, the default on macOS and
      Windows), Ray takes 127.0.0.1 as the node address, so the GCS, raylet, workers and
      agents listen there and not on every interface. The switch is read when Ray looks up
      the node address, so the module constant is set as well as the variable the child
      processes inherit.
    - Token authentication stays as Ray sets it (on for a new local cluster: it guards the
      ports against other local users). Ray's warning that it turned it on asks nothing of
      the user, so it is dropped; its other authentication messages are kept.
    """
    import ray._private.ray_constants as constants

    saved_env = os.environ.get(_LOOPBACK_ENV)
    saved_const = constants.ENABLE_RAY_CLUSTER
    auth_log = logging.getLogger("ray._private.authentication.authentication_token_setup")
    quiet = _QuietDefaultTokenAuth()
    os.environ[_LOOPBACK_ENV] = "0"
    constants.ENABLE_RAY_CLUSTER = False
    auth_log.addFilter(quiet)
    try:
        yield
    finally:
        auth_log.removeFilter(quiet)
        constants.ENABLE_RAY_CLUSTER = saved_const
        if saved_env is None:
            os.environ.pop(_LOOPBACK_ENV, None)
        else:
            os.environ[_LOOPBACK_ENV] = saved_env
