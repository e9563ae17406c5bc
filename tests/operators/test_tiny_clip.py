"""TinyDriveCLIP loads through the stock open_clip path and (if shipped) behaves like a CLIP."""

from __future__ import annotations

import numpy as np
import open_clip
import pytest
import torch

from drivexplain.operators.models.tiny_clip import (
    TINY_CLIP_NAME,
    WEIGHTS_ENV,
    default_weights_path,
    frames_to_tensor,
    image_size,
    model_config,
    register_model_configs,
)
from drivexplain.synthworld.training.train_clip import (
    build_model,
    export_weights,
    multi_positive_clip_loss,
    trainable_parameters,
)


@pytest.fixture(scope="module")
def random_model() -> torch.nn.Module:
    register_model_configs()
    torch.manual_seed(0)
    return open_clip.create_model(TINY_CLIP_NAME).eval()


def _inputs(n: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    images = torch.randn(n, 3, *image_size(), generator=g)
    texts = open_clip.get_tokenizer(TINY_CLIP_NAME)(["a red car on the left", "a stop sign"][:n])
    return images, texts


def test_config_registers_as_cls_pooled_vit(random_model) -> None:
    assert TINY_CLIP_NAME in open_clip.list_models()
    assert TINY_CLIP_NAME in register_model_configs()  # idempotent
    visual = random_model.visual
    assert isinstance(visual, open_clip.transformer.VisionTransformer)
    assert visual.pool_type == "tok"
    blocks = visual.transformer.resblocks
    assert 6 <= len(blocks) <= 8
    assert blocks[-1].attn.num_heads >= 10, "head selection picks the top-10 last-layer heads"
    assert visual.grid_size[0] >= 12
    cfg = model_config()
    assert cfg["text_cfg"]["vocab_size"] == 49408


def test_tokenizer_is_default_clip_bpe() -> None:
    tok = open_clip.get_tokenizer(TINY_CLIP_NAME)
    ids = tok(["a pedestrian crossing in front"])
    assert ids.shape == (1, model_config()["text_cfg"]["context_length"])
    assert int(ids[0, 0]) == 49406  # <start_of_text> of the OpenAI BPE vocabulary


@pytest.mark.parametrize("dtype,atol", [("float32", 0.0), ("float16", 2e-2)])
def test_safetensors_round_trip_through_create_model(random_model, tmp_path, dtype, atol) -> None:
    path = export_weights(random_model, tmp_path / "m.safetensors", dtype)
    loaded = open_clip.create_model(TINY_CLIP_NAME, pretrained=str(path)).eval()
    assert all(p.dtype == torch.float32 for p in loaded.parameters())
    images, texts = _inputs()
    with torch.no_grad():
        a = random_model.encode_image(images), random_model.encode_text(texts)
        b = loaded.encode_image(images), loaded.encode_text(texts)
    for x, y in zip(a, b, strict=True):
        if atol == 0.0:
            assert torch.equal(x, y)
        else:
            assert torch.allclose(x, y, atol=atol, rtol=0.05)


def test_training_warm_starts_through_open_clips_loader(random_model, tmp_path, caplog) -> None:
    path = export_weights(random_model, tmp_path / "stage1.safetensors", "float32")
    with caplog.at_level("WARNING"):
        model = build_model({"init_from": str(path), "presence_weight": 1.0})
    assert "initialized randomly" not in caplog.text
    for (name, a), b in zip(random_model.state_dict().items(), model.state_dict().values(),
                            strict=True):
        assert torch.equal(a, b), name
    with pytest.raises(FileNotFoundError, match="missing.safetensors"):
        build_model({"init_from": str(tmp_path / "missing.safetensors")})


def test_freeze_text_trains_only_the_visual_tower(tmp_path) -> None:
    register_model_configs()
    torch.manual_seed(0)
    model = open_clip.create_model(TINY_CLIP_NAME)
    everything = sum(len(g) for g in trainable_parameters(model, freeze_text=False))
    assert everything == len(list(model.parameters()))
    text_before = model.encode_text(torch.ones(1, 32, dtype=torch.long)).detach()
    decay, no_decay = trainable_parameters(model, freeze_text=True)
    visual = {id(p) for p in model.visual.parameters()}
    assert {id(p) for p in decay + no_decay} == visual
    opt = torch.optim.SGD(decay + no_decay, lr=0.5)
    images = torch.randn(2, 3, 144, 252)
    loss = model.encode_image(images).square().sum() + model.encode_text(
        torch.ones(1, 32, dtype=torch.long)).square().sum()
    loss.backward()
    opt.step()
    assert torch.equal(model.encode_text(torch.ones(1, 32, dtype=torch.long)), text_before)
    assert not model.logit_scale.requires_grad


def test_wide_model_warm_starts_from_a_square_checkpoint(tmp_path) -> None:
    """Stage 2 of TinyDriveCLIP (144x252) starts from the square stage 1: open_clip's loader
    interpolates the 12x12 positional grid to 12x21 and copies everything else."""
    register_model_configs()
    torch.manual_seed(0)
    square = open_clip.create_model("TinyDriveCLIP-Square").eval()
    assert tuple(square.visual.grid_size) == (12, 12)
    path = export_weights(square, tmp_path / "stage1.safetensors", "float32")
    wide = build_model({"init_from": str(path), "model": TINY_CLIP_NAME, "presence_weight": 1.0})
    assert tuple(wide.visual.grid_size) == (12, 21)
    assert wide.visual.positional_embedding.shape == (1 + 12 * 21, 192)
    assert torch.equal(wide.visual.conv1.weight, square.visual.conv1.weight)
    x = frames_to_tensor([np.zeros((90, 160, 3), np.uint8)], (144, 252))
    assert x.shape == (1, 3, 144, 252)
    assert wide.encode_image(x).shape == (1, 256)


def test_weights_path_env_override(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv(WEIGHTS_ENV, raising=False)
    assert default_weights_path().name == "open_clip_model.safetensors"
    assert default_weights_path().parent.name == "tiny-drive-clip"
    monkeypatch.setenv(WEIGHTS_ENV, str(tmp_path))
    assert default_weights_path() == tmp_path / "open_clip_model.safetensors"
    f = tmp_path / "other.safetensors"
    monkeypatch.setenv(WEIGHTS_ENV, str(f))
    assert default_weights_path() == f


def test_frames_are_squashed_not_cropped() -> None:
    img = np.zeros((90, 160, 3), np.uint8)
    img[:, :20] = 255  # a bright strip at the far left must survive preprocessing
    x = frames_to_tensor([img])
    assert x.shape == (1, 3, *image_size())
    assert x[0, :, :, 0].mean() > x[0, :, :, -1].mean() + 1.0


@pytest.mark.parametrize("positives", ["any", "each"])
def test_multi_positive_loss_reduces_to_clip_loss(positives: str) -> None:
    from open_clip.loss import ClipLoss

    g = torch.Generator().manual_seed(0)
    img = torch.nn.functional.normalize(torch.randn(5, 8, generator=g), dim=-1)
    txt = torch.nn.functional.normalize(torch.randn(5, 8, generator=g), dim=-1)
    scale = torch.tensor(10.0)
    eye = torch.eye(5, dtype=torch.long)
    ours = multi_positive_clip_loss(img, txt, scale, eye, 5, positives)
    assert torch.allclose(ours, ClipLoss()(img, txt, scale), atol=1e-5)


def test_each_positive_mode_cannot_hide_behind_an_easy_positive() -> None:
    # image 0 has two true captions: an easy one it matches and a hard one it does not
    img = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    txt = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])  # caption 2: true, far away
    truth = torch.tensor([[1, 0, 1], [0, 1, 0]])
    scale = torch.tensor(10.0)
    any_ = multi_positive_clip_loss(img, txt, scale, truth, 2, "any")
    each = multi_positive_clip_loss(img, txt, scale, truth, 2, "each")
    assert each > any_ + 1.0
    with pytest.raises(ValueError, match="positives"):
        multi_positive_clip_loss(img, txt, scale, truth, 2, "some")


