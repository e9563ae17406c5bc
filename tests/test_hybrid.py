"""Linguistic context (concept expansion) and the random-words control."""

from __future__ import annotations

import pytest
import torch

from operators.expansion import (
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
    from operators.vlm import load_vlm
    from operators.vlm_build import build_tiny_llava, build_word_tokenizer, save_llava, split_words

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
