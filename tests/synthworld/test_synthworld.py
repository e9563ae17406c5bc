"""The synthetic world's contract: deterministic, exact masks, honest captions, readable clips."""

from __future__ import annotations

import re

import numpy as np
import pytest

from drivexplain.synthworld.clips import (
    parse_size,
    read_sidecar,
    rle_decode,
    rle_encode,
    sidecar_masks,
    write_clip,
)
from drivexplain.synthworld.scene import (
    CONDITIONS,
    OBJECT_CLASSES,
    World,
    concept_names,
    parse_concept,
    render_scene,
)

SEEDS = range(12)


def test_same_seed_same_frame() -> None:
    a, b = render_scene(3, size=(320, 180)), render_scene(3, size=(320, 180))
    assert np.array_equal(a.image, b.image)
    assert a.captions == b.captions
    assert [o.to_record() for o in a.objects] == [o.to_record() for o in b.objects]
    assert all(np.array_equal(x.mask, y.mask) for x, y in zip(a.objects, b.objects, strict=True))


def test_different_seeds_differ() -> None:
    assert not np.array_equal(render_scene(1, (320, 180)).image, render_scene(2, (320, 180)).image)


def test_frame_format() -> None:
    f = render_scene(0, size=(320, 180))
    assert f.image.shape == (180, 320, 3) and f.image.dtype == np.uint8
    assert f.condition in CONDITIONS
    assert f.captions and all(isinstance(c, str) and c for c in f.captions)


@pytest.mark.parametrize("seed", SEEDS)
def test_masks_nonempty_inside_frame_and_disjoint(seed: int) -> None:
    f = render_scene(seed, size=(320, 180))
    h, w = f.image.shape[:2]
    union = np.zeros((h, w), np.int32)
    for o in f.objects:
        assert o.class_name in OBJECT_CLASSES
        assert o.mask.shape == (h, w) and o.mask.dtype == bool
        assert o.mask.any(), f"empty mask for {o.concept}"
        x0, y0, x1, y1 = o.bbox
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
        ys, xs = np.nonzero(o.mask)
        assert xs.min() == x0 and xs.max() == x1 - 1 and ys.min() == y0 and ys.max() == y1 - 1
        assert o.position in ("left", "centre", "right") and o.distance in ("near", "far")
        union += o.mask
    assert union.max() <= 1, "instance masks overlap; occlusion should make them disjoint"


def _mentioned_concepts(caption: str) -> set[str]:
    found = set()
    for cls in OBJECT_CLASSES:
        if re.search(rf"\b{cls}s?\b", caption):
            found.add(cls)
    for concept in concept_names():
        if " " in concept and concept.split(" ", 1)[1] in OBJECT_CLASSES and re.search(
            rf"\b{concept}\b", caption
        ):
            found.add(concept)
    return found


@pytest.mark.parametrize("seed", SEEDS)
def test_captions_name_only_present_objects(seed: int) -> None:
    f = render_scene(seed, size=(320, 180))
    present = f.present_concepts(salient_only=True)
    for caption in f.captions:
        missing = _mentioned_concepts(caption) - present
        assert not missing, f"caption {caption!r} names absent {missing}"


def test_captions_say_where() -> None:
    where = re.compile(r"\b(left|right|front|ahead|middle)\b")
    found = False
    for seed in SEEDS:
        f = render_scene(seed, size=(320, 180))
        if any(o.salient for o in f.objects):
            assert any(where.search(c) for c in f.captions)
            found = True
    assert found


def test_all_conditions_render_and_night_is_dark() -> None:
    means = {c: render_scene(5, (160, 90), condition=c).image.mean() for c in CONDITIONS}
    assert means["night"] < 0.6 * means["clear"]
    with pytest.raises(ValueError, match="fog"):
        render_scene(5, (160, 90), condition="fog")


def test_mask_for_is_union_and_rejects_unknown_concepts() -> None:
    for seed in SEEDS:
        f = render_scene(seed, size=(320, 180))
        cars = [o for o in f.objects if o.class_name == "car"]
        if len(cars) >= 2:
            expected = np.logical_or.reduce([o.mask for o in cars])
            assert np.array_equal(f.mask_for("car"), expected)
            c = cars[0].colour
            assert f.mask_for(f"{c} car").sum() >= cars[0].mask.sum()
            break
    else:
        pytest.fail("no scene with two cars in the test seeds")
    assert not f.mask_for("bus").any() or any(o.class_name == "bus" for o in f.objects)
    with pytest.raises(ValueError, match="helicopter"):
        f.mask_for("helicopter")
    assert parse_concept("Red  Traffic Light") == ("traffic light", "red")


def test_concept_vocabulary_is_plain_words() -> None:
    names = concept_names()
    assert {"car", "truck", "bus", "bicycle", "pedestrian", "traffic light", "stop sign",
            "crosswalk", "traffic cone", "red car", "red traffic light"} <= set(names)
    assert all(re.fullmatch(r"[a-z]+( [a-z]+)*", n) for n in names)


def test_every_class_appears_somewhere() -> None:
    seen = set()
    for seed in range(60):
        seen |= {o.class_name for o in render_scene(seed, size=(160, 90)).objects}
    assert seen == set(OBJECT_CLASSES)


