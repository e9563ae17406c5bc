"""The open_clip ViT adapter: one forward that exposes what Concept Attribution reads.

Concept Attribution needs, per frame, every captured layer's per-head attention probabilities,
each head's direct contribution to the image embedding (for head scoring), and a graph from
those probabilities to the embedding (for the gradient). open_clip's blocks call
`nn.MultiheadAttention(need_weights=False)`, which hides the probabilities. Rather than
patching open_clip (which would leak into every other user of the same model object), this
module runs the visual tower *functionally*: it reads the block's own parameters and
recomputes the same arithmetic, so the model object is never modified.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import open_clip
import torch
import torch.nn.functional as F
from open_clip.transformer import ResidualAttentionBlock, VisionTransformer

from drivexplain.operators.assets import file_sha256, looks_like_path
from drivexplain.operators.config import ModelConfig
from drivexplain.operators.models.tiny_clip import (
    TINY_CLIP_NAME,
    default_weights_path,
    register_model_configs,
)


class BackboneError(ValueError):
    """The model cannot be used by Concept Attribution; the message says why."""


@dataclass(frozen=True)
class PatchGrid:
    """Geometry of the patch grid for a given model input size and patch size.

    Frames of any size are resized (not cropped) to `input_size`, so every frame pixel maps to
    exactly one patch and heatmaps cover the whole frame.
    """

    input_size: tuple[int, int]
    patch_size: tuple[int, int]

    @property
    def shape(self) -> tuple[int, int]:
        return (self.input_size[0] // self.patch_size[0], self.input_size[1] // self.patch_size[1])

    @property
    def num_patches(self) -> int:
        gh, gw = self.shape
        return gh * gw


@dataclass
class VisualTrace:
    """What one functional forward of the visual tower exposes.

    `attentions[l]` is (B, H, Q, N): for the last layer, when only the pooled query is needed,
    Q is 1. `head_outputs[l]` is each head's direct write to the pooled residual, (B, H, width),
    already scaled by the block's LayerScale. `pooled` is the residual before `ln_post`;
    `layer_pooled[l]` the same read after block l (what layer-wise methods such as LeGrad
    project into the joint space).
    """

    embedding: torch.Tensor
    pooled: torch.Tensor
    attentions: dict[int, torch.Tensor]
    head_outputs: dict[int, torch.Tensor]
    layer_pooled: dict[int, torch.Tensor]
    query_rows: slice


def checkpoint_file(config: ModelConfig) -> Path | None:
    """The local file `load_open_clip` will read weights from; None for a tag or random init."""
    register_model_configs()
    pretrained = config.pretrained
    if pretrained is None:
        default = default_weights_path()
        return default if config.name == TINY_CLIP_NAME and default.is_file() else None
    return Path(pretrained).expanduser() if looks_like_path(pretrained) else None


def _checkpoint_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """Each tensor's name and shape, read without loading the weights themselves.

    safetensors: the header only; anything else: `torch.load(weights_only=True)` onto the meta
    device. Raises BackboneError with one sentence when the file is neither.
    """
    tensors: Any = None
    if path.suffix == ".safetensors":
        from safetensors import safe_open

        try:
            with safe_open(str(path), framework="pt") as handle:
                return {k: tuple(handle.get_slice(k).get_shape()) for k in handle.keys()}  # noqa: SIM118
        except Exception as err:
            raise BackboneError(
                f"checkpoint {path} is not a readable safetensors file "
                f"({type(err).__name__}: {_first_line(err)})"
            ) from None
    try:
        tensors = torch.load(str(path), map_location="meta", weights_only=True)
    except Exception as err:
        raise BackboneError(
            f"checkpoint {path} is not a model checkpoint: it is neither a safetensors file nor "
            f"a PyTorch state dict loadable with weights_only ({type(err).__name__}: "
            f"{_first_line(err)})"
        ) from None
    if isinstance(tensors, Mapping) and isinstance(tensors.get("state_dict"), Mapping):
        tensors = tensors["state_dict"]  # what open_clip's own loader unwraps too
    if not isinstance(tensors, Mapping):
        raise BackboneError(
            f"checkpoint {path} holds a {type(tensors).__name__}, not a state dict of tensors"
        )
    return {str(k): tuple(v.shape) for k, v in tensors.items() if isinstance(v, torch.Tensor)}


def _first_line(err: BaseException) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return (lines[0] if lines else "no detail")[:160]


def check_checkpoint(name: str, path: str | Path) -> None:
    """Fail with one sentence unless `path` holds weights for open_clip model `name`.

    Compares the file's tensor names and shapes with the model's state dict, built on the meta
    device (no memory, no weights read), allowing what open_clip's loader itself adapts: a
    `module.` prefix, the scalar/1-d logit scale and bias, resized positional embeddings.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise BackboneError(f"checkpoint {path} does not exist")
    if not path.is_file():
        raise BackboneError(f"checkpoint {path} is not a file; name the weights file itself")
    found = _checkpoint_shapes(path)
    if not found:
        raise BackboneError(f"checkpoint {path} holds no tensors; expected {name}'s weights")
    if all(k.startswith("module.") for k in found):
        found = {k[len("module."):]: v for k, v in found.items()}
    register_model_configs()
    if name not in open_clip.list_models():
        raise BackboneError(f"model {name!r} is not an open_clip model name")
    def quiet(record: logging.LogRecord) -> bool:
        return False

    root = logging.getLogger()
    root.addFilter(quiet)  # open_clip warns through the root logger that weights are random
    try:
        with torch.device("meta"):
            model = open_clip.create_model(name, device="meta")
    except Exception:  # a model that cannot be built on the meta device: the loader decides
        return
    finally:
        root.removeFilter(quiet)
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    if "positional_embedding" in found and not hasattr(model, "positional_embedding"):
        from open_clip.model import convert_to_custom_text_state_dict

        found = {k: tuple(v.shape) for k, v in convert_to_custom_text_state_dict(
            {k: torch.empty(s, device="meta") for k, s in found.items()}).items()}
    found.pop("text.transformer.embeddings.position_ids", None)
    missing = [k for k in expected if k not in found and k != "logit_bias"]
    unexpected = [k for k in found if k not in expected]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"{len(missing)} of the model's {len(expected)} weights are missing "
                         f"(e.g. {missing[0]})")
        if unexpected:
            parts.append(f"{len(unexpected)} of the file's {len(found)} tensors are not the "
                         f"model's (e.g. {unexpected[0]})")
        raise BackboneError(
            f"checkpoint {path} is not a {name} checkpoint: {' and '.join(parts)}; pass the "
            "model name it was saved from"
        )

    def fits(key: str, have: tuple[int, ...], want: tuple[int, ...]) -> bool:
        if have == want:
            return True
        if key in ("logit_scale", "logit_bias"):
            return math.prod(have) == math.prod(want)
        # open_clip interpolates positional embeddings to the model's grid / context
        return key.endswith("positional_embedding") and len(have) == len(want) and \
            have[-1:] == want[-1:]

    wrong = [k for k in expected if k in found and not fits(k, found[k], expected[k])]
    if wrong:
        key = wrong[0]
        raise BackboneError(
            f"checkpoint {path} does not fit {name}: {key} has shape {list(found[key])} in the "
            f"file but {list(expected[key])} in the model ({len(wrong)} weights differ); pass "
            "the model name it was saved from"
        )


