"""What a yes/no question asks, read on its tokens (`operators/verdicts/yesno.py`)."""

from __future__ import annotations

import pytest

from drivexplain.operators.verdicts.lexicon import tokens
from drivexplain.operators.verdicts.yesno import (
    about_ego,
    asks_number,
    final_answer,
    is_count,
    yes_or_no,
)


@pytest.mark.parametrize(("question", "number"), [
    ("Are there two buses?", True),
    ("Are there more than 3 cars?", True),
    ("Is there exactly one car?", True),
    ("Is there at least one car?", False),
    ("Is there one car?", False),
    ("Are there some cars?", False),
    ("How many cars are there?", False),  # not a yes/no question
    ("Are there more cars than trucks?", True),
    ("Are there any cars over there?", False),
    ("Is there a dog under the truck?", False),
])
def test_a_question_about_how_many(question: str, number: bool) -> None:
    assert asks_number(tokens(question)) is number


@pytest.mark.parametrize(("question", "first", "ego"), [
    ("Is it safe to proceed through the intersection?", 7, True),
    ("Should we stop at the crosswalk?", 5, True),
    ("Is it a bus?", 3, False),
    ("Do you see a bus?", 4, False),
    ("Can we see any pedestrians?", 4, False),
    ("Could it be a cyclist?", 4, False),
    ("Is it possible there is a bus?", 6, False),
    ("Are we in a tunnel?", 4, False),
    ("Are we allowed to turn left at the intersection?", 8, True),
])
def test_a_question_about_what_the_driver_may_do(question: str, first: int, ego: bool) -> None:
    toks = tokens(question)
    assert about_ego(toks, first) is ego


def test_counts_and_the_opening_word() -> None:
    assert is_count("3") and is_count("several") and not is_count("0")
    assert yes_or_no(["nope"], ["nope"], False, False, False, False) == "deny"
    assert yes_or_no(["probably", "not"], ["probably", "not"], False, False, False,
                     True) == "deny"
    assert yes_or_no(["three"], ["three"], False, False, False, False) == "affirm"
    assert yes_or_no(["no", "idea"], ["no", "idea"], False, False, False, False) is None


@pytest.mark.parametrize(("answer", "polarity"), [
    ("Step 1: I look at the lanes. Final answer: No.", "deny"),
    ("The light shows green. Therefore, the answer is no.", "deny"),
    ("There is one by the kerb, so the answer would be yes.", "affirm"),
    ("Answer: No.", None),  # an opening label, read by yes_or_no after `unlabelled`
    ("The answer is not clear from this frame.", None),
    ("I can't answer that.", None),
])
def test_the_final_answer_after_a_reasoning_chain(answer: str, polarity: str | None) -> None:
    assert final_answer(tokens(answer)) == polarity
