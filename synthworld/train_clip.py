"""Train TinyDriveCLIP from scratch on freshly rendered scenes, on CPU, within a time budget.

Run: `python -m drivexplain.synthworld.train_clip --config configs/train_tiny_clip.yaml`.
The learning-rate schedule follows wall-clock time rather than a step count, because the run
shares two cores with other work and must still finish (and cool down its LR) on time.
Checkpoints are exported as safetensors periodically, so an interrupted run still ships weights.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml

from drivexplain.operators.models.tiny_clip import (
    TINY_CLIP_NAME,
    frames_to_tensor,
    register_model_configs,
)
from drivexplain.synthworld.captions import PRESENCE_TEMPLATES
from drivexplain.synthworld.clip_data import (
    counterfactual,
    crop_view,
    frame_facts,
    sample_caption,
    truth_matrix,
)
from drivexplain.synthworld.objects import OBJECT_CLASSES
from drivexplain.synthworld.scene import render_scene
from drivexplain.synthworld.supervision import (
    COLOURED_NAMES,
    PATCH_COVER,
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

BOOST_SEED_OFFSET = 1 << 44  # rare-class frames come from seeds no other draw uses
REQUIRED_KEYS = ("render_size", "batch_size", "lr", "time_budget_min", "run_dir", "export_path")


def load_config(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"training config {p} does not exist")
    cfg = yaml.safe_load(p.read_text()) or {}
    missing = [k for k in REQUIRED_KEYS if k not in cfg]
    if missing:
        raise ValueError(f"training config {p} is missing keys: {missing}")
    return cfg


def multi_positive_clip_loss(image_features: torch.Tensor, text_features: torch.Tensor,
                             logit_scale: torch.Tensor, truth: torch.Tensor,
                             n_paired: int, positives: str = "any") -> torch.Tensor:
    """Symmetric CLIP InfoNCE where every caption true for an image counts as a positive.

    With `truth` = identity both modes are exactly open_clip's ClipLoss. Entries of -1 are left
    out. Only the first `n_paired` texts (the sampled true captions) get a text->image term; the
    extra counterfactual texts act as image->text hard negatives.

    `positives="any"` (used by the first shipped weights) maximises the summed probability
    of the positives, so one easy positive (a weather caption true for half the batch) can
    satisfy a row while object captions are ignored. `positives="each"` makes every positive
    beat every negative on its own (softplus(logsumexp(negatives) - positive), averaged over
    positives), which keeps the pressure on hard, object-level captions.
    """
    if positives not in ("any", "each"):
        raise ValueError(f"positives must be 'any' or 'each', got {positives!r}")
    logits = logit_scale * image_features @ text_features.T
    neg_inf = torch.finfo(logits.dtype).min

    def direction(lg: torch.Tensor, tr: torch.Tensor) -> torch.Tensor:
        if positives == "each":
            neg = lg.masked_fill(tr != 0, float("-inf")).logsumexp(dim=1, keepdim=True)
            per = torch.nn.functional.softplus(neg - lg)
            pos = (tr == 1).to(lg.dtype)
            return ((per * pos).sum(1) / pos.sum(1).clamp_min(1)).mean()
        all_ = lg.masked_fill(tr < 0, neg_inf).logsumexp(dim=1)
        pos = lg.masked_fill(tr != 1, neg_inf).logsumexp(dim=1)
        return (all_ - pos).mean()

    i2t = direction(logits, truth)
    t2i = direction(logits[:, :n_paired].T, truth[:, :n_paired].T)
    return 0.5 * (i2t + t2i)


def make_batch(step: int, cfg: dict, tokenizer, rng: np.random.Generator,
               input_size: tuple[int, int] | None = None):
    """Render a batch of new scenes and build captions, hard negatives and their truth table.

    `input_size` is the model's (height, width); by default TinyDriveCLIP's.
    """
    b = int(cfg["batch_size"])
    size = tuple(cfg["render_size"])
    base = int(cfg.get("train_seed_base", 10_000_000))
    frames = [render_scene(base + step * b + i, size=size) for i in range(b)]
    boost = [str(c) for c in cfg.get("boost_classes") or ()]
    if boost:
        prob = float(cfg.get("boost_prob", 0.25))
        frames = [frame_with(boost[int(rng.integers(len(boost)))], size, rng, base)
                  if rng.random() < prob else f for f in frames]
    crop_prob = float(cfg.get("crop_prob", 0.0))
    if crop_prob > 0:
        scales = tuple(float(v) for v in cfg.get("crop_scales", (0.3, 0.7)))
        frames = [crop_view(f, rng, scales) if rng.random() < crop_prob else f for f in frames]
    facts = [frame_facts(f) for f in frames]
    per_image = int(cfg.get("captions_per_image", 1))
    caps = [sample_caption(f, rng) for _ in range(per_image) for f in frames]
    extra = []
    for f in frames:
        if rng.random() < float(cfg.get("counterfactual_prob", 0.5)):
            c = counterfactual(f, rng)
            if c is not None:
                extra.append(c)
    all_caps = caps + extra
    truth = torch.from_numpy(truth_matrix(facts, all_caps).astype(np.int64))
    for r in range(per_image):  # an image's own captions are true by construction
        truth[torch.arange(b), torch.arange(b) + r * b] = 1
    images = frames_to_tensor([f.image for f in frames], input_size)
    texts = tokenizer([c.text for c in all_caps])
    return images, texts, truth, len(caps), frames


def supervised_loss(model, tokenizer, images, texts, truth, n_paired: int, frames: list,
                    rng: np.random.Generator, cfg: dict, grid: int | tuple[int, int],
                    size: int | tuple[int, int]):
    """Caption contrastive loss plus the presence and dense targets of `supervision.py`.

    Augmented (partly blurred) images leave the caption loss, whose truth no longer holds,
    and get presence and patch labels from what is still visible.
    """
    coverage = [class_coverage(f, size) for f in frames]
    images, visible, changed = mask_augment(images, coverage, rng,
                                            float(cfg.get("mask_augment_prob", 0.0)))
    truth = truth.clone()
    truth[torch.from_numpy(changed)] = -1
    min_cover = float(cfg.get("patch_cover", PATCH_COVER))
    labels = [(presence_labels(sal, every, vis), patch_labels(every, vis, grid, min_cover),
               background_patches(every, vis, grid))
              for (sal, every), vis in zip(coverage, visible, strict=True)]
    presence, patches, background = (torch.from_numpy(np.stack(column))
                                      for column in zip(*labels, strict=True))
    background_weight = float(cfg.get("background_weight", 0.0))
    value_weight = float(cfg.get("value_weight", 0.0))
    floor_weight = float(cfg.get("absent_floor_weight", 0.0))
    blocks = model.visual.transformer.resblocks
    last = blocks[-1]
    attention_weight = float(cfg.get("attention_weight", 0.0))
    attention_layers = int(cfg.get("attention_layers", 4)) if attention_weight > 0 else 1
    watched = list(range(len(blocks) - attention_layers, len(blocks)))
    captured: dict[int, torch.Tensor] = {}
    hooks = [blocks[i].ln_1.register_forward_hook(
        lambda _m, _i, out, i=i: captured.__setitem__(i, out)) for i in watched]
    template = str(rng.choice(PRESENCE_TEMPLATES))
    prompts = list(OBJECT_CLASSES) + [template.format(c) for c in OBJECT_CLASSES]
    model.visual.output_tokens = True
    try:
        pooled, tokens = model.visual(images)
    finally:
        for hook in hooks:
            hook.remove()
    img_f = torch.nn.functional.normalize(pooled, dim=-1)
    projected = tokens @ model.visual.proj  # patch tokens in the joint space
    txt_f = model.encode_text(texts, normalize=True)
    cls_f = model.encode_text(tokenizer(prompts), normalize=True)
    scale = model.logit_scale.exp()
    n_cls = len(OBJECT_CLASSES)
    balance = presence_balance(presence, float(cfg.get("presence_balance_max", 0.0)))
    parts = {
        "clip": multi_positive_clip_loss(img_f, txt_f, scale, truth, n_paired,
                                         cfg.get("positives", "each")),
        "presence": 0.5 * (presence_loss(img_f, cls_f[:n_cls], presence, pos_weight=balance)
                           + presence_loss(img_f, cls_f[n_cls:], presence,
                                           pos_weight=balance)),
        "dense": dense_loss(projected, None, cls_f[:n_cls], scale, patches),
    }
    loss = (parts["clip"] + float(cfg.get("presence_weight", 0.0)) * parts["presence"]
            + float(cfg.get("dense_weight", 0.0)) * parts["dense"])
    if floor_weight > 0:
        parts["floor"] = 0.5 * (absent_floor_loss(img_f, cls_f[:n_cls], presence)
                                + absent_floor_loss(img_f, cls_f[n_cls:], presence))
        loss = loss + floor_weight * parts["floor"]
    if background_weight > 0:
        parts["background"] = background_loss(projected, cls_f[:n_cls], background)
        loss = loss + background_weight * parts["background"]
    spread_weight = float(cfg.get("spread_weight", 0.0))
    if value_weight > 0 or spread_weight > 0:
        normed = captured[len(blocks) - 1]
        if normed.shape[0] != images.shape[0]:  # a sequence-first transformer's layout
            normed = normed.transpose(0, 1)
        values = value_path_features(last, normed, model.visual.ln_post,
                                     model.visual.proj)[:, 1:]
    if spread_weight > 0:
        parts["spread"] = 0.5 * (
            wrong_class_spread_loss(values, cls_f[:n_cls], patches, background)
            + wrong_class_spread_loss(projected, cls_f[:n_cls], patches, background))
        loss = loss + spread_weight * parts["spread"]
    if attention_weight > 0:
        parts["attention"] = torch.stack([
            object_attention_loss(pooled_attention(blocks[i], captured[i]), patches)
            for i in watched]).mean()
        loss = loss + attention_weight * parts["attention"]
    if value_weight > 0:
        parts["value"] = (dense_loss(values, None, cls_f[:n_cls], scale, patches)
                          + background_loss(values, cls_f[:n_cls], background))
        loss = loss + value_weight * parts["value"]
    colour_weight = float(cfg.get("colour_weight", 0.0))
    if colour_weight > 0:
        parts["colour"] = colour_loss(model, tokenizer, frames, visible, size, grid, min_cover,
                                      img_f, projected, values if value_weight > 0 else None,
                                      scale)
        loss = loss + colour_weight * parts["colour"]
    return loss, {k: float(v.detach()) for k, v in parts.items()}


def colour_loss(model, tokenizer, frames: list, visible: list, size, grid, min_cover: float,
                img_f: torch.Tensor, projected: torch.Tensor, values: torch.Tensor | None,
                scale: torch.Tensor) -> torch.Tensor:
    """Presence, dense and (with `values`) value-path targets over `COLOURED_NAMES`: the class
    targets of `supervised_loss`, with each object's colour in its name."""
    coverage = [colour_coverage(f, size) for f in frames]
    presence = torch.from_numpy(np.stack([presence_labels(sal, every, vis) for (sal, every), vis
                                          in zip(coverage, visible, strict=True)]))
    patches = torch.from_numpy(np.stack([patch_labels(every, vis, grid, min_cover)
                                         for (_, every), vis in zip(coverage, visible,
                                                                    strict=True)]))
    names = model.encode_text(tokenizer(list(COLOURED_NAMES)), normalize=True)
    loss = presence_loss(img_f, names, presence) + dense_loss(projected, None, names, scale,
                                                              patches)
    if values is not None:
        loss = loss + dense_loss(values, None, names, scale, patches)
    return loss


