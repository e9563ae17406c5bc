"""The VLM families the backend supports, and what differs between them.

One backend (`operators.vlm.backend.VLMBackend`) loads every family through
`AutoModelForImageTextToText` + `AutoProcessor` and answers through `generate`. What a family
changes is small and lives here: which model types belong to it, how its answer-gradient map is
made, whether its language model derives positions itself (Qwen's multimodal RoPE), and where
each of its vision tokens looks in the frame (`operators.vlm.geometry`).

Map methods:

* ``attention-gradient`` (LLaVA-1.5): grad x attention over the vision tower's own attention
  (Chefer et al.), on the tower's patch grid. The tower is a plain ViT with one token per
  patch, so its attention rows and columns are the tokens the LLM sees; when the tower *is* the
  project's CLIP, fusion with CLIP's map is exact (same grid, same encoder).
* ``feature-gradient`` (every other family): the norm of the answer's gradient with respect to
  each vision token as the language model receives it (and, for Qwen3-VL, with respect to the
  deepstack features added to its hidden states). Their towers run tiles, merge or shuffle
  patches after attention, so a tower attention column is not one LLM token; the gradient at
  the LLM's input is. The map is drawn in frame pixels through the family's geometry and fused
  with CLIP's map in image space.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from drivexplain.operators.vlm import geometry

ATTENTION_GRADIENT = "attention-gradient"
FEATURE_GRADIENT = "feature-gradient"


class UnsupportedFamilyError(ValueError):
    """The model's type is not one of the supported families; the message lists them."""


@dataclass(frozen=True)
class ImageTokens:
    """What the geometry of one image needs from the processor's output for it."""

    frame_size: tuple[int, int]
    grid_thw: tuple[int, int, int] | None = None  # Qwen
    tiles: tuple[int, int] | None = None  # InternVL / Idefics3: (rows, cols) of tiles


# (config, processor, image) -> (n_tokens, 4) boxes in frame pixels
BoxFn = Callable[[Any, Any, ImageTokens], np.ndarray]


@dataclass(frozen=True)
class Family:
    """One VLM family: its name, model types, map method and token geometry.

    `own_positions`: the language model computes its position ids from the tokens and the
    image grids (multimodal RoPE), so the replay must not pass 1-D positions.
    `tiles`: whether the family cuts a frame into tiles (tests check a tiled frame's mapping).
    """

    name: str
    model_types: tuple[str, ...]
    map_method: str
    boxes: BoxFn
    own_positions: bool = False
    tiles: bool = False


def _side(value: Any) -> int:
    """A patch/image size given as an int or as (h, w) with h == w."""
    if isinstance(value, (list, tuple)):
        return int(value[0])
    return int(value)


def _llava_boxes(config: Any, processor: Any, image: ImageTokens) -> np.ndarray:
    vision = config.vision_config
    patch = _side(vision.patch_size)
    height, width = getattr(vision, "input_hw", None) or (_side(vision.image_size),) * 2
    return geometry.llava_boxes(int(height) // patch, int(width) // patch,
                                geometry.processor_frame_box(processor, image.frame_size))


def _anyres_boxes(config: Any, processor: Any, image: ImageTokens) -> np.ndarray:
    vision = config.vision_config
    tile = _side(vision.image_size)
    per_side = tile // _side(vision.patch_size)
    max_tiles = None
    aspect = getattr(config, "vision_aspect_ratio", None)
    if isinstance(aspect, str) and aspect.startswith("anyres_max_"):
        max_tiles = int(aspect.removeprefix("anyres_max_"))
    return geometry.anyres_boxes(image.frame_size, config.image_grid_pinpoints, tile, per_side,
                                 max_tiles=max_tiles)


def _qwen_boxes(config: Any, processor: Any, image: ImageTokens) -> np.ndarray:
    if image.grid_thw is None:
        raise ValueError("Qwen geometry needs the processor's image_grid_thw")
    return geometry.qwen_boxes(image.frame_size, image.grid_thw,
                               int(config.vision_config.spatial_merge_size))


def _internvl_boxes(config: Any, processor: Any, image: ImageTokens) -> np.ndarray:
    vision = config.vision_config
    per_side = int(_side(vision.image_size) // _side(vision.patch_size)
                   * float(config.downsample_ratio))
    tiles = image.tiles or (1, 1)
    thumbnail = "last" if tiles[0] * tiles[1] > 1 else None
    return geometry.tiled_boxes(image.frame_size, tiles, per_side, thumbnail=thumbnail)


def _idefics3_boxes(config: Any, processor: Any, image: ImageTokens) -> np.ndarray:
    vision = config.vision_config
    per_side = _side(vision.image_size) // _side(vision.patch_size) // int(config.scale_factor)
    tiles = image.tiles or (1, 1)
    thumbnail = "last" if tiles[0] * tiles[1] > 1 else None
    return geometry.tiled_boxes(image.frame_size, tiles, per_side, thumbnail=thumbnail)


FAMILIES: tuple[Family, ...] = (
    Family("LLaVA-1.5", ("llava",), ATTENTION_GRADIENT, _llava_boxes),
    Family("LLaVA-NeXT", ("llava_next",), FEATURE_GRADIENT, _anyres_boxes, tiles=True),
    Family("LLaVA-OneVision", ("llava_onevision",), FEATURE_GRADIENT, _anyres_boxes,
           tiles=True),
    Family("Qwen2-VL", ("qwen2_vl",), FEATURE_GRADIENT, _qwen_boxes, own_positions=True),
    Family("Qwen2.5-VL", ("qwen2_5_vl",), FEATURE_GRADIENT, _qwen_boxes, own_positions=True),
    Family("Qwen3-VL", ("qwen3_vl",), FEATURE_GRADIENT, _qwen_boxes, own_positions=True),
    Family("InternVL", ("internvl",), FEATURE_GRADIENT, _internvl_boxes, tiles=True),
    Family("Idefics3", ("idefics3",), FEATURE_GRADIENT, _idefics3_boxes, tiles=True),
    Family("SmolVLM", ("smolvlm",), FEATURE_GRADIENT, _idefics3_boxes, tiles=True),
)
_BY_TYPE: dict[str, Family] = {t: f for f in FAMILIES for t in f.model_types}


def supported_model_types() -> list[str]:
    """Every supported `model_type`, sorted (for messages)."""
    return sorted(_BY_TYPE)


def family_of(model_type: str | None, model_id: str) -> Family:
    """The family of a config's `model_type`, or an error that names the supported ones."""
    family = _BY_TYPE.get(str(model_type))
    if family is None:
        names = ", ".join(f"{f.name} ({'/'.join(f.model_types)})" for f in FAMILIES)
        raise UnsupportedFamilyError(
            f"{model_id!r} is a {model_type!r} model, which this backend does not support; "
            f"supported families: {names}"
        )
    return family
