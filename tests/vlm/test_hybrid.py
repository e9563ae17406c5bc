"""Linguistic context (concept expansion) and the random-words control."""

from __future__ import annotations

import pytest
import torch

from drivexplain.operators.vlm.expansion import (
    CONTROL_WORDS,
    DRIVING_EXPANSIONS,
    ConceptExpander,
    Expansion,
    expanded_text_embedding,
    normalise_concept,
    parse_terms,
    random_words_expansion,
    table_expansion,
)


class FakeLLM:
    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.prompts: list[str] = []

    def generate_text(self, prompt: str, *, max_new_tokens: int | None = None) -> str:
        self.prompts.append(prompt)
        return self.answer


def test_table_expands_vehicle_and_plurals() -> None:
    assert table_expansion("vehicle").terms[:3] == ("car", "bus", "truck")
    assert table_expansion("Vehicles").terms == table_expansion("vehicle").terms
    assert table_expansion("pedestrians").source == "table"
    unknown = table_expansion("teapot")
    assert unknown.terms == () and unknown.source == "none" and unknown.texts == ["teapot"]


def test_normalise_concept_keeps_unknown_plurals_and_rejects_empty() -> None:
    assert normalise_concept("  Road   Users ") == "road user"
    assert normalise_concept("bus") == "bus"  # not stripped to "bu"
    assert normalise_concept("glasses") == "glasses"
    with pytest.raises(ValueError, match="empty"):
        normalise_concept("  ")


def test_parse_terms_cleans_llm_text() -> None:
    text = "Cars, buses and a truck; the motorcycle\n- vehicle\n3. a very long sentence about it"
    assert parse_terms(text, "vehicle", max_terms=5) == ("car", "bus", "truck", "motorcycle")
    assert parse_terms(text, "vehicle", max_terms=2) == ("car", "bus")
    assert parse_terms(text, "vehicle", vocabulary=["truck", "bus"]) == ("bus", "truck")


def test_expander_uses_llm_then_caches() -> None:
    llm = FakeLLM("car, bus, truck")
    expander = ConceptExpander(llm)
    first = expander.expand("vehicle")
    assert first == Expansion("vehicle", ("car", "bus", "truck"), "llm")
    assert expander.expand("Vehicles") is first
    assert len(llm.prompts) == 1 and "vehicle" in llm.prompts[0]


def test_expander_falls_back_to_table_when_llm_is_useless_or_absent() -> None:
    assert ConceptExpander(FakeLLM("vehicle. ")).expand("vehicle").source == "table"
    assert ConceptExpander(None).expand("vehicle").source == "table"
    with pytest.raises(ValueError, match="concept"):
        ConceptExpander(None, prompt="no placeholder")


def test_expander_with_tiny_vlm(tmp_path) -> None:
    from drivexplain.operators.vlm.backend import load_vlm
    from drivexplain.operators.vlm.build import (
        build_tiny_llava,
        build_word_tokenizer,
        save_llava,
        split_words,
    )

    tokenizer = build_word_tokenizer(split_words("car bus truck , vehicle list kinds of"))
    model, processor = build_tiny_llava(tokenizer)
    vlm = load_vlm(save_llava(model, processor, tmp_path), device="cpu", max_new_tokens=8)
    vocabulary = [t for terms in DRIVING_EXPANSIONS.values() for t in terms]
    expansion = ConceptExpander(vlm, vocabulary=vocabulary).expand("vehicle")
    assert expansion == ConceptExpander(vlm, vocabulary=vocabulary).expand("vehicle")
    assert expansion.source in {"llm", "table"}
    assert all(t in vocabulary for t in expansion.terms)


def test_random_words_control_is_seeded_and_matches_count() -> None:
    a = random_words_expansion("vehicle", 3, seed=1)
    assert a == random_words_expansion("vehicle", 3, seed=1)
    assert a != random_words_expansion("vehicle", 3, seed=2)
    assert len(a.terms) == 3 and a.source == "random-words"
    assert all(t.startswith("vehicle ") and t.split()[-1] in CONTROL_WORDS for t in a.terms)
    bare = random_words_expansion("vehicle", 3, seed=1, with_concept=False)
    assert all(t in CONTROL_WORDS for t in bare.terms)
    chars = random_words_expansion("vehicle", 4, seed=0, mode="chars")
    assert chars.source == "random-chars" and len(set(chars.terms)) == 4
    assert not set(CONTROL_WORDS) & {w for terms in DRIVING_EXPANSIONS.values() for w in terms}
    with pytest.raises(ValueError):
        random_words_expansion("vehicle", len(CONTROL_WORDS) + 1)


