"""Train TinyDriveCLIP on freshly rendered scenes, within a wall-clock budget.

Run: `python -m drivexplain.synthworld.training.train_clip --config configs/train_tiny_clip.yaml
[--resume] [--device auto|cpu|cuda] [--render-workers N]`.
The learning-rate schedule follows wall-clock time rather than a step count, because the run
shares two cores with other work and must still finish (and cool down its LR) on time.
Checkpoints are exported as safetensors periodically, so an interrupted run still ships weights,
and `--resume` continues it from the last one (weights, optimiser state, step and clock).

The shipped weights were trained on 2 CPU cores, where the model's compute is the bottleneck.
On an accelerator the rendering is: `render_workers` processes build batches ahead of the loop
(`train_batches.BatchSource`), and `precision: bf16` runs the forward under autocast.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import time
from pathlib import Path
from typing import Any

import torch
import yaml

from drivexplain.operators.models.tiny_clip import TINY_CLIP_NAME, register_model_configs
from drivexplain.synthworld.objects import OBJECT_CLASSES
from drivexplain.synthworld.training.supervision import (
    COLOURED_NAMES,
    absent_floor_loss,
    background_loss,
    dense_loss,
    object_attention_loss,
    pooled_attention,
    presence_loss,
    value_path_features,
    wrong_class_spread_loss,
)
from drivexplain.synthworld.training.train_batches import (
    BatchSource,
    Targets,
    TrainBatch,
    uses_targets,
)

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


class Teacher:
    """The model a fine-tune started from, kept frozen, whose image embeddings the student
    must keep along the text directions of `concepts` (Learning without Forgetting, Li and
    Hoiem 2016, on a CLIP's zero-shot cosines).

    Concept Drop and Negative Suppression read a concept's cosine with the frame, whole and
    masked. A fine-tune that teaches something new (the coloured names) moved those readings
    for the classes it was not asked to change, and pulling the weights towards their start
    (`anchor_penalty`, L2-SP) did not keep them. This holds the readings themselves: the mean
    squared difference of the student's and teacher's logits (scale x cosine) over the
    concepts, on the batch's own (partly masked) whole frames. Close-ups (`crop_prob`) are left
    out: a teacher trained on whole frames reads a crop as noise (its best tile told
    pedestrians apart at 0.51-0.71, model card), and holding the student to that noise would
    forbid what the close-ups are there to teach. With a frozen text tower (`freeze_text`), the
    concepts' text embeddings are computed once.
    """

    def __init__(self, model: torch.nn.Module, directions: torch.Tensor) -> None:
        self.model = model.eval().requires_grad_(False)
        self.directions = directions  # (K, D), unit length

    @classmethod
    def from_config(cls, cfg: dict, student: torch.nn.Module, tokenizer,
                    device: torch.device) -> Teacher | None:
        """The `distill_from` weights (default: `init_from`) and the concepts of the vocabulary
        (`configs/vocabulary.yaml`) that name no colour; None without `distill_weight`."""
        if float(cfg.get("distill_weight", 0.0)) <= 0:
            return None
        if not cfg.get("freeze_text"):
            raise ValueError("distill_weight needs freeze_text: true (the teacher's text "
                             "directions are computed once, from the frozen text tower)")
        from drivexplain.operators.assets import CONFIG_DIR
        from drivexplain.operators.contrastive import load_vocabulary
        from drivexplain.operators.verdicts.colours import split_concept

        source = cfg.get("distill_from") or cfg.get("init_from")
        if not source:
            raise ValueError("distill_weight needs distill_from or init_from: the weights to "
                             "keep the cosines of")
        teacher = build_model({**cfg, "init_from": source}).to(device)
        concepts = [c for c in load_vocabulary(CONFIG_DIR / "vocabulary.yaml")
                    if split_concept(c) is None]
        with torch.no_grad():
            directions = student.encode_text(tokenizer(concepts).to(device), normalize=True)
        return cls(teacher, directions.detach())

    def loss(self, images: torch.Tensor, student_unit: torch.Tensor, scale: torch.Tensor,
             whole: torch.Tensor) -> torch.Tensor:
        """The distillation term over the images `whole` marks; 0 when it marks none."""
        if not bool(whole.any()):
            return student_unit.sum() * 0.0
        images, student_unit = images[whole], student_unit[whole]
        with torch.no_grad():
            teacher_unit = torch.nn.functional.normalize(
                self.model.encode_image(images).float(), dim=-1)
        gap = (student_unit.float() - teacher_unit) @ self.directions.float().T
        return (scale.detach().float() * gap).pow(2).mean()


def supervised_loss(model, tokenizer, batch: TrainBatch, cfg: dict,
                    teacher: Teacher | None = None) -> tuple[torch.Tensor, dict[str, float]]:
    """Caption contrastive loss plus the presence and dense targets of `supervision.py`, and
    with `teacher` its `distill_weight` term (`Teacher`).

    `batch` comes from `train_batches.build_batch`, on the CPU; its tensors are moved to the
    model's device here.
    """
    device = next(model.parameters()).device
    t = batch.targets
    assert t is not None, "supervised_loss needs a batch built with targets"
    images, texts, truth = (x.to(device, non_blocking=True)
                            for x in (batch.images, batch.texts, batch.truth))
    presence, patches, background = (x.to(device, non_blocking=True)
                                     for x in (t.presence, t.patches, t.background))
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
    model.visual.output_tokens = True
    try:
        pooled, tokens = model.visual(images)
    finally:
        for hook in hooks:
            hook.remove()
    img_f = torch.nn.functional.normalize(pooled, dim=-1)
    projected = tokens @ model.visual.proj  # patch tokens in the joint space
    txt_f = model.encode_text(texts, normalize=True)
    cls_f = model.encode_text(tokenizer(t.prompts).to(device), normalize=True)
    scale = model.logit_scale.exp()
    n_cls = len(OBJECT_CLASSES)
    balance = presence_balance(presence, float(cfg.get("presence_balance_max", 0.0)))
    parts = {
        "clip": multi_positive_clip_loss(img_f, txt_f, scale, truth, batch.n_paired,
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
    if teacher is not None:
        parts["distill"] = teacher.loss(images, img_f, scale, batch.whole.to(device))
        loss = loss + float(cfg.get("distill_weight", 0.0)) * parts["distill"]
    colour_weight = float(cfg.get("colour_weight", 0.0))
    if colour_weight > 0:
        dense = bool(cfg.get("colour_dense", True))
        parts["colour"] = colour_loss(model, tokenizer, t, img_f,
                                      projected if dense else None,
                                      values if dense and value_weight > 0 else None, scale)
        loss = loss + colour_weight * parts["colour"]
    return loss, {k: float(v.detach()) for k, v in parts.items()}


def colour_loss(model, tokenizer, targets: Targets, img_f: torch.Tensor,
                projected: torch.Tensor | None, values: torch.Tensor | None,
                scale: torch.Tensor) -> torch.Tensor:
    """Presence, dense (with `projected`) and value-path (with `values`) targets over
    `COLOURED_NAMES`: the class targets of `supervised_loss`, with each object's colour in its
    name. `colour_dense: false` in a config leaves out the two patch-level ones, so the colours
    are taught to the pooled embedding alone and the patch tokens that Concept Attribution
    reads keep the class targets only."""
    device = img_f.device
    presence = targets.colour_presence.to(device)
    patches = targets.colour_patches.to(device)
    names = model.encode_text(tokenizer(list(COLOURED_NAMES)).to(device), normalize=True)
    loss = presence_loss(img_f, names, presence)
    if projected is not None:
        loss = loss + dense_loss(projected, None, names, scale, patches)
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
    sd = {k: (v.detach().to(dt) if v.is_floating_point() else v.detach()).cpu()
          .contiguous()
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


def resolve_device(name: str) -> torch.device:
    """`device:` of a training config: `auto` (CUDA when there is one), `cpu`, `cuda`, `cuda:N`."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"training config asks for device {name!r}, but torch sees no CUDA "
                         "device here; use device: auto or cpu")
    return device


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    """bf16 autocast where the config asks for it on a CUDA device; fp32 everywhere else.

    bf16 keeps fp32's exponent range, so the contrastive logits need no loss scaling. The
    weights, the optimiser state and the exported checkpoints stay fp32 (fp16 on export).
    """
    if precision not in ("fp32", "bf16"):
        raise ValueError(f"precision must be fp32 or bf16, got {precision!r}")
    if precision == "bf16" and device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


