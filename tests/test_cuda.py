"""CUDA checks, run by benchmarks/gpu_check.sh (`pytest -m cuda`); skipped without a GPU."""

import copy

import numpy as np
import open_clip
import pytest
import torch

from operators.attribution import ConceptAttribution
from operators.backbone import OpenClipViT
from operators.config import RuntimeConfig

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]


@pytest.mark.parametrize("precision", ["fp32", "bf16", "fp16"])
def test_cuda_matches_cpu(model_config_dir, frames, precision: str) -> None:
    torch.manual_seed(0)
    cpu_model = open_clip.create_model("TestTinyViT").eval()
    cpu = ConceptAttribution(OpenClipViT(cpu_model, "TestTinyViT"))
    gpu_model = copy.deepcopy(cpu_model).cuda()
    gpu = ConceptAttribution(
        OpenClipViT(gpu_model, "TestTinyViT"),
        runtime=RuntimeConfig(device="cuda", precision=precision),
    )
    concepts = ["car", "pedestrian", "sky"]
    for a, b in zip(cpu.explain(frames, concepts), gpu.explain(frames, concepts), strict=True):
        for x, y in zip(a.concepts, b.concepts, strict=True):
            assert x.contrastive == y.contrastive
            tol = 1e-3 if precision == "fp32" else 0.1
            np.testing.assert_allclose(x.heatmap_fused, y.heatmap_fused, atol=tol)
            corr = np.corrcoef(x.heatmap_fused.ravel(), y.heatmap_fused.ravel())[0, 1]
            assert corr > (0.999 if precision == "fp32" else 0.9)
            assert np.isfinite(y.concept_drop) and np.isfinite(y.negative_suppression)


def test_cuda_vit_b16_batch(frames) -> None:
    """A real-size architecture (random weights) runs batched in bf16 on the GPU."""
    model = open_clip.create_model("ViT-B-16", device="cuda").eval()
    ca = ConceptAttribution(
        OpenClipViT(model, "ViT-B-16@random-init"),
        runtime=RuntimeConfig(device="cuda", precision="bf16", batch_size=16),
    )
    results = ca.explain(frames * 6, ["car", "pedestrian", "traffic light"])
    assert len(results) == 18
    assert all(r.concepts[0].heatmap.shape == (14, 14) for r in results)
