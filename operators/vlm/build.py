"""Build small LLaVA models from parts: a word-level tokenizer, a CLIP tower, a Llama LM.

The project ships a tiny LLaVA trained on the synthetic world and the tests need a random one;
both are ordinary transformers directories, so the backend loads them with exactly the code path
it uses for llava-hf checkpoints.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SPECIAL_TOKENS: tuple[str, ...] = ("<pad>", "<unk>", "<s>", "</s>", "<image>")
PAD, UNK, BOS, EOS, IMAGE = SPECIAL_TOKENS
# LLaVA-1.5's turn markers (lower-cased: the tokenizer lower-cases its input), kept as single
# words so the word-level tokenizer knows them.
ROLE_TOKENS: tuple[str, ...] = ("user:", "assistant:")
_WORD_PATTERN = r"user:|assistant:|<[a-z/]+>|[a-z0-9]+|[^\sa-z0-9]"


def split_words(text: str) -> list[str]:
    """The word-level tokenizer's view of a text: lower-case, punctuation as separate words.

    Mirrors the tokenizer's normaliser and pre-tokenizer so that a vocabulary can be collected
    from a corpus before the tokenizer exists.
    """
    import re

    return re.findall(_WORD_PATTERN, text.lower())


def build_word_tokenizer(words: Iterable[str], special_tokens: Iterable[str] = (),
                         named_tokens: dict[str, str] | None = None) -> Any:
    """A `PreTrainedTokenizerFast` over a fixed word list (special and role tokens first).

    Word-level rather than BPE because the tiny model's world has a few hundred words, and a
    word per token keeps the answer's token ids readable in the audit. `special_tokens` are
    extra unsplittable tokens (a VLM family's turn and image markers); `named_tokens` gives
    some of them the attribute names the family's processor reads (`tokenizer.image_token`,
    `tokenizer.start_image_token`, ...), saved with the tokenizer.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab: dict[str, int] = {}
    for word in (*SPECIAL_TOKENS, *ROLE_TOKENS, *words):
        if word and word not in vocab:
            vocab[word] = len(vocab)
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token=UNK))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.WhitespaceSplit(),
            pre_tokenizers.Split(Regex(_WORD_PATTERN), behavior="isolated"),
        ]
    )
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token=PAD,
        unk_token=UNK,
        bos_token=BOS,
        eos_token=EOS,
        extra_special_tokens={"image_token": IMAGE, **(named_tokens or {})},
    )
    extra = [t for t in special_tokens if t != IMAGE]
    fast.add_special_tokens({"additional_special_tokens": [IMAGE, *extra]})
    return fast


def build_tiny_llava(
    tokenizer: Any,
    *,
    vision_config: Any | None = None,
    vision_tower: Any | None = None,
    squash: bool = False,
    image_size: int = 32,
    patch_size: int = 8,
    vision_hidden: int = 32,
    vision_layers: int = 2,
    vision_heads: int = 4,
    text_hidden: int = 32,
    text_layers: int = 2,
    text_heads: int = 4,
    vision_feature_layer: int | list[int] = -2,
    vision_feature_select_strategy: str = "default",
    seed: int = 0,
) -> tuple[Any, Any]:
    """A randomly initialised `LlavaForConditionalGeneration` and its `LlavaProcessor`.

    `vision_tower` is a transformers CLIP vision model whose config and weights are used for
    the tower (the converted project CLIP, `operators.vlm.convert`); `vision_config` gives only
    the geometry. The image processor resizes the short side and centre-crops, as llava-hf's CLIP
    processor does; `squash=True` resizes to the tower's input without cropping, as the project's
    tiny CLIP is trained (a dashcam frame's sides carry the objects an audit asks about). A
    converted non-square tower (`drivexplain.operators.vlm.convert`) records that input as
    `vision_config.input_hw`.
    """
    import torch
    from transformers import (
        CLIPImageProcessor,
        CLIPVisionConfig,
        LlamaConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
    )

    if vision_tower is not None:
        vision_config = vision_tower.config
    if vision_config is not None:
        # A private copy: building a model sets its attention implementation on the config, and
        # a shared config would silently switch another model's tower (e.g. eager -> sdpa).
        vision_config = copy.deepcopy(vision_config)
    else:
        vision_config = CLIPVisionConfig(
            hidden_size=vision_hidden,
            intermediate_size=4 * vision_hidden,
            num_hidden_layers=vision_layers,
            num_attention_heads=vision_heads,
            image_size=image_size,
            patch_size=patch_size,
        )
    vocab_size = len(tokenizer)
    text_config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=text_hidden,
        intermediate_size=4 * text_hidden,
        num_hidden_layers=text_layers,
        num_attention_heads=text_heads,
        num_key_value_heads=text_heads,
        max_position_embeddings=1024,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=False,
    )
    image_token_id = tokenizer.convert_tokens_to_ids(IMAGE)
    config = LlavaConfig(
        vision_config=vision_config,
        text_config=text_config,
        image_token_id=image_token_id,
        vision_feature_layer=vision_feature_layer,
        vision_feature_select_strategy=vision_feature_select_strategy,
    )
    torch.manual_seed(seed)
    model = LlavaForConditionalGeneration(config)
    if vision_tower is not None:
        from drivexplain.operators.vlm.convert import load_tower_weights

        load_tower_weights(model.model.vision_tower, vision_tower.state_dict())
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.bos_token_id = tokenizer.bos_token_id
    size = int(vision_config.image_size)
    height, width = getattr(vision_config, "input_hw", None) or (size, size)
    if height != width and not squash:
        raise ValueError(f"a non-square input {height}x{width} needs squash=True (no crop)")
    mean = (0.48145466, 0.4578275, 0.40821073)
    std = (0.26862954, 0.26130258, 0.27577711)
    image_processor = CLIPImageProcessor(
        size={"height": height, "width": width} if squash else {"shortest_edge": size},
        crop_size={"height": height, "width": width},
        do_center_crop=not squash,
        image_mean=list(mean),
        image_std=list(std),
    )
    processor = LlavaProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        patch_size=int(vision_config.patch_size),
        vision_feature_select_strategy=vision_feature_select_strategy,
        num_additional_image_tokens=1,  # CLIP's CLS token
    )
    return model, processor


def save_llava(model: Any, processor: Any, directory: str | Path) -> Path:
    """Write a loadable LLaVA directory (safetensors weights + processor files)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    processor.save_pretrained(out)
    return out
