"""The tiny CLIP's direct training targets follow the world's ground truth and the masking."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from drivexplain.operators.config import FaithfulnessConfig
from drivexplain.operators.faithfulness import fill_image
from drivexplain.operators.models.tiny_clip import frames_to_tensor
from drivexplain.synthworld.objects import OBJECT_CLASSES
from drivexplain.synthworld.scene import render_scene
from drivexplain.synthworld.training.supervision import (
    ABSENT_FLOOR,
    COLOURED_NAMES,
    GONE_PIXELS,
    PRESENCE_CENTRE,
    absent_floor_loss,
    background_loss,
    background_patches,
    class_coverage,
    colour_coverage,
    dense_loss,
    mask_augment,
    object_attention_loss,
    patch_labels,
    pooled_attention,
    presence_labels,
    presence_loss,
    value_path_features,
    wrong_class_spread_loss,
)

SIZE = 144


def _frame_with_salient(cls: str):
    for seed in range(200):
        frame = render_scene(seed, size=(384, 216))
        if any(o.class_name == cls and o.salient for o in frame.objects):
            return frame
    raise AssertionError(f"no frame with a salient {cls} in 200 seeds")


def test_labels_match_the_scene_when_nothing_is_masked() -> None:
    frame = _frame_with_salient("car")
    salient, every = class_coverage(frame, SIZE)
    labels = presence_labels(salient, every, np.ones((SIZE, SIZE), np.float32))
    present = {o.class_name for o in frame.objects if o.salient}
    for c, name in enumerate(OBJECT_CLASSES):
        # an instance under GONE_PIXELS input pixels is invisible to the model: absent
        expected = 1 if name in present else (0 if every[c].sum() < GONE_PIXELS else -1)
        assert labels[c] == expected, name


def test_blurring_a_class_away_makes_it_absent_and_keeping_it_keeps_it() -> None:
    frame = _frame_with_salient("car")
    salient, every = class_coverage(frame, SIZE)
    car = OBJECT_CLASSES.index("car")
    region = (every[car] > 0).astype(np.float32)
    dropped = presence_labels(salient, every, 1.0 - region)
    kept = presence_labels(salient, every, region)
    assert dropped[car] == 0
    assert kept[car] == 1
    others = [c for c in range(len(OBJECT_CLASSES)) if c != car and every[c].any()]
    # everything else is gone, or at most partly visible where it touches the car
    assert all(kept[c] in (0, -1) for c in others)


def test_colour_labels_name_each_salient_car_by_its_paint() -> None:
    frame = _frame_with_salient("car")
    salient, every = colour_coverage(frame, SIZE)
    labels = presence_labels(salient, every, np.ones((SIZE, SIZE), np.float32))
    patches = patch_labels(every, np.ones((SIZE, SIZE), np.float32), 12)
    painted = {f"{o.colour} {o.class_name}" for o in frame.objects if o.salient and o.colour}
    anywhere = {f"{o.colour} {o.class_name}" for o in frame.objects if o.colour}
    assert painted and painted <= set(COLOURED_NAMES)
    for c, name in enumerate(COLOURED_NAMES):
        if name in painted:
            assert labels[c] == 1, name
        elif name not in anywhere:
            assert labels[c] == 0 and not every[c].any(), name
    named = {COLOURED_NAMES[p] for p in patches if p >= 0}
    assert named and named <= anywhere


def test_patch_labels_name_the_covering_class_and_skip_blurred_patches() -> None:
    frame = _frame_with_salient("car")
    _, every = class_coverage(frame, SIZE)
    grid = 12
    labels = patch_labels(every, np.ones((SIZE, SIZE), np.float32), grid)
    car = OBJECT_CLASSES.index("car")
    car_cover = F.adaptive_avg_pool2d(torch.from_numpy(every[car])[None, None], grid).ravel()
    assert (labels == car).any()
    assert np.all(car_cover.numpy()[labels == car] >= 0.25)
    assert np.all(labels[car_cover.numpy() == 0] != car)
    hidden = np.zeros((SIZE, SIZE), np.float32)
    assert np.all(patch_labels(every, hidden, grid) == -1)


def test_a_lower_patch_cover_labels_thin_objects_that_the_default_skips() -> None:
    frame = _frame_with_salient("traffic light")
    _, every = class_coverage(frame, SIZE)
    light = OBJECT_CLASSES.index("traffic light")
    visible = np.ones((SIZE, SIZE), np.float32)
    strict = patch_labels(every, visible, 12)
    loose = patch_labels(every, visible, 12, min_cover=0.1)
    assert (loose == light).sum() > (strict == light).sum()
    cover = F.adaptive_avg_pool2d(torch.from_numpy(every[light])[None, None], 12).ravel()
    assert np.all(cover.numpy()[loose == light] >= 0.1)


def test_mask_augment_blurs_exactly_the_hidden_pixels() -> None:
    frames = [render_scene(s, size=(384, 216)) for s in range(4)]
    images = frames_to_tensor([f.image for f in frames], SIZE)
    coverage = [class_coverage(f, SIZE) for f in frames]
    out, visible, changed = mask_augment(images, coverage, np.random.default_rng(0), prob=1.0)
    assert changed.all()
    fill = fill_image(images, FaithfulnessConfig())
    keep = torch.from_numpy(visible)[:, None]
    torch.testing.assert_close(out, keep * images + (1 - keep) * fill)
    assert 0.0 < visible.mean() < 1.0
    same, visible0, changed0 = mask_augment(images, coverage, np.random.default_rng(0), prob=0.0)
    assert not changed0.any() and np.all(visible0 == 1.0)
    torch.testing.assert_close(same, images)


def test_presence_loss_prefers_present_above_and_absent_below_the_centre() -> None:
    q, _ = torch.linalg.qr(torch.randn(16, 16, generator=torch.Generator().manual_seed(0)))
    present, absent, other = q[:, 0], q[:, 1], q[:, 2]
    texts = torch.stack([present, absent, F.normalize(present + absent, dim=0)])
    labels = torch.tensor([[1, 0, -1]])

    def image(cos_present: float, cos_absent: float) -> torch.Tensor:
        rest = (1 - cos_present**2 - cos_absent**2) ** 0.5
        return (cos_present * present + cos_absent * absent + rest * other)[None]

    good = image(PRESENCE_CENTRE + 0.3, PRESENCE_CENTRE - 0.2)
    bad = image(PRESENCE_CENTRE - 0.2, PRESENCE_CENTRE + 0.3)
    assert presence_loss(good, texts, labels) < 0.1 < presence_loss(bad, texts, labels)
    # the unsure entry is ignored entirely
    assert presence_loss(good, texts, torch.tensor([[-1, -1, -1]])) == 0


def test_absent_floor_pushes_absent_cosines_up_into_the_band_and_ignores_the_rest() -> None:
    q, _ = torch.linalg.qr(torch.randn(16, 16, generator=torch.Generator().manual_seed(1)))
    texts = q[:, :2].T  # two orthonormal class directions
    other = q[:, 2]

    def image(cos_absent: float) -> torch.Tensor:
        return (cos_absent * q[:, 0] + (1 - cos_absent**2) ** 0.5 * other)[None]

    absent = torch.tensor([[0, -1]])
    below, inside = image(ABSENT_FLOOR - 0.15), image((ABSENT_FLOOR + PRESENCE_CENTRE) / 2)
    assert absent_floor_loss(inside, texts, absent) < 0.2 < absent_floor_loss(below, texts, absent)
    # present and unsure entries are not the floor's business
    assert absent_floor_loss(below, texts, torch.tensor([[1, -1]])) == 0
    # a descent step raises the absent cosine towards the band
    x = image(0.0).requires_grad_(True)
    absent_floor_loss(x, texts, absent).backward()
    assert float((-x.grad[0]) @ q[:, 0]) > 0


def test_dense_loss_is_low_when_patches_point_at_their_class() -> None:
    classes = F.normalize(torch.randn(4, 8), dim=-1)
    proj = torch.eye(8)
    labels = torch.tensor([[0, 1, -1, 3]])
    right = classes[[0, 1, 2, 3]][None]
    wrong = classes[[1, 2, 2, 0]][None]
    scale = torch.tensor(50.0)
    assert dense_loss(right, proj, classes, scale, labels) < 0.1
    assert dense_loss(wrong, proj, classes, scale, labels) > 1.0


@pytest.mark.parametrize(
    ("name", "prob"),
    [("TinyDriveCLIP", 0.0), ("TinyDriveCLIP", 1.0), ("TinyDriveCLIP-Square", 1.0)],
)
def test_supervised_loss_runs_one_training_step(name: str, prob: float) -> None:
    import open_clip

    from drivexplain.operators.models.tiny_clip import register_model_configs
    from drivexplain.synthworld.training.train_batches import build_batch
    from drivexplain.synthworld.training.train_clip import supervised_loss

    register_model_configs()
    torch.manual_seed(0)
    model = open_clip.create_model(name)
    tok = open_clip.get_tokenizer(name)
    size = tuple(int(v) for v in model.visual.image_size)
    grid = tuple(int(v) for v in model.visual.grid_size)
    cfg = {"batch_size": 3, "render_size": [192, 108], "presence_weight": 1.0,
           "dense_weight": 0.5, "background_weight": 0.5, "value_weight": 0.5,
           "absent_floor_weight": 1.0, "spread_weight": 1.0, "patch_cover": 0.1,
           "attention_weight": 0.5, "attention_layers": 2, "mask_augment_prob": prob,
           "colour_weight": 1.0, "positives": "each"}
    batch = build_batch(0, cfg, tok, size, grid)
    assert batch.images.shape[-2:] == size
    loss, parts = supervised_loss(model, tok, batch, cfg)
    loss.backward()
    assert set(parts) == {"clip", "presence", "dense", "floor", "background", "value",
                          "spread", "attention", "colour"}
    assert all(np.isfinite(v) for v in parts.values())
    assert model.visual.conv1.weight.grad.abs().sum() > 0


def test_labels_on_a_wide_input_follow_the_objects() -> None:
    """A (height, width) input keeps the frame's aspect; labels land on the same objects."""
    frame = _frame_with_salient("car")
    salient, every = class_coverage(frame, (144, 252))
    assert salient.shape == (len(OBJECT_CLASSES), 144, 252)
    # the share of the frame each class covers does not depend on the input's shape
    square = class_coverage(frame, SIZE)[1]
    assert np.allclose(every.mean(axis=(1, 2)), square.mean(axis=(1, 2)), atol=0.01)
    visible = np.ones((144, 252), np.float32)
    labels = patch_labels(every, visible, (12, 21))
    assert labels.shape == (12 * 21,)
    assert (labels == OBJECT_CLASSES.index("car")).any()
    background = background_patches(every, visible, (12, 21))
    assert background.shape == (12 * 21,) and background.any()
    assert not (background & (labels >= 0)).any()


