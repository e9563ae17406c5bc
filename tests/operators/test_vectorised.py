"""The batched forms Concept Attribution runs are the per-item rules they replace.

Each vectorised piece (head selection, contrast selection, the pooled-rows trace and its
gradients, the threshold of the faithfulness mask) is compared with the straightforward
per-item statement of the same rule, on random inputs where ties are improbable.
"""

from __future__ import annotations

from pathlib import Path

import open_clip
import pytest
import torch
import torch.nn.functional as F

from drivexplain.operators.attribution import similarity_gradients
from drivexplain.operators.contrastive import (
    VocabularyError,
    choose_contrastive,
    choose_contrastive_batch,
)
from drivexplain.operators.heads import select_heads, select_heads_batched
from drivexplain.operators.models.backbone import OpenClipViT


@pytest.mark.parametrize("beta", [0.0, 0.5, 2.0])
def test_batched_head_selection_is_the_greedy_rule(beta: float) -> None:
    gen = torch.Generator().manual_seed(1)
    contributions = torch.randn(3, 24, 8, generator=gen)
    text = torch.randn(3, 4, 8, generator=gen)
    candidates = [(i // 12, i % 12) for i in range(24)]
    picked = select_heads_batched(contributions, text, 10, 0.8, beta)
    assert picked.shape == (3, 4, 10)
    for b in range(3):
        for k in range(4):
            expected = select_heads(contributions[b], text[b, k], candidates, 10, 0.8, beta)
            assert [candidates[i] for i in picked[b, k].tolist()] == expected


def test_batched_contrast_is_the_per_pair_rule() -> None:
    gen = torch.Generator().manual_seed(2)
    vocabulary = ["car", "green car", "bus", "tree", "sky", "road", "pedestrian", "truck",
                  "parked car", "traffic light"]
    vocab_text = F.normalize(torch.randn(len(vocabulary), 16, generator=gen), dim=-1)
    concepts = [["car", "bus"], ["pedestrian", "lorry"], ["tree", "car"]]
    concept_text = F.normalize(torch.randn(3, 2, 16, generator=gen), dim=-1)
    concept_text[0, 0] = vocab_text[0]  # "car" is in the vocabulary: excluded by text too
    image = F.normalize(torch.randn(3, 16, generator=gen), dim=-1)
    choices, pick = choose_contrastive_batch(concept_text, concepts, image, vocabulary,
                                             vocab_text, 4, 0.95)
    for b, row in enumerate(concepts):
        for k, concept in enumerate(row):
            expected = choose_contrastive(concept_text[b, k], image[b], vocabulary, vocab_text,
                                          4, 0.95, exclude=concept)
            assert choices[b][k] == expected
            assert vocabulary[int(pick[b, k])] == expected.concept


def test_batched_contrast_with_few_candidates_and_none() -> None:
    vocabulary = ["car", "green car", "crosswalk"]
    text = F.normalize(torch.tensor([[1.0, 0, 0], [0.6, 0.8, 0], [0, 0, 1.0]]), dim=-1)
    image = F.normalize(torch.tensor([[1.0, 1.0, 1.0]]), dim=-1)
    choices, _ = choose_contrastive_batch(text[None, :1], [["car"]], image, vocabulary, text,
                                          5, 0.95)
    assert choices[0][0] == choose_contrastive(text[0], image[0], vocabulary, text, 5, 0.95,
                                               exclude="car")
    assert choices[0][0].present == ("crosswalk",)
    with pytest.raises(VocabularyError, match="no concept other than"):
        choose_contrastive_batch(text[None, :1], [["car"]], image, vocabulary[:2], text[:2],
                                 5, 0.95)


@pytest.fixture(scope="module")
def double_backbone(model_config_dir: Path) -> OpenClipViT:
    torch.manual_seed(0)
    return OpenClipViT(open_clip.create_model("TestTinyViT").double().eval(), "TestTinyViT")


def test_pooled_rows_trace_is_the_full_trace_read_on_the_pooled_rows(
    double_backbone: OpenClipViT,
) -> None:
    bb = double_backbone
    pixels = torch.randn(2, 3, 32, 32, dtype=torch.float64,
                         generator=torch.Generator().manual_seed(3))
    directions = F.normalize(torch.randn(2, 3, 32, dtype=torch.float64), dim=-1)
    layers = [1, 2, 3]
    rows = bb.pooled_query_rows
    with torch.enable_grad():
        full = bb.trace(pixels, capture_layers=layers)
        pooled = bb.trace(pixels, capture_layers=layers, pooled_rows=True)
    torch.testing.assert_close(pooled.embedding, full.embedding)
    full_grads = similarity_gradients(full, directions, layers)
    pooled_grads = similarity_gradients(pooled, directions, layers)
    for i, layer in enumerate(layers):
        last = layer == bb.num_layers - 1
        expected_attention = full.attentions[layer] if last else full.attentions[layer][:, :, rows]
        torch.testing.assert_close(pooled.attentions[layer], expected_attention)
        torch.testing.assert_close(pooled.head_outputs[layer], full.head_outputs[layer])
        expected_grad = full_grads[i] if last else full_grads[i][:, :, :, rows]
        torch.testing.assert_close(pooled_grads[i], expected_grad)


def test_gradients_per_direction_equal_the_batched_vector_jacobian_product(
    double_backbone: OpenClipViT,
) -> None:
    bb = double_backbone
    pixels = torch.randn(3, 3, 32, 32, dtype=torch.float64,
                         generator=torch.Generator().manual_seed(4))
    directions = F.normalize(torch.randn(3, 2, 32, dtype=torch.float64), dim=-1)
    layers = [2, 3]
    with torch.enable_grad():
        trace = bb.trace(pixels, capture_layers=layers, pooled_rows=True)
    ours = similarity_gradients(trace, directions, layers)
    # the reference: is_grads_batched over the same seeds
    emb = trace.embedding
    norm = emb.norm(dim=-1, keepdim=True).detach()
    unit = (emb / norm).detach()
    seeds = (directions - torch.einsum("bd,bkd->bk", unit, directions)[..., None]
             * unit[:, None]) / norm[:, None]
    with torch.enable_grad():
        trace = bb.trace(pixels, capture_layers=layers, pooled_rows=True)
    reference = torch.autograd.grad(trace.embedding, [trace.attentions[la] for la in layers],
                                    grad_outputs=seeds.transpose(0, 1).contiguous(),
                                    is_grads_batched=True)
    for got, want in zip(ours, reference, strict=True):
        torch.testing.assert_close(got, want.transpose(0, 1))


def test_blur_as_matrix_products_is_the_reflect_padded_convolution() -> None:
    from drivexplain.operators.faithfulness import gaussian_blur

    pixels = torch.randn(2, 3, 20, 36, dtype=torch.float64,
                         generator=torch.Generator().manual_seed(5))
    for sigma in (0.7, 2.5, 9.0):
        radius = min(max(1, int(3 * sigma)), 19)
        x = torch.arange(-radius, radius + 1, dtype=torch.float64)
        kernel = torch.exp(-0.5 * (x / sigma) ** 2)
        kernel = kernel / kernel.sum()
        reference = F.conv2d(F.pad(pixels, (radius, radius, 0, 0), mode="reflect"),
                             kernel.view(1, 1, 1, -1).expand(3, 1, 1, -1), groups=3)
        reference = F.conv2d(F.pad(reference, (0, 0, radius, radius), mode="reflect"),
                             kernel.view(1, 1, -1, 1).expand(3, 1, -1, 1), groups=3)
        torch.testing.assert_close(gaussian_blur(pixels, sigma), reference)


def test_token_subsets_are_open_clip_run_on_the_chosen_tokens(
    double_backbone: OpenClipViT,
) -> None:
    bb = double_backbone
    pixels = torch.randn(2, 3, 32, 32, dtype=torch.float64,
                         generator=torch.Generator().manual_seed(6))
    patches = torch.tensor([[[0, 3, 5], [1, 2, 15]], [[4, 8, 9], [6, 7, 10]]])
    got = bb.embed_token_subsets(pixels, patches)
    assert got.shape == (2, 2, 32)
    visual = bb.visual
    with torch.no_grad():
        tokens = bb._embed(pixels)
        for b in range(2):
            for s in range(2):
                sequence = tokens[b : b + 1, [0, *(patches[b, s] + 1).tolist()]]
                pooled = visual.transformer(sequence)[:, 0]
                torch.testing.assert_close(got[b, s], (visual.ln_post(pooled) @ visual.proj)[0])
        every = torch.arange(bb.grid.num_patches).expand(2, 1, -1)
        torch.testing.assert_close(bb.embed_token_subsets(pixels, every)[:, 0],
                                   bb.embed_images(pixels))


def test_drop_tokens_keeps_the_top_fraction_and_drops_the_rest() -> None:
    from drivexplain.operators.config import FaithfulnessConfig
    from drivexplain.operators.faithfulness import evaluate_drop_tokens, keep_count

    seen: list[torch.Tensor] = []

    def embed(pixels: torch.Tensor, patches: torch.Tensor) -> torch.Tensor:
        seen.append(patches)
        return torch.ones(*patches.shape[:2], 4)

    fused = torch.rand(2, 3, 16, generator=torch.Generator().manual_seed(7))
    text = F.normalize(torch.ones(2, 3, 4), dim=-1)
    config = FaithfulnessConfig(method="drop_tokens", mask_fraction=0.25)
    cd, ns, masks = evaluate_drop_tokens(embed, torch.zeros(2, 3, 8, 8), fused, (4, 4),
                                         (4, 4), torch.ones(2, 3), text, text, config)
    dropped, kept = seen
    assert keep_count(16, 0.25) == 4 and kept.shape == (2, 3, 4) and dropped.shape == (2, 3, 12)
    for b in range(2):
        for k in range(3):
            top = set(fused[b, k].topk(4).indices.tolist())
            assert set(kept[b, k].tolist()) == top
            assert set(dropped[b, k].tolist()) == set(range(16)) - top
            assert masks[b, k].nonzero().flatten().tolist() == sorted(top)
    assert cd.shape == ns.shape == (2, 3)
    # a tiled heatmap on a finer grid: chosen on the token grid, the mask back on its own grid
    seen.clear()
    _, _, fine = evaluate_drop_tokens(embed, torch.zeros(2, 3, 8, 8), fused.repeat(1, 1, 4),
                                      (8, 8), (4, 4), torch.ones(2, 3), text, None, config)
    assert len(seen) == 1 and fine.shape == (2, 3, 64)
    assert fine.sum(-1).eq(16).all()  # 4 tokens of 16 = a quarter of the finer grid


def test_faithfulness_method_is_a_checked_setting() -> None:
    from pydantic import ValidationError

    from drivexplain.operators.config import FaithfulnessConfig

    assert FaithfulnessConfig(method="drop_tokens").method == "drop_tokens"
    with pytest.raises(ValidationError):
        FaithfulnessConfig(method="drop_pixels")


def test_vocabulary_text_cache_round_trip_and_corrupt_files(tmp_path: Path) -> None:
    from drivexplain.operators.contrastive import cached_vocabulary_text, vocabulary_key

    vocabulary = ["car", "bus", "tree"]
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> torch.Tensor:
        calls.append(list(texts))
        return F.normalize(torch.randn(len(texts), 8), dim=-1)

    key = vocabulary_key("ab" * 32, "M@w", vocabulary)
    assert key != vocabulary_key("ab" * 32, "M@w", vocabulary[::-1])
    assert key != vocabulary_key("cd" * 32, "M@w", vocabulary)
    first = cached_vocabulary_text(key, vocabulary, encode, tmp_path)
    again = cached_vocabulary_text(key, vocabulary, encode, tmp_path)
    assert len(calls) == 1 and torch.equal(first, again)
    (path,) = tmp_path.glob("text-*.safetensors")
    for damage in (b"not a safetensors file", path.read_bytes()[:40]):
        path.write_bytes(damage)
        rebuilt = cached_vocabulary_text(key, vocabulary, encode, tmp_path)
        assert rebuilt.shape == (3, 8) and torch.equal(
            cached_vocabulary_text(key, vocabulary, encode, tmp_path), rebuilt)
    assert len(calls) == 3  # one rebuild per damaged file, then read back
    # a file of another shape under the key (say, a hand-copied cache) is not trusted
    cached_vocabulary_text(key, vocabulary[:2], encode, tmp_path)
    assert len(calls) == 4
    # no key (random weights): never cached; an unwritable folder is not an error
    cached_vocabulary_text(None, vocabulary, encode, tmp_path / "none")
    assert not (tmp_path / "none").exists()
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert cached_vocabulary_text(key, vocabulary, encode, blocked / "sub").shape == (3, 8)


def test_operator_reads_the_vocabulary_from_the_cache(tmp_path: Path, monkeypatch) -> None:
    import numpy as np

    from drivexplain.operators.attribution import ConceptAttribution
    from drivexplain.operators.config import load_config

    monkeypatch.setenv("DRIVEXPLAIN_CACHE_DIR", str(tmp_path))
    config = load_config(None).with_overrides(**{"coherence.enabled": False})
    frames = [np.random.default_rng(0).integers(0, 256, (72, 126, 3), dtype=np.uint8)]
    first = ConceptAttribution.from_config(config)
    assert first.backbone.weights_sha256
    cold = first.explain(frames, ["car", "pedestrian"])
    assert len(list(tmp_path.glob("text-*.safetensors"))) == 1
    second = ConceptAttribution.from_config(config)
    tower = second.backbone.model.encode_text
    batches: list[int] = []

    def spy(tokens: torch.Tensor) -> torch.Tensor:
        batches.append(tokens.shape[0])
        return tower(tokens)

    second.backbone.model.encode_text = spy
    warm = second.explain(frames, ["car", "pedestrian"])
    assert batches and max(batches) <= 2  # the two concepts, never the vocabulary
    for a, b in zip(cold[0].concepts, warm[0].concepts, strict=True):
        assert a.contrastive == b.contrastive and a.present_concepts == b.present_concepts
        np.testing.assert_allclose(a.heatmap, b.heatmap, atol=1e-5)