def _fake_encoder(table: dict[str, torch.Tensor]):
    def encode(texts: list[str]) -> torch.Tensor:
        return torch.stack([table[t] for t in texts])

    return encode


def test_expanded_embedding_blends_concept_and_terms() -> None:
    e = torch.eye(4)
    encode = _fake_encoder({"vehicle": e[0] * 3, "car": e[1], "bus": e[2], "teapot": e[3]})
    out = expanded_text_embedding(
        encode,
        [Expansion("vehicle", ("car", "bus"), "llm"), Expansion("teapot", (), "none")],
        concept_weight=0.5,
    )
    expected = torch.tensor([0.5, 0.25, 0.25, 0.0])
    torch.testing.assert_close(out[0], expected / expected.norm())
    torch.testing.assert_close(out[1], e[3])
    torch.testing.assert_close(out.norm(dim=-1), torch.ones(2))
    with pytest.raises(ValueError):
        expanded_text_embedding(encode, [], concept_weight=0.5)
    with pytest.raises(ValueError):
        expanded_text_embedding(encode, [Expansion("teapot", (), "none")], concept_weight=1.5)


# ---------------------------------------------------------------- hybrid fusion

import numpy as np  # noqa: E402

from drivexplain.operators.fusion import minmax  # noqa: E402
from drivexplain.operators.vlm.hybrid import (  # noqa: E402
    HybridAttribution,
    HybridConfig,
    concepts_in_text,
    fuse_hybrid,
    llm_concept_map,
    resample_to_frame_grid,
    tower_match,
    with_expansions,
)


def _minmax(x: np.ndarray, eps: float) -> np.ndarray:
    """The hybrid's norm(.): one min-max over the whole map."""
    return minmax(x, eps, dim=None)


@pytest.fixture(scope="module")
def hybrid_parts(tmp_path_factory: pytest.TempPathFactory):
    """Random TinyDriveCLIP for Concept Attribution and a tiny LLaVA built on its tower."""
    import open_clip

    from drivexplain.operators.attribution import ConceptAttribution
    from drivexplain.operators.models.backbone import OpenClipViT
    from drivexplain.operators.models.tiny_clip import TINY_CLIP_NAME, register_model_configs
    from drivexplain.operators.vlm.backend import load_vlm
    from drivexplain.operators.vlm.build import (
        build_tiny_llava,
        build_word_tokenizer,
        save_llava,
        split_words,
    )
    from drivexplain.operators.vlm.convert import convert_open_clip_visual

    register_model_configs()
    torch.manual_seed(0)
    clip = open_clip.create_model(TINY_CLIP_NAME, pretrained=None).eval()
    attribution = ConceptAttribution(OpenClipViT(clip, TINY_CLIP_NAME))
    words = split_words("can you see any pedestrians ? yes no a red car vehicle bus truck .")
    tokenizer = build_word_tokenizer(words)
    model, processor = build_tiny_llava(
        tokenizer, vision_tower=convert_open_clip_visual(clip.visual), squash=True
    )
    directory = save_llava(model, processor, tmp_path_factory.mktemp("hybrid_llava"))
    return attribution, load_vlm(directory, device="cpu", max_new_tokens=4)


@pytest.fixture(scope="module")
def road_frames() -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [rng.integers(0, 256, (72, 128, 3), dtype=np.uint8) for _ in range(2)]


def test_concepts_in_text_prefers_longest_and_handles_plurals() -> None:
    vocabulary = ["car", "red car", "pedestrian", "bus", "traffic light"]
    text = "Can you see any pedestrians? Yes, a red car and two buses near a car."
    assert concepts_in_text(text, vocabulary) == ["pedestrian", "red car", "bus", "car"]
    assert concepts_in_text("nothing here", vocabulary) == []


def test_resample_maps_box_to_frame_grid() -> None:
    heat = np.arange(16, dtype=np.float32).reshape(4, 4)
    same = resample_to_frame_grid(heat, (0.0, 0.0, 40.0, 40.0), (40, 40), (4, 4))
    np.testing.assert_allclose(same, heat, atol=1e-5)
    # Centre-cropped square of a 40x80 frame: the side quarters were never seen -> 0.
    wide = resample_to_frame_grid(
        np.ones((4, 4), np.float32), (0.0, 20.0, 40.0, 40.0), (40, 80), (4, 8)
    )
    assert (wide[:, :2] == 0).all() and (wide[:, -2:] == 0).all()
    np.testing.assert_allclose(wide[:, 2:6], 1.0, atol=1e-5)


