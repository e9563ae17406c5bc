"""Concepts named by a prompt and by an answer, mapped onto the concept vocabulary.

Dual explainability (paper III-J) compares the regions a prompt activates with the regions its
answer activates, so both texts must first become concepts that Concept Attribution can
explain. The extraction is deterministic on purpose: an audit must give the same verdict for
the same text on every run and machine, so an LLM only helps where the rules find nothing.

Rules, in order:
- Text is tokenised with punctuation kept as scope breaks, and every token is lemmatised with
  a small plural rule set ("pedestrians" -> "pedestrian", "buses" -> "bus", "people" ->
  "person"). Vocabulary phrases are lemmatised the same way, so a match is a match of lemmas.
- Longest phrase first, left to right: "red traffic light" wins over "traffic light" and
  "light". A few synonyms ("people", "stoplight", "zebra crossing", "lorry") map onto their
  vocabulary concept; they live in `SYNONYMS` and only apply when the target is in the
  vocabulary.
- A concept after a negator in the same clause ("there is no snow", "I can't see any buses")
  is recorded as *denied*, not as named: the text asserts its absence.
- A prompt with no concept is `generic` when it asks about the scene ("Describe this image.",
  "What is ahead?") and `ambiguous` otherwise ("I don't like winter.", "Is it safe to drive?"):
  the paper's Cases II and III.
- An answer that names no concept of its own inherits the prompt's. "Yes." asserts that the
  prompt's concepts are there; "No." (or "zero", "none") asserts that they are absent, so they
  become the answer's *denied* concepts, and the coherence check then asks whether the image
  supports that absence (see `operators.coherence`). A bare colour ("Red.") refines the prompt's
  concept to the coloured one when the vocabulary has it ("car" -> "red car").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

PromptKind = Literal["specific", "generic", "ambiguous"]
Polarity = Literal["affirm", "deny"]

# Irregular plurals and forms the suffix rules would get wrong.
IRREGULAR: dict[str, str] = {
    "people": "person",
    "persons": "person",
    "children": "child",
    "kids": "child",
    "kid": "child",
    "men": "man",
    "women": "woman",
    "bus": "bus",
    "buses": "bus",
    "busses": "bus",
    "glass": "glass",
    "grass": "grass",
    "cross": "cross",
    "lens": "lens",
    "series": "series",
    "this": "this",
    "is": "is",
    "was": "was",
    "yes": "yes",
    "its": "its",
    "us": "us",
}
# Words outside the vocabulary that name one of its concepts. Applied only when the target is
# in the vocabulary; the longest phrase still wins ("pedestrian crossing" is a crosswalk).
SYNONYMS: dict[str, str] = {
    "person": "pedestrian",
    "man": "pedestrian",
    "woman": "pedestrian",
    "walker": "pedestrian",
    "pedestrian crossing": "crosswalk",
    "zebra crossing": "crosswalk",
    "stoplight": "traffic light",
    "traffic signal": "traffic light",
    "signal light": "traffic light",
    "bike": "bicycle",
    "cyclist on a bike": "cyclist",
    "motorbike": "motorcycle",
    "lorry": "truck",
    "automobile": "car",
    "street": "road",
    "cone": "traffic cone",
    "streetlight": "street lamp",
    "street light": "street lamp",
    "lamp post": "street lamp",
    "lamppost": "street lamp",
    "snowing": "snow",
    "snowy": "snow",
    "raining": "rain",
    "rainy": "rain",
    "foggy": "fog",
    "cloudy": "cloud",
}
NEGATORS = frozenset(
    {"no", "not", "without", "nothing", "none", "never", "neither", "nor", "zero", "cannot"}
)
YES_WORDS = frozenset({"yes", "yeah", "yep", "yup", "correct", "true", "affirmative"})
NO_WORDS = frozenset({"no", "nope", "false", "negative", "zero", "none", "nothing"})
COLOURS = frozenset(
    {"red", "blue", "white", "black", "yellow", "silver", "green", "amber", "grey", "gray",
     "orange", "brown", "purple", "pink"}
)
# Open questions about the scene (Case II); anything else without a concept is Case III.
_GENERIC = re.compile(
    r"\b(describe|description|caption|summari[sz]e|what (?:do|can) you see|what(?:'s| is| are)"
    r" (?:in|on|ahead|there|happening|going on|visible|around|in front)|what is this|"
    r"tell me (?:about|what)|anything (?:ahead|unusual|interesting)|what do we have)\b"
)
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[.,;:!?]")
_BREAKS = frozenset(".,;:!?")
NEGATION_WINDOW = 4


class TextGenerator(Protocol):
    """What the optional LLM hook needs: the VLM backend's text-only generation."""

    def generate_text(self, prompt: str, *, max_new_tokens: int | None = None) -> str: ...


