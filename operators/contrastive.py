"""Contrastive concepts (paper III-F) and the concept vocabulary they are drawn from.

Automatic selection follows the paper: CLIP's zero-shot scores over the vocabulary tell which
concepts are present in the frame; among those, the one whose *text* embedding is least similar
to the input concept is the contrast. Picking from concepts that are actually in the frame
matters: the contrast should compete for image regions, not be an arbitrary absent word.

The contrast must also be a *different* concept. Two filters skip candidates that are the
concept under another name: text similarity (synonyms), and wording, for a candidate whose
content words contain the concept's or are contained in them. "green car", "parked car" and
"police car" are all cars, so explaining "car" against any of them would suppress cars. The
shipped tiny CLIP's text space puts some of them below the similarity cut: on the localisation
benchmark, 7 of the 53 "car" pairs were contrasted with a coloured car before this rule.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
import yaml

from drivexplain.operators.assets import PACKAGE_ROOT
from drivexplain.operators.verdicts.lexicon import lemma, tokens

_FUNCTION_WORDS = frozenset({"a", "an", "the", "of", "on", "in", "with", "at", "to", "and"})


class VocabularyError(ValueError):
    """The vocabulary file is missing or malformed; the message names the file."""


def vocabulary_path(path: str | Path) -> Path:
    """A vocabulary file: as given when it exists, else relative to the package, so the
    default `configs/vocabulary.yaml` is found from any working directory."""
    path = Path(path)
    return PACKAGE_ROOT / path if not path.is_absolute() and not path.exists() else path


def load_vocabulary(path: str | Path) -> list[str]:
    """Read `concepts:` from a YAML file (see `vocabulary_path`)."""
    path = vocabulary_path(path)
    if not path.is_file():
        raise VocabularyError(f"vocabulary file {path} does not exist")
    data = yaml.safe_load(path.read_text())
    concepts = data.get("concepts") if isinstance(data, dict) else None
    if not isinstance(concepts, list) or not concepts:
        raise VocabularyError(f"vocabulary file {path} needs a non-empty 'concepts:' list")
    cleaned = []
    for index, item in enumerate(concepts):
        if not isinstance(item, str) or not item.strip():
            raise VocabularyError(f"vocabulary file {path}: entry {index} is not a non-empty text")
        cleaned.append(item.strip())
    return list(dict.fromkeys(cleaned))


@lru_cache(maxsize=4096)  # called for every vocabulary entry, per frame and concept
def content_words(text: str) -> frozenset[str]:
    """Lemmas of the words that carry meaning: "a red car on the left" -> {red, car, left}."""
    return frozenset(
        lemma(t) for t in tokens(text) if t[0].isalnum() and t not in _FUNCTION_WORDS
    )


def is_variant(candidate: str, concept: str) -> bool:
    """True when one text's content words contain the other's: a kind of it, or its kind."""
    a, b = content_words(candidate), content_words(concept)
    return bool(a) and bool(b) and (a <= b or b <= a)


@dataclass(frozen=True)
class ContrastiveChoice:
    """The picked contrast, and the present concepts it was chosen from (for the logs)."""

    concept: str
    present: tuple[str, ...]


def choose_contrastive(
    concept_text: torch.Tensor,
    image: torch.Tensor,
    vocabulary: list[str],
    vocabulary_text: torch.Tensor,
    present_top_k: int,
    max_text_similarity: float,
    exclude: str,
) -> ContrastiveChoice:
    """Pick the contrast for one (frame, concept).

    `image` and the text tensors are L2-normalised embeddings; `vocabulary_text` is (V, D).
    Candidates that are the concept itself, a variant of it in wording (`is_variant`), or so
    close in text space that they are synonyms, are skipped.
    """
    same = (vocabulary_text @ concept_text) >= max_text_similarity
    same |= torch.tensor(
        [v.lower() == exclude.lower() or is_variant(v, exclude) for v in vocabulary],
        device=same.device,
    )
    image_scores = (vocabulary_text @ image).masked_fill(same, -torch.inf)
    k = min(present_top_k, int((~same).sum()))
    if k == 0:
        raise VocabularyError("the vocabulary holds no concept other than the input concept")
    present = image_scores.topk(k).indices
    text_scores = vocabulary_text[present] @ concept_text
    pick = int(present[text_scores.argmin()])
    return ContrastiveChoice(
        concept=vocabulary[pick], present=tuple(vocabulary[int(i)] for i in present)
    )


@lru_cache(maxsize=1024)
def _wording_excluded(concept: str, vocabulary: tuple[str, ...]) -> tuple[bool, ...]:
    """Which vocabulary entries are `concept` itself or a variant of it in wording."""
    return tuple(v.lower() == concept.lower() or is_variant(v, concept) for v in vocabulary)


def choose_contrastive_batch(
    concept_text: torch.Tensor,
    concepts: list[list[str]],
    image: torch.Tensor,
    vocabulary: list[str],
    vocabulary_text: torch.Tensor,
    present_top_k: int,
    max_text_similarity: float,
) -> tuple[list[list[ContrastiveChoice]], torch.Tensor]:
    """`choose_contrastive` for every (frame, concept) of a batch in one matrix product.

    `concept_text` is (B, K, D), `concepts` the B×K texts, `image` (B, D); embeddings are
    L2-normalised. Returns the choices and the picked vocabulary indices, (B, K) on the device
    (so the caller can gather the contrasts' text embeddings without going through strings).
    The rule is `choose_contrastive`'s, which the tests hold this equal to; the indices come
    to the host once per batch, not once per pair.
    """
    vocab_key = tuple(vocabulary)
    text_similarity = concept_text @ vocabulary_text.T  # (B, K, V)
    wording = torch.tensor(
        [[_wording_excluded(c, vocab_key) for c in row] for row in concepts],
        dtype=torch.bool, device=text_similarity.device,
    )
    same = (text_similarity >= max_text_similarity) | wording
    scores = (image @ vocabulary_text.T)[:, None].masked_fill(same, -torch.inf)  # (B, K, V)
    present_scores, present = scores.topk(min(present_top_k, len(vocabulary)), dim=-1)
    valid = torch.isfinite(present_scores)
    against = text_similarity.gather(-1, present).masked_fill(~valid, torch.inf)
    pick = present.gather(-1, against.argmin(dim=-1, keepdim=True))[..., 0]
    present_host, valid_host, pick_host = (t.cpu().tolist() for t in (present, valid, pick))
    choices = []
    for b, row in enumerate(concepts):
        out = []
        for k, concept in enumerate(row):
            if not any(valid_host[b][k]):
                raise VocabularyError(
                    f"the vocabulary holds no concept other than the input concept {concept!r}"
                )
            names = tuple(vocabulary[i] for i, ok in zip(present_host[b][k], valid_host[b][k],
                                                         strict=True) if ok)
            out.append(ContrastiveChoice(concept=vocabulary[pick_host[b][k]], present=names))
        choices.append(out)
    return choices, pick


CACHE_ENV = "DRIVEXPLAIN_CACHE_DIR"


def cache_dir() -> Path:
    """Where derived data (text embeddings) is cached: $DRIVEXPLAIN_CACHE_DIR, else
    $XDG_CACHE_HOME/drivexplain, else ~/.cache/drivexplain."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser() / "drivexplain"


def vocabulary_key(weights_sha256: str, model_id: str, vocabulary: list[str]) -> str:
    """Names one model's embeddings of one vocabulary: the weights' sha256, the model id (which
    holds the architecture) and the vocabulary's texts in order."""
    digest = hashlib.sha256()
    for part in (weights_sha256, model_id, *vocabulary):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:32]


