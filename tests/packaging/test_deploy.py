"""The deployment files parse and say what matters (Docker cannot build here)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from drivexplain.operators.config import load_config

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) pairs, with continuation lines joined."""
    text = (DEPLOY / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, args = line.partition(" ")
            pairs.append((instruction.upper(), args.strip()))
    return pairs


def test_dockerfile_is_on_a_cuda_base_and_installs_the_project() -> None:
    pairs = _dockerfile()
    args = {a.split("=", 1)[0]: a.split("=", 1)[1] for i, a in pairs if i == "ARG" and "=" in a}
    froms = [a for i, a in pairs if i == "FROM"]
    assert len(froms) == 1
    base = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], froms[0])
    assert base.startswith("nvidia/cuda:") and "cudnn" in base
    runs = " ".join(a for i, a in pairs if i == "RUN")
    assert "torch==2.14.1" in runs and "wget" in runs  # wget: KubeRay probes
    # a wheel, installed without editable mode, and the sources gone afterwards
    assert "pip wheel --no-deps" in runs and "pip install /tmp/wheel/drivexplain-*.whl" in runs
    assert "pip install -e" not in runs and "pip install ." not in runs
    assert "rm -rf /src" in runs
    copied = {path for i, a in pairs if i == "COPY" for path in a.split()[:-1]}
    # everything the wheel is built from (pyproject's package-dir maps the root)
    for needed in ("pyproject.toml", "README.md", "__init__.py", "operators", "pipeline",
                   "synthworld", "configs", "weights", "deploy"):
        assert needed in copied
    assert any(i == "USER" and a != "root" for i, a in pairs)
    env = " ".join(a for i, a in pairs if i == "ENV")
    assert "RAY_AUTH_MODE=token" in env


def test_rayjob_manifest() -> None:
    job = yaml.safe_load((DEPLOY / "rayjob.yaml").read_text())
    assert job["apiVersion"] == "ray.io/v1" and job["kind"] == "RayJob"
    spec = job["spec"]
    entry = shlex.split(spec["entrypoint"])
    assert entry[:2] == ["drivexplain", "run"] and "--out" in entry and "--config" in entry
    assert spec["shutdownAfterJobFinishes"] is True
    cluster = spec["rayClusterSpec"]
    assert cluster["rayVersion"] == "2.60.0"
    assert cluster["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0"
    head = cluster["headGroupSpec"]["template"]["spec"]["containers"][0]
    workers = cluster["workerGroupSpecs"]
    assert workers and all(w["minReplicas"] <= w["replicas"] <= w["maxReplicas"]
                           for w in workers)
    gpu = workers[0]["template"]["spec"]["containers"][0]
    assert gpu["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert gpu["image"] == head["image"]
    for container in (head, gpu):
        env = {e["name"]: e for e in container["env"]}
        assert env["RAY_AUTH_MODE"]["value"] == "token" and "RAY_AUTH_TOKEN" in env
        assert any(m["mountPath"] == "/data" for m in container["volumeMounts"])
    out = entry[entry.index("--out") + 1]
    assert out.startswith("/data/"), "outputs must go to the shared volume"
    config = entry[entry.index("--config") + 1]
    assert config == "/app/deploy/gpu-config.yaml"


def test_cluster_launcher_yaml() -> None:
    cluster = yaml.safe_load((DEPLOY / "cluster.yaml").read_text())
    for key in ("cluster_name", "provider", "available_node_types", "head_node_type",
                "head_start_ray_commands", "worker_start_ray_commands", "max_workers"):
        assert key in cluster
    types = cluster["available_node_types"]
    assert cluster["head_node_type"] in types
    assert types[cluster["head_node_type"]]["resources"]["CPU"] == 0
    workers = [t for name, t in types.items() if name != cluster["head_node_type"]]
    assert workers and all(t["min_workers"] <= t["max_workers"] for t in workers)
    head_cmd = " ".join(cluster["head_start_ray_commands"])
    assert "ray start --head" in head_cmd and "--num-cpus=0" in head_cmd
    assert any("--address=$RAY_HEAD_IP" in c for c in cluster["worker_start_ray_commands"])
    run_options = " ".join(cluster["docker"]["run_options"])
    assert "--gpus all" in run_options and "RAY_AUTH_MODE=token" in run_options


def test_gpu_config_is_valid() -> None:
    config = load_config(DEPLOY / "gpu-config.yaml")
    assert config.runtime.device == "cuda" and config.runtime.precision == "bf16"
    pipe = config.pipeline
    assert pipe.num_gpus_per_actor >= 1 and pipe.actor_batch_size >= 1
    # headroom on an 8-vCPU GPU node: the actor leaves CPUs to decode and encode
    assert pipe.num_cpus_per_actor + pipe.decode_cpus + pipe.writer_cpus <= 8


def test_readme_covers_the_pitfalls() -> None:
    text = (DEPLOY / "README.md").read_text()
    for needed in ("RAY_AUTH_MODE=token", "--address", "ReadWriteMany", "headroom",
                   "kubectl apply -f deploy/rayjob.yaml", "ray up deploy/cluster.yaml"):
        assert needed in text
