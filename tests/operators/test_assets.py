"""Telling a local model file from a registry name, one rule for CLIP checkpoints and VLMs."""

from __future__ import annotations

import pytest

from drivexplain.operators.assets import looks_like_path


@pytest.mark.parametrize(
    "source",
    ["/models/clip.pt", "./clip", "../clip", "~/clip", "C:\\models\\clip", "clip.safetensors",
     "weights/clip.bin", "weights/tiny-drive-clip"],
)
def test_paths_are_paths(source: str) -> None:
    assert looks_like_path(source)


@pytest.mark.parametrize("source", ["openai", "laion2b_s34b_b79k"])
def test_open_clip_tags_are_not_paths(source: str) -> None:
    assert not looks_like_path(source)


def test_hub_ids_allow_one_slash() -> None:
    assert not looks_like_path("llava-hf/llava-1.5-7b-hf", hub_ids=True)
    assert not looks_like_path("tiny-llava", hub_ids=True)
    assert looks_like_path("models/llava-hf/llava-1.5-7b-hf", hub_ids=True)
    assert looks_like_path("./llava", hub_ids=True)
    assert looks_like_path("llava-hf/llava.safetensors", hub_ids=True)
