"""Concept Attribution on tiny random open_clip ViTs: correctness, not quality.

Quality (localisation against ground truth) is measured on the shipped model by
benchmarks/localisation/localisation.py; here the arithmetic and the contracts are checked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import open_clip
import pytest
import torch
import torch.nn.functional as F

from drivexplain.operators.attribution import ConceptAttribution, similarity_gradients
from drivexplain.operators.config import AttributionConfig, HeadSelectionConfig, ModelConfig
from drivexplain.operators.heads import candidate_layers, select_heads
from drivexplain.operators.models.backbone import BackboneError, OpenClipViT


@pytest.fixture(scope="module")
def backbone(model_config_dir: Path) -> OpenClipViT:
    torch.manual_seed(0)
    model = open_clip.create_model("TestTinyViT").eval()
    return OpenClipViT(model, "TestTinyViT")


def operator(backbone: OpenClipViT, **kwargs) -> ConceptAttribution:
    return ConceptAttribution(backbone, AttributionConfig(**kwargs))


def test_functional_forward_matches_open_clip(backbone: OpenClipViT) -> None:
    pixels = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = backbone.model.encode_image(pixels)
        traced = backbone.trace(pixels, capture_layers=[0, 1, 2, 3])
    assert torch.allclose(traced.embedding, expected, atol=1e-5)
    assert traced.attentions[3].shape == (2, 6, 1, 17)  # last layer: pooled query only
    assert traced.attentions[0].shape == (2, 6, 17, 17)
    assert torch.allclose(traced.attentions[0].sum(-1), torch.ones(2, 6, 17), atol=1e-5)


def test_head_contributions_add_up_to_the_embedding(backbone: OpenClipViT) -> None:
    """Gandelsman's decomposition: heads + MLPs + embeddings sum to the image embedding."""
    pixels = torch.randn(1, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        trace = backbone.trace(pixels, capture_layers=[3])
        heads = backbone.head_embeddings(trace, 3).sum(1)
        # switching every head of the last layer off changes the embedding by the same amount
        delta = {3: -trace.attentions[3]}
        off = backbone.trace(pixels, attention_delta=delta).embedding
    # the last layer's MLP sees a different input when heads are off, so compare only the
    # direct part: embedding change minus what the bias-free linearisation predicts
    assert F.cosine_similarity(trace.embedding - off, heads, dim=-1).item() > 0.5


def test_gradient_matches_finite_differences(model_config_dir: Path) -> None:
    torch.manual_seed(0)
    model = open_clip.create_model("TestTinyViT").double().eval()
    bb = OpenClipViT(model, "TestTinyViT")
    pixels = torch.randn(2, 3, 32, 32, dtype=torch.float64)
    directions = F.normalize(torch.randn(2, 3, 32, dtype=torch.float64), dim=-1)
    layers = [1, 2, 3]
    with torch.enable_grad():
        trace = bb.trace(pixels, capture_layers=layers)
    grads = similarity_gradients(trace, directions, layers)

    def cos(delta: dict[int, torch.Tensor]) -> torch.Tensor:
        with torch.no_grad():
            emb = bb.trace(pixels, attention_delta=delta).embedding
        return torch.einsum("bd,bkd->bk", F.normalize(emb, dim=-1), directions)

    h = 1e-6
    for layer, (head, query, key) in [(3, (2, 0, 5)), (2, (0, 0, 9)), (1, (4, 3, 11))]:
        shape = trace.attentions[layer].shape
        delta = torch.zeros(shape, dtype=torch.float64)
        delta[:, head, query, key] = h
        numeric = (cos({layer: delta}) - cos({layer: -delta})) / (2 * h)
        analytic = grads[layer - 1][:, :, head, query, key]
        assert torch.allclose(analytic.double(), numeric, rtol=1e-4, atol=1e-7), layer


def test_candidate_layers_follow_the_strategy() -> None:
    assert candidate_layers("heads", 12) == [11]
    assert candidate_layers("layers", 12) == [8, 9, 10, 11]
    assert candidate_layers("both", 12) == [8, 9, 10, 11]
    assert candidate_layers("both", 3) == [0, 1, 2]
    with pytest.raises(ValueError, match="unknown head strategy"):
        candidate_layers("all", 12)  # type: ignore[arg-type]


def test_select_heads_trades_relevance_for_diversity() -> None:
    text = torch.tensor([1.0, 0.0, 0.0])
    contributions = torch.tensor(
        [[1.0, 0.0, 0.0], [0.99, 0.01, 0.0], [0.5, 0.0, 0.5], [-1.0, 0.0, 0.0]]
    )
    heads = [(0, 0), (0, 1), (0, 2), (0, 3)]
    greedy = select_heads(contributions, text, heads, top_k=2, alpha=1.0, beta=0.0)
    assert greedy == [(0, 0), (0, 1)]
    diverse = select_heads(contributions, text, heads, top_k=2, alpha=1.0, beta=1.0)
    assert diverse == [(0, 0), (0, 2)], "the near-duplicate head must lose to a diverse one"


@pytest.mark.parametrize("strategy", ["layers", "heads", "both"])
def test_heads_are_distinct_and_honour_the_strategy(backbone, frames, strategy) -> None:
    ca = operator(backbone, heads=HeadSelectionConfig(strategy=strategy, last_layers=2, top_k=5))
    result = ca.explain(frames[:2], ["car", "pedestrian"])
    for frame in result:
        for concept in frame.concepts:
            heads = concept.heads
            assert len(set(heads)) == len(heads)
            layers = {layer for layer, _ in heads}
            if strategy == "heads":
                assert layers == {3} and len(heads) == 5
            elif strategy == "both":
                assert layers <= {2, 3} and len(heads) == 5
            else:
                assert heads == [(layer, h) for layer in (2, 3) for h in range(6)]
    # selection depends on the concept: not the same heads for every text
    if strategy != "layers":
        picks = {tuple(c.heads) for f in result for c in f.concepts}
        assert len(picks) > 1


def test_batched_equals_per_item(backbone, frames) -> None:
    ca = operator(backbone)
    concepts = [["car", "bus"], ["pedestrian"], ["stop sign", "car", "sky"]]
    batched = ca.explain(frames, concepts)
    for frame, wanted, got in zip(frames, concepts, batched, strict=True):
        alone = ca.explain([frame], [wanted])[0]
        assert [c.concept for c in got.concepts] == wanted
        for a, b in zip(alone.concepts, got.concepts, strict=True):
            assert a.heads == b.heads
            assert a.contrastive == b.contrastive
            np.testing.assert_allclose(a.heatmap, b.heatmap, atol=1e-4)
            assert a.concept_drop == pytest.approx(b.concept_drop, abs=1e-4)
            assert a.negative_suppression == pytest.approx(b.negative_suppression, rel=1e-3)


def test_result_shapes_and_ranges(backbone, frames) -> None:
    result = operator(backbone, tau_ratio=0.3).explain(frames, ["car"])
    for frame, image in zip(result, frames, strict=True):
        concept = frame["car"]
        assert concept.heatmap.shape == backbone.grid.shape == (4, 4)
        assert concept.image_heatmap().shape == image.shape[:2]
        assert 0.0 <= concept.heatmap.min() and concept.heatmap.max() <= 1.0
        kept = concept.heatmap[concept.heatmap > 0]
        assert kept.min() > 0.3 * concept.heatmap.max()  # background suppression applied
        assert np.isfinite(concept.concept_drop) and np.isfinite(concept.negative_suppression)
        assert concept.contrastive and concept.contrastive != "car"
        assert concept.contrastive in concept.present_concepts


def test_contrastive_modes(backbone, frames) -> None:
    ca = operator(backbone)
    fixed = ca.explain(frames[:1], ["car"], contrastive="sky")[0]["car"]
    assert fixed.contrastive == "sky"
    none = ca.explain(frames[:1], ["car"], contrastive="none")[0]["car"]
    assert none.contrastive is None and none.negative_suppression is None
    assert none.concept_drop is not None
    # the contrast changes the gradient target, hence the heatmap
    assert not np.allclose(fixed.heatmap_fused, none.heatmap_fused)


def test_non_native_input_size(model_config_dir: Path, frames) -> None:
    torch.manual_seed(0)
    model = open_clip.create_model("TestTinyViT").eval()
    wide = OpenClipViT(model, "TestTinyViT", input_size=(32, 56))
    assert wide.grid.shape == (4, 7)
    result = ConceptAttribution(wide).explain(frames[:1], ["car"])
    assert result[0]["car"].heatmap.shape == (4, 7)
    with pytest.raises(BackboneError, match="multiple of the patch size"):
        OpenClipViT(model, "TestTinyViT", input_size=(30, 56))


def test_local_checkpoint_round_trip(tiny_vit_checkpoint: Path) -> None:
    loaded = OpenClipViT.from_config(
        ModelConfig(name="TestTinyViT", pretrained=str(tiny_vit_checkpoint))
    )
    torch.manual_seed(0)
    original = open_clip.create_model("TestTinyViT").eval()
    pixels = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(loaded.trace(pixels).embedding, original.encode_image(pixels))
    assert loaded.model_id == "TestTinyViT@tiny_vit.safetensors"


def test_missing_checkpoint_is_a_clear_error(model_config_dir: Path) -> None:
    with pytest.raises(BackboneError, match="does not exist"):
        OpenClipViT.from_config(ModelConfig(name="TestTinyViT", pretrained="/nope/x.safetensors"))
    with pytest.raises(BackboneError, match="not an open_clip model name"):
        OpenClipViT.from_config(ModelConfig(name="NoSuchModel"))


def test_non_vit_backbone_is_rejected(model_config_dir: Path) -> None:
    model = open_clip.create_model("TestTinyRN")
    with pytest.raises(BackboneError, match="needs a ViT visual tower.*ModifiedResNet"):
        OpenClipViT(model, "TestTinyRN")


@pytest.mark.parametrize(
    ("frames_arg", "concepts", "message"),
    [
        ([np.zeros((32, 32, 3), np.uint8)], [""], "empty"),
        ([np.zeros((32, 32, 3), np.uint8)], [], "no concepts"),
        ([np.zeros((32, 32), np.uint8)], ["car"], r"shape \(32, 32\)"),
        ([np.zeros((32, 32, 4), np.uint8)], ["car"], "expected \\(height, width, 3\\)"),
        ([np.zeros((32, 32, 3), np.float32)], ["car"], "dtype float32"),
        ([], ["car"], "no frames"),
        ([np.zeros((32, 32, 3), np.uint8)] * 2, [["car"]], "1 concept lists were given for 2"),
    ],
)
def test_bad_input(backbone, frames_arg, concepts, message) -> None:
    with pytest.raises(ValueError, match=message):
        operator(backbone).explain(frames_arg, concepts)


def test_gradient_term_is_grad_times_attention_positive_part(backbone: OpenClipViT) -> None:
    """G = mean over heads of relu(∂cos/∂A ⊙ A) on the CLS row (Chefer's per-head rule)."""
    frame = np.random.default_rng(3).integers(0, 255, (90, 160, 3), dtype=np.uint8)
    cfg = dict(
        alpha=1.0, beta=1.0, tau_ratio=0.0,
        heads={"strategy": "layers", "last_layers": 1},
        contrastive={"mode": "none"},
        faithfulness={"enabled": False},
        dynamic={"enabled": False},
    )
    result = operator(backbone, **cfg).explain([frame], ["a car"])[0].concepts[0]
    last = backbone.num_layers - 1
    pixels = backbone.preprocess([frame])
    with torch.enable_grad():
        trace = backbone.trace(pixels, capture_layers=[last])
        text = backbone.encode_text(["a car"])[0]
        cos = F.cosine_similarity(trace.embedding[0].float(), text, dim=0)
        (grad,) = torch.autograd.grad(cos, trace.attentions[last])
    rows = trace.query_rows
    weighted = (grad * trace.attentions[last].detach())[0][:, rows, 1:].mean(1)  # (heads, P)
    expected = weighted.clamp(min=0).mean(0)
    expected = (expected - expected.min()) / (expected.max() - expected.min() + 1e-8)
    np.testing.assert_allclose(result.heatmap_fused.ravel(), expected.numpy(), atol=1e-5)
    assert (weighted < 0).any()  # the negative part exists and is what the clamp removes
