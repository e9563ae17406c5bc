"""Families of audit-style questions and answers, each with the reading it must get, over every
class and colour of the synthetic world.

The held-out file (`test_held_out_answers.py`) holds single wordings as people write them; these
families sweep the shapes an auditor's templates take (a yes or a no in many forms, a colour
before or after the noun, an instruction around the question, an answer that names a second
class, the tags, JSON and reasoning chains of other VLM families) across all classes, so that
a rule written for one class cannot misread another. None is a
`benchmarks/verdicts/coherence.py` template.
"""

from __future__ import annotations

import pytest

from drivexplain.operators.contrastive import load_vocabulary
from drivexplain.operators.verdicts.concepts import ConceptExtractor
from drivexplain.synthworld.objects import CLASS_COLOURS, OBJECT_CLASSES
from drivexplain.synthworld.qa import PLURALS

PROMPTS = ("Is there {a} in the frame?", "Can you see {a}?", "Are any {p} present?",
           "Does the image contain {a}?", "Is {a} visible?", "Any {p}?",
           "Is there at least one {c}?", "Please answer with yes or no: is there {a}?",
           "USER: <image>\nIs there {a}? ASSISTANT:", "Is there {a}? Don't explain.",
           "Can we see {a}?", "Do I see any {p}?", "Do you notice {a}?",
           "Q: Is there {a}?\nA:",
           "<image>\nIs there {a}? Answer the question using a single word or phrase.",
           "Is there {a}? Please answer yes or no.", "Question: Is there {a}? Answer:",
           "Are there {p} in the picture?", "Is there {a} in front of us?")
YES = ("Yes, {a} is visible.", "Yes, I do.", "Correct, there is {a}.", "Indeed, {a} is present.",
       "Affirmative.", "There's {a} on the right.", "Yes, one {c}.", "I spot {n} {p}.",
       "Yes, there are a few {p}.", "Yep, {a}.", "Yes, there is.", "{N} {p}.",
       "I can make out {a} in the distance.", "There appears to be {a}.",
       "<think>Let me look at the road.</think> Yes.", '{{"answer": "yes"}}',
       "Yes, {a} can be seen.", "There is indeed {a}.", "Sure, there's {a}.",
       "Yes; {a} is in view.", "Yup.", "True.", "That's right, {a}.", "Yes \u2014 {a}.",
       "Yes (one {c}).", "Yes, exactly one.", "There is at least one {c}.",
       "Yes, {a}, partially visible.", "Yes, far ahead.", "I do see {a}.", "It does.",
       "Present.", "Yes, on the left side.", "<ref>{c}</ref><box>(10,20),(30,40)</box>",
       '[{{"label": "{c}", "bbox_2d": [1, 2, 3, 4]}}]', "Yes.<|im_end|>",
       "There is definitely {a}.", "Yes, {a} is clearly visible.")
NO = ("No, I don't see any {p}.", "There is no {c} in this frame.", "I see no {p}.",
      "Nope, no {p} here.", "There aren't any {p}.", "Negative.", "Not that I can see.",
      "I can't spot any {p}.", "No, there are none.", "None.", "Absolutely not.",
      "There are zero {p}.", "No, there isn't.", "There is no sign of {a}.",
      "I couldn't find any {p}.", "The frame contains no {p}.", "Nothing of the sort.",
      '```json\n{{"present": false}}\n```', "No, I do not see {a}.",
      "There is not {a} in this image.", "No, the image does not contain {a}.", "False.",
      "No \u2014 no {p}.", "{P}: none.", "{P}: 0", "Zero.", "It does not.", "Not present.",
      "There isn't one.", "I can't see one.", "Not visible.", "Absent.", "[]",
      "Step 1: I look at the lanes. Final answer: No.", "No, it is clearly empty.",
      "{P} are still absent.")
OTHER = {"car": "truck", "truck": "bus", "bus": "car", "bicycle": "pedestrian",
         "pedestrian": "bicycle", "traffic light": "stop sign", "stop sign": "traffic light",
         "crosswalk": "traffic cone", "traffic cone": "crosswalk"}
TWO = (("No, there is no {c}, only {ao}.", {"o"}, {"c"}),
       ("I can see {ao}, but no {p}.", {"o"}, {"c"}),
       ("Yes, there is {a} next to {ao}.", {"c", "o"}, set()),
       ("Not {a}, but {ao}.", {"o"}, {"c"}),
       ("Neither {a} nor {ao} is visible.", set(), {"c", "o"}),
       ("No {p} or {po} are visible.", set(), {"c", "o"}))
COLOUR_PROMPTS = ("What colour is the {c}?", "What is the colour of the {c}?",
                  "What color is the {c} on the left?", "Which colour is the {c}?",
                  "What is the {c}'s colour?", "Tell me the colour of the {c}.")
