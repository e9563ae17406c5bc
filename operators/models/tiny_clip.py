"""Where the shipped tiny CLIP lives and how to build it through the stock open_clip path.

The model is an ordinary open_clip config registered at runtime, so every downstream tool
(`open_clip.create_model(TINY_CLIP_NAME, pretrained=<file>)`) works unchanged and nothing of
open_clip is vendored. Frames are squashed, not centre-cropped, to the 144x252 input (a 16:9
dashcam frame's shape to within 2 %): the frame's left and right thirds carry exactly the objects
an audit asks about, and a square input would halve their width. Stage 1 of training runs the
square TinyDriveCLIP-Square (144x144, cheaper); stage 2 and the shipped weights are the wide one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from drivexplain.operators.assets import MODEL_CONFIG_DIR, TINY_CLIP_DIR

TINY_CLIP_NAME = "TinyDriveCLIP"
WEIGHTS_ENV = "DRIVEXPLAIN_WEIGHTS"
WEIGHTS_DIR = TINY_CLIP_DIR
WEIGHTS_FILE = "open_clip_model.safetensors"

# open_clip ignores preprocess_cfg for configs registered by name, so it is kept here and
# applied via `force_preprocess_cfg` / `make_preprocess`: squash (no crop), OpenAI mean/std.
PREPROCESS_CFG: dict[str, Any] = {
    "resize_mode": "squash",
    "interpolation": "bicubic",
    "mean": (0.48145466, 0.4578275, 0.40821073),
    "std": (0.26862954, 0.26130258, 0.27577711),
}


def register_model_configs() -> list[str]:
    """Make the repo's JSON configs known to open_clip; safe to call repeatedly."""
    import open_clip

    if not MODEL_CONFIG_DIR.is_dir():
        raise FileNotFoundError(f"model config directory {MODEL_CONFIG_DIR} does not exist")
    if TINY_CLIP_NAME not in open_clip.list_models():
        open_clip.add_model_config(MODEL_CONFIG_DIR)
    return sorted(p.stem for p in MODEL_CONFIG_DIR.glob("*.json"))


def default_weights_path() -> Path:
    """The shipped checkpoint, or the file/dir named by $DRIVEXPLAIN_WEIGHTS."""
    override = os.environ.get(WEIGHTS_ENV)
    if override:
        path = Path(override).expanduser()
        return path / WEIGHTS_FILE if path.is_dir() else path
    return WEIGHTS_DIR / WEIGHTS_FILE


def model_config() -> dict:
    import json

    return json.loads((MODEL_CONFIG_DIR / f"{TINY_CLIP_NAME}.json").read_text())


def image_size() -> tuple[int, int]:
    """The shipped model's input as (height, width)."""
    return height_width(model_config()["vision_cfg"]["image_size"])


def height_width(size: int | tuple[int, int]) -> tuple[int, int]:
    """A model input or grid size as (height, width); an int is square."""
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


def create_tiny_clip(weights: str | Path | None = None, device: str = "cpu"):
    """Build TinyDriveCLIP (fp32, eval mode); `weights=None` uses `default_weights_path()`."""
    import open_clip

    register_model_configs()
    path = Path(weights) if weights is not None else default_weights_path()
    if not path.is_file():
        raise FileNotFoundError(
            f"TinyDriveCLIP weights not found at {path}; train them with "
            f"`python -m drivexplain.synthworld.training.train_clip` or set ${WEIGHTS_ENV}"
        )
    model = open_clip.create_model(
        TINY_CLIP_NAME, pretrained=str(path), device=device,
        force_preprocess_cfg=dict(PREPROCESS_CFG),
    )
    return model.float().eval()


def make_preprocess():
    """The torchvision transform for PIL images that matches training."""
    import open_clip

    return open_clip.image_transform(image_size(), is_train=False, **PREPROCESS_CFG)


def frames_to_tensor(
    images: list[np.ndarray] | np.ndarray, size: int | tuple[int, int] | None = None
):
    """Batch of RGB uint8 frames -> normalised float tensor (N, 3, h, w); `size` is (h, w) or
    one side of a square, by default TinyDriveCLIP's.

    The fast path used in training and evaluation: cv2 area-resize (squash) then normalise,
    which is what `make_preprocess` does for PIL input up to interpolation details.
    """
    import cv2
    import torch

    h, w = height_width(size or image_size())
    arr = np.stack([
        cv2.resize(np.asarray(im), (w, h), interpolation=cv2.INTER_AREA) for im in images
    ])
    x = torch.from_numpy(arr).permute(0, 3, 1, 2).float().div_(255.0)
    mean = torch.tensor(PREPROCESS_CFG["mean"]).view(1, 3, 1, 1)
    std = torch.tensor(PREPROCESS_CFG["std"]).view(1, 3, 1, 1)
    return (x - mean) / std