def test_background_patches_are_visible_and_touch_no_object() -> None:
    frame = _frame_with_salient("car")
    _, every = class_coverage(frame, SIZE)
    grid = 12
    background = background_patches(every, np.ones((SIZE, SIZE), np.float32), grid)
    touched = F.adaptive_max_pool2d(torch.from_numpy(every.max(0))[None, None], grid).ravel()
    assert background.any()
    assert np.array_equal(background, touched.numpy() == 0)
    assert not background_patches(every, np.zeros((SIZE, SIZE), np.float32), grid).any()


def test_background_loss_penalises_patches_that_match_a_class() -> None:
    classes = F.normalize(torch.randn(3, 8), dim=-1)
    q, _ = torch.linalg.qr(torch.cat([classes.T, torch.randn(8, 5)], dim=1))
    empty = q[:, 3][None, None]  # orthogonal to every class
    on_class = classes[1][None, None]
    flag = torch.ones(1, 1, dtype=torch.bool)
    assert background_loss(empty, classes, flag) < 0.01
    assert background_loss(on_class, classes, flag) > 1.0
    assert background_loss(on_class, classes, ~flag) == 0


def test_spread_loss_asks_wrong_classes_to_agree_and_leaves_the_own_class_free() -> None:
    classes = torch.linalg.qr(torch.randn(8, 4))[0].T  # orthonormal class names
    agree = F.normalize(classes.sum(0), dim=-1)  # equal cosine with every class
    own = F.normalize(agree + 3 * classes[2], dim=-1)  # class 2 stands out, the rest agree
    favours_one_wrong = F.normalize(agree + 3 * classes[0], dim=-1)
    feats = torch.stack([agree, own, favours_one_wrong, favours_one_wrong])[None]
    labels = torch.tensor([[-1, 2, 2, -1]])
    background = torch.tensor([[True, False, False, False]])
    spread = [wrong_class_spread_loss(feats[:, [i]], classes, labels[:, [i]],
                                      background[:, [i]]) for i in range(4)]
    assert spread[0] < 0.01  # background, every class alike
    assert spread[1] < wrong_class_spread_loss(feats[:, [1]], classes, labels[:, [1]] * 0 - 1,
                                               ~background[:, [1]]) / 5  # own class left out
    assert spread[2] > 0.1  # labelled class 2, but class 0 beats the other wrong ones
    assert spread[3] == 0  # neither labelled nor background: left out