@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (36, 64)])
def test_rle_round_trip(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(0)
    for mask in (np.zeros(shape, bool), np.ones(shape, bool), rng.random(shape) < 0.3):
        counts = rle_encode(mask)
        assert sum(counts) == mask.size
        assert np.array_equal(rle_decode(counts, shape), mask)


def test_rle_decode_rejects_wrong_shape() -> None:
    with pytest.raises(ValueError, match="shape"):
        rle_decode([2, 3], (2, 2))


@pytest.mark.parametrize("bad", ["640by360", "641x360", "640x", "0x0", "640x-360", ""])
def test_bad_size_names_the_input(bad: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_size(bad)
    assert repr(bad) in str(err.value)


def test_parse_size_accepts_common_spellings() -> None:
    assert parse_size("640x360") == (640, 360)
    assert parse_size(" 1280X720 ") == (1280, 720)


def test_write_clip_reads_back(tmp_path) -> None:
    import av

    out = write_clip(tmp_path / "clip.mp4", seconds=2.0, fps=10.0, seed=11, size=(192, 108))
    assert out.exists() and out.with_suffix(".parquet").exists()
    with av.open(str(out)) as c:
        s = c.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(s)]
        assert s.codec_context.name == "h264"
        assert float(s.average_rate) == pytest.approx(10.0)
    assert len(frames) == 20
    assert frames[0].shape == (108, 192, 3)

    table = read_sidecar(out)
    rows = table.to_pylist()
    assert [r["frame_index"] for r in rows] == list(range(20))
    assert rows[3]["timestamp_s"] == pytest.approx(0.3)
    world = World(11, (192, 108))
    from drivexplain.synthworld.clips import CLIP_START_S

    truth = world.frame(CLIP_START_S + rows[7]["timestamp_s"])
    decoded = sidecar_masks(rows[7])
    assert len(decoded) == len(truth.objects)
    for (rec, mask), obj in zip(decoded, truth.objects, strict=True):
        assert rec["class_name"] == obj.class_name and rec["bbox"] == list(obj.bbox)
        assert np.array_equal(mask, obj.mask)
    # lossy video, but the encoded frame must still look like the rendered one
    assert np.abs(frames[7].astype(int) - truth.image.astype(int)).mean() < 12


def test_clip_has_motion_and_stable_tracks() -> None:
    from drivexplain.synthworld.clips import iter_clip_frames

    frames = [f for _, _, f in iter_clip_frames(1.0, 10.0, seed=4, size=(320, 180))]
    assert not np.array_equal(frames[0].image, frames[-1].image)
    first = {o.track_id: o.depth_m for o in frames[0].objects}
    last = {o.track_id: o.depth_m for o in frames[-1].objects}
    common = set(first) & set(last)
    assert common and all(t for t in common)
    assert any(abs(first[t] - last[t]) > 1.0 for t in common)  # things approach the ego car


@pytest.mark.parametrize("seed", [3, 17, 41])
def test_crop_views_keep_the_truth_exact(seed: int) -> None:
    from drivexplain.synthworld.scene import SALIENT_FRAC
    from drivexplain.synthworld.training.clip_data import (
        crop_view,
        frame_facts,
        sample_caption,
        truth_matrix,
    )

    frame = render_scene(seed, size=(384, 216))
    rng = np.random.default_rng(seed)
    for _ in range(5):
        crop = crop_view(frame, rng, (0.3, 0.5))
        h, w = crop.image.shape[:2]
        assert abs(w / h - 384 / 216) < 0.05  # the frame's aspect ratio: squashing stays fair
        assert 0.3 * 216 - 1 <= h <= 0.5 * 216 + 1
        for o in crop.objects:
            assert o.mask.shape == (h, w) and o.mask.any()
            x0, y0, x1, y1 = o.bbox
            assert o.mask[y0:y1, x0:x1].sum() == o.mask.sum()  # the box holds the whole mask
            assert o.salient == (o.mask.sum() >= SALIENT_FRAC * w * h)
            centre = (x0 + x1) / 2
            want = "left" if centre < w / 3 else ("right" if centre > 2 * w / 3 else "centre")
            assert o.position == want
        full = {o.class_name for o in frame.objects}
        assert {o.class_name for o in crop.objects} <= full
        caption = sample_caption(crop, rng)
        assert truth_matrix([frame_facts(crop)], [caption])[0, 0] == 1


def test_crop_views_leave_out_what_they_only_enlarge() -> None:
    """With `min_share`, an object is salient in a close-up only when it covers that share of
    it; with `salient_only`, the crop is cut around a salient instance of the drawn class
    whenever the class has one."""
    from drivexplain.synthworld.scene import SALIENT_FRAC
    from drivexplain.synthworld.training.clip_data import crop_centre, crop_view

    frames = [render_scene(s, size=(768, 432)) for s in range(12)]
    rng = np.random.default_rng(0)
    shares = []
    for frame in frames:
        for _ in range(5):
            crop = crop_view(frame, rng, (0.25, 0.5), min_share=0.006)
            h, w = crop.image.shape[:2]
            for o in crop.objects:
                assert o.salient == (o.mask.sum() >= 0.006 * w * h)
                shares.append(o.mask.sum() / (w * h))
    assert any(SALIENT_FRAC <= s < 0.006 for s in shares)  # some were left out of "salient"
    picked = [(f, crop_centre(f, rng, salient_only=True)) for f in frames for _ in range(20)]
    assert all(o.salient for f, o in picked
               if any(x.salient for x in f.objects if x.class_name == o.class_name))
    plain = [crop_centre(f, rng) for f in frames for _ in range(20)]
    assert not all(o.salient for o in plain)  # without it, small instances are drawn too
