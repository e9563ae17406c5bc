"""Tiny random models of every supported VLM family, with offline processors.

No model hub is reachable here, so the tests and `benchmarks/speed/vlm_speed.py` build each family
from its config class (two layers, widths of 32), with a word-level tokenizer that knows the
family's special tokens (`operators.vlm.build.build_word_tokenizer`) and a chat template in the
family's own turn format. Saved with `save_pretrained` (safetensors), they load back through
`load_vlm(DIR)` exactly as a downloaded checkpoint would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from drivexplain.operators.vlm.build import build_word_tokenizer, split_words

DEFAULT_WORDS = split_words(
    "is there a car ? yes no what the red blue truck pedestrian in front of us describe this "
    "image . road sky tree bus user assistant system left right"
)
MEAN = [0.5, 0.5, 0.5]
STD = [0.5, 0.5, 0.5]


def _template(user_start: str, user_end: str, assistant: str, image: str) -> str:
    """A Jinja chat template: one user turn of images and text, then the assistant's cue."""
    return (
        "{% for m in messages %}" + user_start
        + "{% for c in m['content'] %}{% if c['type'] == 'image' %}" + image
        + "{% else %}{{ c['text'] }}{% endif %}{% endfor %}" + user_end + "{% endfor %}"
        + "{% if add_generation_prompt %}" + assistant + "{% endif %}"
    )


def _tokenizer(words: Iterable[str], specials: list[str], **named: str) -> Any:
    return build_word_tokenizer(words, specials, named)


def _ids(tok: Any, *tokens: str) -> list[int]:
    return [int(tok.convert_tokens_to_ids(t)) for t in tokens]


def _text(tok: Any, **extra: Any) -> dict[str, Any]:
    return dict(
        vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
        pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id, tie_word_embeddings=False, **extra,
    )


def _finish(model: Any, tok: Any) -> Any:
    for key in ("pad_token_id", "eos_token_id", "bos_token_id"):
        setattr(model.generation_config, key, getattr(tok, key))
    return model.eval()


QWEN_SPECIALS = ["<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
                 "<|image_pad|>", "<|video_pad|>"]
QWEN_TEMPLATE = _template("<|im_start|>user\n", "<|im_end|>\n", "<|im_start|>assistant\n",
                          "<|vision_start|><|image_pad|><|vision_end|>")


def _qwen(kind: str, words: Iterable[str]) -> tuple[Any, Any]:
    import transformers as tf

    tok = _tokenizer(words, QWEN_SPECIALS, image_token="<|image_pad|>",
                     video_token="<|video_pad|>")
    image, video, start, end = _ids(tok, "<|image_pad|>", "<|video_pad|>", "<|vision_start|>",
                                    "<|vision_end|>")
    rope = {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 1, 1]}
    tokens = dict(image_token_id=image, video_token_id=video, vision_start_token_id=start,
                  vision_end_token_id=end)
    if kind == "qwen2_vl":
        patch, merge = 14, 2
        config = tf.Qwen2VLConfig(
            text_config=_text(tok, rope_parameters=rope),
            vision_config=dict(depth=2, embed_dim=32, hidden_size=32, num_heads=4,
                               patch_size=patch, spatial_merge_size=merge), **tokens)
        model = tf.Qwen2VLForConditionalGeneration(config)
        video_proc = tf.Qwen2VLVideoProcessor()
        proc_cls = tf.Qwen2VLProcessor
    elif kind == "qwen2_5_vl":
        patch, merge = 14, 2
        config = tf.Qwen2_5_VLConfig(
            text_config=_text(tok, rope_parameters=rope),
            vision_config=dict(depth=2, hidden_size=32, intermediate_size=64, num_heads=4,
                               out_hidden_size=32, patch_size=patch, spatial_merge_size=merge,
                               window_size=56, fullatt_block_indexes=[1]), **tokens)
        model = tf.Qwen2_5_VLForConditionalGeneration(config)
        video_proc = tf.Qwen2VLVideoProcessor()
        proc_cls = tf.Qwen2_5_VLProcessor
    else:  # qwen3_vl
        patch, merge = 16, 2
        rope3 = {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [4, 2, 2],
                 "mrope_interleaved": True}
        config = tf.Qwen3VLConfig(
            text_config=_text(tok, rope_parameters=rope3, head_dim=16),
            vision_config=dict(depth=2, hidden_size=32, intermediate_size=64, num_heads=4,
                               out_hidden_size=32, patch_size=patch, spatial_merge_size=merge,
                               num_position_embeddings=64, deepstack_visual_indexes=[0]),
            **tokens)
        model = tf.Qwen3VLForConditionalGeneration(config)
        video_proc = tf.Qwen3VLVideoProcessor(patch_size=patch)
        proc_cls = tf.Qwen3VLProcessor
    factor = patch * merge
    image_proc = tf.Qwen2VLImageProcessor(
        patch_size=patch, merge_size=merge, image_mean=MEAN, image_std=STD,
        size={"shortest_edge": factor * factor * 4, "longest_edge": factor * factor * 48})
    processor = proc_cls(image_processor=image_proc, tokenizer=tok, video_processor=video_proc,
                         chat_template=QWEN_TEMPLATE)
    return _finish(model, tok), processor


