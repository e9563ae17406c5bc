"""Where model files live: the ones that ship inside the package, and whether a name is one.

Shipped files are found through `importlib.resources`, so an installed wheel, an editable
checkout and a container all read the same files without knowing where they were installed.
"""

from __future__ import annotations

import hashlib
import os
from importlib.resources import files
from pathlib import Path

CHECKPOINT_SUFFIXES = (".safetensors", ".pt", ".pth", ".bin")

PACKAGE_ROOT = Path(str(files("drivexplain")))
CONFIG_DIR = PACKAGE_ROOT / "configs"
DEFAULT_CONFIG = CONFIG_DIR / "default.yaml"
MODEL_CONFIG_DIR = PACKAGE_ROOT / "operators" / "models" / "model_configs"
TINY_CLIP_DIR = PACKAGE_ROOT / "weights" / "tiny-drive-clip"
TINY_LLAVA_DIR = PACKAGE_ROOT / "weights" / "tiny-drive-llava"
# Fitted for the shipped tiny CLIP only (its weights' sha256 is inside); see operators/grounding.
TINY_CLIP_CALIBRATION = TINY_CLIP_DIR / "grounding_calibration.json"


def looks_like_path(source: str, *, hub_ids: bool = False) -> bool:
    """Whether a model source names a local file or directory rather than a registry name.

    Decided from the text alone, so a mistyped path is reported as a missing file instead of
    being sent to a registry (which, offline, fails with an unrelated network error). A source
    is a path when it starts with `/`, `./`, `../`, `~` or a drive letter, ends in a checkpoint
    suffix, or contains a `/`. With `hub_ids=True` (Hugging Face sources, whose ids are
    `name` or `org/name`) a single `/` is an id, and only more than one makes a path.
    """
    if source.startswith(("/", "./", "../", "~", os.sep)) or source.endswith(CHECKPOINT_SUFFIXES):
        return True
    if len(source) > 1 and source[1] == ":":
        return True
    return source.count("/") > (1 if hub_ids else 0)


def package_relative(path: str | Path) -> str:
    """`path` relative to the package when inside it, so recorded results hold no machine paths."""
    resolved = Path(path).resolve()
    root = PACKAGE_ROOT.resolve()
    return str(resolved.relative_to(root) if resolved.is_relative_to(root) else path)


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes, read in 1 MiB blocks: what identifies a weights file (a
    calibration is only valid for the weights whose sha256 it records)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