def cached_vocabulary_text(
    key: str | None,
    vocabulary: list[str],
    encode: Callable[[list[str]], torch.Tensor],
    directory: Path | None = None,
) -> torch.Tensor:
    """The vocabulary's text embeddings, from the cache when it holds them for `key`.

    Embedding a vocabulary is a text-tower forward of every entry at every actor start; the
    cache turns that into a file read. Without a key (random weights, no file to hash) nothing
    is cached. A cache file that cannot be read, or whose shape or values do not fit, is
    ignored and rewritten; writing goes through a temporary file and a rename, so a reader
    never sees half a file, and a cache directory that cannot be written is not an error.
    """
    if key is None:
        return encode(vocabulary)
    from safetensors.torch import load_file, save_file

    path = (directory or cache_dir()) / f"text-{key}.safetensors"
    if path.is_file():
        try:
            cached = load_file(str(path))["embeddings"]
            if cached.ndim == 2 and cached.shape[0] == len(vocabulary) and \
                    bool(torch.isfinite(cached).all()):
                return cached
        except Exception:  # corrupt or foreign file: rebuilt below
            pass
    embeddings = encode(vocabulary)
    partial: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
            partial = Path(tmp.name)
        save_file({"embeddings": embeddings.detach().float().cpu().contiguous()}, str(partial))
        os.replace(partial, path)
    except OSError:
        if partial is not None:
            partial.unlink(missing_ok=True)
    return embeddings
