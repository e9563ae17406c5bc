"""Tiled Concept Attribution: views, stitching weights and normalisation, operator, config."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import open_clip
import pytest
import torch

from drivexplain.operators.attribution import ConceptAttribution
from drivexplain.operators.config import AttributionConfig, ConfigError, load_config
from drivexplain.operators.crops import Box
from drivexplain.operators.models.backbone import OpenClipViT
from drivexplain.operators.tiling import TileViews, canvas_shape, stitch


def views(frame_hw: tuple[int, int], boxes: list[Box], shape: tuple[int, int]) -> TileViews:
    return TileViews(
        pixels=torch.zeros(len(boxes), 3, 4, 4),
        view_frame=torch.tensor([0] + [0] * len(boxes)),
        boxes=[boxes],
        level=[[0] * len(boxes)],
        frame_hw=[frame_hw],
        shape=shape,
    )


def test_canvas_is_the_grid_at_the_finest_tiles_density() -> None:
    assert canvas_shape((12, 21), [], 0.25) == (12, 21)
    assert canvas_shape((12, 21), [(2, 2)], 0.25) == (21, 37)  # 1.75 x
    assert canvas_shape((12, 21), [(2, 2), (3, 3)], 0.25) == (30, 52)  # 2.5 x


def test_stitch_weights_tiles_by_their_score_and_averages_overlaps() -> None:
    # A 40x80 frame, a 4x8 patch grid, four disjoint 20x40 tiles; canvas 8x16 (2 x the grid).
    boxes = [Box(0, 0, 20, 40), Box(0, 40, 20, 80), Box(20, 0, 40, 40), Box(20, 40, 40, 80)]
    tv = views((40, 80), boxes, (8, 16))
    maps = torch.zeros(5, 1, 32)
    maps[0] = 0.5  # a flat frame map: no "where"
    peak = torch.zeros(4, 8)
    peak[1, 6] = 1.0  # tile patch (1, 6): canvas cell (1, 6) of the top-left tile ...
    maps[1, 0] = peak.flatten()  # top-left tile, the best score
    maps[4, 0] = peak.flatten()  # bottom-right tile, the worst score: weight 0
    scores = torch.tensor([[0.3], [0.9], [0.5], [0.5], [0.1]])
    out = stitch(maps, scores, tv, (4, 8), tile_weight=0.5)
    assert out.shape == (1, 1, 8 * 16)
    canvas = out[0, 0].view(8, 16)
    assert torch.isclose(canvas.max(), torch.tensor(1.0)) and canvas.min() == 0
    assert divmod(int(canvas.argmax()), 16) == (1, 6)  # in the best tile, not the worst
    assert canvas[5, 14] == canvas[0, 0]  # the worst tile's peak left no trace
    # tile_weight 0: the frame map alone (flat, so all zeros after min-max)
    assert stitch(maps, scores, tv, (4, 8), tile_weight=0.0).abs().max() == 0
    # two overlapping tiles of equal (top) weight: their maps are averaged where they overlap
    halves = [Box(0, 0, 40, 60), Box(0, 20, 40, 80)]
    tv = views((40, 80), halves, (4, 8))
    maps = torch.zeros(3, 1, 32)
    maps[1, 0] = 1.0
    scores = torch.tensor([[0.0], [0.5], [0.5]])  # a tie: minmax gives both weight 0 ...
    assert stitch(maps, scores, tv, (4, 8), 1.0).abs().max() == 0
    scores = torch.tensor([[0.0], [0.6], [0.5]])  # ... the better gets 1, the other 0
    canvas = stitch(maps, scores, tv, (4, 8), 1.0)[0, 0].view(4, 8)
    # columns 0-1: tile 1 alone (1.0); 2-5: tile 1 (1.0) and tile 2 (0) averaged; 6-7: 0
    assert torch.allclose(canvas[0], torch.tensor([1, 1, .5, .5, .5, .5, 0, 0]))


@pytest.fixture(scope="module")
def backbone(model_config_dir: Path) -> OpenClipViT:
    torch.manual_seed(0)
    return OpenClipViT(open_clip.create_model("TestTinyViT").eval(), "TestTinyViT")


def test_tiled_operator_maps_the_canvas_and_keeps_the_frames_metrics(backbone) -> None:
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (72, 128, 3), dtype=np.uint8) for _ in range(2)]
    plain = ConceptAttribution(backbone, AttributionConfig()).explain(frames, ["car", "bus"])
    for mode, shape in (("grid", (7, 7)), ("pyramid", (10, 10))):
        tiled = ConceptAttribution(backbone, AttributionConfig(tiling=mode)).explain(
            frames, ["car", "bus"]
        )
        for p, t in zip(plain, tiled, strict=True):
            for pc, tc in zip(p.concepts, t.concepts, strict=True):
                assert tc.heatmap.shape == shape and np.isfinite(tc.heatmap).all()
                assert tc.heatmap.max() > 0
                # the frame's own similarity and contrast; CD/NS measured on the frame
                assert tc.similarity == pytest.approx(pc.similarity, abs=1e-5)
                assert tc.contrastive == pc.contrastive
                assert tc.concept_drop is not None and tc.negative_suppression is not None
                assert tc.image_heatmap().shape == (72, 128)
        # the tiles change the map: tile_weight 0.5 against the frame map alone
        alone = ConceptAttribution(
            backbone, AttributionConfig(tiling=mode, tile_weight=0.0)
        ).explain(frames, ["car", "bus"])
        assert not np.allclose(tiled[0].concepts[0].heatmap_fused,
                               alone[0].concepts[0].heatmap_fused, atol=1e-3)


def test_tile_weight_zero_is_the_frame_map_upsampled(backbone) -> None:
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 256, (72, 128, 3), dtype=np.uint8)
    plain = ConceptAttribution(backbone, AttributionConfig(dynamic={"enabled": False}))
    tiled = ConceptAttribution(
        backbone, AttributionConfig(tiling="grid", tile_weight=0.0, dynamic={"enabled": False})
    )
    p = plain.explain(frame, ["car"])[0].concepts[0].heatmap_fused
    t = tiled.explain(frame, ["car"])[0].concepts[0].heatmap_fused
    up = torch.nn.functional.interpolate(
        torch.from_numpy(p)[None, None], size=t.shape, mode="bilinear", align_corners=False
    )[0, 0]
    expected = (up - up.min()) / (up.max() - up.min() + 1e-8)
    assert np.allclose(t, expected.numpy(), atol=1e-5)


def test_tiling_config(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least two tiles"):
        AttributionConfig(tile_grid=(1, 1))
    with pytest.raises(ValueError, match="n >= 2"):
        AttributionConfig(pyramid_levels=(1, 2))
    bad = tmp_path / "tiled.yaml"
    bad.write_text("attribution:\n  tiling: grid\n")
    with pytest.raises(ConfigError, match="transport_short_side"):
        load_config(bad)
    good = tmp_path / "tiled_whole.yaml"
    good.write_text("attribution:\n  tiling: grid\npipeline:\n  transport_short_side: null\n")
    assert load_config(good).attribution.tiling == "grid"


def test_tiled_operator_without_contrast(backbone) -> None:
    frame = np.random.default_rng(2).integers(0, 256, (72, 128, 3), dtype=np.uint8)
    tiled = ConceptAttribution(backbone, AttributionConfig(tiling="grid"))
    result = tiled.explain(frame, ["car"], contrastive="none")[0].concepts[0]
    assert result.contrastive is None and result.heatmap.shape == (7, 7)
    assert np.isfinite(result.heatmap).all()


def test_heatmap_shape_is_what_explain_returns(backbone) -> None:
    """Other maps (a VLM's answer map) are drawn on `heatmap_shape`; it must match."""
    frame = np.random.default_rng(3).integers(0, 256, (72, 128, 3), dtype=np.uint8)
    for mode in ("none", "grid", "pyramid"):
        ca = ConceptAttribution(backbone, AttributionConfig(tiling=mode))
        assert ca.explain(frame, ["car"])[0].concepts[0].heatmap.shape == ca.heatmap_shape
