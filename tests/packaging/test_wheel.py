"""The built wheel works outside the checkout, exactly as a user installs it.

Dependencies are borrowed from this test's own environment through a `.pth` line, which adds
their directory to `sys.path` without running the `.pth` files inside it, so the editable
install of the checkout stays invisible to the fresh environment.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=1500)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built from a copy of the checkout's files (tracked, or untracked but not ignored), so
    no stale build/ folder can slip into the wheel and the checkout is left untouched."""
    source = tmp_path_factory.mktemp("source")
    listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                  cwd=ROOT).stdout.split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
          "-w", str(out), str(source)], cwd=out)
    (path,) = out.glob("drivexplain-*.whl")
    return path


@pytest.fixture(scope="module")
def fresh_env(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    env = tmp_path_factory.mktemp("venv") / "env"
    _run([sys.executable, "-m", "venv", str(env)], cwd=env.parent)
    python = env / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                     cwd=env).stdout.strip())
    (site / "borrowed_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
         cwd=env)
    return env


def test_the_wheel_holds_only_the_drivexplain_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    assert top == {"drivexplain", wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1]
                   + ".dist-info"}
    for data in ("drivexplain/configs/default.yaml", "drivexplain/configs/vocabulary.yaml",
                 "drivexplain/operators/models/model_configs/TinyDriveCLIP.json",
                 "drivexplain/weights/tiny-drive-clip/open_clip_model.safetensors",
                 "drivexplain/weights/tiny-drive-llava/model.safetensors"):
        assert data in names


def test_no_bare_package_is_importable(fresh_env: Path, tmp_path: Path) -> None:
    python = str(fresh_env / "bin" / "python")
    for bare in ("operators", "pipeline", "synthworld"):
        assert _run([python, "-c", f"import {bare}"], cwd=tmp_path, check=False).returncode != 0
    where = _run([python, "-c", "import drivexplain; print(drivexplain.__file__)"], cwd=tmp_path)
    assert str(fresh_env) in where.stdout and str(ROOT) not in where.stdout


def test_demo_from_the_wheel_matches_the_checkout(fresh_env: Path, tmp_path: Path) -> None:
    installed, checkout = tmp_path / "installed", tmp_path / "checkout"
    installed.mkdir()
    checkout.mkdir()
    proc = _run([str(fresh_env / "bin" / "drivexplain"), "demo", "--out", "d"], cwd=installed)
    assert "tiny LLaVA is missing" not in proc.stdout + proc.stderr
    _run([str(Path(sys.executable).parent / "drivexplain"), "demo", "--out", "d"], cwd=checkout)
    tables = []
    for root in (installed, checkout):
        (parquet,) = (root / "d" / "run").glob("*/frames.parquet")
        tables.append(pq.read_table(parquet).to_pylist())
        assert (root / "d" / "run" / "report.html").is_file()
    wheel_rows, checkout_rows = tables
    assert len(wheel_rows) == len(checkout_rows) > 0

    def key(row: dict) -> tuple:
        return row["frame_index"], row.get("prompt"), row.get("answer"), row.get("verdict")

    assert [key(r) for r in wheel_rows] == [key(r) for r in checkout_rows]
