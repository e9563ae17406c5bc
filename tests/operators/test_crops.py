"""operators/crops.py: tile grids, peak boxes and batched cutting."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from drivexplain.operators.crops import Box, cut, peak_boxes, tile_boxes


def test_tile_grid_covers_the_frame_with_the_asked_overlap() -> None:
    boxes = tile_boxes(360, 640, rows=2, cols=2, overlap=0.25)
    assert len(boxes) == 4
    covered = np.zeros((360, 640), int)
    for box in boxes:
        covered[box.slices] += 1
        # equal boxes, each the frame's aspect ratio
        assert (box.height, box.width) == (boxes[0].height, boxes[0].width)
    assert covered.min() >= 1 and covered.max() == 4
    first, right, below = boxes[0], boxes[1], boxes[2]
    assert first.top == first.left == 0 and boxes[-1].bottom == 360 and boxes[-1].right == 640
    # neighbours share a quarter of a box's side (to a pixel of rounding)
    assert abs((first.right - right.left) - 0.25 * first.width) <= 1
    assert abs((first.bottom - below.top) - 0.25 * first.height) <= 1
    assert first.width == round(640 / 1.75)


def test_one_tile_is_the_whole_frame_and_no_overlap_partitions() -> None:
    assert tile_boxes(90, 160, 1, 1, 0.5) == [Box(0, 0, 90, 160)]
    boxes = tile_boxes(90, 160, 3, 2, 0.0)
    covered = np.zeros((90, 160), int)
    for box in boxes:
        covered[box.slices] += 1
    assert (covered == 1).all()


@pytest.mark.parametrize("args", [(0, 10, 1, 1, 0.0), (10, 10, 0, 1, 0.0), (10, 10, 2, 2, 1.0)])
def test_bad_grids_are_refused(args) -> None:
    with pytest.raises(ValueError):
        tile_boxes(*args)


def test_peak_boxes_centre_on_the_peak_and_stay_inside() -> None:
    heat = np.zeros((12, 21))
    heat[3, 10] = 1.0  # cell centre (3.5/12*360, 10.5/21*640) = (105, 320)
    small, big = peak_boxes(heat, (360, 640), scales=(0.25, 0.75))
    assert (small.height, small.width) == (90, 160)
    assert (small.top + small.bottom) / 2 == 105 and (small.left + small.right) / 2 == 320
    # the big box would start above the frame: shifted down, not shrunk
    assert big.top == 0 and (big.height, big.width) == (270, 480)
    corner = np.zeros((12, 21))
    corner[11, 20] = 1.0
    (box,) = peak_boxes(corner, (360, 640), scales=(0.5,))
    assert (box.bottom, box.right) == (360, 640)


def test_second_peak_is_elsewhere() -> None:
    heat = np.zeros((12, 21))
    heat[2, 2], heat[2, 3], heat[9, 18] = 1.0, 0.9, 0.5
    first, second = peak_boxes(heat, (360, 640), scales=(0.2,), peaks=2)
    assert first.left < 120 and second.left > 400  # the neighbour of the first peak is skipped


def test_cut_whole_frame_matches_the_backbones_resize_and_arrays_round_trip() -> None:
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (90, 160, 3), dtype=np.uint8)
    tensor = torch.from_numpy(frame).permute(2, 0, 1).float() / 255
    whole = cut(tensor, [Box(0, 0, 90, 160)], (36, 64))
    expected = torch.nn.functional.interpolate(
        tensor[None], size=(36, 64), mode="bilinear", antialias=True, align_corners=False
    )
    assert torch.equal(whole, expected)
    boxes = tile_boxes(90, 160, 2, 2, 0.25)
    crops = cut(frame, boxes, (45, 80))
    assert crops.shape == (4, 45, 80, 3) and crops.dtype == np.uint8
    # a box cut at its own size is the frame's pixels unchanged
    same = cut(frame, [Box(10, 20, 40, 60)], (30, 40))
    assert np.array_equal(same[0], frame[10:40, 20:60])


def test_cut_refuses_boxes_outside_the_image() -> None:
    with pytest.raises(ValueError, match="outside"):
        cut(np.zeros((10, 10, 3), np.uint8), [Box(0, 0, 11, 5)], (4, 4))
    with pytest.raises(ValueError, match="empty"):
        Box(5, 5, 5, 9)