COLOUR_ANSWERS = ("The {c} is painted {k}.", "It's {k}.", "{K}, I think.", "It appears to be {k}.",
                  "{A_k}.", "The colour of the {c} is {k}.", "That {c} is {k}.",
                  "It is a {k} one.", "The {c} has a {k} colour.", "The nearest {c} is {k}.",
                  "The {c} is {k}, not {k2}.", "Looks {k}.", "The {c} is {k} in colour.",
                  "I'd say {k}.", "Mostly {k}.", "It's a {k} {c}.", "The colour is {k}.",
                  "Colour: {k}", "{K}, definitely.", "Probably {k}.", "A {k} one.",
                  "{K} {c}.", "The {c} shows as {k}.", '{{"color": "{k}"}}',
                  # a hedge or a shade before the colour, the colour first, or right after
                  # the noun with no verb
                  "The {c} is probably {k}.", "The {c} is most likely {k}.",
                  "The {c} is a shade of {k}.", "{K} is the colour of the {c}.",
                  "A {c} in {k} is ahead.", "A {c}, {k}, is ahead.", "A {c} painted {k} is ahead.",
                  "I'd describe the {c} as {k}.", "I'd call the {c} {k}.",
                  # an adverb of certainty or time after the verb
                  "The {c} is obviously {k}.", "It's actually {k}.", "The {c} is still {k}.")


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


@pytest.fixture(scope="module")
def extractor() -> ConceptExtractor:
    return ConceptExtractor(load_vocabulary("configs/vocabulary.yaml"))


def _misread(extractor: ConceptExtractor, cases: list[tuple[str, str, set, set]]) -> list:
    wrong = []
    for prompt, answer, present, denied in cases:
        read = extractor.answer(answer, extractor.prompt(prompt))
        if (set(read.concepts), set(read.denied)) != (present, denied):
            wrong.append((prompt, answer, read.concepts, read.denied))
    return wrong


def test_yes_and_no_about_every_class(extractor: ConceptExtractor) -> None:
    cases = []
    for c in OBJECT_CLASSES:
        fill = {"c": c, "p": PLURALS[c], "a": _a(c), "n": "two", "N": "Two",
                "P": PLURALS[c].capitalize()}
        for prompt in PROMPTS:
            cases += [(prompt.format(**fill), a.format(**fill), {c}, set()) for a in YES]
            cases += [(prompt.format(**fill), a.format(**fill), set(), {c}) for a in NO]
    assert _misread(extractor, cases) == []


def test_answers_that_name_a_second_class(extractor: ConceptExtractor) -> None:
    cases = []
    for c in OBJECT_CLASSES:
        o = OTHER[c]
        fill = {"c": c, "p": PLURALS[c], "a": _a(c), "ao": _a(o), "po": PLURALS[o]}
        for answer, present, denied in TWO:
            named = {"c": c, "o": o}
            cases.append((f"Is there {_a(c)}?", answer.format(**fill),
                          {named[k] for k in present}, {named[k] for k in denied}))
    assert _misread(extractor, cases) == []


def test_colours_before_and_after_the_noun(extractor: ConceptExtractor) -> None:
    vocabulary = set(extractor.vocabulary)
    cases = []
    for c, colours in CLASS_COLOURS.items():
        for i, k in enumerate(colours):
            coloured = f"{k} {c}" if f"{k} {c}" in vocabulary else c
            fill = {"c": c, "k": k, "K": k.capitalize(), "k2": colours[(i + 1) % len(colours)],
                    "A_k": _a(f"{k} {c}").capitalize()}
            for prompt in COLOUR_PROMPTS:
                for answer in COLOUR_ANSWERS:
                    read = extractor.answer(answer.format(**fill),
                                            extractor.prompt(prompt.format(**fill)))
                    # "not blue" may deny the blue form; it must never assert it
                    if set(read.concepts) != {coloured} or not set(read.denied) <= {
                            f"{fill['k2']} {c}"}:
                        cases.append((prompt, answer.format(**fill), read.concepts,
                                      read.denied))
    assert cases == []


# Questions about the frame's condition, as an auditor words them, and the concept each asks
# about; the plain concept stays beside a road's state on a no ("Is the road wet?" "No." keeps
# the road), so only the condition concept is checked.
CONDITION_PROMPTS = {
    "night": ("Is it night?", "Was this taken at night?", "Is it nighttime in this image?",
              "Is the scene at night?", "Is it dark, i.e. night-time?"),
    "rain": ("Is it raining?", "Is there rain?", "Is it raining in this scene?",
             "Does it look rainy?", "Was this taken in the rain?"),
    "snow": ("Is it snowing?", "Is there snow?", "Is there any snow in the image?",
             "Was this taken in the snow?"),
    "wet road": ("Is the road wet?", "Does the road look wet?", "Is the road surface wet?",
                 "Is the street wet?", "Does the road appear wet?"),
    "snowy road": ("Is the road snowy?", "Is the road covered in snow?",
                   "Does the road look snowy?", "Is the street covered with snow?"),
}
CONDITION_YES = ("Yes.", "Yes, it is.", "Yes, clearly.", "Yep.", "It appears so.",
                 "Yes, it appears so.", "Definitely.", "I think so.", "Correct.")
CONDITION_NO = ("No.", "No, it isn't.", "No, not at all.", "Nope.", "No, it doesn't look like it.",
                "I don't think so.", "Not that I can see.", "Definitely not.", "Negative.")


def test_yes_and_no_about_the_frames_condition(extractor: ConceptExtractor) -> None:
    wrong = []
    for concept, prompts in CONDITION_PROMPTS.items():
        for prompt in prompts:
            read_prompt = extractor.prompt(prompt)
            for answer in CONDITION_YES:
                read = extractor.answer(answer, read_prompt)
                if concept not in read.concepts or read.denied:
                    wrong.append((prompt, answer, read.concepts, read.denied))
            for answer in CONDITION_NO:
                read = extractor.answer(answer, read_prompt)
                if concept not in read.denied or concept in read.concepts:
                    wrong.append((prompt, answer, read.concepts, read.denied))
    assert wrong == []