def load_open_clip(config: ModelConfig, device: str | torch.device = "cpu") -> torch.nn.Module:
    """Create an open_clip model: a pretrained tag, a local checkpoint, or the embedded default.

    `pretrained=None` means the shipped weights for the tiny model and random weights for any
    other architecture; random weights are said so in the model id, never hidden.
    """
    register_model_configs()
    if config.name not in open_clip.list_models():
        raise BackboneError(
            f"model {config.name!r} is not an open_clip model name; see open_clip.list_models()"
        )
    pretrained = config.pretrained
    if pretrained is None and config.name == TINY_CLIP_NAME and default_weights_path().is_file():
        pretrained = str(default_weights_path())
    if pretrained is not None and looks_like_path(pretrained) and not Path(pretrained).exists():
        raise BackboneError(f"checkpoint {pretrained!r} does not exist")
    local = checkpoint_file(config)
    if local is not None:
        check_checkpoint(config.name, local)
    try:
        model = open_clip.create_model(config.name, pretrained=pretrained, device=device)
    except RuntimeError as err:
        if pretrained is not None and not looks_like_path(pretrained):
            raise BackboneError(
                f"could not fetch pretrained weights {pretrained!r} for {config.name!r}: {err}. "
                "Without network access, download the checkpoint elsewhere and pass its local "
                "path as pretrained."
            ) from err
        raise
    model.eval()
    model.drivexplain_weights = pretrained or "random-init"  # type: ignore[attr-defined]
    return model