def test_fusion_endpoints_are_clip_only_and_llm_only() -> None:
    rng = np.random.default_rng(0)
    clip_map, llm_map = rng.random((6, 6)), rng.random((6, 6))
    np.testing.assert_allclose(
        fuse_hybrid(clip_map, llm_map, HybridConfig(llm_weight=0.0)), _minmax(clip_map, 1e-8)
    )
    np.testing.assert_allclose(
        fuse_hybrid(clip_map, llm_map, HybridConfig(llm_weight=1.0)), _minmax(llm_map, 1e-8)
    )
    half = fuse_hybrid(clip_map, llm_map, HybridConfig(llm_weight=0.5))
    expected = _minmax(_minmax(clip_map, 1e-8) + _minmax(llm_map, 1e-8), 1e-8)
    np.testing.assert_allclose(half, expected, atol=1e-6)
    with pytest.raises(ValueError):
        fuse_hybrid(clip_map, llm_map[:3], HybridConfig())
    with pytest.raises(ValueError):
        HybridConfig(llm_weight=1.5)


def test_layer_alpha_selects_attention_or_gradient(hybrid_parts, road_frames) -> None:
    _, vlm = hybrid_parts
    answer = vlm.ask(road_frames[:1], "can you see any pedestrians ?")[0]
    layers = len(answer.layers)
    sa = answer.layer_attention
    g = answer.layer_relevance
    only_sa = llm_concept_map(answer, HybridConfig(layer_alpha=0.0))
    np.testing.assert_allclose(only_sa, _minmax(np.mean([_minmax(m, 1e-8) for m in sa], 0), 1e-8))
    only_g = llm_concept_map(answer, HybridConfig(layer_alpha=1.0))
    np.testing.assert_allclose(only_g, _minmax(np.mean([_minmax(m, 1e-8) for m in g], 0), 1e-8))
    per_layer = tuple([1.0] + [0.0] * (layers - 1))
    first = llm_concept_map(answer, HybridConfig(layer_alpha=per_layer))
    expected = [_minmax(g[0], 1e-8)] + [_minmax(m, 1e-8) for m in sa[1:]]
    np.testing.assert_allclose(first, _minmax(np.mean(expected, 0), 1e-8), atol=1e-6)
    with pytest.raises(ValueError, match="VLM vision layers"):
        llm_concept_map(answer, HybridConfig(layer_alpha=(0.5,) * (layers + 1)))


def test_answer_gradient_map_follows_the_hybrid_section(hybrid_parts, road_frames) -> None:
    from drivexplain.operators.config import DrivexplainConfig
    from drivexplain.operators.verdicts.coherence import answer_gradient_map

    _, vlm = hybrid_parts
    answer = vlm.ask(road_frames[:1], "can you see any pedestrians ?")[0]
    grid = (6, 10)
    only_sa = DrivexplainConfig().with_overrides(**{"hybrid.layer_alpha": 0.0}).hybrid
    expected = resample_to_frame_grid(
        llm_concept_map(answer, only_sa), answer.frame_box, answer.frame_size, grid
    )
    np.testing.assert_allclose(answer_gradient_map(answer, grid, only_sa), expected)
    default = resample_to_frame_grid(
        llm_concept_map(answer, HybridConfig()), answer.frame_box, answer.frame_size, grid
    )
    np.testing.assert_allclose(answer_gradient_map(answer, grid), default)


def test_towers_match_and_mismatch_is_refused(hybrid_parts, tmp_path) -> None:
    attribution, vlm = hybrid_parts
    assert tower_match(attribution, vlm).max_diff < 1e-4
    from drivexplain.operators.vlm.backend import load_vlm
    from drivexplain.operators.vlm.build import build_tiny_llava, build_word_tokenizer, save_llava

    other_model, other_proc = build_tiny_llava(
        build_word_tokenizer(["car"]),
        vision_config=vlm.model.config.vision_config,
        squash=True,
        seed=1,
    )
    other = load_vlm(save_llava(other_model, other_proc, tmp_path), device="cpu")
    with pytest.raises(ValueError, match="differ"):
        HybridAttribution(attribution, other)


def test_towers_of_different_input_shapes_are_refused(hybrid_parts) -> None:
    # A square CLIP cannot be fused with the VLM built on the wide one: their patch grids differ.
    import open_clip

    from drivexplain.operators.attribution import ConceptAttribution
    from drivexplain.operators.models.backbone import OpenClipViT

    _, vlm = hybrid_parts
    assert vlm.input_hw == (144, 252)
    square = open_clip.create_model("TinyDriveCLIP-Square", pretrained=None).eval()
    attribution = ConceptAttribution(OpenClipViT(square, "TinyDriveCLIP-Square"))
    with pytest.raises(ValueError, match=r"input size: open_clip \(144, 144\) vs VLM \(144, 252\)"):
        tower_match(attribution, vlm)


