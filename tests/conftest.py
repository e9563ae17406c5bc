"""Shared fixtures: tiny random open_clip ViTs, registered under test-only names."""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import numpy as np
import open_clip
import pytest
import torch

# Derived-data caches (vocabulary text embeddings) go to a fresh folder, never the user's, and
# the process that made it removes it at exit, so that runs leave nothing behind in the temp dir.
if "DRIVEXPLAIN_CACHE_DIR" not in os.environ:
    os.environ["DRIVEXPLAIN_CACHE_DIR"] = tempfile.mkdtemp(prefix="drivexplain-cache-")
    atexit.register(shutil.rmtree, os.environ["DRIVEXPLAIN_CACHE_DIR"], ignore_errors=True)

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def load_benchmark(name: str) -> ModuleType:
    """`benchmarks/<group>/<name>.py` as a module. Benchmarks are scripts, not a package, and
    import their neighbours (`localisation`, `coherence`) by name, so their folder stays on the
    path; the module is registered so that its dataclasses can look it up."""
    (path,) = BENCHMARKS.glob(f"*/{name}.py")
    if str(path.parent) not in sys.path:
        sys.path.append(str(path.parent))
    spec = importlib.util.spec_from_file_location(f"{name}_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


TINY_VIT = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 32, "layers": 4, "width": 48, "patch_size": 8, "head_width": 8},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
}
TINY_RN = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 32, "layers": [1, 1, 1, 1], "width": 8, "patch_size": None},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
}


@pytest.fixture(scope="session")
def model_config_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Register the test-only configs once per session."""
    path = tmp_path_factory.mktemp("model_configs")
    (path / "TestTinyViT.json").write_text(json.dumps(TINY_VIT))
    (path / "TestTinyRN.json").write_text(json.dumps(TINY_RN))
    open_clip.add_model_config(path)
    return path


@pytest.fixture(scope="session")
def tiny_vit_checkpoint(model_config_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random tiny ViT saved to disk as safetensors, to be loaded back by path."""
    from safetensors.torch import save_file

    torch.manual_seed(0)
    model = open_clip.create_model("TestTinyViT")
    path = tmp_path_factory.mktemp("ckpt") / "tiny_vit.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return path


@pytest.fixture
def frames() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, size=(40 + 8 * i, 56, 3), dtype=np.uint8) for i in range(3)]