class OpenClipViT:
    """Wraps an open_clip CLIP with a ViT visual tower for attribution.

    The wrapped model is only read. Text embeddings are cached because an audit asks the same
    concepts of every frame.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        model_id: str,
        input_size: tuple[int, int] | None = None,
        tokenizer_name: str | None = None,
    ) -> None:
        visual = getattr(model, "visual", None)
        if not isinstance(visual, VisionTransformer):
            kind = type(visual).__name__ if visual is not None else type(model).__name__
            raise BackboneError(
                f"{model_id}: Concept Attribution needs a ViT visual tower (open_clip "
                f"VisionTransformer); this model's visual tower is {kind}. Choose a ViT model "
                "such as ViT-B-16."
            )
        mean_pool_ok = visual.pool_type == "avg" and visual.final_ln_after_pool
        if visual.attn_pool is not None or not (visual.pool_type == "tok" or mean_pool_ok):
            raise BackboneError(
                f"{model_id}: only CLS pooling, or mean pooling with the final LayerNorm after "
                "the pool, is supported (attentional pooling is not)"
            )
        for index, block in enumerate(visual.transformer.resblocks):
            if type(block) is not ResidualAttentionBlock or hasattr(block, "ln_1_kv"):
                raise BackboneError(
                    f"{model_id}: block {index} is {type(block).__name__}; only open_clip's "
                    "standard ResidualAttentionBlock is supported"
                )
        self.model = model
        self.visual = visual
        self.model_id = model_id
        # sha256 of the weights file when loaded from one; identifies the model for calibration.
        self.weights_sha256: str | None = None
        self.tokenizer = open_clip.get_tokenizer(tokenizer_name or model_id.split("@")[0])
        native = tuple(int(v) for v in visual.image_size)
        size = tuple(input_size) if input_size is not None else native
        patch = tuple(int(v) for v in visual.patch_size)
        if size[0] % patch[0] or size[1] % patch[1] or min(size) <= 0:
            raise BackboneError(
                f"input size {size} is not a positive multiple of the patch size {patch}"
            )
        self.grid = PatchGrid(input_size=size, patch_size=patch)  # type: ignore[arg-type]
        self.native_grid = PatchGrid(input_size=native, patch_size=patch)  # type: ignore[arg-type]
        cfg = getattr(visual, "preprocess_cfg", None) or {}
        self.mean = torch.tensor(cfg.get("mean", open_clip.OPENAI_DATASET_MEAN)).view(1, 3, 1, 1)
        self.std = torch.tensor(cfg.get("std", open_clip.OPENAI_DATASET_STD)).view(1, 3, 1, 1)
        self.num_layers = len(visual.transformer.resblocks)
        self.num_heads = visual.transformer.resblocks[0].attn.num_heads
        self._text_cache: dict[str, torch.Tensor] = {}
        self._pos_cache: dict[tuple[int, int], torch.Tensor] = {}
        for p in model.parameters():
            p.requires_grad_(False)

    @classmethod
    def from_config(cls, config: ModelConfig, device: str | torch.device = "cpu") -> OpenClipViT:
        model = load_open_clip(config, device=device)
        weights = model.drivexplain_weights
        digest = None
        if weights and weights != "random-init" and Path(weights).is_file():
            digest = file_sha256(weights)
            weights = Path(weights).name
        backbone = cls(model, f"{config.name}@{weights}", input_size=config.input_size)
        backbone.weights_sha256 = digest
        return backbone

    @property
    def device(self) -> torch.device:
        return self.visual.proj.device

    @property
    def pooled_query_rows(self) -> slice:
        """Query rows whose outputs form the pooled embedding: CLS, or all patches for avg."""
        return slice(0, 1) if self.visual.pool_type == "tok" else slice(1, None)

    # ------------------------------------------------------------------ inputs
    def check_image_size(self, shape: Sequence[int], what: str = "the image") -> None:
        """Refuse an image smaller than one patch: upsampled, it is a flat image whose
        attribution and Concept Drop mean nothing."""
        (height, width), (ph, pw) = tuple(shape[:2]), self.grid.patch_size
        if height < ph or width < pw:
            raise BackboneError(
                f"{what} is {width}x{height} pixels, smaller than one patch of {self.model_id}: "
                f"it needs at least {pw}x{ph} pixels"
            )

    def preprocess(self, frames: Sequence[np.ndarray] | np.ndarray) -> torch.Tensor:
        """uint8 RGB frames of any size → normalised (B, 3, H, W) model input."""
        if isinstance(frames, np.ndarray) and frames.ndim == 3:
            frames = [frames]
        if len(frames) == 0:
            raise ValueError("no frames given")
        batch = []
        for index, frame in enumerate(frames):
            frame = np.asarray(frame)
            if frame.ndim != 3 or frame.shape[2] != 3 or min(frame.shape[:2]) < 1:
                raise ValueError(
                    f"frame {index} has shape {frame.shape}; expected (height, width, 3) RGB"
                )
            if frame.dtype != np.uint8:
                raise ValueError(f"frame {index} has dtype {frame.dtype}; expected uint8")
            self.check_image_size(frame.shape, f"frame {index}")
            tensor = torch.from_numpy(np.ascontiguousarray(frame)).permute(2, 0, 1).float()
            tensor = F.interpolate(
                tensor[None] / 255.0,
                size=self.grid.input_size,
                mode="bilinear",
                antialias=True,
                align_corners=False,
            )
            batch.append(tensor)
        pixels = torch.cat(batch).to(self.device)
        return (pixels - self.mean.to(self.device)) / self.std.to(self.device)

    def encode_text(self, texts: Sequence[str]) -> torch.Tensor:
        """L2-normalised text embeddings, cached per string."""
        for index, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"concept {index} is empty; give a non-empty text")
        missing = [t for t in dict.fromkeys(texts) if t not in self._text_cache]
        if missing:
            tokens = self.tokenizer(missing).to(self.device)
            with torch.no_grad():
                emb = F.normalize(self.model.encode_text(tokens).float(), dim=-1)
            for text, row in zip(missing, emb, strict=True):
                self._text_cache[text] = row
        return torch.stack([self._text_cache[t] for t in texts])

    def remember_text(self, texts: Sequence[str], embeddings: torch.Tensor) -> None:
        """Put embeddings computed earlier (the vocabulary's disk cache) into the per-string
        cache; a text already cached keeps its row."""
        for text, row in zip(texts, embeddings.to(self.device), strict=True):
            self._text_cache.setdefault(text, row)

    @property
    def logit_scale(self) -> float:
        return float(self.model.logit_scale.exp().item())

    # ------------------------------------------------------------------ forward
    def _positional_embedding(self) -> torch.Tensor:
        pos = self.visual.positional_embedding
        if self.grid == self.native_grid:
            return pos
        key = self.grid.shape
        if key not in self._pos_cache:
            gh0, gw0 = self.native_grid.shape
            gh, gw = key
            patch_pos = pos[1:].reshape(1, gh0, gw0, -1).permute(0, 3, 1, 2)
            patch_pos = F.interpolate(patch_pos, size=(gh, gw), mode="bicubic", align_corners=False)
            patch_pos = patch_pos.permute(0, 2, 3, 1).reshape(gh * gw, -1)
            self._pos_cache[key] = torch.cat([pos[:1], patch_pos])
        return self._pos_cache[key]

    def _embed(self, pixels: torch.Tensor) -> torch.Tensor:
        visual = self.visual
        x = visual.conv1(pixels.to(visual.conv1.weight.dtype))
        x = x.flatten(2).transpose(1, 2)
        cls = visual.class_embedding.to(x.dtype).expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1) + self._positional_embedding().to(x.dtype)
        return visual.ln_pre(x)

    def _block(
        self,
        block: ResidualAttentionBlock,
        x: torch.Tensor,
        capture: bool,
        pooled_only: bool,
        attention_delta: torch.Tensor | None,
        capture_rows: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """One residual block, the same arithmetic as open_clip's, with probabilities exposed.

        With `capture_rows`, only the pooled query rows' probabilities are formed explicitly
        (and carry the gradient); the other rows go through the fused attention kernel. For a
        CLS-pooled model that is one row of N instead of N×N per head.
        """
        mha = block.attn
        heads = mha.num_heads
        b, n, width = x.shape
        dh = width // heads
        h = block.ln_1(x)
        q, k, v = F.linear(h, mha.in_proj_weight, mha.in_proj_bias).chunk(3, dim=-1)
        rows = self.pooled_query_rows if pooled_only else slice(None)
        q = q[:, rows]
        q = q.reshape(b, -1, heads, dh).transpose(1, 2)
        k = k.reshape(b, n, heads, dh).transpose(1, 2)
        v = v.reshape(b, n, heads, dh).transpose(1, 2)
        probs = None
        head_out = None
        pooled = self.pooled_query_rows
        split_rows = (capture and capture_rows and attention_delta is None and not pooled_only
                      and pooled == slice(0, 1))
        if split_rows:
            probs = torch.softmax((q[:, :, pooled] @ k.transpose(-2, -1)) / math.sqrt(dh), dim=-1)
            o_pooled = probs @ v
            o = torch.cat([o_pooled, F.scaled_dot_product_attention(q[:, :, 1:], k, v)], dim=2)
        elif capture or attention_delta is not None:
            probs = torch.softmax((q @ k.transpose(-2, -1)) / math.sqrt(dh), dim=-1)
            if attention_delta is not None:
                probs = probs + attention_delta
            o = probs @ v
            o_pooled = o[:, :, pooled]
            if capture_rows and not pooled_only:
                probs = probs[:, :, pooled]
        else:
            o = F.scaled_dot_product_attention(q, k, v)
        if probs is not None:
            per_head = o_pooled.mean(dim=2)  # (B, H, dh)
            w_o = mha.out_proj.weight.view(width, heads, dh)
            head_out = block.ls_1(torch.einsum("bhd,whd->bhw", per_head, w_o))
        o = o.transpose(1, 2).reshape(b, -1, width)
        residual = x[:, rows]
        x = residual + block.ls_1(F.linear(o, mha.out_proj.weight, mha.out_proj.bias))
        x = x + block.ls_2(block.mlp(block.ln_2(x)))
        return x, probs, head_out

    def trace(
        self,
        pixels: torch.Tensor,
        capture_layers: Sequence[int] = (),
        attention_delta: Mapping[int, torch.Tensor] | None = None,
        pooled_rows: bool = False,
    ) -> VisualTrace:
        """Run the visual tower, exposing attention and head outputs of `capture_layers`.

        The last block only computes the pooled query rows (all that reaches the embedding),
        which makes its forward and backward almost free. `attention_delta` adds to the
        probabilities of a layer; it exists so tests can check gradients by finite differences.
        With `pooled_rows`, every captured layer's attention is only the pooled query rows,
        (B, H, Q_pooled, N): all that Concept Attribution reads, and for a CLS-pooled model the
        rest of the attention runs in the fused kernel, forward and backward.
        """
        attention_delta = attention_delta or {}
        last = self.num_layers - 1
        capture = {layer % self.num_layers for layer in capture_layers}
        x = self._embed(pixels)
        attentions: dict[int, torch.Tensor] = {}
        head_outputs: dict[int, torch.Tensor] = {}
        layer_pooled: dict[int, torch.Tensor] = {}
        first = min(capture) if capture else None
        for index, block in enumerate(self.visual.transformer.resblocks):
            if index == first and torch.is_grad_enabled():
                # Start the autograd graph here: nothing before the first captured layer is
                # recorded, so the backward cannot run further back than the strategy needs.
                x = x.detach().requires_grad_(True)
            pooled_only = index == last
            x, probs, head_out = self._block(
                block, x, index in capture, pooled_only, attention_delta.get(index), pooled_rows
            )
            if index in capture:
                attentions[index] = probs
                head_outputs[index] = head_out
                rows = slice(None) if pooled_only else self.pooled_query_rows
                layer_pooled[index] = x[:, rows].mean(dim=1)
        pooled = x.mean(dim=1)
        embedding = self.project(pooled)
        return VisualTrace(
            embedding=embedding,
            pooled=pooled,
            attentions=attentions,
            head_outputs=head_outputs,
            layer_pooled=layer_pooled,
            query_rows=self.pooled_query_rows,
        )

    def project(self, pooled: torch.Tensor) -> torch.Tensor:
        """Pooled residual (…, width) → image embedding (…, D): `ln_post` then `proj`."""
        return self.visual.ln_post(pooled) @ self.visual.proj

    def head_embeddings(self, trace: VisualTrace, layer: int) -> torch.Tensor:
        """Each head's direct contribution projected into the joint space, (B, H, D).

        As in Gandelsman et al., `ln_post` is linearised around the actual pooled residual
        (its scale is frozen at the observed standard deviation), so head contributions add
        up to the embedding up to the shared bias terms.
        """
        ln = self.visual.ln_post
        c = trace.head_outputs[layer]
        var = trace.pooled.var(dim=-1, unbiased=False, keepdim=True)
        scale = torch.rsqrt(var + ln.eps)[:, None]  # (B, 1, 1)
        centred = c - c.mean(dim=-1, keepdim=True)
        return (centred * scale * ln.weight) @ self.visual.proj

    @torch.no_grad()
    def embed_images(self, pixels: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
        """Unnormalised image embeddings for already-preprocessed pixels, in chunks."""
        out = [self.trace(chunk).embedding for chunk in pixels.split(batch_size)]
        return torch.cat(out)

    @torch.no_grad()
    def embed_token_subsets(
        self, pixels: torch.Tensor, patches: torch.Tensor, batch_size: int = 64
    ) -> torch.Tensor:
        """Unnormalised embeddings of each frame seen through only some of its patch tokens.

        `pixels` is (B, 3, H, W), `patches` (B, S, n) patch indices (row-major on the grid);
        returns (B, S, D). Each sequence is the class token then the chosen patch tokens, with
        their own positional embeddings, so the other patches are absent rather than painted
        over, and a sequence of n + 1 tokens costs about (n + 1) / (P + 1) of a forward.
        """
        tokens = self._embed(pixels)  # (B, 1 + P, width); ln_pre is per token
        b, s = patches.shape[:2]
        index = torch.cat([patches.new_zeros(b, s, 1), patches + 1], dim=-1)
        frames = torch.arange(b, device=tokens.device)[:, None, None]
        sequences = tokens[frames, index].flatten(0, 1)  # (B·S, 1 + n, width)
        last = self.num_layers - 1
        out = []
        for x in sequences.split(batch_size):
            for layer, block in enumerate(self.visual.transformer.resblocks):
                x = self._block(block, x, False, layer == last, None)[0]
            out.append(self.project(x.mean(dim=1)))
        return torch.cat(out).view(b, s, -1)
