"""One training step's data for `train_clip`, built without the model, in the loop or in workers.

A step's batch depends only on the run's config and the step's number: each step draws from a
generator of its own (`step_rng`). So the same batch comes out whether it is built in the
training loop, in any of several worker processes, or after a resume. That is what lets a run
on an accelerator render ahead on many cores (`render_workers`), and a run stopped at step k go
on at step k with the data it would have seen.

Everything here is CPU work (rendering, captions, mask augmentation, the world's labels), and
every tensor of a `TrainBatch` is a CPU tensor; the loop moves them to its device.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

import numpy as np
import torch

from drivexplain.operators.models.tiny_clip import frames_to_tensor, register_model_configs
from drivexplain.synthworld.captions import PRESENCE_TEMPLATES
from drivexplain.synthworld.objects import OBJECT_CLASSES
from drivexplain.synthworld.scene import SALIENT_FRAC, render_scene
from drivexplain.synthworld.training.clip_data import (
    counterfactual,
    crop_view,
    frame_facts,
    sample_caption,
    truth_matrix,
)
from drivexplain.synthworld.training.supervision import (
    PATCH_COVER,
    background_patches,
    class_coverage,
    colour_coverage,
    mask_augment,
    patch_labels,
    presence_labels,
)

BOOST_SEED_OFFSET = 1 << 44  # rare-class frames come from seeds no other draw uses


def step_rng(cfg: dict, step: int) -> np.random.Generator:
    """The generator of one step's random choices, from the config's `seed` and the step."""
    return np.random.default_rng([int(cfg.get("seed", 0)), step])


def uses_targets(cfg: dict) -> bool:
    """Whether the run adds the world's presence/dense targets to the caption loss."""
    return any(float(cfg.get(key, 0.0)) > 0 for key in
               ("presence_weight", "dense_weight", "mask_augment_prob"))


@dataclass
class Targets:
    """The world's labels for one batch, from what stays visible after mask augmentation.

    `presence` (B, C): 1 salient and visible, 0 nowhere, -1 unsure; `patches` (B, P): the class
    index a patch shows, -1 none; `background` (B, P): visible patches that touch no object.
    `colour_presence` and `colour_patches` are the same over `supervision.COLOURED_NAMES`, set
    only when the run has `colour_weight`. `prompts`: the class names, then the same names in
    this step's presence template.
    """

    presence: torch.Tensor
    patches: torch.Tensor
    background: torch.Tensor
    prompts: list[str]
    colour_presence: torch.Tensor | None = None
    colour_patches: torch.Tensor | None = None


@dataclass
class TrainBatch:
    """One step's data: `images` (B, 3, H, W), normalised (after mask augmentation when the
    run has targets); `texts`, the tokenised captions then the counterfactual hard negatives;
    `truth` (B, T), 1 true, 0 false, -1 not known (an augmented image's captions); `n_paired`,
    how many texts are sampled true captions; `targets`, None for a caption-only run; `seconds`,
    what building it cost; `whole` (B,) bool, True for an image that is a whole frame and False
    for a close-up (`crop_prob`), so a loss that only holds for whole frames can leave the
    close-ups out."""

    images: torch.Tensor
    texts: torch.Tensor
    truth: torch.Tensor
    n_paired: int
    targets: Targets | None
    seconds: float
    whole: torch.Tensor


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