def presence_balance(presence: torch.Tensor, max_weight: float) -> torch.Tensor | None:
    """Per-class weight of present labels: absent over present in the batch, capped.

    Without it a class present in a few percent of frames (salient bicycles) is learnt as
    "always absent", which already scores well on the plain loss. 0 turns it off.
    """
    if max_weight <= 0:
        return None
    positives = (presence == 1).sum(0).float()
    negatives = (presence == 0).sum(0).float()
    return (negatives / positives.clamp(min=1.0)).clamp(1.0, max_weight)


def export_weights(model: torch.nn.Module, path: str | Path, dtype: str = "float16",
                   name: str = TINY_CLIP_NAME) -> Path:
    """Write an open_clip-loadable safetensors file (fp16 storage; open_clip restores fp32)."""
    from safetensors.torch import save_file

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    dt = {"float16": torch.float16, "float32": torch.float32}[dtype]
    sd = {k: (v.detach().to(dt) if v.is_floating_point() else v.detach()).contiguous()
          for k, v in model.state_dict().items()}
    tmp = out.with_suffix(".tmp")
    save_file(sd, str(tmp), metadata={"format": "pt", "model": name})
    tmp.replace(out)
    return out


def lr_at(step: int, elapsed_s: float, cfg: dict) -> float:
    warm = int(cfg.get("warmup_steps", 30))
    base, low = float(cfg["lr"]), float(cfg.get("min_lr", 0.0))
    if step < warm:
        return base * (step + 1) / warm
    frac = min(1.0, elapsed_s / (60.0 * float(cfg["time_budget_min"])))
    return low + 0.5 * (base - low) * (1 + math.cos(math.pi * frac))