LLM_EXTRACTION_PROMPT = "List the objects named in this sentence, comma separated: {text}"


def lemma(token: str) -> str:
    """A plural-insensitive form of one lower-case token; it need not be a real word."""
    if token in IRREGULAR:
        return IRREGULAR[token]
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 4 and token.endswith(("ses", "xes", "ches", "shes", "zes")):
        return token[:-2]
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def tokens(text: str) -> list[str]:
    """Lower-case word tokens and punctuation marks; contractions stay one token ("don't")."""
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


def _lemmas(text: str) -> tuple[str, ...]:
    return tuple(lemma(t) for t in tokens(text) if t not in _BREAKS)


@dataclass(frozen=True)
class Mention:
    """One vocabulary concept found in a text, where, and whether the text denies it."""

    concept: str
    start: int
    stop: int
    negated: bool


@dataclass(frozen=True)
class Extraction:
    """The concepts of one text.

    `concepts` are named as present, `denied` as absent; `source` says how they were found
    (`vocabulary`, `llm`, `inherited from the prompt`, `none`); `polarity` is the yes/no of an
    answer; `kind` only matters for prompts.
    """

    text: str
    concepts: tuple[str, ...]
    denied: tuple[str, ...] = ()
    kind: PromptKind = "specific"
    polarity: Polarity | None = None
    source: str = "vocabulary"
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def all_concepts(self) -> tuple[str, ...]:
        """Every concept to explain for this text, named or denied, in order."""
        return tuple(dict.fromkeys(self.concepts + self.denied))

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "concepts": list(self.concepts),
            "denied": list(self.denied),
            "kind": self.kind,
            "polarity": self.polarity,
            "source": self.source,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Extraction:
        return cls(
            text=data["text"],
            concepts=tuple(data["concepts"]),
            denied=tuple(data.get("denied", ())),
            kind=data.get("kind", "specific"),
            polarity=data.get("polarity"),
            source=data.get("source", "vocabulary"),
            notes=tuple(data.get("notes", ())),
        )