STATE_FILE = "state.pt"  # optimiser state and position, beside last.safetensors


def resume_point(run_dir: Path) -> dict | None:
    """What `_checkpoint` saved to continue the run in `run_dir`, or None without a checkpoint.

    Read with `weights_only=True`: plain tensors, numbers and dicts, never pickled code.
    """
    state, weights = run_dir / STATE_FILE, run_dir / "last.safetensors"
    if not (state.is_file() and weights.is_file()):
        return None
    return torch.load(state, map_location="cpu", weights_only=True)


def train(cfg: dict, resume: bool = False) -> Path:
    """Run (or, with `resume`, continue) the training `cfg` describes; returns the export.

    A resumed run loads `run_dir`'s last fp32 weights and optimiser state and goes on at the
    next step, with the batch that step would have had (`train_batches.step_rng`) and its
    clock where it stopped, so the wall-clock learning-rate schedule and the time budget span
    both sittings.
    """
    import open_clip
    from safetensors.torch import load_file

    torch.manual_seed(int(cfg.get("seed", 0)))
    torch.set_num_threads(int(cfg.get("threads", 2)))
    device = resolve_device(str(cfg.get("device", "auto")))
    precision = str(cfg.get("precision", "fp32"))
    targets = uses_targets(cfg)
    model = build_model(cfg)
    decay, no_decay = trainable_parameters(model, bool(cfg.get("freeze_text", False)))
    run_dir = Path(cfg["run_dir"])
    state = resume_point(run_dir) if resume else None
    if resume and state is None:
        raise FileNotFoundError(f"nothing to resume in {run_dir}: it holds no {STATE_FILE} "
                                "and last.safetensors; start the run without resume")
    anchor_weight = float(cfg.get("anchor_weight", 0.0))
    # L2-SP's anchor is where the fine-tune started (init_from), also after a resume.
    anchor = {name: p.detach().clone().to(device) for name, p in model.named_parameters()
              if p.requires_grad} if anchor_weight > 0 else {}
    if state is not None:
        model.load_state_dict(load_file(str(run_dir / "last.safetensors")))
    model.to(device)
    model.train()
    grid = tuple(int(v) for v in model.visual.grid_size)
    size = tuple(int(v) for v in model.visual.image_size)
    tokenizer = open_clip.get_tokenizer(model_name(cfg))
    positives = cfg.get("positives", "each")
    teacher = Teacher.from_config(cfg, model, tokenizer, device)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": float(cfg["weight_decay"])},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=float(cfg["lr"]), betas=(0.9, 0.98), eps=1e-6)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.json").write_text(json.dumps(cfg, indent=2))
    budget_s = 60.0 * float(cfg["time_budget_min"])
    first_step, n_seen, loss_ema = 0, 0, None
    t_start = time.time()
    if state is not None:
        opt.load_state_dict(state["optimizer"])
        first_step, n_seen = int(state["step"]) + 1, int(state["images_seen"])
        loss_ema = state.get("loss_ema")
        t_start -= float(state["elapsed_s"])
    source = BatchSource(cfg, model_name(cfg), tokenizer, size, grid, first_step,
                         int(cfg.get("render_workers", 0)))
    print(json.dumps({"device": str(device),
                      "precision": "bf16" if precision == "bf16" and device.type == "cuda"
                      else "fp32",
                      "render_workers": int(cfg.get("render_workers", 0)),
                      "first_step": first_step}), flush=True)
    last_ckpt = time.time()
    step = first_step - 1
    try:
        batches = iter(source)
        for step in range(first_step, int(cfg.get("max_steps", 10**9))):
            elapsed = time.time() - t_start
            if elapsed > min(budget_s, 60.0 * float(cfg.get("stop_after_min") or 1e9)):
                step -= 1
                break
            lr = lr_at(step, elapsed, cfg)
            for g in opt.param_groups:
                g["lr"] = lr
            t0 = time.time()
            batch = next(batches)
            t_data = time.time() - t0
            with autocast(device, precision):
                if targets:
                    loss, parts = supervised_loss(model, tokenizer, batch, cfg, teacher)
                else:
                    out = model(batch.images.to(device), batch.texts.to(device))
                    loss = multi_positive_clip_loss(out[0], out[1], out[2],
                                                    batch.truth.to(device), batch.n_paired,
                                                    positives)
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
            n_seen += batch.images.shape[0]
            loss_v = float(loss.detach())
            loss_ema = loss_v if loss_ema is None else 0.95 * loss_ema + 0.05 * loss_v
            if step % int(cfg.get("log_every", 10)) == 0:
                el = time.time() - t_start
                rec = {"step": step, "loss": round(loss_v, 4), "loss_ema": round(loss_ema, 4),
                       "lr": round(lr, 7), "scale": round(float(scale.detach()), 2),
                       "img_per_s": round(n_seen / el, 2), "data_s": round(t_data, 2),
                       "build_s": round(batch.seconds, 2), "step_s": round(time.time() - t0, 2),
                       "elapsed_min": round(el / 60, 2),
                       **{k: round(v, 4) for k, v in parts.items()}}
                print(json.dumps(rec), flush=True)
            if time.time() - last_ckpt > 60 * float(cfg.get("checkpoint_every_min", 10)):
                _checkpoint(model, opt, cfg, run_dir, step, n_seen, t_start, loss_ema,
                            final=False)
                last_ckpt = time.time()
    finally:
        source.close()
    return _checkpoint(model, opt, cfg, run_dir, step, n_seen, t_start, loss_ema, final=True)


