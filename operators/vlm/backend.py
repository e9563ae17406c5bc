"""A transformers VLM that answers a prompt per frame and says where in the image it looked.

One backend for every supported image-text family (`operators.vlm.families`: LLaVA-1.5,
LLaVA-NeXT, LLaVA-OneVision, Qwen2-VL, Qwen2.5-VL, Qwen3-VL, InternVL, Idefics3, SmolVLM),
loaded through `AutoModelForImageTextToText` + `AutoProcessor` and prompted through the model's
chat template. The steps below are written for LLaVA-1.5, whose map is the exact tower-attention
one; every other family replays the same way and takes the *feature-gradient* map at the
language model's vision tokens (`_explain_tokens`), drawn in frame pixels by its geometry
(`operators.vlm.geometry`).

Paper III-G: in the CLIP + LLM hybrid, gradients of the LLM's answer flow back to the image
patches and show which regions produced the answer. This module is that half of the hybrid; the
fusion with the CLIP Concept Attribution gradients lives in `operators/vlm/hybrid.py`.

Per frame the backend

1. generates an answer (greedy by default, so an audit is reproducible). `generate()` runs under
   `no_grad`, so it cannot give gradients;
2. replays prompt + answer in one teacher-forced forward pass with autograd on, and differentiates
   the answer's log-probability

       log p(answer) = sum_t m_t * log p(y_t | image, prompt, y_<t)

   where y_t are the generated tokens and m_t = 1 up to and including the first EOS, 0 after it
   (greedy batches pad finished rows; those tokens are not part of the answer). With a *focus*
   (`explain_answers(..., focus=["car"])`) m_t is further restricted to the tokens spelling the
   focus words, so the map says where that part of the answer came from;
3. turns the gradients into two maps on the vision tower's patch grid:

   * attention-gradient map (the `answer_map`), after Chefer et al.:

         R[j] = sum_{l < L_f} sum_{i in patches} mean_h relu( dlogp/dA_l[h,i,j] * A_l[h,i,j] )

     A_l are the vision tower's softmax attention probabilities (eager attention), i the
     *query* rows of patch tokens and j the key column of patch j. Only layers l < L_f that
     feed the selected feature layer L_f are summed: with LLaVA-1.5's `vision_feature_layer=-2`
     the last layer's output is never used, so its gradient is identically zero (absent).
     The rows summed are the patch queries, not CLS: the 'default' feature strategy drops the
     CLS token, so the LLM only ever sees patch tokens;
   * feature-gradient map:  F[j] = sum_{k in selected layers} || dlogp / dh_k[j] ||_2 ,
     the sensitivity of the answer to the patch feature that is projected into the LLM.

   Both are min-max normalised to [0, 1] per frame (`operators.fusion.minmax(exact=True)`:
   a flat map becomes all zeros, any other reaches exactly 1).

The vision tower runs with eager attention (its attention probabilities must be materialised to
be differentiated), the language model keeps SDPA: the dict form
`attn_implementation={"vision_config": "eager", "text_config": "sdpa"}` does that in
transformers 5.x. Attentions are captured with `output_attentions=True` on the vision tower, not
with hooks, so nothing outlives a call.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import torch

from drivexplain.operators.assets import looks_like_path
from drivexplain.operators.fusion import minmax
from drivexplain.operators.models.device import resolve_device
from drivexplain.operators.vlm import geometry as layout
from drivexplain.operators.vlm.convert import tower_kwargs
from drivexplain.operators.vlm.families import (
    ATTENTION_GRADIENT,
    Family,
    ImageTokens,
    UnsupportedFamilyError,
    family_of,
)
from drivexplain.operators.vlm.geometry import processor_frame_box

VISION_ATTN_IMPLEMENTATION: dict[str, str] = {"vision_config": "eager", "text_config": "sdpa"}
DEFAULT_MAX_NEW_TOKENS = 32
# Answer gradients are tiny in absolute terms; any range above this is stretched to [0, 1].
MAP_EPS = 1e-12
# LLaVA-1.5's conversation format; used when the processor has no chat template.
FALLBACK_PROMPT_TEMPLATE = "USER: <image>\n{prompt} ASSISTANT:"
TEXT_ONLY_PROMPT_TEMPLATE = "USER: {prompt} ASSISTANT:"


class VLMError(RuntimeError):
    """The VLM cannot be loaded or run; the message says what to change."""


class VLMOfflineError(VLMError, OSError):
    """A hub id was given but the hub cannot be reached and no cached copy exists."""


class VLMInputError(VLMError, ValueError):
    """An image or prompt this VLM cannot take (too small, too long); the message says why."""


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _too_long_message(model_id: str, prompt: str, prompt_tokens: int, used: int, room: int,
                      limit: int) -> str:
    """The sentence for a prompt that leaves no room for the answer in the context."""
    allowed = max(0, prompt_tokens - (used + room - limit))
    return (
        f"the prompt {_short(prompt)!r} is {prompt_tokens:,} tokens long; with the image and "
        f"the conversation template it needs {used:,} positions plus {room} for the answer, "
        f"but the VLM {model_id!r} has a context of {limit:,} positions: shorten it to at most "
        f"{allowed:,} tokens"
    )


def context_length(model_config: Any) -> int | None:
    """How many positions the VLM's language model has (None if its config does not say)."""
    text = getattr(model_config, "text_config", model_config)
    value = getattr(text, "max_position_embeddings", None)
    return int(value) if value else None


def _format_prompt(processor: Any, prompt: str, *, with_image: bool = True) -> str:
    template = getattr(processor, "chat_template", None)
    if template:
        content: list[dict[str, str]] = [{"type": "text", "text": prompt}]
        if with_image:
            content.insert(0, {"type": "image"})
        return processor.apply_chat_template(
            [{"role": "user", "content": content}], add_generation_prompt=True
        )
    if with_image:
        return FALLBACK_PROMPT_TEMPLATE.format(prompt=prompt)
    return TEXT_ONLY_PROMPT_TEMPLATE.format(prompt=prompt)


def _processor_input_hw(processor: Any, fallback: int) -> tuple[int, int]:
    proc = getattr(processor, "image_processor", None)
    size = getattr(proc, "size", None) or {}
    crop = getattr(proc, "crop_size", None) or {}
    chosen = crop if getattr(proc, "do_center_crop", False) else size
    if "height" in chosen and "width" in chosen:
        return int(chosen["height"]), int(chosen["width"])
    return fallback, fallback


