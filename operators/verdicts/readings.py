"""What reading a text yields: the typed results that pass between the reader
(`concepts.ConceptExtractor`), what a question asks (`questions`) and the verdicts
(`coherence`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from drivexplain.operators.verdicts.yesno import Polarity

PromptKind = Literal["specific", "generic", "ambiguous"]


@dataclass(frozen=True)
class Mention:
    """One vocabulary concept found in a text, where, and whether the text denies it.

    `colour` is a colour said of it ("the car is black", "a green light"), already folded into
    `concept` when the vocabulary has the coloured concept; `inherited` marks a prompt concept
    reached through a head word ("the light") or a pronoun ("it's red"); `opposite` one named
    by its opposite ("daytime" for "night"), which a question asks about with its yes and no
    swapped.
    """

    concept: str
    start: int
    stop: int
    negated: bool
    colour: str | None = None
    inherited: bool = False
    opposite: bool = False


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