class ConceptExtractor:
    """Maps prompts and answers onto one vocabulary; build once, use for every frame."""

    def __init__(self, vocabulary: Sequence[str], llm: TextGenerator | None = None) -> None:
        concepts = [v.strip() for v in vocabulary if v and v.strip()]
        if not concepts:
            raise ValueError("the concept vocabulary is empty")
        self.vocabulary = list(dict.fromkeys(concepts))
        self.llm = llm
        phrases: dict[tuple[str, ...], str] = {}
        for concept in self.vocabulary:
            key = _lemmas(concept)
            if key:
                phrases.setdefault(key, concept)
        present = set(self.vocabulary)
        for word, target in SYNONYMS.items():
            key = _lemmas(word)
            if target in present and key and key not in phrases:
                phrases[key] = target
        self._phrases = phrases
        self._longest = max(len(k) for k in phrases)
        self._lower = {c.lower(): c for c in self.vocabulary}
        self._llm_cache: dict[str, tuple[str, ...]] = {}

    # ------------------------------------------------------------------ matching
    def mentions(self, text: str) -> list[Mention]:
        """Vocabulary concepts in `text`, longest match first, each with its negation."""
        toks = tokens(text)
        lemmas = [lemma(t) for t in toks]
        found: list[Mention] = []
        i = 0
        while i < len(toks):
            if toks[i] in _BREAKS:
                i += 1
                continue
            hit = None
            for n in range(min(self._longest, len(toks) - i), 0, -1):
                window = lemmas[i : i + n]
                if any(t in _BREAKS for t in toks[i : i + n]):
                    continue
                concept = self._phrases.get(tuple(window))
                if concept is not None:
                    hit = (n, concept)
                    break
            if hit is None:
                i += 1
                continue
            n, concept = hit
            found.append(Mention(concept, i, i + n, self._negated(toks, i)))
            i += n
        return found

    @staticmethod
    def _negated(toks: list[str], start: int) -> bool:
        """A negator earlier in the same clause, at most `NEGATION_WINDOW` words back."""
        seen = 0
        j = start - 1
        while j >= 0 and seen < NEGATION_WINDOW:
            tok = toks[j]
            if tok in _BREAKS:
                return False
            if tok in NEGATORS or tok.endswith("n't"):
                return True
            seen += 1
            j -= 1
        return False

    def _split(self, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        named: list[str] = []
        denied: list[str] = []
        for m in self.mentions(text):
            (denied if m.negated else named).append(m.concept)
        named_t = tuple(dict.fromkeys(named))
        return named_t, tuple(c for c in dict.fromkeys(denied) if c not in named_t)

    def _ask_llm(self, text: str) -> tuple[str, ...]:
        """Vocabulary concepts the LLM names for `text`; its words pass the same matcher."""
        if self.llm is None:
            return ()
        if text in self._llm_cache:  # answers repeat across frames; ask once per text
            return self._llm_cache[text]
        try:
            reply = self.llm.generate_text(LLM_EXTRACTION_PROMPT.format(text=text))
        except Exception:  # the hook is optional help; a failing LLM must not stop an audit
            return ()  # not cached: a transient failure may succeed on the next frame
        named, _ = self._split(reply)
        self._llm_cache[text] = named
        return named

    # ------------------------------------------------------------------ prompts / answers
    def prompt(self, text: str) -> Extraction:
        """The prompt's concepts, or why it has none (generic or ambiguous)."""
        named, denied = self._split(text)
        source = "vocabulary"
        if not named and not denied:
            named = self._ask_llm(text)
            source = "llm" if named else "none"
        if named or denied:
            return Extraction(text, named, denied, "specific", None, source)
        kind: PromptKind = "generic" if _GENERIC.search(text.lower()) else "ambiguous"
        note = (
            "the prompt asks about the scene without naming a concept (paper Case II)"
            if kind == "generic"
            else "the prompt names no concrete concept (paper Case III)"
        )
        return Extraction(text, (), (), kind, None, "none", (note,))

    def answer(self, text: str, prompt: Extraction) -> Extraction:
        """The answer's concepts; yes/no and bare answers inherit the prompt's (module doc)."""
        toks = [t for t in tokens(text) if t not in _BREAKS]
        first = toks[0] if toks else ""
        polarity: Polarity | None = (
            "affirm" if first in YES_WORDS else "deny" if first in NO_WORDS else None
        )
        named, denied = self._split(text)
        if named or denied:
            return Extraction(text, named, denied, "specific", polarity, "vocabulary")
        llm_named = self._ask_llm(text) if polarity is None else ()
        if llm_named:
            return Extraction(text, llm_named, (), "specific", polarity, "llm")
        inherited = prompt.concepts
        if not inherited:
            return Extraction(text, (), (), "specific", polarity, "none",
                              ("the answer names no concept and the prompt has none to inherit",))
        if polarity == "deny":
            return Extraction(text, (), inherited, "specific", polarity,
                              "inherited from the prompt",
                              ("a negative answer asserts the prompt's concepts are absent",))
        refined = self._refine_colour(toks, inherited)
        note = "a yes answer asserts the prompt's concepts" if polarity == "affirm" else (
            "the answer names no concept; it is about the prompt's")
        return Extraction(text, refined, (), "specific", polarity, "inherited from the prompt",
                          (note,))

    def _refine_colour(self, toks: list[str], concepts: tuple[str, ...]) -> tuple[str, ...]:
        colours = [t for t in toks if t in COLOURS]
        if len(colours) != 1:
            return concepts
        out = []
        for concept in concepts:
            coloured = self._lower.get(f"{colours[0]} {concept}".lower())
            out.append(coloured or concept)
        return tuple(dict.fromkeys(out))


def same_thing(a: str, b: str) -> bool:
    """Whether two concepts name the same object class ("red car" and "car" do)."""
    la, lb = _lemmas(a), _lemmas(b)
    if la == lb:
        return True
    short, long_ = (la, lb) if len(la) <= len(lb) else (lb, la)
    return len(short) >= 1 and long_[-len(short):] == short and all(
        t in COLOURS for t in long_[: len(long_) - len(short)]
    )
