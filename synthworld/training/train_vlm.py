"""Train the shipped tiny LLaVA on synthetic-world question/answer pairs, on CPU, in a budget.

Run: `python -m drivexplain.synthworld.training.train_vlm --out weights/tiny-drive-llava`.

The vision tower is the shipped TinyDriveCLIP's visual tower converted to transformers
(`operators.vlm.convert`) and kept frozen: the hybrid fuses CLIP and LLM gradients only when both
come from the same encoder, so the tower must stay bit-for-bit the shipped CLIP's. Because it is
frozen, its features are computed once per frame and cached; training then only runs the
projector and the language model, which is what makes a CPU run feasible.

The model directory is an ordinary LLaVA (safetensors + word-level tokenizer + processor), loaded
by `operators.vlm.backend.load_vlm` through exactly the code path of any llava-hf checkpoint.
The model card (README.md) records the measured answer accuracy per question type on held-out seeds.
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
import torch.nn.functional as F

from drivexplain.operators.assets import file_sha256, package_relative
from drivexplain.operators.vlm.backend import (
    FALLBACK_PROMPT_TEMPLATE,
    TEXT_ONLY_PROMPT_TEMPLATE,
    load_vlm,
)
from drivexplain.operators.vlm.build import (
    build_tiny_llava,
    build_word_tokenizer,
    save_llava,
    split_words,
)
from drivexplain.operators.vlm.convert import compare_towers, convert_open_clip_visual, tower_kwargs
from drivexplain.synthworld.qa import QA, QA_KINDS, answer_matches, qa_pairs, vocabulary_corpus
from drivexplain.synthworld.scene import Frame, render_scene

DEFAULTS: dict[str, Any] = {
    "render_size": (384, 216),
    "train_frames": 4000,
    "eval_frames": 300,
    "train_seed_base": 20_000_000,  # disjoint from the CLIP's training (30M+) and eval (<1M)
    "eval_seed_base": 500_000,
    "text_hidden": 128,
    "text_layers": 2,
    "text_heads": 4,
    "turns": 6,
    "batch_size": 16,
    "lr": 2e-3,
    "min_lr": 5e-5,
    "warmup_steps": 20,
    "weight_decay": 0.01,
    "time_budget_min": 30.0,
    "max_steps": 100_000,
    "threads": 2,
    "seed": 0,
    "log_every": 20,
}


def _frames(seeds: range, size: tuple[int, int]) -> list[Frame]:
    return [render_scene(s, size=size) for s in seeds]


@torch.no_grad()
def tower_features(
    model: Any, processor: Any, frames: list[Frame], batch: int = 64
) -> torch.Tensor:
    """The tower's selected-layer hidden states per frame, exactly as the LLaVA would compute.

    Returns (N, tokens, width) float16 with CLS dropped per the 'default' strategy: the frozen
    tower's output is all the projector ever sees, so caching it loses nothing.
    """
    config = model.config
    out = []
    for start in range(0, len(frames), batch):
        images = [f.image for f in frames[start : start + batch]]
        pixels = processor.image_processor(images, return_tensors="pt")["pixel_values"]
        hidden = model.model.vision_tower(
            pixels, output_hidden_states=True, **tower_kwargs(config.vision_config, pixels)
        ).hidden_states
        layer = hidden[config.vision_feature_layer]
        if config.vision_feature_select_strategy == "default":
            layer = layer[:, 1:]
        out.append(layer.to(torch.float16))
    return torch.cat(out)


def encode_examples(
    tokenizer: Any,
    qas: list[tuple[int, QA]],
    image_tokens: int,
    turns: int,
    rng: np.random.Generator,
) -> list[tuple[int, list[int], list[int]]]:
    """Pack up to `turns` QAs of one frame into one multi-turn sequence: (frame, ids, labels).

    The first turn is exactly the backend's single-turn format (image, question, answer, EOS);
    later turns follow as text-only turns, as in LLaVA's own multi-turn training data. Packing
    shares the image tokens (252 on the shipped tower) between several questions, which makes a
    CPU run several times cheaper. Turn order is shuffled so every question type is trained in the
    first turn too.
    """
    by_frame: dict[int, list[QA]] = {}
    for index, qa in qas:
        by_frame.setdefault(index, []).append(qa)
    eos = tokenizer.eos_token_id
    out = []
    for index, items in by_frame.items():
        items = [items[i] for i in rng.permutation(len(items))]
        for start in range(0, len(items), turns):
            ids: list[int] = []
            labels: list[int] = []
            for k, qa in enumerate(items[start : start + turns]):
                if k == 0:
                    prompt = FALLBACK_PROMPT_TEMPLATE.format(prompt=qa.question)
                    prompt = prompt.replace("<image>", "<image>" * image_tokens)
                else:
                    prompt = " " + TEXT_ONLY_PROMPT_TEMPLATE.format(prompt=qa.question)
                prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
                answer_ids = tokenizer(" " + qa.answer, add_special_tokens=False)["input_ids"]
                answer_ids = [*answer_ids, eos]
                ids += prompt_ids + answer_ids
                labels += [-100] * len(prompt_ids) + answer_ids
            out.append((index, ids, labels))
    return out


def collate(
    examples: list[tuple[int, list[int], list[int]]], pad_id: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, list[int]]:
    """Right-padded ids, attention mask and labels (-100 on prompts and padding)."""
    length = max(len(ids) for _, ids, _ in examples)
    ids = torch.full((len(examples), length), pad_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    labels = torch.full_like(ids, -100)
    for row, (_, seq, lab) in enumerate(examples):
        ids[row, : len(seq)] = torch.tensor(seq)
        mask[row, : len(seq)] = 1
        labels[row, : len(seq)] = torch.tensor(lab)
    return ids, mask, labels, [e[0] for e in examples]


def lm_loss(model: Any, features: torch.Tensor, ids, mask, labels) -> torch.Tensor:
    """Next-token loss with cached tower features fed through the model's own projector."""
    from transformers.modeling_outputs import BaseModelOutputWithPooling

    projected = model.model.multi_modal_projector(features.float())
    image = BaseModelOutputWithPooling(pooler_output=list(projected))
    logits = model(
        input_ids=ids, attention_mask=mask, mm_encoder_outputs={"image": image}, use_cache=False
    ).logits
    return F.cross_entropy(
        logits[:, :-1].reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1), ignore_index=-100
    )