def _positions_used(processor: Any, prompts: Sequence[str], input_hw: tuple[int, int]
                    ) -> list[int]:
    """Positions each prompt fills with one image and the conversation template."""
    image = np.zeros((*input_hw, 3), np.uint8)
    used = []
    for prompt in prompts:
        enc = processor(images=[image], text=[_format_prompt(processor, prompt)],
                        return_tensors="np", input_data_format="channels_last")
        used.append(int(np.asarray(enc["input_ids"]).shape[1]))
    return used


def check_prompts_fit(source: str | Path, prompts: Sequence[str], answer_tokens: int) -> None:
    """Refuse, before any model loads, a prompt the VLM's context cannot hold with its answer.

    Reads the VLM's config and processor only (no weights), from a local directory or the local
    cache; when neither is there the check is left to the loaded model (`VLMBackend`).
    """
    from transformers import AutoConfig, AutoProcessor

    location = str(Path(str(source)).expanduser())
    try:
        config = AutoConfig.from_pretrained(location, local_files_only=True)
        processor = AutoProcessor.from_pretrained(location, local_files_only=True)
    except Exception:  # not local, or not loadable: VLMBackend.load says why, in words
        return
    limit = context_length(config)
    if limit is None:
        return
    side = getattr(getattr(config, "vision_config", None), "image_size", None) or 336
    side = int(side[0] if isinstance(side, (list, tuple)) else side)
    used = _positions_used(processor, prompts, _processor_input_hw(processor, side))
    for prompt, n in zip(prompts, used, strict=True):
        if n + answer_tokens > limit:
            count = len(processor.tokenizer(prompt, add_special_tokens=False)["input_ids"])
            raise VLMInputError(_too_long_message(str(source), prompt, count, n, answer_tokens,
                                                  limit))


@dataclass(frozen=True)
class GridGeometry:
    """Where the patch grid sits on the model input, to map a map back onto the frame.

    The processor resizes and centre-crops a frame to `input_hw`; patch (r, c) covers rows
    r*patch_size..(r+1)*patch_size of that crop. `has_cls` says whether the tower prepends a
    CLS token (CLIP does, SigLIP does not).
    """

    grid_h: int
    grid_w: int
    patch_size: int
    input_hw: tuple[int, int]
    has_cls: bool


@dataclass(frozen=True)
class VLMAnswer:
    """One frame's answer and where in the image it came from.

    Every output is a named field, so a reader cannot misspell a key and a type checker sees
    what it gets. Formulas for the maps are in the module docstring.

    Args:
        prompt: the user prompt, before the conversation template.
        answer: the decoded answer, special tokens and EOS dropped.
        answer_token_ids: the answer's tokens, without EOS.
        logprob: the answer's log-probability under teacher forcing, EOS included if one was
            generated.
        answer_map: attention-gradient map, (grid_h, grid_w) float32 in [0, 1].
        feature_map: feature-gradient map, (grid_h, grid_w) float32 in [0, 1].
        grid: where the patch grid sits on the model input.
        model_id: the VLM's directory or hub id.
        layers: the vision layers whose attention gradients were summed (those feeding the
            selected feature layer).
        ended_with_eos: whether generation stopped on EOS rather than on the token limit.
        frame_size: (height, width) of the frame as given, in pixels.
        frame_box: (top, left, height, width) of the frame region the grid covers, in pixels
            (`VLMBackend._frame_box`); needed to put the answer map on the frame.
        layer_relevance: raw (unnormalised) attention-gradient map per used layer,
            (len(layers), grid_h, grid_w) float32, in the order of `layers`: what per-layer
            fusion (`operators.vlm.hybrid.llm_concept_map`) weighs.
        layer_attention: raw attention each patch receives from the patch queries per used
            layer, same shape and order as `layer_relevance`.
        token_logprobs: log-probability of each scored answer token (EOS included).
        prompt_tokens: length of the (padded) prompt in tokens.
        replay_matches_greedy: whether every answer token is the replay's argmax; False means
            the replay scored a different context and its gradients explain another answer.
        target_logprob: log-probability of the gradient target: the whole answer, or only the
            tokens spelling the focus words.
        target_tokens: how many tokens the gradient target has.
        focus: the focus words asked for this frame, or None for the whole answer.
        focus_found: None without a focus; True when the answer spells a focus word; False when
            it does not and the target fell back to the whole answer.
        grad_finite: False when some gradient was NaN/inf (those entries were zeroed), which
            happens with fp16 overflow and means the maps should not be trusted.
        map_method: `operators.vlm.families.ATTENTION_GRADIENT` (the tower's grad x attention,
            on the tower's grid) or `FEATURE_GRADIENT` (gradient norm at the LLM's vision
            tokens, drawn on a grid over the whole frame).
        token_values: raw relevance per vision token, in the order the LLM reads them.
        token_boxes: (n_tokens, 4) frame-pixel box (top, left, height, width) each token sees;
            NaN rows for tokens that see no pixels (LLaVA-NeXT's row ends).
    """

    prompt: str
    answer: str
    answer_token_ids: tuple[int, ...]
    logprob: float
    answer_map: np.ndarray
    feature_map: np.ndarray
    grid: GridGeometry
    model_id: str
    layers: tuple[int, ...]
    ended_with_eos: bool
    frame_size: tuple[int, int]
    frame_box: tuple[float, float, float, float]
    layer_relevance: np.ndarray = field(compare=False, repr=False)
    layer_attention: np.ndarray = field(compare=False, repr=False)
    token_logprobs: tuple[float, ...] = field(compare=False, repr=False)
    prompt_tokens: int = field(compare=False, repr=False)
    replay_matches_greedy: bool = field(compare=False)
    target_logprob: float = field(compare=False, repr=False)
    target_tokens: int = field(compare=False, repr=False)
    focus: str | tuple[str, ...] | None = None
    focus_found: bool | None = None
    grad_finite: bool = True
    map_method: str = ATTENTION_GRADIENT
    token_values: np.ndarray | None = field(default=None, compare=False, repr=False)
    token_boxes: np.ndarray | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class HiddenReplay:
    """A teacher-forced replay's hidden states, with where the image and the answer sit.

    Args:
        hidden_states: per layer (embeddings first), (batch, seq, dim) float32; the last
            entry is the language model's output (after its final norm in transformers).
        visual: (batch, seq) True at the vision-token positions.
        answer_start: the first answer position (prompts are left-padded to it).
        answer_mask: (batch, answer tokens) True for real answer tokens.
        answer_ids: (batch, answer tokens) the answer's token ids (pad after its end).
    """

    hidden_states: tuple[torch.Tensor, ...]
    visual: torch.Tensor
    answer_start: int
    answer_mask: torch.Tensor
    answer_ids: torch.Tensor


def _hub_host() -> tuple[str, int]:
    url = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    return url.hostname or "huggingface.co", url.port or (443 if url.scheme != "http" else 80)


