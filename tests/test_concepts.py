"""Concept extraction from prompts and answers onto the shipped vocabulary."""

from __future__ import annotations

import pytest
from drivexplain.operators.concepts import ConceptExtractor, lemma, same_thing
from drivexplain.operators.contrastive import load_vocabulary


@pytest.fixture(scope="module")
def extractor() -> ConceptExtractor:
    return ConceptExtractor(load_vocabulary("configs/vocabulary.yaml"))


@pytest.mark.parametrize(
    ("prompt", "concepts"),
    [
        ("Can you see any pedestrians in this image?", ("pedestrian",)),
        ("Is the traffic light ahead green?", ("traffic light",)),
        ("Is the red traffic light on?", ("red traffic light",)),  # longest phrase wins
        ("How many buses are there?", ("bus",)),
        ("Are there people on the zebra crossing?", ("pedestrian", "crosswalk")),
        ("Any children near the fire hydrants?", ("child", "fire hydrant")),
        ("Is there a stoplight?", ("traffic light",)),
        ("Do you see the street lamps and the trees?", ("street lamp", "tree")),
    ],
)
def test_prompt_concepts(extractor: ConceptExtractor, prompt: str, concepts: tuple) -> None:
    found = extractor.prompt(prompt)
    assert found.kind == "specific"
    assert found.concepts == concepts


@pytest.mark.parametrize(
    ("prompt", "kind"),
    [
        ("Describe this image.", "generic"),
        ("What do you see?", "generic"),
        ("What is ahead?", "generic"),
        ("I don't like winter.", "ambiguous"),
        ("Is it safe to drive?", "ambiguous"),
    ],
)
def test_prompts_without_concepts(extractor: ConceptExtractor, prompt: str, kind: str) -> None:
    found = extractor.prompt(prompt)
    assert found.concepts == () and found.kind == kind
    assert found.notes and ("Case II" if kind == "generic" else "Case III") in found.notes[0]


def test_yes_inherits_the_prompt_concept(extractor: ConceptExtractor) -> None:
    prompt = extractor.prompt("Can you see any pedestrians?")
    answer = extractor.answer("Yes.", prompt)
    assert answer.concepts == ("pedestrian",) and answer.denied == ()
    assert answer.polarity == "affirm" and answer.source == "inherited from the prompt"


def test_no_denies_the_prompt_concept(extractor: ConceptExtractor) -> None:
    prompt = extractor.prompt("Are there any buses?")
    for text in ("No.", "no", "Zero.", "Nope, none."):
        answer = extractor.answer(text, prompt)
        assert answer.concepts == () and answer.denied == ("bus",), text
        assert answer.polarity == "deny"


def test_no_with_its_own_concept_keeps_it(extractor: ConceptExtractor) -> None:
    prompt = extractor.prompt("Is it safe to drive?")
    answer = extractor.answer("No, a pedestrian is crossing.", prompt)
    # the comma ends the negation's scope: the pedestrian is asserted, not denied
    assert answer.concepts == ("pedestrian",) and answer.denied == ()


def test_negation_inside_an_answer(extractor: ConceptExtractor) -> None:
    prompt = extractor.prompt("I don't like winter.")
    answer = extractor.answer("There is no snow, it is raining.", prompt)
    assert answer.denied == ("snow",) and answer.concepts == ("rain",)
    answer = extractor.answer("I can't see any cars but a bus is parked.", prompt)
    assert answer.denied == ("car",) and answer.concepts == ("bus",)


def test_bare_answers_inherit_and_colours_refine(extractor: ConceptExtractor) -> None:
    car = extractor.prompt("What colour is the car?")
    assert extractor.answer("Red.", car).concepts == ("red car",)
    assert extractor.answer("Two.", extractor.prompt("How many trucks?")).concepts == ("truck",)
    # a colour the vocabulary does not pair with the concept leaves it alone
    assert extractor.answer("Purple.", car).concepts == ("car",)


def test_answer_naming_another_concept(extractor: ConceptExtractor) -> None:
    prompt = extractor.prompt("Can you see any pedestrians in this image?")
    answer = extractor.answer("I see the street.", prompt)
    assert answer.concepts == ("road",) and answer.source == "vocabulary"


def test_generic_prompt_answer_with_nothing_to_inherit(extractor: ConceptExtractor) -> None:
    prompt = extractor.prompt("Describe this image.")
    answer = extractor.answer("It looks fine.", prompt)
    assert answer.concepts == () and answer.source == "none"


class _FakeLLM:
    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.calls: list[str] = []

    def generate_text(self, prompt: str, *, max_new_tokens: int | None = None) -> str:
        self.calls.append(prompt)
        return self.reply


def test_llm_helps_only_where_the_rules_find_nothing() -> None:
    vocabulary = load_vocabulary("configs/vocabulary.yaml")
    llm = _FakeLLM("a school bus, a unicorn")
    extractor = ConceptExtractor(vocabulary, llm=llm)
    found = extractor.prompt("Is the yellow transporter stopping?")
    assert found.concepts == ("school bus",) and found.source == "llm"
    # a rule match never asks the LLM, and LLM words outside the vocabulary are dropped
    calls = len(llm.calls)
    assert extractor.prompt("Is there a car?").concepts == ("car",)
    assert len(llm.calls) == calls
    # a repeated text is answered from the extractor's cache, not by a second LLM call
    again = extractor.prompt("Is the yellow transporter stopping?")
    assert again.concepts == ("school bus",) and len(llm.calls) == calls


def test_a_failing_llm_falls_back_to_the_rules() -> None:
    class Broken:
        def generate_text(self, prompt: str, *, max_new_tokens: int | None = None) -> str:
            raise RuntimeError("out of memory")

    extractor = ConceptExtractor(["car"], llm=Broken())
    assert extractor.prompt("Describe this image.").kind == "generic"


def test_lemmas_and_same_thing() -> None:
    assert [lemma(w) for w in ("pedestrians", "buses", "people", "lights", "bus", "glass")] == [
        "pedestrian", "bus", "person", "light", "bus", "glass"]
    assert same_thing("red car", "car") and same_thing("cars", "car")
    assert not same_thing("car", "bus") and not same_thing("parked car", "car")


def test_empty_vocabulary_is_an_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        ConceptExtractor(["  "])