def uses_targets(cfg: dict) -> bool:
    """Whether the run adds the world's presence/dense targets to the caption loss."""
    return any(float(cfg.get(key, 0.0)) > 0 for key in
               ("presence_weight", "dense_weight", "mask_augment_prob"))


def build_model(cfg: dict) -> torch.nn.Module:
    """TinyDriveCLIP, random or warm-started from `init_from` through open_clip's own loader.

    Loading through `pretrained` (not a later `load_state_dict`) is the same path every local
    checkpoint takes in the product, and keeps open_clip from logging that the model was
    initialised randomly when it was not.
    """
    import open_clip

    register_model_configs()
    # patch dropout hides which patches survive, so the dense loss needs every patch
    dropout = 0.0 if uses_targets(cfg) else cfg.get("patch_dropout")
    init_from = cfg.get("init_from")
    if init_from and not Path(init_from).is_file():
        raise FileNotFoundError(f"init_from checkpoint {init_from} does not exist")
    return open_clip.create_model(model_name(cfg),
                                  pretrained=str(init_from) if init_from else None,
                                  force_patch_dropout=dropout)


def model_name(cfg: dict) -> str:
    """The open_clip config to train: `model:` (stage 1 trains TinyDriveCLIP-Square), else
    TinyDriveCLIP."""
    return str(cfg.get("model") or TINY_CLIP_NAME)