def _hub_reachable(timeout_s: float = 3.0) -> bool:
    host, port = _hub_host()
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def _offline_message(model_id: str, reason: str) -> str:
    return (
        f"cannot load VLM {model_id!r}: it is not a local directory, the Hugging Face hub is "
        f"offline ({reason}) and no cached copy was found. Download it on a machine with network "
        f"access (e.g. `hf download {model_id} --local-dir /path/to/llava-dir`), copy the "
        "directory here and pass it with `--vlm /path/to/llava-dir`."
    )


def _env_offline() -> bool:
    return any(
        os.environ.get(k, "").strip().lower() in {"1", "true", "yes", "on"}
        for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


class VLMBackend:
    """A loaded VLM + processor that answers prompts about frames, with gradient maps.

    Construct with `VLMBackend.load(dir_or_hub_id)`; the constructor takes an already built
    model (tests, or a model converted in memory) and checks the things the gradients depend on.
    The family (`operators.vlm.families`) decides the map method and the token geometry.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        processor: Any,
        model_id: str,
        *,
        max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
    ) -> None:
        config = model.config
        try:
            self.family: Family = family_of(getattr(config, "model_type", None), model_id)
        except UnsupportedFamilyError as exc:
            raise VLMError(str(exc)) from exc
        inner = getattr(model, "model", None)
        self.exact = self.family.map_method == ATTENTION_GRADIENT
        if inner is None or _text_model(inner) is None or (
            self.exact and not hasattr(inner, "vision_tower")
        ):
            raise VLMError(
                f"{model_id!r}: expected model.model with a language model"
                + (" and a vision_tower" if self.exact else "")
                + " (the transformers 5.x layout)"
            )
        if self.exact and config.vision_config._attn_implementation != "eager":
            raise VLMError(
                f"{model_id!r}: the vision tower uses "
                f"{config.vision_config._attn_implementation!r} attention, which does not "
                f"expose attention probabilities; load with attn_implementation="
                f"{VISION_ATTN_IMPLEMENTATION}"
            )
        if max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
        self.model = model.eval()
        self.processor = processor
        self.model_id = model_id
        self.max_new_tokens = max_new_tokens
        self.tokenizer = processor.tokenizer
        # Generation appends to the right of a batch; left padding keeps every prompt's last
        # token at the same position.
        self.tokenizer.padding_side = "left"
        self.eos_token_ids = self._eos_ids()
        self.pad_token_id = self._pad_id()
        # An answer must never contain the image placeholder: the replay would try to scatter a
        # second image into it (a random or badly trained model does emit it).
        self.image_token_id = int(_image_token_id(config, processor))
        video = getattr(config, "video_token_id", None)
        self._suppressed = [self.image_token_id] + ([int(video)] if video is not None else [])

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(
        cls,
        source: str | Path,
        *,
        device: str | torch.device | None = "auto",
        dtype: torch.dtype = torch.float32,
        max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
    ) -> VLMBackend:
        """Load from a local VLM directory or a hub id (cache first, network only if needed).

        A hub id with no network raises `VLMOfflineError` at once instead of retrying for tens of
        seconds, and names the `--vlm /path/to/llava-dir` way out.
        """
        from transformers import AutoConfig, AutoModelForImageTextToText, AutoProcessor

        text = str(source)
        if not text.strip():
            raise ValueError("VLM source is empty: pass a VLM directory or a hub id")
        target = resolve_device(device)  # before loading: a wrong device should fail at once
        path = Path(text).expanduser()
        local = path.is_dir()
        if not local and not path.exists() and looks_like_path(text, hub_ids=True):
            raise VLMError(f"VLM path {text!r} is not a directory: it does not exist; pass a "
                           "transformers VLM directory or a hub id")
        if not local and (path.exists() or looks_like_path(text, hub_ids=True)):
            raise VLMError(
                f"VLM path {text!r} is not a directory; pass a transformers VLM directory "
                "(config.json, *.safetensors, tokenizer and processor files)"
            )
        location = str(path) if local else text
        kwargs: dict[str, Any] = {}
        if not local:
            try:  # a cached copy works offline
                AutoConfig.from_pretrained(location, local_files_only=True)
                kwargs["local_files_only"] = True
            except OSError as exc:
                if _env_offline():
                    raise VLMOfflineError(_offline_message(text, "HF_HUB_OFFLINE is set")) from exc
                if not _hub_reachable():
                    host, _ = _hub_host()
                    raise VLMOfflineError(_offline_message(text, f"{host} unreachable")) from exc
        try:
            config = AutoConfig.from_pretrained(location, **kwargs)
            try:
                family = family_of(config.model_type, text)
            except UnsupportedFamilyError as exc:
                raise VLMError(str(exc)) from exc
            # Only the tower-attention map needs eager attention (probabilities materialised);
            # the other families keep their default kernels.
            attn: dict[str, Any] = (
                {"attn_implementation": VISION_ATTN_IMPLEMENTATION}
                if family.map_method == ATTENTION_GRADIENT else {}
            )
            model = AutoModelForImageTextToText.from_pretrained(
                location,
                dtype=dtype,
                use_safetensors=True,
                trust_remote_code=False,
                **attn,
                **kwargs,
            )
            processor = AutoProcessor.from_pretrained(location, **kwargs)
        except OSError as exc:
            if local:
                raise VLMError(f"cannot load VLM directory {text!r}: {exc}") from exc
            if _env_offline():
                raise VLMOfflineError(_offline_message(text, "HF_HUB_OFFLINE is set")) from exc
            raise VLMError(
                f"cannot load VLM {text!r} from the hub ({exc}); check the id, or download it and "
                "pass `--vlm /path/to/llava-dir`"
            ) from exc
        model.to(target)
        return cls(model, processor, model_id=text, max_new_tokens=max_new_tokens)

    # ------------------------------------------------------------------ helpers
    def _eos_ids(self) -> frozenset[int]:
        ids: set[int] = set()
        for source in (self.model.generation_config, self.model.config.text_config):
            eos = getattr(source, "eos_token_id", None)
            if isinstance(eos, int):
                ids.add(eos)
            elif eos is not None:
                ids.update(int(e) for e in eos)
        if self.tokenizer.eos_token_id is not None:
            ids.add(int(self.tokenizer.eos_token_id))
        return frozenset(ids)

    def _pad_id(self) -> int:
        for value in (
            self.tokenizer.pad_token_id,
            getattr(self.model.generation_config, "pad_token_id", None),
            getattr(self.model.config.text_config, "pad_token_id", None),
        ):
            if value is not None:
                return int(value)
        if self.eos_token_ids:
            return min(self.eos_token_ids)
        raise VLMError(f"{self.model_id!r}: tokenizer has neither a pad nor an EOS token")

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def format_prompt(self, prompt: str, *, with_image: bool = True) -> str:
        """Wrap a user prompt in the model's conversation format (chat template if it has one)."""
        return _format_prompt(self.processor, prompt, with_image=with_image)

    @property
    def patch_size(self) -> int:
        """The vision tower's patch side in pixels: the smallest image it can see."""
        value = self.model.config.vision_config.patch_size
        return int(value[0] if isinstance(value, (list, tuple)) else value)

    def _check_fits(self, prompts: Sequence[str], used: Sequence[int], room: int) -> None:
        """Refuse prompts whose tokens plus `room` answer tokens exceed the context."""
        limit = context_length(self.model.config)
        if limit is None:
            return
        for prompt, n in zip(prompts, used, strict=True):
            if n + room > limit:
                count = len(self.tokenizer(prompt, add_special_tokens=False)["input_ids"])
                raise VLMInputError(_too_long_message(self.model_id, prompt, count, n, room,
                                                      limit))

    @staticmethod
    def _check_images(images: Sequence[Any]) -> list[np.ndarray]:
        out = []
        for k, image in enumerate(images):
            array = np.asarray(image)
            if array.ndim != 3 or array.shape[2] != 3:
                raise ValueError(
                    f"image {k} has shape {array.shape}; expected an RGB frame (H, W, 3)"
                )
            if array.shape[0] < 1 or array.shape[1] < 1:
                raise ValueError(f"image {k} is empty: shape {array.shape}")
            if array.dtype != np.uint8:
                if np.issubdtype(array.dtype, np.floating) and array.size:
                    if not np.isfinite(array).all():
                        raise ValueError(f"image {k} contains NaN or inf")
                    if array.max() <= 1.0 and array.min() >= 0.0:
                        array = array * 255.0
                array = np.clip(array, 0, 255).astype(np.uint8)
            out.append(array)
        return out

    def _answer_mask(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """1 for answer tokens up to and including the first EOS, 0 after it."""
        is_eos = torch.zeros_like(tokens, dtype=torch.bool)
        for eos in self.eos_token_ids:
            is_eos |= tokens == eos
        seen_before = (is_eos.long().cumsum(dim=1) - is_eos.long()) > 0
        return (~seen_before).long(), is_eos.any(dim=1)

    # ------------------------------------------------------------------ text only
    @torch.no_grad()
    def generate_text(self, prompt: str, *, max_new_tokens: int | None = None) -> str:
        """Text-only greedy generation; used for concept expansion (no image, no gradients)."""
        if not prompt or not prompt.strip():
            raise ValueError("prompt is empty")
        text = self.format_prompt(prompt, with_image=False)
        enc = self.tokenizer([text], return_tensors="pt").to(self.device)
        self._check_fits([prompt], [int(enc["input_ids"].shape[1])],
                         max_new_tokens or self.max_new_tokens)
        out = self.model.generate(
            **enc,
            max_new_tokens=max_new_tokens or self.max_new_tokens,
            do_sample=False,
            num_beams=1,
            pad_token_id=self.pad_token_id,
            suppress_tokens=self._suppressed,
        )
        return self._decode(out[:, enc["input_ids"].shape[1] :])[0]

    def _decode(self, answer_tokens: torch.Tensor) -> list[str]:
        """Each row's answer text: its tokens up to the first EOS, special tokens dropped."""
        mask, _ = self._answer_mask(answer_tokens)
        texts = []
        for row, row_mask in zip(answer_tokens.tolist(), mask.tolist(), strict=True):
            keep = [t for t, m in zip(row, row_mask, strict=True) if m]
            keep = [t for t in keep if t not in self.eos_token_ids]
            texts.append(self.tokenizer.decode(keep, skip_special_tokens=True).strip())
        return texts

    # ------------------------------------------------------------------ answer + gradients
    def _prepare(
        self, images: Sequence[Any], prompts: str | Sequence[str], room: int | None = None
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor, list[str], list[tuple[int, int]]]:
        """Processor inputs for (image, prompt) pairs; `room`: answer tokens that must fit."""
        if isinstance(images, np.ndarray) and images.ndim == 3:
            raise ValueError("pass a list of frames (or an (N, H, W, 3) array), not one frame")
        frames = self._check_images(list(images))
        if not frames:
            raise ValueError("no images given")
        prompt_list = [prompts] * len(frames) if isinstance(prompts, str) else list(prompts)
        if len(prompt_list) != len(frames):
            raise ValueError(f"{len(prompt_list)} prompts for {len(frames)} images")
        for k, p in enumerate(prompt_list):
            if not isinstance(p, str) or not p.strip():
                raise ValueError(f"prompt {k} is empty; ask the model something")
        patch = self.patch_size
        for k, frame in enumerate(frames):
            height, width = frame.shape[:2]
            if min(height, width) < patch:
                raise VLMInputError(
                    f"image {k} is {width}x{height} pixels, smaller than one patch of the VLM "
                    f"{self.model_id!r}: it needs at least {patch}x{patch} pixels"
                )
        texts = [self.format_prompt(p) for p in prompt_list]
        # Frames are (H, W, 3): said explicitly, or transformers guesses channels-first for a
        # frame whose height is 1 or 3 pixels.
        # Idefics3-style processors take one list of images per text.
        nested = self.family.name in ("Idefics3", "SmolVLM")
        enc = self.processor(images=[[f] for f in frames] if nested else frames, text=texts,
                             padding=True, return_tensors="pt",
                             input_data_format="channels_last")
        self._check_fits(prompt_list, [int(n) for n in enc["attention_mask"].sum(dim=1)],
                         self.max_new_tokens if room is None else room)
        enc = {k: v.to(self.device) for k, v in enc.items()}
        pixel_values = enc["pixel_values"].to(self.model.dtype)
        sizes = [(int(f.shape[0]), int(f.shape[1])) for f in frames]
        return enc, pixel_values, prompt_list, sizes

    def ask(
        self,
        images: Sequence[Any],
        prompts: str | Sequence[str],
        *,
        focus: Sequence[str | Sequence[str] | None] | None = None,
        max_new_tokens: int | None = None,
    ) -> list[VLMAnswer]:
        """Answer `prompts` about `images` (one prompt for all, or one per image), batched.

        Greedy decoding only: a sampled answer would make the audit irreproducible, and its
        gradient map would describe one draw rather than the model. `focus` (per frame: words or
        None) restricts the gradient target to the answer tokens that spell those words, see
        `explain_answers`.
        """
        enc, pixel_values, prompt_list, sizes = self._prepare(
            images, prompts, max_new_tokens or self.max_new_tokens)
        answer_tokens = self._generate(enc, pixel_values, max_new_tokens)
        answer_mask, ended = self._answer_mask(answer_tokens)
        return self._explain(
            enc, pixel_values, answer_tokens, answer_mask, ended, prompt_list, sizes, focus
        )

    def answer_texts(
        self,
        images: Sequence[Any],
        prompts: str | Sequence[str],
        *,
        max_new_tokens: int | None = None,
    ) -> list[str]:
        """The answers `ask` would give, as text only: no replay, no gradients.

        For measuring answer accuracy over many frames, where `ask`'s backward pass would cost
        several times the generation for maps nobody reads.
        """
        enc, pixel_values, _, _ = self._prepare(images, prompts,
                                                max_new_tokens or self.max_new_tokens)
        return self._decode(self._generate(enc, pixel_values, max_new_tokens))

    @torch.no_grad()
    def _generate(
        self, enc: dict[str, torch.Tensor], pixel_values: torch.Tensor, max_new_tokens: int | None
    ) -> torch.Tensor:
        """Greedy answer tokens (batch, new tokens), prompt excluded."""
        inputs: dict[str, Any] = (
            {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"],
             "mm_encoder_outputs": {"image": self._encode_images(pixel_values)}}
            if self.exact else {**enc, "pixel_values": pixel_values}
        )
        generated = self.model.generate(
            **inputs,
            max_new_tokens=max_new_tokens or self.max_new_tokens,
            do_sample=False,
            num_beams=1,
            pad_token_id=self.pad_token_id,
            suppress_tokens=self._suppressed,
        )
        return generated[:, enc["input_ids"].shape[1] :]

    def explain_answers(
        self,
        images: Sequence[Any],
        answers: Sequence[VLMAnswer],
        *,
        focus: Sequence[str | Sequence[str] | None] | None = None,
    ) -> list[VLMAnswer]:
        """Re-explain given answers without generating again, e.g. for one concept at a time.

        With `focus`, the gradient target is the log-probability of only the answer tokens that
        spell the focus words ("car" in "a red car ahead"), which is what says where *that part*
        of the answer came from (paper III-G). A frame whose answer does not contain its focus
        words falls back to the whole answer and says so in `VLMAnswer.focus_found`.
        """
        answers = list(answers)
        room = max((len(a.answer_token_ids) + 1 for a in answers), default=1)
        enc, pixel_values, prompt_list, sizes = self._prepare(
            images, [a.prompt for a in answers], room)
        if len(answers) != len(sizes):
            raise ValueError(f"{len(answers)} answers for {len(sizes)} images")
        eos = min(self.eos_token_ids) if self.eos_token_ids else self.pad_token_id
        rows = [list(a.answer_token_ids) + ([eos] if a.ended_with_eos else []) for a in answers]
        width = max(1, max(len(r) for r in rows))
        tokens = torch.full((len(rows), width), self.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for b, row in enumerate(rows):
            tokens[b, : len(row)] = torch.tensor(row, dtype=torch.long)
            mask[b, : len(row)] = 1
        ended = torch.tensor([a.ended_with_eos for a in answers])
        device = self.device
        return self._explain(
            enc,
            pixel_values,
            tokens.to(device),
            mask.to(device),
            ended.to(device),
            prompt_list,
            sizes,
            focus,
        )

    def _greedy(self, logits: torch.Tensor) -> torch.Tensor:
        """The replay's greedy tokens, with the tokens generation may not emit suppressed."""
        masked = logits.detach().clone()
        masked[..., self._suppressed] = float("-inf")
        return masked.argmax(dim=-1)

    def _feature_layers(self, num_layers: int) -> list[int]:
        """Selected hidden-state indices (0 = embeddings, i = output of layer i), non-negative."""
        layer = self.model.config.vision_feature_layer
        layers = [layer] if isinstance(layer, int) else list(layer)
        return [idx % (num_layers + 1) for idx in layers]

    def _focus_mask(
        self,
        answer_tokens: torch.Tensor,
        answer_mask: torch.Tensor,
        focus: Sequence[str | Sequence[str] | None] | None,
    ) -> tuple[torch.Tensor, list[bool | None]]:
        """Target mask: the answer, or only the tokens spelling each frame's focus words."""
        batch = answer_tokens.shape[0]
        if focus is None:
            return answer_mask, [None] * batch
        focus = list(focus)
        if len(focus) != batch:
            raise ValueError(f"{len(focus)} focus entries for {batch} frames")
        target = answer_mask.clone()
        found: list[bool | None] = []
        for b, words in enumerate(focus):
            if words is None:
                found.append(None)
                continue
            wanted = [words] if isinstance(words, str) else list(words)
            hits = torch.zeros_like(answer_mask[b])
            for word in wanted:
                ids = self.tokenizer(word, add_special_tokens=False)["input_ids"]
                span = len(ids)
                if not span:
                    continue
                row = answer_tokens[b].tolist()
                for start in range(len(row) - span + 1):
                    if row[start : start + span] == ids and all(
                        answer_mask[b, start : start + span].tolist()
                    ):
                        hits[start : start + span] = 1
            if hits.any():
                target[b] = hits
                found.append(True)
            else:
                found.append(False)
        return target, found

    def _explain(
        self,
        enc: dict[str, torch.Tensor],
        pixel_values: torch.Tensor,
        answer_tokens: torch.Tensor,
        answer_mask: torch.Tensor,
        ended: torch.Tensor,
        prompts: list[str],
        frame_sizes: list[tuple[int, int]],
        focus: Sequence[str | Sequence[str] | None] | None = None,
    ) -> list[VLMAnswer]:
        """The teacher-forced replay and its maps, by the family's map method."""
        explain = self._explain_tower if self.exact else self._explain_tokens
        return explain(enc, pixel_values, answer_tokens, answer_mask, ended, prompts,
                       frame_sizes, focus)

    def _explain_tower(
        self,
        enc: dict[str, torch.Tensor],
        pixel_values: torch.Tensor,
        answer_tokens: torch.Tensor,
        answer_mask: torch.Tensor,
        ended: torch.Tensor,
        prompts: list[str],
        frame_sizes: list[tuple[int, int]],
        focus: Sequence[str | Sequence[str] | None] | None = None,
    ) -> list[VLMAnswer]:
        config = self.model.config
        batch, prompt_len = enc["input_ids"].shape
        target_mask, focus_found = self._focus_mask(answer_tokens, answer_mask, focus)
        if bool(((answer_tokens == self.image_token_id) & (answer_mask > 0)).any()):
            raise VLMError("an answer contains the image placeholder token; it cannot be replayed")
        full_ids = torch.cat([enc["input_ids"], answer_tokens], dim=1)
        full_mask = torch.cat([enc["attention_mask"], answer_mask.to(enc["attention_mask"])], 1)
        # Positions as generate() assigns them under left padding, so the replay scores exactly
        # the tokens that were generated.
        position_ids = (full_mask.cumsum(dim=1) - 1).clamp(min=0)

        # Frozen weights would leave the graph empty; a leaf on the pixels keeps it alive without
        # ever touching the parameters' .grad.
        pixels = pixel_values.detach().clone().requires_grad_(True)
        with torch.enable_grad():
            image_outputs = self._encode_images(
                pixels, output_attentions=True, output_hidden_states=True
            )
            attentions = image_outputs.attentions
            hidden_states = image_outputs.hidden_states
            if attentions is None or hidden_states is None:
                raise VLMError(
                    f"{self.model_id!r}: the vision tower returned no attentions/hidden states; "
                    "it must run with eager attention"
                )
            num_layers = len(attentions)
            feature_layers = self._feature_layers(num_layers)
            used_layers = list(range(max(feature_layers)))  # attention layers feeding L_f
            outputs = self.model(
                input_ids=full_ids,
                attention_mask=full_mask,
                position_ids=position_ids,
                mm_encoder_outputs={"image": image_outputs},
                use_cache=False,
                logits_to_keep=answer_tokens.shape[1] + 1,
            )
            # logits[:, t] predicts token t+1: the slice ending one early scores every answer token.
            logits = outputs.logits[:, :-1].float()
            logprobs = torch.log_softmax(logits, dim=-1)
            token_lp = logprobs.gather(-1, answer_tokens.unsqueeze(-1)).squeeze(-1)
            per_frame = (token_lp * answer_mask.to(token_lp.dtype)).sum(dim=1)
            target = (token_lp * target_mask.to(token_lp.dtype)).sum(dim=1)
            # Greedy tokens must be the replay's argmax; if not, the replay scored a different
            # context (positions, padding) and its gradients would explain the wrong answer.
            replay_greedy = (self._greedy(logits) == answer_tokens) | (answer_mask == 0)
            targets = [attentions[i] for i in used_layers] + [
                hidden_states[k] for k in feature_layers
            ]
            # Frames are independent in the batch, so d(sum)/d(frame-b tensor) = d(target_b)/d(.)
            grads = torch.autograd.grad(target.sum(), targets, allow_unused=True)
        attn_grads = grads[: len(used_layers)]
        feat_grads = grads[len(used_layers) :]

        h_in, w_in = pixel_values.shape[-2:]
        patch = int(config.vision_config.patch_size)
        grid_h, grid_w = h_in // patch, w_in // patch
        n_tokens = attentions[0].shape[-1]
        n_patches = grid_h * grid_w
        offset = n_tokens - n_patches
        if offset not in (0, 1):
            raise VLMError(
                f"{self.model_id!r}: {n_tokens} vision tokens for a {grid_h}x{grid_w} grid; "
                "cannot tell which tokens are patches"
            )
        geometry = GridGeometry(grid_h, grid_w, patch, (int(h_in), int(w_in)), offset == 1)

        finite = torch.ones(batch, dtype=torch.bool, device=pixels.device)
        layer_relevance = torch.zeros(batch, len(used_layers), n_patches, device=pixels.device)
        layer_attention = torch.zeros_like(layer_relevance)
        with torch.no_grad():
            for slot, (layer, grad) in enumerate(zip(used_layers, attn_grads, strict=True)):
                attn = attentions[layer].float()
                # Self-attention received by each patch from the patch queries, for fusion.
                layer_attention[:, slot] = attn.mean(dim=1)[:, offset:, offset:].sum(dim=1)
                if grad is None:  # layer not on the path to the answer
                    continue
                finite &= torch.isfinite(grad).flatten(1).all(dim=1)
                cam = (torch.nan_to_num(grad.float()) * attn).clamp(min=0).mean(dim=1)
                layer_relevance[:, slot] = cam[:, offset:, offset:].sum(dim=1)
            relevance = layer_relevance.sum(dim=1)
            feature = torch.zeros(batch, n_patches, device=pixels.device)
            for grad in feat_grads:
                if grad is None:
                    continue
                finite &= torch.isfinite(grad).flatten(1).all(dim=1)
                feature += torch.nan_to_num(grad.float())[:, offset:].norm(dim=-1)

        results = []
        for b in range(batch):
            ids = [
                int(t)
                for t, m in zip(answer_tokens[b].tolist(), answer_mask[b].tolist(), strict=True)
                if m and int(t) not in self.eos_token_ids
            ]
            scored = answer_mask[b].tolist()
            results.append(
                VLMAnswer(
                    prompt=prompts[b],
                    answer=self.tokenizer.decode(ids, skip_special_tokens=True).strip(),
                    answer_token_ids=tuple(ids),
                    logprob=float(per_frame[b].detach()),
                    answer_map=minmax(
                        relevance[b].reshape(grid_h, grid_w).cpu().numpy(), MAP_EPS,
                        dim=None, exact=True,
                    ),
                    feature_map=minmax(
                        feature[b].reshape(grid_h, grid_w).cpu().numpy(), MAP_EPS,
                        dim=None, exact=True,
                    ),
                    grid=geometry,
                    model_id=self.model_id,
                    layers=tuple(used_layers),
                    ended_with_eos=bool(ended[b]),
                    frame_size=frame_sizes[b],
                    frame_box=self._frame_box(frame_sizes[b]),
                    layer_relevance=layer_relevance[b].reshape(-1, grid_h, grid_w).cpu().numpy(),
                    layer_attention=layer_attention[b].reshape(-1, grid_h, grid_w).cpu().numpy(),
                    token_logprobs=tuple(
                        float(v) for v, m in zip(token_lp[b].tolist(), scored, strict=True) if m
                    ),
                    prompt_tokens=prompt_len,
                    replay_matches_greedy=bool(replay_greedy[b].all()),
                    target_logprob=float(target[b].detach()),
                    target_tokens=int(target_mask[b].sum()),
                    focus=_focus_words(focus[b]) if focus is not None else None,
                    focus_found=focus_found[b],
                    grad_finite=bool(finite[b]),
                    map_method=ATTENTION_GRADIENT,
                    token_values=relevance[b].cpu().numpy().astype(np.float32),
                    token_boxes=layout.llava_boxes(grid_h, grid_w,
                                                     self._frame_box(frame_sizes[b])),
                )
            )
        return results

    def _image_layouts(self, enc: dict[str, torch.Tensor], frame_sizes: list[tuple[int, int]]
                       ) -> list[np.ndarray]:
        """Each frame's vision-token boxes in frame pixels (`operators.vlm.families`)."""
        grids = enc.get("image_grid_thw")
        tiles = _tile_grids(self.family, self.processor, frame_sizes)
        out = []
        for b, size in enumerate(frame_sizes):
            image = ImageTokens(
                frame_size=size,
                grid_thw=tuple(int(v) for v in grids[b].tolist()) if grids is not None else None,
                tiles=tiles[b] if tiles is not None else None,
            )
            out.append(self.family.boxes(self.model.config, self.processor, image))
        return out

    def _explain_tokens(
        self,
        enc: dict[str, torch.Tensor],
        pixel_values: torch.Tensor,
        answer_tokens: torch.Tensor,
        answer_mask: torch.Tensor,
        ended: torch.Tensor,
        prompts: list[str],
        frame_sizes: list[tuple[int, int]],
        focus: Sequence[str | Sequence[str] | None] | None = None,
    ) -> list[VLMAnswer]:
        """Feature-gradient maps: d log p(target) / d(vision token as the LLM receives it).

        The language model's input embeddings (and Qwen3-VL's deepstack features) are swapped
        for detached leaves by a pre-hook, so the backward stops at the LLM's input: the tower
        is run once, without autograd, and the map is ||grad|| per vision token, drawn in
        frame pixels through the family's geometry.
        """
        batch, prompt_len = enc["input_ids"].shape
        target_mask, focus_found = self._focus_mask(answer_tokens, answer_mask, focus)
        if bool(((answer_tokens == self.image_token_id) & (answer_mask > 0)).any()):
            raise VLMError("an answer contains the image placeholder token; it cannot be replayed")
        full_ids = torch.cat([enc["input_ids"], answer_tokens], dim=1)
        full_mask = torch.cat([enc["attention_mask"], answer_mask.to(enc["attention_mask"])], 1)
        extra = {k: v for k, v in enc.items() if k not in ("input_ids", "attention_mask")}
        extra["pixel_values"] = pixel_values
        if "mm_token_type_ids" in extra:  # answer tokens are text
            extra["mm_token_type_ids"] = torch.cat(
                [extra["mm_token_type_ids"], torch.zeros_like(answer_tokens)], dim=1)
        if not self.family.own_positions:
            # Positions as generate() assigns them under left padding.
            extra["position_ids"] = (full_mask.cumsum(dim=1) - 1).clamp(min=0)
        leaves: dict[str, Any] = {}

        def swap(module: torch.nn.Module, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
            embeds = kwargs["inputs_embeds"].detach().requires_grad_(True)
            kwargs["inputs_embeds"] = leaves["embeds"] = embeds
            deep = kwargs.get("deepstack_visual_embeds")
            if deep:
                kwargs["deepstack_visual_embeds"] = leaves["deep"] = [
                    d.detach().requires_grad_(True) for d in deep]
            return args, kwargs

        handle = _text_model(self.model.model).register_forward_pre_hook(swap, with_kwargs=True)
        try:
            with torch.enable_grad():
                outputs = self.model(
                    input_ids=full_ids,
                    attention_mask=full_mask,
                    use_cache=False,
                    logits_to_keep=answer_tokens.shape[1] + 1,
                    **extra,
                )
                logits = outputs.logits[:, :-1].float()
                logprobs = torch.log_softmax(logits, dim=-1)
                token_lp = logprobs.gather(-1, answer_tokens.unsqueeze(-1)).squeeze(-1)
                per_frame = (token_lp * answer_mask.to(token_lp.dtype)).sum(dim=1)
                target = (token_lp * target_mask.to(token_lp.dtype)).sum(dim=1)
                replay_greedy = (self._greedy(logits) == answer_tokens) | (answer_mask == 0)
                deep = leaves.get("deep") or []
                grads = torch.autograd.grad(target.sum(), [leaves["embeds"], *deep],
                                            allow_unused=True)
        finally:
            handle.remove()
        visual = full_ids == self.image_token_id  # (batch, seq): where image features sit
        with torch.no_grad():
            embed_grad = grads[0] if grads[0] is not None else torch.zeros_like(leaves["embeds"])
            finite = torch.isfinite(embed_grad).flatten(1).all(dim=1)
            norms = torch.nan_to_num(embed_grad.float()).norm(dim=-1)  # (batch, seq)
            for grad in grads[1:]:
                if grad is None:
                    continue
                # Deepstack features are the visual positions of the whole batch, row-major.
                flat = torch.zeros_like(norms)
                flat[visual] = torch.nan_to_num(grad.float()).norm(dim=-1)
                norms = norms + flat
                finite &= bool(torch.isfinite(grad).all())
        layouts = self._image_layouts(enc, frame_sizes)
        results = []
        for b in range(batch):
            values = norms[b][visual[b]].cpu().numpy().astype(np.float32)
            boxes = layouts[b]
            if values.shape[0] != boxes.shape[0]:
                raise VLMError(
                    f"{self.model_id!r} ({self.family.name}): {values.shape[0]} vision tokens "
                    f"but its geometry places {boxes.shape[0]}; the processor and the model "
                    "disagree on this frame's layout"
                )
            rows, cols = layout.render_grid(boxes, frame_sizes[b])
            raw = layout.render(values, boxes, frame_sizes[b], (rows, cols))
            heat = minmax(raw, MAP_EPS, dim=None, exact=True)
            ids = [
                int(t)
                for t, m in zip(answer_tokens[b].tolist(), answer_mask[b].tolist(), strict=True)
                if m and int(t) not in self.eos_token_ids
            ]
            scored = answer_mask[b].tolist()
            height, width = frame_sizes[b]
            results.append(
                VLMAnswer(
                    prompt=prompts[b],
                    answer=self.tokenizer.decode(ids, skip_special_tokens=True).strip(),
                    answer_token_ids=tuple(ids),
                    logprob=float(per_frame[b].detach()),
                    answer_map=heat,
                    feature_map=heat,
                    grid=GridGeometry(rows, cols, self.patch_size, (height, width), False),
                    model_id=self.model_id,
                    layers=(),
                    ended_with_eos=bool(ended[b]),
                    frame_size=frame_sizes[b],
                    frame_box=self._frame_box(frame_sizes[b]),
                    layer_relevance=raw[None],
                    layer_attention=np.zeros((0, rows, cols), np.float32),
                    token_logprobs=tuple(
                        float(v) for v, m in zip(token_lp[b].tolist(), scored, strict=True) if m
                    ),
                    prompt_tokens=prompt_len,
                    replay_matches_greedy=bool(replay_greedy[b].all()),
                    target_logprob=float(target[b].detach()),
                    target_tokens=int(target_mask[b].sum()),
                    focus=_focus_words(focus[b]) if focus is not None else None,
                    focus_found=focus_found[b],
                    grad_finite=bool(finite[b]),
                    map_method=self.family.map_method,
                    token_values=values,
                    token_boxes=boxes,
                )
            )
        return results

    @torch.no_grad()
    def hidden_replay(
        self, images: Sequence[Any], prompts: str | Sequence[str], answers: Sequence[str]
    ) -> HiddenReplay:
        """Hidden states of prompt + a given answer text per frame (teacher-forced, no grad).

        For scores read off the VLM's own states (`operators.vlm.grounding_score`): the answer
        is any text (a concept as a probe, or a logged answer), tokenised without specials.
        """
        rows = [self.tokenizer(a, add_special_tokens=False)["input_ids"] for a in answers]
        width = max(1, max(len(r) for r in rows))
        enc, pixel_values, _, _ = self._prepare(images, prompts, width)
        if len(rows) != enc["input_ids"].shape[0]:
            raise ValueError(f"{len(rows)} answers for {enc['input_ids'].shape[0]} images")
        tokens = torch.full((len(rows), width), self.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for b, row in enumerate(rows):
            tokens[b, : len(row)] = torch.tensor(row, dtype=torch.long)
            mask[b, : len(row)] = 1
        tokens, mask = tokens.to(self.device), mask.to(self.device)
        full_ids = torch.cat([enc["input_ids"], tokens], dim=1)
        full_mask = torch.cat([enc["attention_mask"], mask.to(enc["attention_mask"])], 1)
        inputs: dict[str, Any] = {"input_ids": full_ids, "attention_mask": full_mask}
        if self.exact:
            inputs["mm_encoder_outputs"] = {"image": self._encode_images(pixel_values)}
        else:
            inputs.update({k: v for k, v in enc.items()
                           if k not in ("input_ids", "attention_mask")})
            inputs["pixel_values"] = pixel_values
            if "mm_token_type_ids" in inputs:
                inputs["mm_token_type_ids"] = torch.cat(
                    [inputs["mm_token_type_ids"], torch.zeros_like(tokens)], dim=1)
        if not self.family.own_positions:
            inputs["position_ids"] = (full_mask.cumsum(dim=1) - 1).clamp(min=0)
        outputs = self.model(**inputs, use_cache=False, output_hidden_states=True,
                             logits_to_keep=1)
        return HiddenReplay(
            hidden_states=tuple(h.float() for h in outputs.hidden_states),
            visual=full_ids == self.image_token_id,
            answer_start=int(enc["input_ids"].shape[1]),
            answer_mask=mask.bool(),
            answer_ids=tokens,
        )

    def logit_lens(self, hidden: torch.Tensor, *, normed: bool = False) -> torch.Tensor:
        """Log-probabilities the LM head reads off hidden states (final norm, then head).

        `normed`: the states already passed the final norm (transformers' last hidden state).
        """
        text = _text_model(self.model.model)
        norm = None if normed else getattr(text, "norm", None)
        states = norm(hidden.to(self.model.dtype)) if norm is not None else hidden
        head = self.model.get_output_embeddings()
        return torch.log_softmax(head(states.to(head.weight.dtype)).float(), dim=-1)

    @property
    def input_hw(self) -> tuple[int, int]:
        """(height, width) of the pixels the processor gives the vision tower."""
        side = getattr(self.model.config.vision_config, "image_size", None) or 336
        return _processor_input_hw(self.processor,
                                   int(side[0] if isinstance(side, (list, tuple)) else side))

    def _encode_images(self, pixels: torch.Tensor, **outputs: bool) -> Any:
        """Tower + projector, once for generate() (as it would itself) and for the replay.

        One place, so the answer and its explanation see the same image features; a tower run
        at an input other than its square needs `tower_kwargs` (operators.vlm.convert).
        """
        config = self.model.config
        return self.model.model.get_image_features(
            pixel_values=pixels,
            vision_feature_layer=config.vision_feature_layer,
            vision_feature_select_strategy=config.vision_feature_select_strategy,
            return_dict=True,
            **tower_kwargs(config.vision_config, pixels),
            **outputs,
        )

    def _frame_box(self, frame_size: tuple[int, int]) -> tuple[float, float, float, float]:
        """(top, left, height, width) of the frame region the answer map covers, in pixels.

        The tower-grid map of LLaVA-1.5 covers what its processor kept
        (`processor_frame_box`); every other family's map is drawn over the whole frame.
        Needed to put the answer map and the CLIP map (which squashes) on the same pixels.
        """
        if not self.exact:
            return (0.0, 0.0, float(frame_size[0]), float(frame_size[1]))
        return processor_frame_box(self.processor, frame_size)


def _text_model(inner: Any) -> torch.nn.Module | None:
    """The decoder that receives the merged text + image embeddings."""
    return getattr(inner, "language_model", None) or getattr(inner, "text_model", None)


def _image_token_id(config: Any, processor: Any) -> int:
    """The placeholder token whose positions receive image features."""
    for source, name in ((config, "image_token_id"), (config, "image_token_index"),
                         (processor, "image_token_id")):
        value = getattr(source, name, None)
        if value is not None:
            return int(value)
    raise VLMError("the VLM's config names no image token (image_token_id)")


def _tile_grids(family: Family, processor: Any, frame_sizes: list[tuple[int, int]]
                ) -> list[tuple[int, int]] | None:
    """(rows, cols) of tiles per frame for tiling families that squash onto square tiles."""
    if family.name == "InternVL":
        from drivexplain.operators.vlm.geometry import internvl_tiles

        return [internvl_tiles(processor.image_processor, size) for size in frame_sizes]
    if family.name in ("Idefics3", "SmolVLM"):
        from drivexplain.operators.vlm.geometry import idefics3_tiles

        return [idefics3_tiles(processor.image_processor, size) for size in frame_sizes]
    return None


def _focus_words(words: str | Sequence[str] | None) -> str | tuple[str, ...] | None:
    """A frame's focus as given, lists frozen to tuples (answers are immutable)."""
    return words if words is None or isinstance(words, str) else tuple(words)


def load_vlm(
    source: str | Path,
    *,
    device: str | torch.device | None = "auto",
    dtype: torch.dtype = torch.float32,
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
) -> VLMBackend:
    """Load a VLM directory or hub id; the one entry point the CLI and pipeline use."""
    return VLMBackend.load(source, device=device, dtype=dtype, max_new_tokens=max_new_tokens)


# The LLaVA-only backend's name, kept for callers written before the other families.
LlavaBackend = VLMBackend
