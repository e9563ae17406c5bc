"""Question/answer pairs about a synthetic frame, answered from its ground truth.

The tiny LLaVA learns from these, and its accuracy per question type is measured on
them. Every answer is decided by the scene graph, and a question is only asked when its answer
is unambiguous: "no" to "is there a bus?" only when no bus is visible at all (not merely one too
small to name), a count only when every instance of the class is big enough to count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from drivexplain.synthworld.objects import CLASS_COLOURS, OBJECT_CLASSES
from drivexplain.synthworld.scene import Frame, ObjectInstance

QA_KINDS: tuple[str, ...] = ("presence", "front", "colour", "count", "describe", "ambiguous")
PLURALS = {
    "car": "cars",
    "truck": "trucks",
    "bus": "buses",
    "bicycle": "bicycles",
    "pedestrian": "pedestrians",
    "traffic light": "traffic lights",
    "stop sign": "stop signs",
    "crosswalk": "crosswalks",
    "traffic cone": "traffic cones",
}
NUMBERS = ("zero", "one", "two", "three", "four", "five")
PRESENCE_QUESTIONS = (
    "can you see any {plural}?",
    "is there a {name}?",
    "are there any {plural}?",
)
FRONT_QUESTIONS = ("what is in front of us?", "what is ahead?")
COLOUR_QUESTION = "what colour is the {name}?"
COUNT_QUESTION = "how many {plural} are there?"
DESCRIBE_QUESTION = "describe this image."
CONDITION_DESCRIPTIONS = {
    "clear": "on a clear day",
    "rain": "in the rain",
    "snow": "in the snow",
    "night": "at night",
}
PLACES = {"left": "on the left", "centre": "ahead", "right": "on the right"}
CLEAR_ROAD = "nothing, the road is clear."
# Prompts that name no object; the answer grounds them in what the frame shows.
AMBIGUOUS_PROMPTS = ("i don't like winter.", "is it safe to drive?", "i hate the rain.")


@dataclass(frozen=True)
class QA:
    question: str
    answer: str
    kind: str
    concept: str | None = None  # the object the answer is about, for pointing-game checks


def _article(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _salient(frame: Frame, class_name: str | None = None) -> list[ObjectInstance]:
    return [
        o for o in frame.objects if o.salient and (class_name is None or o.class_name == class_name)
    ]


def _any(frame: Frame, class_name: str) -> bool:
    return any(o.class_name == class_name for o in frame.objects)


def presence(frame: Frame, rng: np.random.Generator) -> QA | None:
    """Yes/no, balanced: half the time a class that is clearly there, else one wholly absent."""
    present = sorted({o.class_name for o in _salient(frame)})
    absent = [c for c in OBJECT_CLASSES if not _any(frame, c)]
    want_yes = bool(rng.random() < 0.5)
    pool = present if (want_yes and present) or not absent else absent
    if not pool:
        return None
    name = str(rng.choice(pool))
    template = str(rng.choice(PRESENCE_QUESTIONS))
    answer = "yes" if name in present else "no"
    question = template.format(name=name, plural=PLURALS[name])
    return QA(question, answer, "presence", name if answer == "yes" else None)


def front(frame: Frame, rng: np.random.Generator) -> QA:
    """The nearest salient object in the centre third, or that the road is clear."""
    ahead = sorted(
        (o for o in _salient(frame) if o.position == "centre" and o.class_name != "crosswalk"),
        key=lambda o: o.depth_m,
    )
    question = str(rng.choice(FRONT_QUESTIONS))
    if not ahead:
        return QA(question, CLEAR_ROAD, "front")
    return QA(question, _article(ahead[0].concept) + ".", "front", ahead[0].concept)


def colour(frame: Frame, rng: np.random.Generator) -> QA | None:
    """The colour of the largest salient object of a colour-bearing class."""
    classes = [c for c in CLASS_COLOURS if _salient(frame, c)]
    if not classes:
        return None
    name = str(rng.choice(classes))
    largest = max(_salient(frame, name), key=lambda o: o.area)
    return QA(COLOUR_QUESTION.format(name=name), f"{largest.colour}.", "colour", largest.concept)


def count(frame: Frame, rng: np.random.Generator) -> QA | None:
    """How many of a class, only when every instance is salient (else the count is moot)."""
    options = []
    for name in OBJECT_CLASSES:
        if name == "crosswalk":
            continue
        every = [o for o in frame.objects if o.class_name == name]
        if all(o.salient for o in every) and len(every) < len(NUMBERS):
            options.append((name, len(every)))
    if not options:
        return None
    nonzero = [opt for opt in options if opt[1] > 0]
    if nonzero and rng.random() < 0.6:  # most classes are absent: keep "zero" from dominating
        options = nonzero
    name, n = options[int(rng.integers(len(options)))]
    return QA(COUNT_QUESTION.format(plural=PLURALS[name]), f"{NUMBERS[n]}.", "count", name)


def describe(frame: Frame, rng: np.random.Generator | None = None) -> QA:
    """The condition and the three largest salient objects with their places, largest first."""
    objects = sorted(_salient(frame), key=lambda o: -o.area)[:3]
    text = f"a street {CONDITION_DESCRIPTIONS[frame.condition]}"
    if objects:
        parts = [f"{_article(o.concept)} {PLACES[o.position]}" for o in objects]
        joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        text += " with " + joined
    concept = objects[0].concept if objects else None
    return QA(DESCRIBE_QUESTION, text + ".", "describe", concept)


def ambiguous(frame: Frame, rng: np.random.Generator) -> QA:
    """A prompt that names no object, answered from the condition and the hazards in view."""
    prompt = str(rng.choice(AMBIGUOUS_PROMPTS))
    condition = frame.condition
    if prompt == "is it safe to drive?":
        crossing = [o for o in _salient(frame, "pedestrian") if o.crossing]
        red = [o for o in _salient(frame, "traffic light") if o.colour == "red"]
        if crossing:
            return QA(prompt, "no, a pedestrian is crossing.", "ambiguous", "pedestrian")
        if red:
            return QA(prompt, "no, the traffic light is red.", "ambiguous", "red traffic light")
        return QA(prompt, "yes, drive carefully.", "ambiguous")
    weather = {
        "clear": "it is clear",
        "rain": "it is raining",
        "snow": "it is snowing",
        "night": "it is night",
    }
    hated = "snow" if prompt == "i don't like winter." else "rain"
    if condition == hated:
        return QA(prompt, f"{weather[condition]}, drive slowly.", "ambiguous")
    return QA(prompt, f"there is no {hated}, {weather[condition]}.", "ambiguous")


_MAKERS = {
    "presence": presence,
    "front": front,
    "colour": colour,
    "count": count,
    "describe": describe,
    "ambiguous": ambiguous,
}


def qa_pairs(frame: Frame, rng: np.random.Generator, kinds: tuple[str, ...] = QA_KINDS) -> list[QA]:
    """One question per kind that has an unambiguous answer for this frame."""
    unknown = set(kinds) - set(_MAKERS)
    if unknown:
        raise ValueError(f"unknown QA kinds {sorted(unknown)}; known: {QA_KINDS}")
    out = []
    for kind in kinds:
        qa = _MAKERS[kind](frame, rng)
        if qa is not None:
            out.append(qa)
    return out


def vocabulary_corpus() -> list[str]:
    """Every text a question or answer can contain, to build the word-level vocabulary from."""
    from drivexplain.synthworld.scene import concept_names

    texts = list(PRESENCE_QUESTIONS) + list(FRONT_QUESTIONS)
    texts += [COLOUR_QUESTION, COUNT_QUESTION, DESCRIBE_QUESTION, CLEAR_ROAD]
    texts += list(AMBIGUOUS_PROMPTS) + list(NUMBERS) + ["yes no"]
    texts += list(CONDITION_DESCRIPTIONS.values()) + list(PLACES.values())
    texts += list(PLURALS.values()) + concept_names()
    texts += [
        "a an the street with and , . ? it is clear raining snowing night there no snow rain",
        "drive slowly carefully safe pedestrian crossing traffic light red",
    ]
    return texts


def answer_matches(predicted: str, expected: str) -> bool:
    """Exact match after normalising case, spaces and the final full stop."""

    def norm(text: str) -> str:
        return " ".join(text.lower().replace(" .", ".").split()).rstrip(".").strip()

    return norm(predicted) == norm(expected)
