"""Convert an open_clip `VisionTransformer` into transformers' `CLIPVisionModel`.

The hybrid (paper III-G) needs one vision tower seen two ways: open_clip for the CLIP similarity
gradients of Concept Attribution, transformers for the LLaVA that answers. They must be the same
weights, or the two gradient maps would describe two different encoders. This module maps the
weights exactly and `compare_towers` measures that the features agree layer by layer.

Mapping (open_clip -> transformers), per block i:

    conv1.weight                    -> embeddings.patch_embedding.weight
    class_embedding                 -> embeddings.class_embedding
    positional_embedding            -> embeddings.position_embedding.weight
    ln_pre                          -> pre_layrnorm
    resblocks.i.ln_1 / ln_2         -> encoder.layers.i.layer_norm1 / layer_norm2
    resblocks.i.attn.in_proj_*      -> encoder.layers.i.self_attn.{q,k,v}_proj (split in 3)
    resblocks.i.attn.out_proj       -> encoder.layers.i.self_attn.out_proj   (x LayerScale ls_1)
    resblocks.i.mlp.c_fc / c_proj   -> encoder.layers.i.mlp.fc1 / fc2        (fc2 x ls_2)
    ln_post                         -> post_layernorm
    proj (width, dim)               -> visual_projection.weight = proj.T  (with projection)

LayerScale is a per-channel scale on the residual branch, so it folds exactly into the preceding
linear layer. Towers with attention pooling, average pooling, LN-after-pool, no `ln_pre`,
QK-norm or a custom block have no CLIPVisionModel equivalent and are rejected.

A non-square input (a dashcam-shaped 144x252 tower) has no CLIPVisionModel form of its own: that
class keeps a square position grid and interpolates it bicubically for other input shapes
(`interpolate_pos_encoding`). Bicubic resampling is linear and, from an n x n grid with
n = max(rows, cols), onto the tower's grid, has full row rank; so there is a square grid whose
interpolation *is* the tower's grid, found by least squares (`square_position_embedding`, exact to
float rounding). The converted tower then runs at the real input with interpolation switched on
(`tower_kwargs`), and a stock transformers LLaVA directory holds it; the config's extra
`input_hw` records that input for the processor (`drivexplain.operators.vlm.build`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


class ConversionError(ValueError):
    """The open_clip tower uses a feature CLIPVisionModel does not have."""


def _activation_name(act: nn.Module) -> str:
    name = type(act).__name__
    if name == "QuickGELU":
        return "quick_gelu"
    if isinstance(act, nn.GELU):
        return "gelu" if act.approximate == "none" else "gelu_pytorch_tanh"
    raise ConversionError(f"unsupported MLP activation {name}")


def _check_supported(visual: nn.Module) -> None:
    if type(visual).__name__ != "VisionTransformer":
        raise ConversionError(
            f"expected an open_clip VisionTransformer, got {type(visual).__name__} "
            "(timm and ResNet towers are not convertible)"
        )
    if getattr(visual, "attn_pool", None) is not None:
        raise ConversionError("attention-pooling towers (CoCa) have no CLIPVisionModel form")
    if getattr(visual, "pool_type", "tok") != "tok":
        raise ConversionError(f"pool_type {visual.pool_type!r}: CLIPVisionModel pools CLS")
    if getattr(visual, "final_ln_after_pool", False):
        raise ConversionError("final_ln_after_pool has no CLIPVisionModel form")
    if isinstance(visual.ln_pre, nn.Identity):
        raise ConversionError("towers without ln_pre have no CLIPVisionModel form")
    if visual.conv1.bias is not None:
        raise ConversionError("patch embedding with bias has no CLIPVisionModel form")
    for i, block in enumerate(visual.transformer.resblocks):
        if type(block).__name__ != "ResidualAttentionBlock" or not isinstance(
            block.attn, nn.MultiheadAttention
        ):
            raise ConversionError(f"block {i} is a {type(block).__name__}; need the standard one")
        if hasattr(block, "ln_1_kv"):
            raise ConversionError(f"block {i} is a cross-attention block")
        if block.attn.in_proj_weight is None or block.attn.in_proj_bias is None:
            raise ConversionError(f"block {i}: attention without packed, biased in-projection")


def clip_vision_config(visual: nn.Module, **overrides: Any) -> Any:
    """The `CLIPVisionConfig` matching an open_clip `VisionTransformer`."""
    from transformers import CLIPVisionConfig

    _check_supported(visual)
    blocks = visual.transformer.resblocks
    first = blocks[0]
    width = visual.conv1.out_channels
    patch_h, patch_w = visual.patch_size
    if patch_h != patch_w:
        raise ConversionError("CLIPVisionModel needs square patches")
    proj = getattr(visual, "proj", None)
    values: dict[str, Any] = {
        "hidden_size": width,
        "intermediate_size": first.mlp.c_fc.out_features,
        "num_hidden_layers": len(blocks),
        "num_attention_heads": first.attn.num_heads,
        "image_size": max(visual.grid_size) * patch_h,  # the square grid, see module doc
        "input_hw": [int(v) for v in visual.image_size],  # what the tower really takes
        "patch_size": patch_h,
        "num_channels": visual.conv1.in_channels,
        "hidden_act": _activation_name(first.mlp.gelu),
        "layer_norm_eps": first.ln_1.eps,
        "projection_dim": proj.shape[1] if proj is not None else width,
        "attention_dropout": 0.0,
    }
    values.update(overrides)
    return CLIPVisionConfig(**values)


def _bicubic_matrix(source: int, target: int) -> torch.Tensor:
    """(target, source): what bicubic `F.interpolate` (align_corners=False) does to a line."""
    eye = torch.eye(source, dtype=torch.float64).reshape(source, 1, source, 1)
    out = F.interpolate(eye, size=(target, 1), mode="bicubic", align_corners=False)
    return out.reshape(source, target).T


def square_position_embedding(visual: nn.Module) -> torch.Tensor:
    """(1 + n*n, width) positions whose bicubic interpolation onto the tower's grid is exact.

    n = max(rows, cols). A square tower gets its own positions back unchanged.
    """
    positions = visual.positional_embedding.detach()
    rows, cols = visual.grid_size
    if rows == cols:
        return positions
    n = max(rows, cols)
    width = positions.shape[1]
    grid = positions[1:].double().reshape(rows, cols, width).permute(2, 0, 1)
    to_rows = torch.linalg.pinv(_bicubic_matrix(n, rows))
    to_cols = torch.linalg.pinv(_bicubic_matrix(n, cols))
    square = to_rows @ grid @ to_cols.T  # (width, n, n), the minimum-norm exact solution
    square = square.permute(1, 2, 0).reshape(n * n, width).to(positions.dtype)
    return torch.cat([positions[:1], square])


def tower_kwargs(vision_config: Any, pixels: torch.Tensor) -> dict[str, Any]:
    """Keyword arguments a CLIP-style transformers tower needs to run on `pixels`.

    Inputs other than the tower's square size run with the position grid interpolated: exact for
    a converted non-square tower (module doc), the usual resize for any other checkpoint.
    """
    size = int(vision_config.image_size)
    if tuple(pixels.shape[-2:]) == (size, size):
        return {}
    return {"interpolate_pos_encoding": True}


def _layer_scale(module: nn.Module, width: int) -> torch.Tensor:
    if isinstance(module, nn.Identity):
        return torch.ones(width)
    gamma = getattr(module, "gamma", None)
    if gamma is None:
        raise ConversionError(f"unknown layer-scale module {type(module).__name__}")
    return gamma.detach().float()


def convert_state_dict(visual: nn.Module) -> dict[str, torch.Tensor]:
    """transformers `CLIPVisionModelWithProjection` weights for an open_clip tower.

    Keys are those of `CLIPVisionModelWithProjection` ("vision_model.*" and, when the tower has
    a projection, "visual_projection.weight"); `CLIPVisionModel` takes the "vision_model.*" part.
    """
    _check_supported(visual)
    width = visual.conv1.out_channels
    out: dict[str, torch.Tensor] = {}
    vm = "vision_model."
    out[vm + "embeddings.patch_embedding.weight"] = visual.conv1.weight
    out[vm + "embeddings.class_embedding"] = visual.class_embedding
    out[vm + "embeddings.position_embedding.weight"] = square_position_embedding(visual)
    out[vm + "pre_layrnorm.weight"] = visual.ln_pre.weight
    out[vm + "pre_layrnorm.bias"] = visual.ln_pre.bias
    for i, block in enumerate(visual.transformer.resblocks):
        p = f"{vm}encoder.layers.{i}."
        q_w, k_w, v_w = block.attn.in_proj_weight.chunk(3, dim=0)
        q_b, k_b, v_b = block.attn.in_proj_bias.chunk(3, dim=0)
        for name, w, b in (("q", q_w, q_b), ("k", k_w, k_b), ("v", v_w, v_b)):
            out[p + f"self_attn.{name}_proj.weight"] = w
            out[p + f"self_attn.{name}_proj.bias"] = b
        ls1 = _layer_scale(block.ls_1, width).to(block.attn.out_proj.weight)
        ls2 = _layer_scale(block.ls_2, width).to(block.mlp.c_proj.weight)
        out[p + "self_attn.out_proj.weight"] = block.attn.out_proj.weight * ls1[:, None]
        out[p + "self_attn.out_proj.bias"] = block.attn.out_proj.bias * ls1
        out[p + "layer_norm1.weight"] = block.ln_1.weight
        out[p + "layer_norm1.bias"] = block.ln_1.bias
        out[p + "mlp.fc1.weight"] = block.mlp.c_fc.weight
        out[p + "mlp.fc1.bias"] = block.mlp.c_fc.bias
        out[p + "mlp.fc2.weight"] = block.mlp.c_proj.weight * ls2[:, None]
        out[p + "mlp.fc2.bias"] = block.mlp.c_proj.bias * ls2
        out[p + "layer_norm2.weight"] = block.ln_2.weight
        out[p + "layer_norm2.bias"] = block.ln_2.bias
    out[vm + "post_layernorm.weight"] = visual.ln_post.weight
    out[vm + "post_layernorm.bias"] = visual.ln_post.bias
    if getattr(visual, "proj", None) is not None:
        out["visual_projection.weight"] = visual.proj.t()
    return {k: v.detach().clone().contiguous() for k, v in out.items()}


def convert_open_clip_visual(
    visual: nn.Module, *, with_projection: bool = False, attn_implementation: str = "eager"
) -> nn.Module:
    """A transformers `CLIPVisionModel` (or `...WithProjection`) with the tower's exact weights.

    Eager attention by default: the converted tower is meant to be explained, and only eager
    attention exposes its attention probabilities.
    """
    from transformers import CLIPVisionModel, CLIPVisionModelWithProjection

    config = clip_vision_config(visual)
    config._attn_implementation = attn_implementation
    state = convert_state_dict(visual)
    if with_projection:
        if "visual_projection.weight" not in state:
            raise ConversionError("the tower has no projection; use with_projection=False")
        model: nn.Module = CLIPVisionModelWithProjection(config)
    else:
        state.pop("visual_projection.weight", None)
        model = CLIPVisionModel(config)
    model.to(visual.conv1.weight.dtype)
    load_tower_weights(model, state)
    return model.eval()


def load_tower_weights(model: nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Load converted weights into a CLIP vision model, whatever its key prefix.

    transformers 5.x `CLIPVisionModel` keeps its weights without the "vision_model." prefix that
    `CLIPVisionModelWithProjection` (and 4.x) use; the keys are matched either way, and every
    weight of the target must be covered, so a silent partial load cannot happen.
    """
    own = set(model.state_dict())
    mapped: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        short = key.removeprefix("vision_model.")
        for candidate in (key, short, "vision_model." + short):
            if candidate in own:
                mapped[candidate] = value
                break
        else:
            raise ConversionError(
                f"converted weight {key!r} has no place in {type(model).__name__}"
            )
    missing, unexpected = model.load_state_dict(mapped, strict=False)
    # position_ids is a buffer transformers builds itself; anything else missing is a bug here.
    missing = [k for k in missing if not k.endswith("position_ids")]
    if missing or unexpected:
        raise ConversionError(f"weight mapping incomplete: missing={missing} extra={unexpected}")