def test_value_path_equals_the_block_attending_only_to_itself() -> None:
    import open_clip

    from drivexplain.operators.models.tiny_clip import TINY_CLIP_NAME, register_model_configs

    register_model_configs()
    torch.manual_seed(0)
    visual = open_clip.create_model(TINY_CLIP_NAME).visual.eval()
    block = visual.transformer.resblocks[-1]
    normed = torch.randn(2, 7, block.ln_1.normalized_shape[0])
    self_only = torch.full((7, 7), float("-inf")).fill_diagonal_(0.0)
    with torch.no_grad():
        out, _ = block.attn(normed, normed, normed, attn_mask=self_only, need_weights=False)
        expected = (out - block.attn.out_proj.bias) * visual.ln_post.weight @ visual.proj
        got = value_path_features(block, normed, visual.ln_post, visual.proj)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-4)


def test_pooled_attention_is_the_first_row_of_the_blocks_own_attention() -> None:
    import open_clip

    from drivexplain.operators.models.tiny_clip import TINY_CLIP_NAME, register_model_configs

    register_model_configs()
    torch.manual_seed(0)
    block = open_clip.create_model(TINY_CLIP_NAME).visual.transformer.resblocks[-1].eval()
    normed = torch.randn(2, 7, block.ln_1.normalized_shape[0])
    with torch.no_grad():
        _, weights = block.attn(normed, normed, normed, need_weights=True,
                                average_attn_weights=False)
        got = pooled_attention(block, normed)
    assert got.shape == (2, block.attn.num_heads, 6)
    torch.testing.assert_close(got, weights[:, :, 0, 1:], atol=1e-6, rtol=1e-5)