def test_expansion_changes_only_expanded_concepts(hybrid_parts) -> None:
    attribution, _ = hybrid_parts
    expansions = [Expansion("vehicle", ("car", "bus", "truck"), "table")]
    operator = with_expansions(attribution, expansions, concept_weight=0.5)
    base = attribution.backbone.encode_text(["vehicle", "car"])
    swapped = operator.backbone.encode_text(["vehicle", "car"])
    torch.testing.assert_close(swapped[1], base[1])
    assert float(swapped[0] @ base[0]) < 0.999
    assert with_expansions(attribution, [Expansion("teapot", (), "none")], 0.5) is attribution


def test_hybrid_explain_end_to_end(hybrid_parts, road_frames) -> None:
    attribution, vlm = hybrid_parts
    hybrid = HybridAttribution(attribution, vlm, HybridConfig(llm_weight=0.5))
    assert hybrid.tower_report is not None and hybrid.tower_report.max_diff < 1e-4
    frames_out = hybrid.explain(road_frames, "can you see any pedestrians ?", ["vehicle", "car"])
    grid = attribution.backbone.grid.shape
    for frame in frames_out:
        assert [c.concept for c in frame.concepts] == ["vehicle", "car"]
        for item in frame.concepts:
            for heat in (item.llm_map, item.hybrid_map):
                assert heat.shape == grid and np.isfinite(heat).all()
                assert heat.min() >= 0.0 and heat.max() <= 1.0 + 1e-6
            assert item.hybrid_map.max() > 0.99
        assert frame.concepts[0].expansion.terms[:3] == ("car", "bus", "truck")
    # Without concepts: those named in the prompt and the answer (vocabulary match).
    auto = hybrid.explain(road_frames[:1], "can you see any pedestrians ?")
    assert "pedestrian" in [c.concept for c in auto[0].concepts]


def test_ask_image_writes_answer_and_overlays(tmp_path, monkeypatch) -> None:
    import cv2
    import open_clip
    from safetensors.torch import save_file

    from drivexplain.operators.config import load_config
    from drivexplain.operators.models.tiny_clip import TINY_CLIP_NAME, register_model_configs
    from drivexplain.operators.vlm.build import (
        build_tiny_llava,
        build_word_tokenizer,
        save_llava,
        split_words,
    )
    from drivexplain.operators.vlm.convert import convert_open_clip_visual
    from drivexplain.operators.vlm.hybrid import ask_image

    register_model_configs()
    torch.manual_seed(3)
    clip = open_clip.create_model(TINY_CLIP_NAME, pretrained=None).eval()
    checkpoint = tmp_path / "clip.safetensors"
    save_file({k: v.contiguous() for k, v in clip.state_dict().items()}, str(checkpoint))
    tokenizer = build_word_tokenizer(split_words("is there a car ? yes no bus"))
    model, processor = build_tiny_llava(
        tokenizer, vision_tower=convert_open_clip_visual(clip.visual), squash=True
    )
    vlm_dir = save_llava(model, processor, tmp_path / "llava")
    image = tmp_path / "frame.png"
    rng = np.random.default_rng(0)
    cv2.imwrite(str(image), rng.integers(0, 256, (72, 128, 3), dtype=np.uint8))
    config = load_config(None).with_overrides(
        **{"model.pretrained": str(checkpoint), "runtime.device": "cpu"}
    )
    out = tmp_path / "out"
    record = ask_image(image, "is there a car ?", out, vlm=vlm_dir, config=config)
    assert record["tower_max_diff"] < 1e-4
    from drivexplain.operators.contrastive import load_vocabulary

    named = concepts_in_text(
        f"is there a car ? {record['answer']}",
        load_vocabulary(config.attribution.contrastive.vocabulary),
    )
    assert [c["concept"] for c in record["concepts"]] == named and named[0] == "car"
    for name in ("answer.json", "answer_overlay.png", "clip_car.png", "hybrid_car.png"):
        assert (out / name).is_file(), name
    assert cv2.imread(str(out / "hybrid_car.png")).shape == (72, 128, 3)

    monkeypatch.setattr("drivexplain.operators.vlm.hybrid.DEFAULT_VLM_DIR", tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="--vlm"):
        ask_image(image, "is there a car ?", out, config=config)
