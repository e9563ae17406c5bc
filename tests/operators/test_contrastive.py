"""Automatic contrast selection (paper III-F): present concepts, least like the concept, and
never the concept under another name."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from drivexplain.operators.contrastive import VocabularyError, choose_contrastive, is_variant


@pytest.mark.parametrize(
    ("candidate", "concept", "variant"),
    [
        ("green car", "car", True),  # a kind of car
        ("car", "red car", True),  # what a red car is
        ("parked cars", "car", True),  # plural-insensitive
        ("school bus", "bus", True),
        ("red traffic light", "traffic lights", True),
        ("crosswalk", "car", False),
        ("bike lane", "bicycle", False),  # wording only: synonyms are the text cut's job
        ("stop sign", "road sign", False),  # share a word, neither contains the other
    ],
)
def test_is_variant_compares_content_words(candidate: str, concept: str, variant: bool) -> None:
    assert is_variant(candidate, concept) is variant


def _embeddings(rows: list[list[float]]) -> torch.Tensor:
    return F.normalize(torch.tensor(rows), dim=-1)


def test_the_contrast_is_the_present_concept_least_like_the_concept() -> None:
    vocab = ["car", "green car", "crosswalk", "tree", "sky"]
    # axes: car, crosswalk, tree, green, sky
    text = _embeddings([[1, 0, 0, 0, 0], [0.3, 0, 0, 1, 0], [0.5, 1, 0, 0, 0],
                        [0.4, 0, 1, 0, 0], [0, 0, 0, 0, 1]])
    image = F.normalize(torch.tensor([1.0, 0.8, 0.7, 0.9, 0.0]), dim=0)  # no sky
    choice = choose_contrastive(text[0], image, vocab, text, present_top_k=2,
                                max_text_similarity=0.95, exclude="car")
    # "green car" matches the frame best and is far from "car" in this text space (cosine
    # 0.29, the least of all), so only its wording keeps it from being the contrast
    assert choice.concept == "tree"
    assert choice.present == ("crosswalk", "tree")
    assert choose_contrastive(text[0], image, vocab, text, 2, 0.95,
                              exclude="lorry").concept == "green car"


def test_a_vocabulary_of_variants_only_is_an_error() -> None:
    vocab = ["car", "green car", "parked car"]
    text = _embeddings([[1, 0], [0.6, 0.8], [0.8, 0.6]])
    with pytest.raises(VocabularyError, match="no concept other than"):
        choose_contrastive(text[0], text[0], vocab, text, 2, 0.95, exclude="car")
