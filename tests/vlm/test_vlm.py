"""The LLaVA backend on tiny random models: loading, determinism, gradients, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from drivexplain.operators.fusion import minmax
from drivexplain.operators.vlm.backend import (
    LlavaBackend,
    VLMError,
    VLMOfflineError,
    load_vlm,
)
from drivexplain.operators.vlm.build import (
    build_tiny_llava,
    build_word_tokenizer,
    save_llava,
    split_words,
)

WORDS = split_words(
    "is there a car ? yes no what the red blue truck pedestrian in front of us describe "
    "this image . i don't like winter , road sky tree bus"
)


def _save(directory: Path, **kwargs) -> Path:
    tokenizer = build_word_tokenizer(WORDS)
    model, processor = build_tiny_llava(tokenizer, **kwargs)
    return save_llava(model, processor, directory)


@pytest.fixture(scope="module")
def llava_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _save(tmp_path_factory.mktemp("tiny_llava"), vision_layers=3)


@pytest.fixture(scope="module")
def backend(llava_dir: Path) -> LlavaBackend:
    return load_vlm(llava_dir, device="cpu", max_new_tokens=6)


@pytest.fixture(scope="module")
def frames() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (36 + 4 * k, 52, 3), dtype=np.uint8) for k in range(3)]


def test_save_and_reload_keeps_weights_and_attention_split(llava_dir: Path) -> None:
    tokenizer = build_word_tokenizer(WORDS)
    original, _ = build_tiny_llava(tokenizer, vision_layers=3)
    loaded = load_vlm(llava_dir, device="cpu")
    state = loaded.model.state_dict()
    for name, tensor in original.state_dict().items():
        assert torch.equal(state[name], tensor), name
    assert loaded.model.config.vision_config._attn_implementation == "eager"
    assert loaded.model.config.text_config._attn_implementation == "sdpa"
    assert (llava_dir / "model.safetensors").exists()
    assert loaded.model_id == str(llava_dir)


def test_answer_shapes_and_maps(backend: LlavaBackend, frames: list[np.ndarray]) -> None:
    answers = backend.ask(frames, "is there a car ?")
    assert len(answers) == len(frames)
    for answer in answers:
        assert answer.grid.grid_h == answer.grid.grid_w == 4
        assert answer.grid.has_cls and answer.grid.patch_size == 8
        for heat in (answer.answer_map, answer.feature_map):
            assert heat.shape == (4, 4) and heat.dtype == np.float32
            assert np.isfinite(heat).all()
            assert heat.min() >= 0.0 and heat.max() <= 1.0
        assert answer.model_id == backend.model_id
        assert answer.replay_matches_greedy
        n_scored = len(answer.answer_token_ids) + int(answer.ended_with_eos)
        assert len(answer.token_logprobs) == n_scored
        assert answer.logprob == pytest.approx(sum(answer.token_logprobs), abs=1e-4)
        assert answer.logprob < 0.0
        decoded = backend.tokenizer.decode(list(answer.answer_token_ids), skip_special_tokens=True)
        assert answer.answer == decoded.strip()


def test_gradients_reach_patches_even_with_frozen_weights(
    llava_dir: Path, frames: list[np.ndarray]
) -> None:
    # Frozen weights are how big models are usually loaded for inference; the graph must still
    # reach the vision tower, and no parameter may collect a .grad.
    vlm = load_vlm(llava_dir, device="cpu", max_new_tokens=4)
    vlm.model.requires_grad_(False)
    for answer in vlm.ask(frames[:2], "what is in front of us ?"):
        assert answer.grad_finite
        # Min-max normalised: a map with signal spans [0, 1] exactly; a dead gradient is flat 0.
        assert answer.answer_map.max() == pytest.approx(1.0)
        assert answer.feature_map.max() == pytest.approx(1.0)
        assert answer.answer_map.std() > 0.01 and answer.feature_map.std() > 0.01
    assert all(p.grad is None for p in vlm.model.parameters())


def test_maps_follow_the_image(backend: LlavaBackend, frames: list[np.ndarray]) -> None:
    a, b = backend.ask(frames[:2], "is there a car ?")
    assert not np.allclose(a.feature_map, b.feature_map)


def test_greedy_is_deterministic_and_batch_independent(
    backend: LlavaBackend, frames: list[np.ndarray]
) -> None:
    prompts = ["is there a car ?", "describe this image .", "i don't like winter ."]
    first = backend.ask(frames, prompts)
    second = backend.ask(frames, prompts)
    for x, y in zip(first, second, strict=True):
        assert x.answer_token_ids == y.answer_token_ids and x.answer == y.answer
        assert x.logprob == y.logprob
        np.testing.assert_array_equal(x.answer_map, y.answer_map)
        np.testing.assert_array_equal(x.feature_map, y.feature_map)
    # Left padding in a batch of prompts of different lengths must not change any answer.
    for k in range(len(frames)):
        alone = backend.ask([frames[k]], prompts[k])[0]
        assert alone.answer_token_ids == first[k].answer_token_ids
        assert alone.logprob == pytest.approx(first[k].logprob, abs=1e-4)
        np.testing.assert_allclose(alone.answer_map, first[k].answer_map, atol=1e-4)


def test_feature_layer_minus_two_excludes_last_layer(backend: LlavaBackend, frames) -> None:
    # 3 tower layers, vision_feature_layer=-2: hidden state 2 is the output of layer index 1,
    # so attentions 0 and 1 feed the answer and layer 2 does not.
    assert backend.ask(frames[:1], "is there a car ?")[0].layers == (0, 1)


def test_feature_layer_minus_one_uses_all_layers_and_full_strategy(tmp_path: Path, frames) -> None:
    directory = _save(
        tmp_path / "full",
        vision_layers=2,
        vision_feature_layer=-1,
        vision_feature_select_strategy="full",
    )
    vlm = load_vlm(directory, device="cpu", max_new_tokens=3)
    answer = vlm.ask(frames[:1], "is there a car ?")[0]
    assert answer.layers == (0, 1)
    assert answer.answer_map.max() == pytest.approx(1.0) and answer.grad_finite
    assert answer.replay_matches_greedy


def test_answer_mask_stops_after_first_eos(backend: LlavaBackend) -> None:
    eos = next(iter(backend.eos_token_ids))
    tokens = torch.tensor([[7, eos, 9, eos], [7, 8, 9, 10], [eos, 5, 5, 5]])
    mask, ended = backend._answer_mask(tokens)
    assert mask.tolist() == [[1, 1, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0]]
    assert ended.tolist() == [True, False, True]


def test_tokens_after_eos_change_nothing(
    backend: LlavaBackend, frames, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Replace generation by fixed continuations that agree up to EOS and differ after it: the
    # answer, its log-probability and both maps must be identical, and EOS itself is scored.
    tok = backend.tokenizer
    eos = tok.eos_token_id
    car, red, sky = tok.convert_tokens_to_ids(["car", "red", "sky"])
    real_generate = backend.model.generate

    def fake(tail: list[int]):
        def generate(**kwargs):
            prompt = kwargs["input_ids"]
            extra = torch.tensor([tail] * prompt.shape[0], dtype=prompt.dtype)
            return torch.cat([prompt, extra], dim=1)

        return generate

    results = []
    for tail in ([car, eos, red, sky], [car, eos, sky, sky], [car, eos, eos, red]):
        monkeypatch.setattr(backend.model, "generate", fake(tail))
        results.append(backend.ask(frames[:1], "is there a car ?")[0])
    monkeypatch.setattr(backend.model, "generate", real_generate)
    first = results[0]
    assert first.answer_token_ids == (car,) and first.answer == "car" and first.ended_with_eos
    assert len(first.token_logprobs) == 2  # "car" and EOS
    for other in results[1:]:
        assert other.answer_token_ids == first.answer_token_ids
        assert other.logprob == pytest.approx(first.logprob, abs=1e-5)
        np.testing.assert_allclose(other.answer_map, first.answer_map, atol=1e-5)
        np.testing.assert_allclose(other.feature_map, first.feature_map, atol=1e-5)
    # Scoring tokens after EOS would change the log-probability: the check above can fail.
    unmasked = backend.ask(frames[:1], "is there a car ?")  # real generation, sanity only
    assert unmasked[0].replay_matches_greedy


def test_offline_hub_id_names_id_and_local_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(VLMOfflineError) as info:
        load_vlm("llava-hf/llava-1.5-7b-hf", device="cpu")
    message = str(info.value)
    assert "llava-hf/llava-1.5-7b-hf" in message
    assert "offline" in message and "--vlm /path/to/llava-dir" in message
    assert isinstance(info.value, OSError)


def test_unreachable_hub_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr("drivexplain.operators.vlm.backend._hub_reachable",
                        lambda timeout_s=3.0: False)
    with pytest.raises(VLMOfflineError, match="--vlm /path/to/llava-dir"):
        load_vlm("llava-hf/llava-1.5-7b-hf", device="cpu")


def test_missing_local_path_is_not_mistaken_for_a_hub_id(tmp_path: Path) -> None:
    with pytest.raises(VLMError, match="not a directory"):
        load_vlm(tmp_path / "nowhere" / "llava", device="cpu")


def test_non_llava_directory_is_rejected(tmp_path: Path) -> None:
    from transformers import CLIPVisionConfig, CLIPVisionModel

    config = CLIPVisionConfig(
        hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2
    )
    CLIPVisionModel(config).save_pretrained(tmp_path)
    with pytest.raises(VLMError, match="LLaVA"):
        load_vlm(tmp_path, device="cpu")


def test_vision_tower_must_be_eager(llava_dir: Path) -> None:
    from transformers import AutoProcessor, LlavaForConditionalGeneration

    model = LlavaForConditionalGeneration.from_pretrained(llava_dir, attn_implementation="sdpa")
    with pytest.raises(VLMError, match="eager"):
        LlavaBackend(model, AutoProcessor.from_pretrained(llava_dir), "sdpa-model")


@pytest.mark.parametrize(
    ("images", "prompts", "match"),
    [
        ("one", "", "empty"),
        ("one", "   ", "empty"),
        ("gray", "is there a car ?", r"\(H, W, 3\)"),
        ("rgba", "is there a car ?", r"\(H, W, 3\)"),
        ("bare", "is there a car ?", "list of frames"),
        ("none", "is there a car ?", "no images"),
        ("two", ["is there a car ?"], "1 prompts for 2 images"),
    ],
)
def test_bad_inputs_raise_clear_errors(backend, frames, images, prompts, match) -> None:
    arguments = {
        "one": [frames[0]],
        "gray": [frames[0][..., 0]],
        "rgba": [np.zeros((32, 32, 4), np.uint8)],
        "bare": frames[0],
        "none": [],
        "two": frames[:2],
    }[images]
    with pytest.raises(ValueError, match=match):
        backend.ask(arguments, prompts)


def test_float_frames_in_unit_range_match_uint8(backend, frames) -> None:
    as_float = frames[0].astype(np.float32) / 255.0
    a = backend.ask([frames[0]], "is there a car ?")[0]
    b = backend.ask([as_float], "is there a car ?")[0]
    assert a.answer_token_ids == b.answer_token_ids


def test_generate_text_is_greedy_and_rejects_empty(backend: LlavaBackend) -> None:
    assert backend.generate_text("what is a truck ?") == backend.generate_text("what is a truck ?")
    with pytest.raises(ValueError, match="empty"):
        backend.generate_text("")


def test_nothing_leaks_into_later_plain_calls(backend: LlavaBackend, frames) -> None:
    backend.ask(frames[:1], "is there a car ?")
    assert not backend.model.config.vision_config.output_attentions
    pixels = torch.zeros(1, 3, 32, 32)
    out = backend.model.model.vision_tower(pixels)
    assert out.attentions is None and out.hidden_states is None
    assert not torch.is_grad_enabled() or out.last_hidden_state.grad_fn is not None


def test_normalise_flat_map_is_zero() -> None:
    assert not minmax(np.ones((3, 3)), 1e-12, dim=None, exact=True).any()
    scaled = minmax(np.array([[1.0, 3.0], [2.0, 5.0]]), 1e-12, dim=None, exact=True)
    assert scaled.min() == 0.0 and scaled.max() == 1.0


# ---------------------------------------------------------------- open_clip -> CLIPVisionModel


def _open_clip_tower(seed: int = 0, **kwargs) -> torch.nn.Module:
    from open_clip.transformer import VisionTransformer

    torch.manual_seed(seed)
    options = dict(image_size=48, patch_size=12, width=64, layers=3, heads=4, mlp_ratio=4.0)
    options.update(kwargs)
    tower = VisionTransformer(output_dim=32, **options).eval()
    with torch.no_grad():  # move LayerNorms and biases off their init so the mapping shows
        for name, param in tower.named_parameters():
            if "ln" in name or "bias" in name or "gamma" in name:
                param.add_(torch.randn_like(param) * 0.2)
    return tower


def _quick_gelu():
    from open_clip.transformer import QuickGELU

    return QuickGELU


@pytest.mark.parametrize(
    "variant",
    [{}, {"act_layer": "quick"}, {"ls_init_value": 0.3}],
    ids=["gelu", "quick_gelu", "layer_scale"],
)
@pytest.mark.parametrize("with_projection", [False, True])
def test_converted_tower_features_equal(variant: dict, with_projection: bool) -> None:
    from drivexplain.operators.vlm.convert import compare_towers, convert_open_clip_visual

    kwargs = {k: (_quick_gelu() if v == "quick" else v) for k, v in variant.items()}
    tower = _open_clip_tower(**kwargs)
    converted = convert_open_clip_visual(tower, with_projection=with_projection)
    report = compare_towers(tower, converted, torch.randn(2, 3, 48, 48))
    assert len(report.hidden_states) == 4
    assert report.max_diff < 1e-5 * max(1.0, report.max_abs_feature)
    expected_act = "quick_gelu" if variant.get("act_layer") else "gelu"
    assert converted.config.hidden_act == expected_act


def test_tower_comparison_catches_a_wrong_weight() -> None:
    from drivexplain.operators.vlm.convert import compare_towers, convert_open_clip_visual

    tower = _open_clip_tower()
    converted = convert_open_clip_visual(tower)
    with torch.no_grad():
        converted.state_dict()[
            next(k for k in converted.state_dict() if k.endswith("layers.1.mlp.fc1.bias"))
        ][0] += 0.5
    report = compare_towers(tower, converted, torch.randn(2, 3, 48, 48))
    assert report.hidden_states[1] < 1e-5 and report.hidden_states[2] > 1e-3


def test_wrong_activation_is_visible() -> None:
    from drivexplain.operators.vlm.convert import compare_towers, convert_open_clip_visual

    tower = _open_clip_tower(act_layer=_quick_gelu())
    converted = convert_open_clip_visual(tower)
    converted.config.hidden_act = "gelu"
    from transformers.activations import ACT2FN

    for layer in (
        converted.vision_model.encoder.layers
        if hasattr(converted, "vision_model")
        else converted.encoder.layers
    ):
        layer.mlp.activation_fn = ACT2FN["gelu"]
    assert compare_towers(tower, converted, torch.randn(1, 3, 48, 48)).max_diff > 1e-4


def test_unsupported_towers_are_rejected() -> None:
    from drivexplain.operators.vlm.convert import ConversionError, convert_open_clip_visual

    with pytest.raises(ConversionError, match="pool"):
        convert_open_clip_visual(_open_clip_tower(pool_type="avg"))
    with pytest.raises(ConversionError, match="attention-pooling"):
        convert_open_clip_visual(_open_clip_tower(attentional_pool=True))
    with pytest.raises(ConversionError, match="VisionTransformer"):
        convert_open_clip_visual(torch.nn.Linear(2, 2))


@pytest.mark.parametrize("name", ["TinyDriveCLIP", "TinyDriveCLIP-Square"])
def test_project_tiny_clip_tower_inside_a_llava(tmp_path: Path, name: str) -> None:
    # The project's TinyDriveCLIP architectures (random weights: the shipped ones may not exist
    # yet), the dashcam-shaped default and the square stage 1, converted, placed in a LLaVA,
    # saved, reloaded through the backend: features equal at the tower's own input.
    import open_clip

    from drivexplain.operators.models.tiny_clip import register_model_configs
    from drivexplain.operators.vlm.convert import compare_towers, convert_open_clip_visual

    register_model_configs()
    torch.manual_seed(0)
    clip = open_clip.create_model(name, pretrained=None).eval()
    converted = convert_open_clip_visual(clip.visual)
    input_hw = tuple(clip.visual.image_size)
    pixels = torch.randn(1, 3, *input_hw)
    assert compare_towers(clip.visual, converted, pixels).max_diff < 1e-4

    tokenizer = build_word_tokenizer(WORDS)
    model, processor = build_tiny_llava(tokenizer, vision_tower=converted, squash=True)
    vlm = load_vlm(save_llava(model, processor, tmp_path), device="cpu", max_new_tokens=3)
    assert vlm.input_hw == input_hw
    report = compare_towers(clip.visual, vlm.model.model.vision_tower, pixels)
    assert report.max_diff < 1e-4
    frame = np.random.default_rng(0).integers(0, 256, (90, 160, 3), dtype=np.uint8)
    answer = vlm.ask([frame], "is there a car ?")[0]
    assert answer.answer_map.shape == tuple(clip.visual.grid_size) and answer.grad_finite


def test_square_position_grid_interpolates_exactly_to_a_wide_one() -> None:
    # The square grid stored for a non-square tower must give back the tower's own positions
    # under the interpolation transformers applies, and a square tower must keep its own.
    import open_clip
    import torch.nn.functional as F

    from drivexplain.operators.models.tiny_clip import register_model_configs
    from drivexplain.operators.vlm.convert import square_position_embedding

    register_model_configs()
    torch.manual_seed(0)
    wide = open_clip.create_model("TinyDriveCLIP", pretrained=None).visual
    rows, cols = wide.grid_size
    assert rows != cols
    square = square_position_embedding(wide)
    n = max(rows, cols)
    assert square.shape == (1 + n * n, wide.positional_embedding.shape[1])
    grid = square[1:].reshape(1, n, n, -1).permute(0, 3, 1, 2)
    back = F.interpolate(grid, size=(rows, cols), mode="bicubic", align_corners=False)
    back = back.permute(0, 2, 3, 1).reshape(rows * cols, -1)
    expected = wide.positional_embedding.detach()
    assert torch.allclose(back, expected[1:], atol=1e-5)
    assert torch.equal(square[0], expected[0])
    # the naive alternative, resizing the wide grid to a square, would not be exact
    naive = F.interpolate(
        expected[1:].reshape(1, rows, cols, -1).permute(0, 3, 1, 2), size=(n, n), mode="bicubic"
    )
    naive_back = F.interpolate(naive, size=(rows, cols), mode="bicubic")
    naive_back = naive_back.permute(0, 2, 3, 1).reshape(rows * cols, -1)
    assert (naive_back - expected[1:]).abs().max() > 1e-3

    square_tower = open_clip.create_model("TinyDriveCLIP-Square", pretrained=None).visual
    assert torch.equal(square_position_embedding(square_tower), square_tower.positional_embedding)


# ---------------------------------------------------------------- focus and answer replay


def test_answer_texts_are_asks_answers(backend: LlavaBackend, frames) -> None:
    # The gradient-free path used for accuracy measurement must answer exactly as `ask` does.
    prompts = ["is there a car ?", "describe this image ."]
    asked = backend.ask(frames[:2], prompts)
    assert backend.answer_texts(frames[:2], prompts) == [a.answer for a in asked]
    with pytest.raises(ValueError, match="prompt 1 is empty"):
        backend.answer_texts(frames[:2], ["is there a car ?", " "])


def test_explain_answers_reproduces_ask(backend: LlavaBackend, frames) -> None:
    prompts = ["is there a car ?", "describe this image ."]
    asked = backend.ask(frames[:2], prompts)
    again = backend.explain_answers(frames[:2], asked)
    for x, y in zip(asked, again, strict=True):
        assert x.answer_token_ids == y.answer_token_ids
        assert y.logprob == pytest.approx(x.logprob, abs=1e-4)
        np.testing.assert_allclose(x.answer_map, y.answer_map, atol=1e-4)
        assert y.focus_found is None


def test_focus_restricts_the_target_to_the_focus_tokens(backend: LlavaBackend, frames) -> None:
    answer = backend.ask(frames[:1], "describe this image .", max_new_tokens=6)[0]
    tokens = backend.tokenizer.convert_ids_to_tokens(list(answer.answer_token_ids))
    words = [t for t in tokens if t in WORDS]
    assert words, f"random model produced no vocabulary word: {tokens}"
    word = words[0]
    positions = [i for i, t in enumerate(tokens) if t == word]
    focused = backend.explain_answers(frames[:1], [answer], focus=[word])[0]
    assert focused.focus_found is True
    assert focused.target_tokens == len(positions)
    expected = sum(answer.token_logprobs[i] for i in positions)
    assert focused.target_logprob == pytest.approx(expected, abs=1e-4)
    assert focused.logprob == pytest.approx(answer.logprob, abs=1e-4)
    if len(positions) < len(answer.token_logprobs):
        assert not np.allclose(focused.answer_map, answer.answer_map, atol=1e-3)
    missing = backend.explain_answers(frames[:1], [answer], focus=["bus"])[0]
    if "bus" not in tokens:
        assert missing.focus_found is False
        np.testing.assert_allclose(missing.answer_map, answer.answer_map, atol=1e-4)
    with pytest.raises(ValueError, match="focus"):
        backend.explain_answers(frames[:1], [answer], focus=["car", "bus"])


def test_per_layer_maps_sum_to_the_answer_map(backend: LlavaBackend, frames) -> None:
    answer = backend.ask(frames[:1], "is there a car ?")[0]
    layers = answer.layer_relevance
    assert layers.shape == (len(answer.layers), 4, 4)
    np.testing.assert_allclose(
        minmax(layers.sum(0), 1e-12, dim=None, exact=True), answer.answer_map
    )
    attention = answer.layer_attention
    # Every patch query's attention row sums to 1 over all keys; patch keys get at most that.
    assert attention.shape == layers.shape and (attention >= 0).all()
    assert attention.sum(axis=(1, 2)).max() <= 16 + 1e-4


def test_frame_box_matches_processor_geometry(backend: LlavaBackend, tmp_path: Path) -> None:
    # Centre crop: a 36x52 frame resized to short side 32 keeps its central 36x36 square.
    assert backend._frame_box((36, 52)) == pytest.approx((0.0, 8.0, 36.0, 36.0))
    assert backend._frame_box((60, 30)) == pytest.approx((15.0, 0.0, 30.0, 30.0))
    squash = load_vlm(_save(tmp_path, squash=True), device="cpu")
    assert squash._frame_box((36, 52)) == (0.0, 0.0, 36.0, 52.0)


def test_building_from_a_loaded_config_does_not_switch_its_attention(llava_dir: Path) -> None:
    vlm = load_vlm(llava_dir, device="cpu")
    build_tiny_llava(build_word_tokenizer(["car"]), vision_config=vlm.model.config.vision_config)
    assert vlm.model.config.vision_config._attn_implementation == "eager"


def test_image_placeholder_is_never_part_of_an_answer(
    backend: LlavaBackend, frames, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = {}
    real = backend.model.generate

    def spy(**kwargs):
        seen.update(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(backend.model, "generate", spy)
    backend.ask(frames[:1], "is there a car ?")
    assert seen["suppress_tokens"] == [backend.image_token_id]

    def emits_placeholder(**kwargs):
        prompt = kwargs["input_ids"]
        extra = torch.full((prompt.shape[0], 2), backend.image_token_id, dtype=prompt.dtype)
        return torch.cat([prompt, extra], dim=1)

    monkeypatch.setattr(backend.model, "generate", emits_placeholder)
    with pytest.raises(VLMError, match="placeholder"):
        backend.ask(frames[:1], "is there a car ?")


# ---------------------------------------------------------------- tiny LLaVA training data


def test_qa_answers_follow_ground_truth() -> None:
    from drivexplain.synthworld.qa import (
        NUMBERS,
        PLURALS,
        answer_matches,
        qa_pairs,
        vocabulary_corpus,
    )
    from drivexplain.synthworld.scene import render_scene

    vocab = {w for text in vocabulary_corpus() for w in split_words(text)}
    rng = np.random.default_rng(0)
    kinds = set()
    for seed in range(40):
        frame = render_scene(seed, size=(256, 144))
        for qa in qa_pairs(frame, rng):
            kinds.add(qa.kind)
            assert set(split_words(qa.question + " " + qa.answer)) <= vocab, qa
            if qa.kind == "presence":
                name = next(n for n, p in PLURALS.items() if n in qa.question or p in qa.question)
                salient = any(o.class_name == name and o.salient for o in frame.objects)
                anywhere = any(o.class_name == name for o in frame.objects)
                assert (qa.answer == "yes") == salient and (qa.answer == "no") == (not anywhere)
            if qa.kind == "count":
                name = next(n for n, p in PLURALS.items() if p in qa.question)
                n = sum(o.class_name == name for o in frame.objects)
                assert qa.answer == f"{NUMBERS[n]}."
            if qa.kind == "colour":
                name = qa.question.removeprefix("what colour is the ").removesuffix("?")
                largest = max(
                    (o for o in frame.objects if o.class_name == name and o.salient),
                    key=lambda o: o.area,
                )
                assert qa.answer == f"{largest.colour}."
            if qa.kind == "describe":
                assert frame.condition in qa.answer or "night" in qa.answer or "clear" in qa.answer
    assert kinds == {"presence", "front", "colour", "count", "describe", "ambiguous"}
    assert answer_matches("Yes .", "yes") and not answer_matches("no", "yes")


def test_packed_training_sequences_match_the_backend_prompt(llava_dir: Path) -> None:
    from drivexplain.synthworld.qa import QA
    from drivexplain.synthworld.training.train_vlm import collate, encode_examples

    vlm = load_vlm(llava_dir, device="cpu")
    qas = [
        (0, QA("is there a car ?", "yes", "presence")),
        (0, QA("what is in front of us ?", "a red car .", "front")),
        (1, QA("describe this image .", "a car .", "describe")),
    ]
    examples = encode_examples(vlm.tokenizer, qas, 16, turns=6, rng=np.random.default_rng(0))
    assert len(examples) == 2  # one packed sequence per frame
    frame = np.zeros((32, 32, 3), np.uint8)
    for index, ids, labels in examples:
        # The first turn is token for token the prompt the backend builds at inference.
        start_of_answer = next(k for k, lab in enumerate(labels) if lab != -100)
        candidates = [
            vlm.processor(
                images=[frame], text=[vlm.format_prompt(qa.question)], return_tensors="pt"
            )["input_ids"][0].tolist()
            for i, qa in qas
            if i == index
        ]
        assert ids[:start_of_answer] in candidates
        supervised = [lab for lab in labels if lab != -100]
        assert supervised.count(vlm.tokenizer.eos_token_id) == sum(i == index for i, _ in qas)
    ids, mask, labels, frames_of = collate(examples, vlm.tokenizer.pad_token_id)
    assert ids.shape == mask.shape == labels.shape and frames_of == [0, 1]
    assert (labels[mask == 0] == -100).all()


@pytest.mark.slow
def test_train_vlm_smoke(tmp_path: Path) -> None:
    import open_clip
    from safetensors.torch import save_file

    from drivexplain.operators.models.tiny_clip import TINY_CLIP_NAME, register_model_configs
    from drivexplain.synthworld.training.train_vlm import DEFAULTS, train

    register_model_configs()
    clip = open_clip.create_model(TINY_CLIP_NAME, pretrained=None)
    weights = tmp_path / "clip.safetensors"
    save_file({k: v.contiguous() for k, v in clip.state_dict().items()}, str(weights))
    cfg = {
        **DEFAULTS,
        "train_frames": 6,
        "eval_frames": 2,
        "time_budget_min": 0.05,
        "text_hidden": 32,
        "log_every": 1000,
    }
    summary = train(cfg, tmp_path / "llava", weights)
    # Exact up to float rounding: the 144x252 tower's position grid comes back by interpolation.
    assert summary["tower"]["max_diff"] < 1e-4 and summary["steps"] >= 1
    assert summary["tower"]["input"] == "144x252"
    assert (tmp_path / "llava" / "README.md").is_file()
    assert load_vlm(tmp_path / "llava", device="cpu").model.config.model_type == "llava"


@pytest.mark.slow
def test_llava15_tower_is_open_clip_vit_l_14_336_openai_layout() -> None:
    # LLaVA-1.5's vision tower is OpenAI's CLIP ViT-L/14-336 (open_clip `ViT-L-14-336`, tag
    # `openai`, which uses QuickGELU). transformers' LlavaConfig defaults to exactly that tower,
    # so converting open_clip's architecture must reproduce it; weights cannot be fetched here,
    # so features are compared on random weights of the full-size tower.
    import open_clip
    from transformers import LlavaConfig

    from drivexplain.operators.vlm.convert import (
        clip_vision_config,
        compare_towers,
        convert_open_clip_visual,
    )

    torch.manual_seed(0)
    clip = open_clip.create_model("ViT-L-14-336-quickgelu", pretrained=None).eval()
    ours = clip_vision_config(clip.visual)
    llava = LlavaConfig().vision_config
    for key in (
        "hidden_size",
        "intermediate_size",
        "num_hidden_layers",
        "num_attention_heads",
        "image_size",
        "patch_size",
        "projection_dim",
        "hidden_act",
        "layer_norm_eps",
    ):
        assert getattr(ours, key) == getattr(llava, key), key
    converted = convert_open_clip_visual(clip.visual, with_projection=True)
    report = compare_towers(clip.visual, converted, torch.randn(1, 3, 336, 336))
    assert report.max_diff < 1e-4 * max(1.0, report.max_abs_feature)