def frame_with(class_name: str, size: tuple[int, int], rng: np.random.Generator, base: int,
               tries: int = 200):
    """A fresh scene with a salient `class_name`, found by drawing seeds beyond the run's own.

    Salient bicycles are in about one frame in eleven, and in those they compete with every
    other object for the captions: a rare class needs frames of its own to be learnt at all.
    After `tries` draws without one, the last frame drawn is used as it is (still true data).
    """
    frame = None
    for _ in range(tries):
        frame = render_scene(base + BOOST_SEED_OFFSET + int(rng.integers(1 << 40)), size=size)
        if any(o.class_name == class_name and o.salient for o in frame.objects):
            return frame
    return frame


def trainable_parameters(model: torch.nn.Module, freeze_text: bool
                         ) -> tuple[list[torch.nn.Parameter], list[torch.nn.Parameter]]:
    """(decayed, not decayed) parameters for the optimiser.

    With `freeze_text`, only the visual tower learns: the text tower and the logit scale keep
    their weights (and lose requires_grad). A presence loss on a rare class is cheapest to
    lower by moving that class's text embedding, which shifts its cosine for every frame
    alike; with the text fixed, only a visual feature of the class can lower it.
    """
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if freeze_text and not name.startswith("visual."):
            p.requires_grad_(False)
            continue
        (decay if p.ndim >= 2 and "embedding" not in name else no_decay).append(p)
    return decay, no_decay


def anchor_penalty(model: torch.nn.Module, anchor: dict[str, torch.Tensor]) -> torch.Tensor:
    """Squared distance of the trainable weights from where the fine-tune started (L2-SP, Li
    et al. 2018).

    A fine-tune from the shipped weights that teaches something new (`colour_weight`) can move
    the features that Concept Drop and Negative Suppression rely on, which the losses here do not
    measure. Pulling every weight towards its start, rather than towards zero as weight decay
    does, keeps what is not asked to change. `anchor_weight` scales it; 0 leaves it out.
    """
    params = dict(model.named_parameters())
    return sum(((params[name] - start) ** 2).sum() for name, start in anchor.items())


