"""Linguistic context for Concept Attribution: expand a concept into the concepts it covers.

Paper III-G: CLIP's text tower does not know that "vehicle" covers car, bus and truck, an LLM
does. The expansion is encoded by the CLIP text tower and used in place of the bare concept, both
in the head-scoring text relevance and as the gradient target (`expanded_text_embedding`).

Where no LLM is loaded, a fixed table for driving concepts gives the same kind of context, so
the pipeline behaves the same offline. A gain from expansion is only credited to *meaning* when
it beats the WaffleCLIP control (Roth et al., 2023): the same number of random words appended to
the concept. Averaging a few extra text embeddings changes the target even when the words mean
nothing, and the control measures how much of a gain is just that.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import torch
import torch.nn.functional as F

ExpansionSource = Literal["llm", "table", "none", "random-words", "random-chars"]

# Hyponyms a driving audit asks about, keyed by the singular concept. Kept to things that
# appear on a road so the expansion stays inside the CLIP vocabulary the project trains on.
DRIVING_EXPANSIONS: dict[str, tuple[str, ...]] = {
    "vehicle": ("car", "bus", "truck", "van", "motorcycle"),
    "road user": ("car", "pedestrian", "cyclist", "motorcycle", "bus"),
    "vulnerable road user": ("pedestrian", "cyclist", "child", "motorcycle rider"),
    "person": ("pedestrian", "child", "cyclist", "person with an umbrella"),
    "people": ("pedestrian", "child", "cyclist", "crowd"),
    "pedestrian": ("person walking", "child", "person with an umbrella", "person crossing"),
    "car": ("sedan", "taxi", "police car", "hatchback"),
    "truck": ("lorry", "fire truck", "delivery truck", "pickup truck"),
    "bus": ("school bus", "city bus", "coach"),
    "two-wheeler": ("bicycle", "motorcycle", "scooter"),
    "bike": ("bicycle", "motorcycle", "scooter"),
    "cyclist": ("bicycle", "person riding a bicycle"),
    "emergency vehicle": ("ambulance", "police car", "fire truck"),
    "traffic control": ("traffic light", "stop sign", "yield sign", "road sign"),
    "traffic light": ("red traffic light", "green traffic light", "amber traffic light"),
    "sign": ("stop sign", "yield sign", "speed limit sign", "road sign"),
    "road sign": ("stop sign", "yield sign", "speed limit sign"),
    "obstacle": ("traffic cone", "barrier", "bollard", "roadwork"),
    "road marking": ("lane marking", "crosswalk", "dashed lane line"),
    "lane": ("lane marking", "dashed lane line", "road"),
    "animal": ("dog", "cat", "deer"),
    "weather": ("rain", "snow", "fog"),
    "winter": ("snow", "ice", "snowy road"),
    "bad weather": ("rain", "snow", "fog"),
    "vegetation": ("tree", "bush", "grass"),
    "building": ("house", "shop", "wall"),
}

# Neutral English words for the random-words control: common, concrete, and unrelated to roads,
# so that a control expansion carries length and "word-ness" but no driving meaning.
CONTROL_WORDS: tuple[str, ...] = (
    "apple",
    "violin",
    "pillow",
    "candle",
    "whisper",
    "galaxy",
    "marble",
    "feather",
    "spoon",
    "lantern",
    "orchid",
    "puzzle",
    "velvet",
    "harbor",
    "pencil",
    "thunder",
    "basket",
    "mirror",
    "cinnamon",
    "glacier",
    "ribbon",
    "teapot",
    "saddle",
    "honey",
    "lemon",
    "quartz",
    "walnut",
    "blanket",
    "compass",
    "meadow",
    "button",
    "cactus",
    "opera",
    "parrot",
    "sponge",
    "tulip",
    "anchor",
    "biscuit",
    "chimney",
    "dolphin",
    "engine",
    "fossil",
    "garlic",
    "helmet",
    "island",
    "jacket",
    "kettle",
    "ladder",
    "magnet",
    "noodle",
    "oyster",
    "pepper",
    "rocket",
    "silver",
    "tiger",
    "umbrella",
    "vanilla",
    "wallet",
    "yogurt",
    "zipper",
    "bamboo",
    "coral",
    "denim",
    "eagle",
    "flute",
    "ginger",
    "hammock",
    "igloo",
    "jigsaw",
    "kayak",
    "lobster",
    "mango",
    "nectar",
    "olive",
    "piano",
    "quilt",
    "raisin",
    "sapphire",
    "thimble",
    "utensil",
    "walrus",
)

EXPANSION_PROMPT = (
    "List the kinds of {concept} that can appear in a street scene, as short nouns separated by "
    "commas."
)


class TextGenerator(Protocol):
    """Anything that answers a text prompt (the VLM backend's `generate_text`)."""

    def generate_text(self, prompt: str, *, max_new_tokens: int | None = None) -> str: ...


@dataclass(frozen=True)
class Expansion:
    """A concept and the related concepts that stand in for it in CLIP space."""

    concept: str
    terms: tuple[str, ...]
    source: ExpansionSource

    @property
    def texts(self) -> list[str]:
        """The texts to encode: the concept itself first, so it is never diluted away."""
        return [self.concept, *self.terms]


def normalise_concept(concept: str) -> str:
    """Lower-case, single-spaced, and singular when the singular is a known concept."""
    text = " ".join(concept.strip().lower().split())
    if not text:
        raise ValueError("concept is empty")
    for plural, singular in (("ies", "y"), ("es", ""), ("s", "")):
        if text.endswith(plural) and text not in DRIVING_EXPANSIONS:
            candidate = text[: -len(plural)] + singular
            if candidate in DRIVING_EXPANSIONS:
                return candidate
    return text


def table_expansion(concept: str, max_terms: int = 5) -> Expansion:
    """The fallback table; a concept with no entry expands to nothing (`source='none'`)."""
    key = normalise_concept(concept)
    terms = DRIVING_EXPANSIONS.get(key, ())[:max_terms]
    return Expansion(concept.strip(), tuple(terms), "table" if terms else "none")


def parse_terms(
    text: str,
    concept: str,
    max_terms: int = 5,
    max_words: int = 4,
    vocabulary: Iterable[str] | None = None,
) -> tuple[str, ...]:
    """Pull a clean list of related concepts out of free LLM text.

    Splits on commas, semicolons, newlines, bullets and "and"/"or"; drops the concept itself,
    duplicates, and phrases longer than `max_words` (sentences, not concepts). With a
    `vocabulary`, only terms in it are kept, so the expansion stays inside what the CLIP text
    tower was trained on.
    """
    own = normalise_concept(concept)
    allowed = None if vocabulary is None else {normalise_concept(v) for v in vocabulary}
    pieces = re.split(r"[,;\n]|\band\b|\bor\b", text.lower())
    out: list[str] = []
    for piece in pieces:
        piece = re.sub(r"^[\s\-*\u2022\d.)]+", "", piece)  # list bullets and numbers
        term = re.sub(r"[^a-z0-9 \-]", " ", piece)
        term = re.sub(r"^(a|an|the|some)\s+", "", " ".join(term.split()))
        if not term or len(term.split()) > max_words:
            continue
        key = normalise_concept(term)
        if key == own or key in out:
            continue
        if allowed is not None and key not in allowed:
            continue
        out.append(key)
        if len(out) == max_terms:
            break
    return tuple(out)


class ConceptExpander:
    """Expands concepts with an LLM when one is given, else with the driving table.

    Results are cached per concept: an audit asks about the same few concepts on every frame,
    and LLM generation costs far more than the attribution it feeds.
    """

    def __init__(
        self,
        llm: TextGenerator | None = None,
        *,
        max_terms: int = 5,
        vocabulary: Sequence[str] | None = None,
        prompt: str = EXPANSION_PROMPT,
        max_new_tokens: int = 24,
    ) -> None:
        if max_terms < 1:
            raise ValueError(f"max_terms must be >= 1, got {max_terms}")
        if "{concept}" not in prompt:
            raise ValueError("the expansion prompt must contain '{concept}'")
        self.llm = llm
        self.max_terms = max_terms
        self.vocabulary = list(vocabulary) if vocabulary is not None else None
        self.prompt = prompt
        self.max_new_tokens = max_new_tokens
        self._cache: dict[str, Expansion] = {}

    def expand(self, concept: str) -> Expansion:
        """The LLM's expansion; the table's when the LLM gives nothing usable or none is loaded."""
        key = normalise_concept(concept)
        if key in self._cache:
            return self._cache[key]
        expansion = None
        if self.llm is not None:
            answer = self.llm.generate_text(
                self.prompt.format(concept=concept.strip()), max_new_tokens=self.max_new_tokens
            )
            terms = parse_terms(answer, concept, self.max_terms, vocabulary=self.vocabulary)
            if terms:
                expansion = Expansion(concept.strip(), terms, "llm")
        if expansion is None:
            expansion = table_expansion(concept, self.max_terms)
        self._cache[key] = expansion
        return expansion

    def expand_all(self, concepts: Sequence[str]) -> list[Expansion]:
        return [self.expand(c) for c in concepts]


def _stable_seed(seed: int, concept: str) -> int:
    # Python's hash() is salted per process; the control must draw the same words every run.
    digest = hashlib.sha256(f"{seed}:{normalise_concept(concept)}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def random_words_expansion(
    concept: str,
    count: int,
    seed: int = 0,
    *,
    words: Sequence[str] = CONTROL_WORDS,
    mode: Literal["words", "chars"] = "words",
    with_concept: bool = True,
) -> Expansion:
    """WaffleCLIP's control: `count` random words (or character strings) in place of meaning.

    With `with_concept` each term is "{concept} {random word}", as in WaffleCLIP's "a photo of a
    {class}, which has {random words}": the concept stays in every text and only the extra
    tokens are random, which measures the plain ensembling effect. Without it the terms are the
    bare random words, the direct swap of the hyponyms for noise. Use the same `count` as the
    real expansion so the two differ in meaning only.
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    rng = random.Random(_stable_seed(seed, concept))
    base = concept.strip()
    if mode == "words":
        if count > len(words):
            raise ValueError(f"asked for {count} control words, only {len(words)} available")
        picks = rng.sample(list(words), count)
        source: ExpansionSource = "random-words"
    elif mode == "chars":
        alphabet = "abcdefghijklmnopqrstuvwxyz"
        picks = [
            "".join(rng.choice(alphabet) for _ in range(rng.randint(4, 8))) for _ in range(count)
        ]
        source = "random-chars"
    else:
        raise ValueError(f"mode must be 'words' or 'chars', got {mode!r}")
    terms = tuple(f"{base} {w}" for w in picks) if with_concept else tuple(picks)
    return Expansion(base, terms, source)


def expanded_text_embedding(
    encode_text: Callable[[list[str]], torch.Tensor],
    expansions: Sequence[Expansion],
    concept_weight: float = 0.5,
) -> torch.Tensor:
    """One unit text embedding per expansion: the concept blended with the mean of its terms.

        t = normalise( w * e(concept) + (1 - w) * mean_k e(term_k) )

    with e(.) the unit CLIP text embedding and w = `concept_weight`. An expansion without terms
    returns e(concept) unchanged, so expansion never removes a concept's own meaning. All texts
    go through the text tower in one batch.
    """
    if not 0.0 <= concept_weight <= 1.0:
        raise ValueError(f"concept_weight must be in [0, 1], got {concept_weight}")
    if not expansions:
        raise ValueError("no expansions given")
    texts: list[str] = []
    spans: list[tuple[int, int]] = []
    for expansion in expansions:
        start = len(texts)
        texts.extend(expansion.texts)
        spans.append((start, len(texts)))
    embedded = F.normalize(encode_text(texts).float(), dim=-1)
    rows = []
    for start, end in spans:
        own = embedded[start]
        if end - start == 1:
            rows.append(own)
            continue
        terms = embedded[start + 1 : end].mean(dim=0)
        rows.append(concept_weight * own + (1.0 - concept_weight) * terms)
    return F.normalize(torch.stack(rows), dim=-1)