def test_shipped_weights_prefer_true_captions() -> None:
    """Behaviour, not numbers: the shipped model should pick true over counterfactual text."""
    path = default_weights_path()
    if not path.is_file():
        pytest.skip(f"no shipped weights at {path}")
    from drivexplain.operators.models.tiny_clip import create_tiny_clip
    from drivexplain.synthworld.scene import render_scene
    from drivexplain.synthworld.training.evaluate_clip import CONDITION_PROMPTS

    model = create_tiny_clip(path)
    tok = open_clip.get_tokenizer(TINY_CLIP_NAME)
    frames = [render_scene(seed, size=(640, 360)) for seed in range(100, 124)]  # held out
    with torch.no_grad():
        emb = model.encode_image(frames_to_tensor([f.image for f in frames]), normalize=True)
        cond = model.encode_text(tok(list(CONDITION_PROMPTS.values())), normalize=True)
        caps = model.encode_text(tok([f.captions[0] for f in frames]), normalize=True)
    sims = emb @ caps.T
    # own whole-scene caption vs the other scenes' captions: mostly ranked above
    wins = (sims.diag()[:, None] > sims).float().sum(1) / (len(frames) - 1)
    assert float(wins.mean()) > 0.7, f"own caption beats others only {float(wins.mean()):.2f}"
    pred = (emb @ cond.T).argmax(1).tolist()
    truth = [list(CONDITION_PROMPTS).index(f.condition) for f in frames]
    acc = np.mean([p == t for p, t in zip(pred, truth, strict=True)])
    assert acc > 0.5, f"weather/light accuracy {acc:.2f} on held-out scenes"


def test_scorer_embeds_each_frame_once(random_model) -> None:
    from drivexplain.synthworld.scene import render_scene
    from drivexplain.synthworld.training.evaluate_clip import Scorer

    frames = [render_scene(seed, size=(192, 108)) for seed in (1, 2, 3)]
    calls = []
    encode = random_model.encode_image
    random_model.encode_image = lambda x, **kw: calls.append(len(x)) or encode(x, **kw)
    try:
        scorer = Scorer(random_model, open_clip.get_tokenizer(TINY_CLIP_NAME))
        first = scorer.images(frames)
        again = scorer.images([frames[2], frames[0]])
    finally:
        del random_model.encode_image
    with torch.no_grad():
        direct = encode(frames_to_tensor([f.image for f in frames]), normalize=True)
    torch.testing.assert_close(first, direct)
    torch.testing.assert_close(again, direct[[2, 0]])
    assert calls == [3]