def train(cfg: dict) -> Path:
    import open_clip

    torch.manual_seed(0)
    torch.set_num_threads(int(cfg.get("threads", 2)))
    targets = uses_targets(cfg)
    model = build_model(cfg)
    model.train()
    grid = tuple(int(v) for v in model.visual.grid_size)
    size = tuple(int(v) for v in model.visual.image_size)
    tokenizer = open_clip.get_tokenizer(model_name(cfg))
    positives = cfg.get("positives", "each")
    decay, no_decay = trainable_parameters(model, bool(cfg.get("freeze_text", False)))
    anchor_weight = float(cfg.get("anchor_weight", 0.0))
    anchor = {name: p.detach().clone() for name, p in model.named_parameters()
              if p.requires_grad} if anchor_weight > 0 else {}
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": float(cfg["weight_decay"])},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=float(cfg["lr"]), betas=(0.9, 0.98), eps=1e-6)
    run_dir = Path(cfg["run_dir"])
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.json").write_text(json.dumps(cfg, indent=2))
    rng = np.random.default_rng(0)
    budget_s = 60.0 * float(cfg["time_budget_min"])
    t_start = time.time()
    last_ckpt = t_start
    n_seen, loss_ema = 0, None
    history = []
    step = 0
    for step in range(int(cfg.get("max_steps", 10**9))):
        elapsed = time.time() - t_start
        if elapsed > min(budget_s, 60.0 * float(cfg.get("stop_after_min") or 1e9)):
            break
        lr = lr_at(step, elapsed, cfg)
        for g in opt.param_groups:
            g["lr"] = lr
        t0 = time.time()
        images, texts, truth, n_paired, frames = make_batch(step, cfg, tokenizer, rng, size)
        t_data = time.time() - t0
        if targets:
            loss, parts = supervised_loss(model, tokenizer, images, texts, truth, n_paired,
                                          frames, rng, cfg, grid, size)
        else:
            out = model(images, texts)
            loss = multi_positive_clip_loss(out[0], out[1], out[2], truth, n_paired, positives)
            parts = {}
        if anchor:
            drift = anchor_penalty(model, anchor)
            loss = loss + anchor_weight * drift
            parts["anchor"] = float(drift.detach())
        scale = model.logit_scale.exp()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        n_seen += images.shape[0]
        loss_v = float(loss.detach())
        loss_ema = loss_v if loss_ema is None else 0.95 * loss_ema + 0.05 * loss_v
        if step % int(cfg.get("log_every", 10)) == 0:
            el = time.time() - t_start
            rec = {"step": step, "loss": round(loss_v, 4), "loss_ema": round(loss_ema, 4),
                   "lr": round(lr, 7), "scale": round(float(scale.detach()), 2),
                   "img_per_s": round(n_seen / el, 2), "data_s": round(t_data, 2),
                   "step_s": round(time.time() - t0, 2), "elapsed_min": round(el / 60, 2),
                   **{k: round(v, 4) for k, v in parts.items()}}
            history.append(rec)
            print(json.dumps(rec), flush=True)
        if time.time() - last_ckpt > 60 * float(cfg.get("checkpoint_every_min", 10)):
            _checkpoint(model, cfg, run_dir, step, n_seen, t_start, loss_ema, final=False)
            last_ckpt = time.time()
    return _checkpoint(model, cfg, run_dir, step, n_seen, t_start, loss_ema, final=True)


def _checkpoint(model, cfg, run_dir: Path, step: int, n_seen: int, t_start: float,
                loss_ema: float | None, final: bool) -> Path:
    model.eval()
    model.visual.output_tokens = False
    export_weights(model, run_dir / "last.safetensors", "float32", model_name(cfg))
    path = export_weights(model, cfg["export_path"], cfg.get("export_dtype", "float16"),
                          model_name(cfg))
    model.train()
    info = {"step": step, "images_seen": n_seen, "minutes": round((time.time() - t_start) / 60, 2),
            "loss_ema": loss_ema, "final": final, "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                          time.gmtime())}
    (run_dir / "checkpoint.json").write_text(json.dumps(info, indent=2))
    print(json.dumps({"checkpoint": str(path), **info}), flush=True)
    return path


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="configs/train_tiny_clip.yaml")
    ap.add_argument("--time-budget-min", type=float, default=None,
                    help="override the config's wall-clock budget (e.g. for a smoke run)")
    ap.add_argument("--run-dir", default=None)
    ap.add_argument("--model", default=None,
                    help="override the config's open_clip model, e.g. TinyDriveCLIP-Square")
    ap.add_argument("--export-path", default=None)
    args = ap.parse_args(argv)
    cfg = load_config(args.config)
    if args.time_budget_min is not None:
        cfg["time_budget_min"] = args.time_budget_min
    if args.run_dir:
        cfg["run_dir"] = args.run_dir
    if args.export_path:
        cfg["export_path"] = args.export_path
    if args.model:
        cfg["model"] = args.model
    train(cfg)


if __name__ == "__main__":
    main()