def test_object_attention_loss_rewards_attention_on_labelled_patches() -> None:
    labels = torch.tensor([[2, -1, -1, 0], [-1, -1, -1, -1]])
    on_objects = torch.tensor([0.45, 0.05, 0.0, 0.45])
    on_road = torch.tensor([0.01, 0.5, 0.48, 0.01])
    heads = lambda row: row.expand(1, 3, 4)  # noqa: E731 - three heads alike
    good = torch.cat([heads(on_objects), heads(on_road)])  # frame 2 has no objects: ignored
    bad = torch.cat([heads(on_road), heads(on_objects)])
    assert object_attention_loss(good, labels) < 0.06
    assert object_attention_loss(bad, labels) > 3.0
    mixed = torch.stack([on_objects, on_road, on_road])[None]  # one head of three on objects
    expected = -torch.log((mixed.mean(1) * (labels[:1] >= 0)).sum() / mixed.mean(1).sum())
    torch.testing.assert_close(object_attention_loss(mixed, labels[:1]), expected)
    assert object_attention_loss(good, labels * 0 - 1) == 0


def test_pos_weight_scales_only_the_present_labels_of_its_class() -> None:
    q, _ = torch.linalg.qr(torch.randn(16, 16, generator=torch.Generator().manual_seed(2)))
    texts = q[:, :2].T
    image = (0.6 * q[:, 0] + 0.8 * q[:, 2])[None]  # below the centre for both classes
    labels = torch.tensor([[1, 0]])
    plain = presence_loss(image, texts, labels)
    weighted = presence_loss(image, texts, labels, pos_weight=torch.tensor([4.0, 4.0]))
    # the present term counts 4x, the absent term 1x, and the mean is over the same two entries
    present_only = presence_loss(image, texts[:1], torch.tensor([[1]]))
    absent_only = presence_loss(image, texts[1:], torch.tensor([[0]]))
    assert torch.isclose(weighted, (4 * present_only + absent_only) / 2, atol=1e-6)
    assert weighted > plain
    assert torch.isclose(presence_loss(image, texts, labels, pos_weight=torch.ones(2)), plain)