def evaluate(model_dir: Path, frames: list[Frame], seed: int) -> dict[str, dict[str, float]]:
    """Greedy answers through the real backend (pixels in, text out), exact match per kind."""
    vlm = load_vlm(model_dir, device="cpu", max_new_tokens=40)
    rng = np.random.default_rng(seed)
    by_kind: dict[str, list[bool]] = {k: [] for k in QA_KINDS}
    batch: list[tuple[np.ndarray, QA]] = []

    def flush() -> None:
        if not batch:
            return
        texts = vlm.answer_texts([b[0] for b in batch], [b[1].question for b in batch])
        for text, (_, qa) in zip(texts, batch, strict=True):
            by_kind[qa.kind].append(answer_matches(text, qa.answer))
        batch.clear()

    for frame in frames:
        for qa in qa_pairs(frame, rng):
            batch.append((frame.image, qa))
            if len(batch) == 64:
                flush()
    flush()
    report = {
        kind: {"accuracy": float(np.mean(v)) if v else float("nan"), "n": len(v)}
        for kind, v in by_kind.items()
    }
    everything = [x for v in by_kind.values() for x in v]
    report["all"] = {"accuracy": float(np.mean(everything)), "n": len(everything)}
    return report


def majority_baseline(frames: list[Frame], seed: int) -> dict[str, float]:
    """Accuracy of always giving each kind's most common answer: the bar to clear."""
    from collections import Counter

    rng = np.random.default_rng(seed)
    answers: dict[str, list[str]] = {k: [] for k in QA_KINDS}
    for frame in frames:
        for qa in qa_pairs(frame, rng):
            answers[qa.kind].append(qa.answer)
    out = {}
    hits = total = 0
    for kind, values in answers.items():
        if values:
            top = Counter(values).most_common(1)[0][1]
            out[kind] = top / len(values)
            hits, total = hits + top, total + len(values)
    out["all"] = hits / max(total, 1)
    return out


