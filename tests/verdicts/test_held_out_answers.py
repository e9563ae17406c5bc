"""Answers worded as people and real VLMs write them, read by `ConceptExtractor.answer`.

`tests/data/held_out_answers.jsonl` holds realistic answers that the coherence benchmark's
templates never produce (checked below), each with what a careful human reader takes it to
assert: the vocabulary concepts said to be there (`present`) and said to be absent (`denied`).
Order is not part of the reading, so both are compared as sets. A line may carry `unsupported`,
the reason a reading is left out on purpose; it then runs as a strict xfail. Categories group
the wordings (yes/no forms, question-dependent short answers, negation scope, hedges, counts,
synonyms, colours, lists and markdown, case and punctuation, contractions, long VLM chatter)
so that a failure says which kind of writing the reader lost.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from drivexplain.operators.contrastive import load_vocabulary
from drivexplain.operators.verdicts.concepts import ConceptExtractor

DATA = Path(__file__).resolve().parents[1] / "data" / "held_out_answers.jsonl"
BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "verdicts" / "coherence.py"
CASES = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def extractor() -> ConceptExtractor:
    return ConceptExtractor(load_vocabulary("configs/vocabulary.yaml"))


def test_the_set_is_large_and_every_expectation_is_in_the_vocabulary() -> None:
    vocabulary = set(load_vocabulary("configs/vocabulary.yaml"))
    assert len(CASES) >= 150
    assert len({c["id"] for c in CASES}) == len(CASES)
    for case in CASES:
        assert set(case["present"]) <= vocabulary and set(case["denied"]) <= vocabulary, case
        assert not set(case["present"]) & set(case["denied"]), case


def _template_patterns() -> list[re.Pattern[str]]:
    """The answer templates of `benchmarks/verdicts/coherence.py`, read from its source
    (importing it would load torch), as regexes whose placeholders take the words the
    benchmark fills in."""
    from drivexplain.synthworld.objects import CLASS_COLOURS
    from drivexplain.synthworld.qa import PLURALS

    def one_of(words: object) -> str:
        return "(?:" + "|".join(re.escape(str(w)) for w in words) + ")"

    tree = ast.parse(BENCHMARK.read_text(encoding="utf-8"))
    tuples = {
        target.id: [e.value for e in node.value.elts if isinstance(e, ast.Constant)]
        for node in tree.body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple)
        for target in node.targets if isinstance(target, ast.Name)
    }
    c, colour = one_of(PLURALS), one_of({k for v in CLASS_COLOURS.values() for k in v})
    fills = {"c": c, "p": one_of(PLURALS.values()), "a": f"an? {c}", "colour": colour,
             "a_coloured": f"an? {colour} {c}", "n": one_of(tuples["NUMBER_WORDS"])}
    templates = [t for name, values in tuples.items()
                 if name.endswith(("_ANSWERS", "HALLUCINATED", "_PRE", "_POST")) for t in values]
    assert len(templates) >= 10, "the benchmark's answer templates were not found"
    return [re.compile("".join(fills[part] if k % 2 else re.escape(part)
                               for k, part in enumerate(re.split(r"\{(\w+)\}", t))))
            for t in templates]


def test_no_wording_comes_from_the_benchmark_templates() -> None:
    patterns = _template_patterns()
    for case in CASES:
        text = case["answer"].strip().lower()
        assert not any(p.fullmatch(text) for p in patterns), case


def _param(case: dict) -> object:
    """A case marked `unsupported` (a reading the reader leaves out on purpose, with the reason)
    is a strict xfail: it fails today, and the day it passes the mark must go."""
    marks = [pytest.mark.xfail(reason=case["unsupported"], strict=True)] if case.get(
        "unsupported") else []
    return pytest.param(case, marks=marks, id=f"{case['id']}-{case['category']}")


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_held_out_answer(extractor: ConceptExtractor, case: dict) -> None:
    found = extractor.answer(case["answer"], extractor.prompt(case["prompt"]))
    assert (set(found.concepts), set(found.denied)) == (
        set(case["present"]), set(case["denied"])), found