def test_presence_balance_weighs_a_rare_class_up_to_its_cap() -> None:
    from drivexplain.synthworld.training.train_clip import presence_balance

    labels = torch.tensor([[1, 1, -1], [0, 1, 0], [0, 1, 0], [0, 0, 0], [0, 0, -1]])
    weights = presence_balance(labels, max_weight=3.0)
    # class 0: 4 absent / 1 present = 4 -> capped at 3; class 1: 2/3 -> at least 1; class 2: none
    assert weights.tolist() == [3.0, 1.0, 3.0]
    assert presence_balance(labels, max_weight=0.0) is None


def test_boosted_frames_hold_a_salient_instance_of_the_class() -> None:
    from drivexplain.synthworld.training.train_batches import frame_with

    rng = np.random.default_rng(0)
    for name in ("bicycle", "traffic light"):
        frame = frame_with(name, (192, 108), rng, base=10_000_000)
        assert any(o.class_name == name and o.salient for o in frame.objects)


def test_anchor_penalty_is_the_squared_drift_from_the_start() -> None:
    from drivexplain.synthworld.training.train_clip import anchor_penalty

    model = torch.nn.Linear(3, 2)
    anchor = {name: p.detach().clone() for name, p in model.named_parameters()}
    assert float(anchor_penalty(model, anchor)) == 0.0
    with torch.no_grad():
        model.weight[0, 0] += 0.5
        model.bias[1] -= 2.0
    penalty = anchor_penalty(model, anchor)
    assert float(penalty) == pytest.approx(0.25 + 4.0)
    penalty.backward()
    assert float(model.weight.grad[0, 0]) == pytest.approx(1.0)


def test_a_fine_tune_with_an_anchor_runs_and_reports_the_drift(tmp_path, capsys) -> None:
    import json

    from drivexplain.synthworld.training.train_clip import train

    cfg = {"model": "TinyDriveCLIP", "render_size": [192, 108], "batch_size": 2,
           "captions_per_image": 1, "positives": "each", "presence_weight": 1.0,
           "dense_weight": 0.5, "absent_floor_weight": 1.0, "colour_weight": 1.0,
           "anchor_weight": 0.05, "freeze_text": True, "lr": 1e-3, "min_lr": 1e-5,
           "weight_decay": 0.1, "warmup_steps": 1, "time_budget_min": 5, "max_steps": 2,
           "threads": 1, "train_seed_base": 123, "log_every": 1,
           "run_dir": str(tmp_path / "run"), "export_path": str(tmp_path / "run/export.st")}
    assert train(cfg).is_file()
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()
              if line.startswith('{"step"')]
    assert logged[0]["anchor"] == 0.0 and logged[-1]["anchor"] > 0.0