def _checkpoint(model, opt, cfg, run_dir: Path, step: int, n_seen: int, t_start: float,
                loss_ema: float | None, final: bool) -> Path:
    """Export the weights (fp32 `last.safetensors` to resume from, and the export file), the
    optimiser state and position (`STATE_FILE`) and a readable `checkpoint.json`."""
    model.eval()
    model.visual.output_tokens = False
    export_weights(model, run_dir / "last.safetensors", "float32", model_name(cfg))
    path = export_weights(model, cfg["export_path"], cfg.get("export_dtype", "float16"),
                          model_name(cfg))
    model.train()
    elapsed = time.time() - t_start
    tmp = run_dir / (STATE_FILE + ".tmp")
    torch.save({"optimizer": opt.state_dict(), "step": step, "images_seen": n_seen,
                "elapsed_s": elapsed, "loss_ema": loss_ema}, tmp)
    tmp.replace(run_dir / STATE_FILE)
    info = {"step": step, "images_seen": n_seen, "minutes": round(elapsed / 60, 2),
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
    ap.add_argument("--max-steps", type=int, default=None,
                    help="override the config's step limit (e.g. for a smoke run)")
    ap.add_argument("--resume", action="store_true",
                    help="continue the run in run_dir from its last checkpoint")
    ap.add_argument("--device", default=None, help="override the config's device (auto, cpu, "
                    "cuda)")
    ap.add_argument("--render-workers", type=int, default=None,
                    help="processes that render batches ahead of the loop (0: in the loop)")
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
    if args.device:
        cfg["device"] = args.device
    if args.max_steps is not None:
        cfg["max_steps"] = args.max_steps
    if args.render_workers is not None:
        cfg["render_workers"] = args.render_workers
    train(cfg, resume=args.resume)


if __name__ == "__main__":
    main()