def model_card(cfg: dict, report: dict, baseline: dict, tower: dict, stats: dict) -> str:
    rows = "\n".join(
        f"| {kind} | {report[kind]['accuracy']:.3f} | {baseline.get(kind, float('nan')):.3f} "
        f"| {report[kind]['n']} |"
        for kind in (*QA_KINDS, "all")
        if kind in report
    )
    return f"""# tiny-drive-llava

A tiny LLaVA (transformers `LlavaForConditionalGeneration`) trained by
`synthworld/training/train_vlm.py` on question/answer pairs generated from the synthetic driving
world's ground truth (`synthworld/qa.py`). It is drivexplain's default VLM: small enough for
CPU, and loaded through the same code path as any llava-hf checkpoint.

- Vision tower: the shipped TinyDriveCLIP visual tower, converted to `CLIPVisionModel`
  (`operators/vlm/convert.py`) and frozen. Feature equality with the open_clip tower, max
  absolute difference over all hidden states and the pooled embedding: {tower["max_diff"]:.3g}
  (feature scale {tower["max_abs_feature"]:.3g}).
- Feature layer: {cfg["vision_feature_layer"]} ('default' strategy, CLS dropped), squash resize to
  the CLIP's {tower["input"]} input (height x width), as the CLIP was trained. A non-square tower is
  stored with a square position grid that interpolates exactly onto its own
  (`operators/vlm/convert.py`); the backend runs it with `interpolate_pos_encoding`.
- Language model: Llama, {cfg["text_layers"]} layers, hidden {cfg["text_hidden"]}, word-level
  tokenizer of {stats["vocab_size"]} words.
- Training: {stats["steps"]} steps of batch {cfg["batch_size"]} in {stats["minutes"]:.1f} min on
  CPU, {stats["train_qas"]} QA pairs ({stats["train_examples"]} packed sequences of up to
  {cfg["turns"]} turns) from {cfg["train_frames"]} frames (seeds from {cfg["train_seed_base"]});
  final training loss {stats["final_loss"]:.3f}.
- Built on CLIP weights {stats["clip_weights"]} (sha256 {stats["clip_sha256"][:16]}..); the
  hybrid's tower check fails against any other CLIP checkpoint.
{stats.get("note", "")}

## Measured answer accuracy (greedy, exact match, held-out seeds {cfg["eval_seed_base"]}..)

| question type | accuracy | majority-answer baseline | n |
|---|---|---|---|
{rows}

Question types: presence yes/no ("can you see any pedestrians?"), "what is in front of us?",
colour ("what colour is the car?"), count, "describe this image." (exact match of the full
templated description: strict), and ambiguous prompts ("i don't like winter.", "is it safe to
drive?"). A type whose accuracy does not beat its majority baseline has not been learned.

Limits: it knows only the synthetic world's {stats["vocab_size"]} words; anything else is
`<unk>`. It is an audit target and a test fixture, not a driving assistant.
"""


def _warm_start(model: Any, source: Path, tokenizer: Any) -> None:
    """Start the projector and language model from an earlier run, keeping the new tower.

    The CLIP may be retrained after the LLaVA was; the projector and LM then only need to adapt
    to the shifted features, which is much cheaper than learning the language from scratch.
    """
    from transformers import LlavaForConditionalGeneration

    vocab = json.loads((source / "tokenizer.json").read_text())["model"]["vocab"]
    if vocab != tokenizer.get_vocab():
        raise ValueError(f"{source}: vocabulary differs from this run's; cannot warm start")
    # from_pretrained, not the raw file: transformers 5 stores checkpoint keys in another layout
    state = LlavaForConditionalGeneration.from_pretrained(source).state_dict()
    own = model.state_dict()
    keep = {k: v for k, v in state.items() if "vision_tower" not in k and k in own}
    if len(keep) != sum("vision_tower" not in k for k in own) or any(
        own[k].shape != v.shape for k, v in keep.items()
    ):
        raise ValueError(f"{source}: language model / projector shapes differ; cannot warm start")
    model.load_state_dict(keep, strict=False)
    print(f"warm start: {len(keep)} tensors from {source}")