def test_colours_taught_to_the_pooled_embedding_alone_leave_the_patches_out() -> None:
    """`colour_dense: false` keeps the coloured names' presence target and drops their dense
    and value-path targets, which are cross-entropies (> 0) added on top."""
    import open_clip

    from drivexplain.operators.models.tiny_clip import register_model_configs
    from drivexplain.synthworld.training.train_batches import build_batch
    from drivexplain.synthworld.training.train_clip import supervised_loss

    register_model_configs()
    torch.manual_seed(0)
    model = open_clip.create_model("TinyDriveCLIP")
    tok = open_clip.get_tokenizer("TinyDriveCLIP")
    size = tuple(int(v) for v in model.visual.image_size)
    grid = tuple(int(v) for v in model.visual.grid_size)
    cfg = {"batch_size": 3, "render_size": [192, 108], "presence_weight": 1.0,
           "dense_weight": 0.5, "value_weight": 0.5, "colour_weight": 1.0,
           "mask_augment_prob": 0.0, "patch_cover": 0.1}
    batch = build_batch(0, cfg, tok, size, grid)
    assert int((batch.targets.colour_patches >= 0).sum()) > 0  # some patch shows a colour
    with torch.no_grad():
        both = supervised_loss(model, tok, batch, cfg)[1]["colour"]
        pooled = supervised_loss(model, tok, batch, {**cfg, "colour_dense": False})[1]["colour"]
    assert 0 < pooled < both


def test_the_teacher_holds_the_cosines_of_the_model_a_fine_tune_started_from(tmp_path) -> None:
    """`distill_weight`: zero while the student is the teacher, positive once it moves, and
    refused without a frozen text tower (its text directions are computed once)."""
    import open_clip

    from drivexplain.operators.models.tiny_clip import register_model_configs
    from drivexplain.synthworld.training.train_batches import build_batch
    from drivexplain.synthworld.training.train_clip import (
        Teacher,
        build_model,
        export_weights,
        supervised_loss,
        trainable_parameters,
    )

    register_model_configs()
    torch.manual_seed(0)
    start = open_clip.create_model("TinyDriveCLIP")
    weights = export_weights(start, tmp_path / "start.safetensors", "float32")
    cfg = {"model": "TinyDriveCLIP", "init_from": str(weights), "batch_size": 2,
           "render_size": [192, 108], "presence_weight": 1.0, "mask_augment_prob": 0.5,
           "freeze_text": True, "distill_weight": 1.0}
    student = build_model(cfg)
    trainable_parameters(student, True)
    tok = open_clip.get_tokenizer("TinyDriveCLIP")
    teacher = Teacher.from_config(cfg, student, tok, torch.device("cpu"))
    assert teacher is not None and teacher.directions.shape[0] > 50
    size = tuple(int(v) for v in student.visual.image_size)
    grid = tuple(int(v) for v in student.visual.grid_size)
    batch = build_batch(0, cfg, tok, size, grid)
    assert supervised_loss(student, tok, batch, cfg, teacher)[1]["distill"] < 1e-8
    with torch.no_grad():
        student.visual.proj.add_(0.05 * torch.randn_like(student.visual.proj))
    assert supervised_loss(student, tok, batch, cfg, teacher)[1]["distill"] > 1e-3
    assert Teacher.from_config({**cfg, "distill_weight": 0.0}, student, tok,
                               torch.device("cpu")) is None
    with pytest.raises(ValueError, match="freeze_text"):
        Teacher.from_config({**cfg, "freeze_text": False}, student, tok, torch.device("cpu"))
    # close-ups are the student's to learn: the teacher reads only whole frames
    closeups = {**cfg, "crop_prob": 1.0}
    cropped = build_batch(0, closeups, tok, size, grid)
    assert not bool(cropped.whole.any())
    assert supervised_loss(student, tok, cropped, closeups, teacher)[1]["distill"] == 0.0
    mixed = next(batch for step in range(20)
                 if 0 < int((batch := build_batch(step, {**cfg, "batch_size": 4,
                                                         "crop_prob": 0.5}, tok, size,
                                                  grid)).whole.sum()) < 4)
    student.visual.output_tokens = False  # supervised_loss asked for the patch tokens too
    with torch.no_grad():
        unit = torch.nn.functional.normalize(student.encode_image(mixed.images), dim=-1)
        scale = student.logit_scale.exp()
        kept = mixed.whole
        both = teacher.loss(mixed.images, unit, scale, kept)
        only_whole = teacher.loss(mixed.images[kept], unit[kept], scale,
                                  torch.ones(int(kept.sum()), dtype=torch.bool))
    assert float(both) > 1e-3 and float(both) == pytest.approx(float(only_whole), rel=1e-5)
