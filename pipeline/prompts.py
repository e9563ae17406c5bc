"""Prompts and the concepts that Concept Attribution explains for them.

A prompt's concepts are either given explicitly (`--concept`, applied to every prompt) or read
from the prompt text as the coherence check reads it (`ConceptExtractor.prompt`: longest
vocabulary phrases, with what a question asks about: "Is the road wet?" asks about the road's
state, not about a wet road named); when answers are audited, a prompt that names none takes
its concepts from each answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The source of a track whose concepts `--concept` gave: they rule over the prompt's reading.
EXPLICIT_CONCEPTS = "--concept"


class PromptError(ValueError):
    """Prompts or concepts cannot be resolved; the message says what to change."""


@dataclass(frozen=True)
class PromptTrack:
    """One prompt and its concepts; `source` says how the concepts were chosen."""

    prompt: str
    concepts: tuple[str, ...]
    source: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON form that run records and job fingerprints hold."""
        return {"prompt": self.prompt, "concepts": list(self.concepts), "source": self.source}


def read_prompts_file(path: Path) -> list[str]:
    """One prompt per line; blank lines and lines starting with '#' are ignored."""
    if not path.is_file():
        raise PromptError(f"prompts file {path} does not exist")
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def load_vocabulary(path: Path) -> list[str]:
    """The concept list of `configs/vocabulary.yaml`, read by the operator's own loader."""
    from drivexplain.operators.contrastive import VocabularyError
    from drivexplain.operators.contrastive import load_vocabulary as load

    try:
        return load(path)
    except VocabularyError as err:
        raise PromptError(str(err)) from None


def match_concepts(prompt: str, vocabulary: Sequence[str]) -> list[str]:
    """The vocabulary concepts the prompt asks about, named or denied, in text order.

    "is the red car braking" yields "red car", not also "car"; plurals and synonyms count
    ("pedestrians", "people"). The reading is the coherence check's own
    (`operators.verdicts.concepts.prompt_concepts`), so the concepts explained for a prompt are
    the ones its verdicts read.
    """
    from drivexplain.operators.verdicts.concepts import prompt_concepts

    return prompt_concepts(prompt, vocabulary)


def resolve_tracks(
    prompts: Sequence[str],
    concepts: Sequence[str],
    vocabulary_path: Path,
    allow_generic: bool = False,
) -> list[PromptTrack]:
    """Give every prompt its concepts, or fail naming the prompt that has none.

    With `allow_generic` (answers are audited), a prompt that names no concept is legitimate
    (the paper's Case II, "Describe this image."): its concepts then come from each answer.
    """
    cleaned = [p.strip() for p in prompts if p.strip()]
    if not cleaned:
        raise PromptError("no prompt given: use --prompt TEXT (repeatable) or --prompts FILE")
    if len(set(cleaned)) != len(cleaned):
        raise PromptError("the same prompt is given twice; each prompt is its own track")
    if any(not c.strip() for c in concepts):
        raise PromptError("--concept is given an empty text; name a concept (e.g. --concept "
                          "pedestrian) or leave --concept out to match the vocabulary")
    explicit = tuple(dict.fromkeys(c.strip() for c in concepts))
    if explicit:
        return [PromptTrack(p, explicit, EXPLICIT_CONCEPTS) for p in cleaned]
    vocabulary = load_vocabulary(vocabulary_path)
    extractor = None
    tracks = []
    for prompt in cleaned:
        matched = match_concepts(prompt, vocabulary)
        if matched:
            tracks.append(PromptTrack(prompt, tuple(matched), "vocabulary match on the prompt"))
            continue
        if not allow_generic:
            raise PromptError(
                f"no concept of {vocabulary_path} occurs in the prompt {prompt!r}; "
                "name the concepts to explain with --concept"
            )
        if extractor is None:
            from drivexplain.operators.verdicts.concepts import ConceptExtractor

            extractor = ConceptExtractor(vocabulary)
        reading = extractor.prompt(prompt)
        source = (
            "concept extraction on the prompt"
            if reading.concepts
            else f"none: {reading.kind} prompt, concepts come from answers"
        )
        tracks.append(PromptTrack(prompt, tuple(reading.concepts), source))
    return tracks


def all_concepts(tracks: Sequence[PromptTrack]) -> list[str]:
    """The union, in first-seen order: one attribution pass serves every prompt."""
    return list(dict.fromkeys(c for t in tracks for c in t.concepts))