@dataclass(frozen=True)
class TowerComparison:
    """Max absolute differences between the open_clip and the converted tower's features."""

    hidden_states: tuple[float, ...]  # index 0 = after ln_pre, i = output of block i
    pooled: float  # ln_post(CLS) @ proj, the CLIP image embedding
    max_abs_feature: float  # scale of the features, to read the differences against

    @property
    def max_diff(self) -> float:
        return max((*self.hidden_states, self.pooled))


@torch.no_grad()
def compare_towers(
    visual: nn.Module, converted: nn.Module, pixels: torch.Tensor
) -> TowerComparison:
    """Run both towers on the same pixels and report per-layer feature differences.

    The LLaVA reads an intermediate layer (`vision_feature_layer`), so every layer is compared,
    not only the final embedding.
    """
    visual = visual.eval()
    converted = converted.eval()
    pixels = pixels.to(visual.conv1.weight)
    x = visual._embeds(pixels)
    ours = [x]
    for block in visual.transformer.resblocks:
        x = block(x)
        ours.append(x)
    pooled_ref, _ = visual._global_pool(visual.ln_post(x))
    if visual.proj is not None:
        pooled_ref = pooled_ref @ visual.proj
    out = converted(
        pixel_values=pixels, output_hidden_states=True, **tower_kwargs(converted.config, pixels)
    )
    theirs = out.hidden_states
    if len(theirs) != len(ours):
        raise ConversionError(f"{len(theirs)} hidden states vs {len(ours)} in open_clip")
    diffs = tuple(float((a - b).abs().max()) for a, b in zip(ours, theirs, strict=True))
    pooled = out.image_embeds if hasattr(out, "image_embeds") else out.pooler_output
    if pooled.shape != pooled_ref.shape:
        pooled_ref = visual.ln_post(x)[:, 0]
    return TowerComparison(
        hidden_states=diffs,
        pooled=float((pooled - pooled_ref).abs().max()),
        max_abs_feature=float(max(h.abs().max() for h in ours)),
    )
