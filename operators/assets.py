"""Where the files that ship inside the package live: configs, vocabulary, weights.

Everything is found through `importlib.resources`, so an installed wheel, an editable checkout
and a container all read the same files without knowing where they were installed.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE_ROOT = Path(str(files("drivexplain")))
CONFIG_DIR = PACKAGE_ROOT / "configs"
DEFAULT_CONFIG = CONFIG_DIR / "default.yaml"
MODEL_CONFIG_DIR = PACKAGE_ROOT / "operators" / "model_configs"
TINY_CLIP_DIR = PACKAGE_ROOT / "weights" / "tiny-drive-clip"
TINY_LLAVA_DIR = PACKAGE_ROOT / "weights" / "tiny-drive-llava"


def package_relative(path: str | Path) -> str:
    """`path` relative to the package when inside it, so recorded results hold no machine paths."""
    resolved = Path(path).resolve()
    root = PACKAGE_ROOT.resolve()
    return str(resolved.relative_to(root) if resolved.is_relative_to(root) else path)
