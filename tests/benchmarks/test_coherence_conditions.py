"""`benchmarks/verdicts/coherence.py` asks every frame about its condition; the truth must be the
frame's weather, and the reader must take each templated answer as a claim about the concept
the truth is kept for, or the condition figures would score the reader, not the verdicts."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import load_benchmark

from drivexplain.operators.contrastive import load_vocabulary
from drivexplain.operators.verdicts.concepts import ConceptExtractor
from drivexplain.operators.verdicts.grounding import WHOLE_FRAME_CONCEPTS
from drivexplain.synthworld.scene import CONDITIONS, render_scene
from drivexplain.synthworld.weather import CONDITION_CONCEPTS, condition_truth


@pytest.fixture(scope="module")
def coherence():
    return load_benchmark("coherence")


def test_condition_truth_is_the_weather() -> None:
    # every condition the world settles is fitted apart from the objects by the calibration
    assert set(CONDITION_CONCEPTS) <= WHOLE_FRAME_CONCEPTS
    assert condition_truth("night", "night") and not condition_truth("night", "snow")
    assert condition_truth("Wet road", "rain") and not condition_truth("wet road", "clear")
    assert condition_truth("wet road", "snow") is None  # the world does not say
    assert condition_truth("snowy road", "snow") and condition_truth("car", "rain") is None


def test_every_frame_gets_a_right_and_a_wrong_answer_per_settled_concept(coherence) -> None:
    for k, condition in enumerate(CONDITIONS):
        frame = render_scene(920_000 + k, (320, 180), condition)
        every = coherence.make_cases(0, frame, np.random.default_rng(0), set(),
                                     tuple(CONDITION_CONCEPTS))
        asked = [c for c in every if coherence.is_condition(c)]
        settled = [c for c in CONDITION_CONCEPTS if condition_truth(c, condition) is not None]
        assert sorted({c.cls for c in asked}) == sorted(settled)
        for concept in settled:
            mine = [c for c in asked if c.cls == concept]
            assert len(mine) == 2 and sorted(c.wrong for c in mine) == [False, True]
            assert coherence.ground_truth(frame, concept) == condition_truth(concept, condition)
        # the condition answers leave the object answers as they were without them
        objects = [c for c in every if not coherence.is_condition(c)]
        assert objects == coherence.make_cases(0, frame, np.random.default_rng(0), set())


def test_the_reader_takes_each_condition_answer_as_a_claim_about_its_concept(coherence) -> None:
    extractor = ConceptExtractor(load_vocabulary("configs/vocabulary.yaml"))
    for concept, prompts in coherence.CONDITION_PROMPTS.items():
        for prompt in prompts:
            read = extractor.prompt(prompt)
            for answer in coherence.CONDITION_YES_ANSWERS:
                assert concept in extractor.answer(answer, read).concepts, (prompt, answer)
            for answer in coherence.CONDITION_NO_ANSWERS:
                assert concept in extractor.answer(answer, read).denied, (prompt, answer)