def train(cfg: dict, out_dir: Path, clip_weights: Path | None) -> dict:
    from drivexplain.operators.models.tiny_clip import create_tiny_clip, default_weights_path

    torch.manual_seed(int(cfg["seed"]))
    torch.set_num_threads(int(cfg["threads"]))
    size = tuple(cfg["render_size"])
    clip_path = Path(clip_weights) if clip_weights is not None else default_weights_path()
    clip = create_tiny_clip(clip_path)
    converted = convert_open_clip_visual(clip.visual)
    words = sorted({w for text in vocabulary_corpus() for w in split_words(text)})
    tokenizer = build_word_tokenizer(words)
    model, processor = build_tiny_llava(
        tokenizer,
        vision_tower=converted,
        squash=True,
        text_hidden=int(cfg["text_hidden"]),
        text_layers=int(cfg["text_layers"]),
        text_heads=int(cfg["text_heads"]),
        vision_feature_layer=int(cfg.get("vision_feature_layer", -2)),
        seed=int(cfg["seed"]),
    )
    if cfg.get("init_from"):
        _warm_start(model, Path(cfg["init_from"]), tokenizer)
    model.train()
    model.model.vision_tower.requires_grad_(False)
    model.model.vision_tower.eval()

    t0 = time.time()
    seeds = range(
        int(cfg["train_seed_base"]), int(cfg["train_seed_base"]) + int(cfg["train_frames"])
    )
    frames = _frames(seeds, size)
    features = tower_features(model, processor, frames)
    rng = np.random.default_rng(int(cfg["seed"]))
    qas = [(i, qa) for i, f in enumerate(frames) for qa in qa_pairs(f, rng)]
    examples = encode_examples(tokenizer, qas, features.shape[1], int(cfg["turns"]), rng)
    del frames
    print(
        f"cached {len(features)} frames, {len(qas)} QA pairs in {len(examples)} sequences "
        f"in {time.time() - t0:.0f}s"
    )

    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(
        params, lr=float(cfg["lr"]), weight_decay=float(cfg["weight_decay"])
    )
    budget = float(cfg["time_budget_min"]) * 60.0
    start = time.time()
    step, losses = 0, []
    order = np.random.default_rng(int(cfg["seed"]) + 1)
    while step < int(cfg["max_steps"]):
        elapsed = time.time() - start
        if elapsed > budget:
            break
        warm = min(1.0, (step + 1) / int(cfg["warmup_steps"]))
        progress = min(1.0, elapsed / budget)
        lr = float(cfg["min_lr"]) + 0.5 * (float(cfg["lr"]) - float(cfg["min_lr"])) * (
            1 + math.cos(math.pi * progress)
        )
        for group in optimiser.param_groups:
            group["lr"] = lr * warm
        batch_size = int(cfg["batch_size"])
        pick = order.choice(len(examples), size=batch_size, replace=len(examples) < batch_size)
        ids, mask, labels, frame_index = collate(
            [examples[i] for i in pick], tokenizer.pad_token_id
        )
        loss = lm_loss(model, features[frame_index], ids, mask, labels)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        losses.append(loss.item())
        step += 1
        if step % int(cfg["log_every"]) == 0:
            recent = float(np.mean(losses[-int(cfg["log_every"]) :]))
            print(f"step {step} loss {recent:.4f} lr {lr * warm:.2e} {time.time() - start:.0f}s")
    minutes = (time.time() - start) / 60.0

    model.eval()
    save_llava(model, processor, out_dir)
    pixels = torch.randn(2, 3, *clip.visual.image_size)
    reloaded = load_vlm(out_dir, device="cpu")
    comparison = compare_towers(clip.visual, reloaded.model.model.vision_tower, pixels)
    tower = {
        "max_diff": comparison.max_diff,
        "max_abs_feature": comparison.max_abs_feature,
        "input": "x".join(str(v) for v in clip.visual.image_size),
    }
    eval_seeds = range(
        int(cfg["eval_seed_base"]), int(cfg["eval_seed_base"]) + int(cfg["eval_frames"])
    )
    eval_frames = _frames(eval_seeds, size)
    report = evaluate(out_dir, eval_frames, seed=int(cfg["seed"]) + 7)
    baseline = majority_baseline(eval_frames, seed=int(cfg["seed"]) + 7)
    stats = {
        "steps": step,
        "minutes": minutes,
        "final_loss": float(np.mean(losses[-50:])) if losses else float("nan"),
        "train_examples": len(examples),
        "train_qas": len(qas),
        "vocab_size": len(tokenizer),
        "clip_weights": package_relative(clip_path),
        "clip_sha256": file_sha256(clip_path),
    }
    if cfg.get("init_from"):
        stats["note"] = (
            f"Warm start: the language model and projector start from `{cfg['init_from']}` "
            f"(an earlier tiny LLaVA on an earlier CLIP); this run fine-tuned them for "
            f"{minutes:.1f} min on the current tower."
        )
    cfg = {**cfg, "vision_feature_layer": model.config.vision_feature_layer}
    (out_dir / "README.md").write_text(model_card(cfg, report, baseline, tower, stats))
    summary = {
        "config": cfg,
        "accuracy": report,
        "majority_baseline": baseline,
        "tower": tower,
        **stats,
    }
    (out_dir / "training_summary.json").write_text(json.dumps(summary, indent=2, default=str))
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("weights/tiny-drive-llava"))
    parser.add_argument("--clip-weights", type=Path, default=None, help="default: shipped CLIP")
    parser.add_argument("--init-from", default=None, help="LLaVA dir to warm-start LM/projector")
    for key, value in DEFAULTS.items():
        if isinstance(value, tuple):
            continue
        parser.add_argument(f"--{key.replace('_', '-')}", type=type(value), default=value)
    args = parser.parse_args(argv)
    cfg = {k: getattr(args, k) if not isinstance(v, tuple) else v for k, v in DEFAULTS.items()}
    cfg["init_from"] = args.init_from
    summary = train(cfg, args.out, args.clip_weights)
    print(json.dumps({"accuracy": summary["accuracy"], "tower": summary["tower"]}, indent=2))


if __name__ == "__main__":
    main()