LLAVA_TEMPLATE = _template("user: ", " ", "assistant:", "<image>\n")


def _llava_anyres(kind: str, words: Iterable[str]) -> tuple[Any, Any]:
    import transformers as tf

    tok = _tokenizer(words, ["<video>"], image_token="<image>", video_token="<video>")
    tile, patch = 28, 7
    pinpoints = [[tile, tile * 2], [tile * 2, tile], [tile * 2, tile * 2], [tile, tile * 3]]
    image, video = _ids(tok, "<image>", "<video>")
    if kind == "llava_next":
        vision = tf.CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                     num_attention_heads=4, image_size=tile, patch_size=patch)
        config = tf.LlavaNextConfig(vision_config=vision, text_config=tf.LlamaConfig(**_text(tok)),
                                    image_token_id=image, image_grid_pinpoints=pinpoints)
        model = tf.LlavaNextForConditionalGeneration(config)
        image_proc = tf.LlavaNextImageProcessor(
            size={"height": tile, "width": tile}, crop_size={"height": tile, "width": tile},
            image_grid_pinpoints=pinpoints, image_mean=MEAN, image_std=STD)
        processor = tf.LlavaNextProcessor(
            image_processor=image_proc, tokenizer=tok, patch_size=patch,
            vision_feature_select_strategy="default", num_additional_image_tokens=1,
            chat_template=LLAVA_TEMPLATE)
    else:  # llava_onevision: SigLIP tower, no CLS, anyres_max_N
        vision = tf.SiglipVisionConfig(hidden_size=32, intermediate_size=64,
                                       num_hidden_layers=2, num_attention_heads=4,
                                       image_size=tile, patch_size=patch)
        config = tf.LlavaOnevisionConfig(
            vision_config=vision, text_config=tf.Qwen2Config(**_text(tok)),
            image_token_id=image, video_token_id=video, image_grid_pinpoints=pinpoints,
            vision_feature_select_strategy="full", vision_feature_layer=-1,
            vision_aspect_ratio="anyres_max_2")
        model = tf.LlavaOnevisionForConditionalGeneration(config)
        image_proc = tf.LlavaOnevisionImageProcessor(
            size={"height": tile, "width": tile}, image_grid_pinpoints=pinpoints,
            image_mean=MEAN, image_std=STD, do_pad=True)
        processor = tf.LlavaOnevisionProcessor(
            image_processor=image_proc, tokenizer=tok,
            video_processor=tf.LlavaOnevisionVideoProcessor(),
            num_image_tokens=(tile // patch) ** 2,
            vision_feature_select_strategy="full", vision_aspect_ratio="anyres_max_2",
            chat_template=LLAVA_TEMPLATE)
    return _finish(model, tok), processor


def _internvl(words: Iterable[str]) -> tuple[Any, Any]:
    import transformers as tf

    tok = _tokenizer(words, ["<img>", "</img>", "<IMG_CONTEXT>", "<video>"],
                     start_image_token="<img>", end_image_token="</img>",
                     context_image_token="<IMG_CONTEXT>", video_token="<video>")
    (context,) = _ids(tok, "<IMG_CONTEXT>")
    tile, patch = 28, 7
    per_tile = (tile // patch // 2) ** 2
    vision = tf.InternVLVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                     num_attention_heads=4, image_size=[tile, tile],
                                     patch_size=[patch, patch])
    config = tf.InternVLConfig(vision_config=vision, text_config=tf.Qwen2Config(**_text(tok)),
                               image_token_id=context, image_seq_length=per_tile,
                               tie_word_embeddings=False)
    model = tf.InternVLForConditionalGeneration(config)
    image_proc = tf.GotOcr2ImageProcessor(size={"height": tile, "width": tile},
                                          crop_to_patches=True, min_patches=1, max_patches=6,
                                          image_mean=MEAN, image_std=STD)
    processor = tf.InternVLProcessor(
        image_processor=image_proc, tokenizer=tok, video_processor=tf.InternVLVideoProcessor(),
        image_seq_length=per_tile,
        chat_template=_template("user: ", " ", "assistant:", "<IMG_CONTEXT>\n"))
    return _finish(model, tok), processor


def _idefics3(kind: str, words: Iterable[str]) -> tuple[Any, Any]:
    import transformers as tf

    tags = [f"<row_{i + 1}_col_{j + 1}>" for i in range(6) for j in range(6)]
    tok = _tokenizer(words, ["<fake_token_around_image>", "<global-img>", "<end_of_utterance>",
                             "<video>", *tags], image_token="<image>")
    tile, patch, scale = 28, 7, 2
    per_tile = (tile // patch // scale) ** 2
    (image,) = _ids(tok, "<image>")
    vision = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                  num_attention_heads=4, image_size=tile, patch_size=patch)
    sizes = dict(size={"longest_edge": tile * 2}, max_image_size={"longest_edge": tile},
                 image_mean=MEAN, image_std=STD)
    template = _template("user: ", "<end_of_utterance>\n", "assistant:", "<image>")
    if kind == "idefics3":
        config = tf.Idefics3Config(vision_config=vision, text_config=_text(tok, model_type="llama"),
                                   image_token_id=image, scale_factor=scale)
        model = tf.Idefics3ForConditionalGeneration(config)
        processor = tf.Idefics3Processor(image_processor=tf.Idefics3ImageProcessor(**sizes),
                                         tokenizer=tok, image_seq_len=per_tile,
                                         chat_template=template)
    else:
        config = tf.SmolVLMConfig(vision_config=vision, text_config=_text(tok, model_type="llama"),
                                  image_token_id=image, scale_factor=scale)
        model = tf.SmolVLMForConditionalGeneration(config)
        processor = tf.SmolVLMProcessor(image_processor=tf.SmolVLMImageProcessor(**sizes),
                                        tokenizer=tok, video_processor=tf.SmolVLMVideoProcessor(),
                                        image_seq_len=per_tile, chat_template=template)
    return _finish(model, tok), processor


def _llava(words: Iterable[str]) -> tuple[Any, Any]:
    from drivexplain.operators.vlm.build import build_tiny_llava

    return build_tiny_llava(build_word_tokenizer(words), image_size=28, patch_size=7)


BUILDERS: dict[str, Callable[[Iterable[str]], tuple[Any, Any]]] = {
    "llava": _llava,
    "llava_next": lambda words: _llava_anyres("llava_next", words),
    "llava_onevision": lambda words: _llava_anyres("llava_onevision", words),
    "qwen2_vl": lambda words: _qwen("qwen2_vl", words),
    "qwen2_5_vl": lambda words: _qwen("qwen2_5_vl", words),
    "qwen3_vl": lambda words: _qwen("qwen3_vl", words),
    "internvl": _internvl,
    "idefics3": lambda words: _idefics3("idefics3", words),
    "smolvlm": lambda words: _idefics3("smolvlm", words),
}


def build_tiny_vlm(model_type: str, words: Iterable[str] = DEFAULT_WORDS, seed: int = 0
                   ) -> tuple[Any, Any]:
    """A random tiny model of `model_type`'s family and its processor (offline tokenizer)."""
    import torch

    if model_type not in BUILDERS:
        raise ValueError(f"no tiny builder for {model_type!r}; have {sorted(BUILDERS)}")
    torch.manual_seed(seed)
    return BUILDERS[model_type](list(words))


def save_tiny_vlm(model_type: str, directory: str | Path, words: Iterable[str] = DEFAULT_WORDS,
                  seed: int = 0) -> Path:
    """Build `model_type`'s tiny model and write it as a loadable directory (safetensors)."""
    model, processor = build_tiny_vlm(model_type, words, seed)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    processor.save_pretrained(out)
    return out