def make_batch(step: int, cfg: dict, tokenizer, rng: np.random.Generator,
               input_size: tuple[int, int] | None = None):
    """Render a batch of new scenes and build captions, hard negatives and their truth table.

    `input_size` is the model's (height, width); by default TinyDriveCLIP's. Returns the images,
    tokenised texts, truth table, number of paired captions, the frames, and which images are
    whole frames rather than close-ups.
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
    whole = torch.ones(b, dtype=torch.bool)
    if crop_prob > 0:
        scales = tuple(float(v) for v in cfg.get("crop_scales", (0.3, 0.7)))
        # close-ups cut from the same scene rendered larger hold the detail a crop of a
        # frame of the whole batch's size would only enlarge
        crop_size = tuple(cfg.get("crop_render_size") or size)
        min_share = float(cfg.get("crop_min_share", SALIENT_FRAC))
        salient_centres = bool(cfg.get("crop_salient_centres", False))
        for i in range(b):
            if rng.random() < crop_prob:
                source = frames[i] if crop_size == size else render_scene(frames[i].seed,
                                                                         size=crop_size)
                frames[i] = crop_view(source, rng, scales, min_share, salient_centres)
                whole[i] = False
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
    return images, texts, truth, len(caps), frames, whole


def batch_targets(images: torch.Tensor, truth: torch.Tensor, frames: list,
                  rng: np.random.Generator, cfg: dict, grid: tuple[int, int],
                  size: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor, Targets]:
    """Mask-augment `images` and label what stays visible.

    Augmented (partly blurred) images leave the caption loss, whose truth no longer holds: their
    rows of the returned truth are -1. Returns (images, truth, targets).
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
    template = str(rng.choice(PRESENCE_TEMPLATES))
    targets = Targets(presence, patches, background,
                      list(OBJECT_CLASSES) + [template.format(c) for c in OBJECT_CLASSES])
    if float(cfg.get("colour_weight", 0.0)) > 0:
        colours = [colour_coverage(f, size) for f in frames]
        targets.colour_presence = torch.from_numpy(np.stack(
            [presence_labels(sal, every, vis)
             for (sal, every), vis in zip(colours, visible, strict=True)]))
        targets.colour_patches = torch.from_numpy(np.stack(
            [patch_labels(every, vis, grid, min_cover)
             for (_, every), vis in zip(colours, visible, strict=True)]))
    return images, truth, targets


def build_batch(step: int, cfg: dict, tokenizer, input_size: tuple[int, int],
                grid: tuple[int, int]) -> TrainBatch:
    """Step `step`'s batch: the same for the same config and step, wherever it is built."""
    started = time.perf_counter()
    rng = step_rng(cfg, step)
    images, texts, truth, n_paired, frames, whole = make_batch(step, cfg, tokenizer, rng,
                                                               input_size)
    targets = None
    if uses_targets(cfg):
        images, truth, targets = batch_targets(images, truth, frames, rng, cfg, grid,
                                               input_size)
    return TrainBatch(images, texts, truth, n_paired, targets, time.perf_counter() - started,
                      whole)


_WORKER: dict[str, Any] = {}


def _start_worker(model_name: str, cfg: dict, input_size: tuple[int, int],
                  grid: tuple[int, int]) -> None:
    import open_clip

    torch.set_num_threads(1)  # one core per worker: the workers are the parallelism
    register_model_configs()
    _WORKER.update(tokenizer=open_clip.get_tokenizer(model_name), cfg=cfg,
                   input_size=input_size, grid=grid)


def _build_in_worker(step: int) -> TrainBatch:
    w = _WORKER
    return build_batch(step, w["cfg"], w["tokenizer"], w["input_size"], w["grid"])


class BatchSource:
    """The batches of steps `start`, `start + 1`, ... in order.

    With `workers` = 0 each batch is built in the loop when it is asked for. With more, that
    many spawned processes build them, `2 * workers` steps ahead of the loop (spawned, not
    forked: a forked child of a process that has run torch can hang in its thread pool).
    """

    def __init__(self, cfg: dict, model_name: str, tokenizer, input_size: tuple[int, int],
                 grid: tuple[int, int], start: int = 0, workers: int = 0) -> None:
        self.cfg, self.tokenizer = cfg, tokenizer
        self.input_size, self.grid = input_size, grid
        self.next_step = start
        self.pool: ProcessPoolExecutor | None = None
        self.pending: deque[Future] = deque()
        if workers > 0:
            self.pool = ProcessPoolExecutor(
                workers, mp_context=get_context("spawn"), initializer=_start_worker,
                initargs=(model_name, cfg, input_size, grid))
            for _ in range(2 * workers):
                self._submit()

    def _submit(self) -> None:
        assert self.pool is not None
        self.pending.append(self.pool.submit(_build_in_worker, self.next_step))
        self.next_step += 1

    def __iter__(self) -> Iterator[TrainBatch]:
        while True:
            if self.pool is None:
                step, self.next_step = self.next_step, self.next_step + 1
                yield build_batch(step, self.cfg, self.tokenizer, self.input_size, self.grid)
            else:
                batch = self.pending.popleft().result()
                self._submit()
                yield batch

    def close(self) -> None:
        """Stop the workers; batches built ahead are dropped."""
        if self.pool is not None:
            for future in self.pending:
                future.cancel()
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
