"""Overlay videos drawn from the kept heatmaps: the run's own overlays, its flagged clips, and
`drivexplain render`.

Every overlay is drawn from the uint8 maps a frame-log row keeps (`records.KeptHeatmaps`), so
the run's overlay and a later `render` of the same prompt show the same pixels, and a render
needs the source video and the log, never the model. A frame between analysed frames shows the
latest analysed frame's map (before the first, the first's). Each frame names what it shows:
the prompt's number and text and the concepts whose maps are drawn (fused by their maximum).
"""

from __future__ import annotations

import bisect
import contextlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from drivexplain.operators.overlay import COLORMAPS, DEFAULT_COLORMAP, fuse_kept, overlay_heatmap
from drivexplain.pipeline.sinks.records import VERDICT_NOT_EVALUATED, KeptHeatmaps
from drivexplain.pipeline.sinks.writers import SegmentEncoder, atomic_path, caption_band
from drivexplain.pipeline.sources.decode import DecodedFrame, VideoIndex

# The frame-log columns an overlay reads; reading only these keeps a long log cheap.
OVERLAY_COLUMNS = [
    "status", "error", "frame_index", "prompt", "answer", "verdict", "concepts",
    "concept_results", "heatmap_concepts", "heatmap_grid", "heatmaps",
]


class RenderError(ValueError):
    """What was asked cannot be drawn (unknown prompt, concept or colormap); says why."""


@dataclass(frozen=True)
class OverlaySpec:
    """What one overlay video shows: prompt number `number` (from 1), optionally only one
    of its concepts, in a colormap."""

    prompt: str
    number: int
    concept: str | None = None
    colormap: str = DEFAULT_COLORMAP


@dataclass(frozen=True)
class ShownRow:
    """What one analysed frame's row gives an overlay: its maps and its caption figures."""

    frame: int
    heat: KeptHeatmaps
    answer: str | None
    verdict: str
    figures: dict[str, tuple[float | None, float | None]]  # concept -> (CD, NS)

    @classmethod
    def from_row(cls, row: dict[str, Any], concept: str | None) -> ShownRow:
        figures = {r["concept"]: (r.get("concept_drop"), r.get("negative_suppression"))
                   for r in row.get("concept_results") or []}
        return cls(int(row["frame_index"]), KeptHeatmaps.from_row(row).select(concept),
                   row.get("answer"), row.get("verdict") or VERDICT_NOT_EVALUATED, figures)


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def caption_lines(spec: OverlaySpec, shown: ShownRow | None, frame: int,
                  error: str | None = None) -> list[str]:
    """The band under the frame: which prompt and concepts it shows, then the figures."""
    if shown is None:
        concepts = spec.concept or "none"
    else:
        concepts = ", ".join(shown.heat.concepts) or "none"
        if len(shown.heat.concepts) > 1:
            concepts += " (max)"
    lines = [f"heatmap: {concepts} | prompt {spec.number}: {spec.prompt[:70]}"]
    if shown is None:
        lines.append(f"frame {frame}: not analysed" + (f" ({error[:80]})" if error else ""))
        return lines
    first = shown.heat.concepts[0] if shown.heat.concepts else None
    cd, ns = shown.figures.get(first, (None, None)) if first else (None, None)
    lines.append(f"A: {(shown.answer or 'n/a')[:40]} | {first or '-'}: CD {_fmt(cd, '+.2f')} "
                 f"NS {_fmt(ns, '.2f')} | verdict: {shown.verdict}")
    return lines


def draw(image: np.ndarray, spec: OverlaySpec, shown: ShownRow | None, frame: int,
         error: str | None = None) -> np.ndarray:
    """One overlay frame: the kept maps blended on the source frame, and the caption band."""
    if shown is not None and shown.heat.concepts:
        image = overlay_heatmap(image, fuse_kept(shown.heat.maps), colormap=spec.colormap)
    return caption_band(image, caption_lines(spec, shown, frame, error))


@dataclass
class PromptRows:
    """One prompt's rows of one video, looked up by the frame an overlay frame shows."""

    spec: OverlaySpec
    analysed: list[int] = field(default_factory=list)
    rows: dict[int, ShownRow] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)

    @classmethod
    def build(cls, spec: OverlaySpec, rows: Iterable[dict[str, Any]]) -> PromptRows:
        found = cls(spec)
        for row in rows:
            if row.get("frame_index") is None:
                continue
            if row["status"] != "ok":
                found.errors[int(row["frame_index"])] = row.get("error") or "error"
            elif row["prompt"] == spec.prompt:
                shown = ShownRow.from_row(row, spec.concept)
                found.rows[shown.frame] = shown
        found.analysed = sorted(found.rows)
        return found

    def shown(self, frame: int) -> ShownRow | None:
        """The row whose map frame `frame` shows: the latest analysed at or before it, else
        the first analysed; None if this frame is an error frame or nothing was analysed."""
        if frame in self.errors or not self.analysed:
            return None
        at = bisect.bisect_right(self.analysed, frame) - 1
        return self.rows[self.analysed[max(at, 0)]]


@dataclass(frozen=True)
class EncodeStats:
    """What an overlay encode wrote and how long it took (decode, draw and encode)."""

    frames: int
    seconds: float
    errors: tuple[str, ...] = ()


def encode_overlays(
    frames: Iterable[DecodedFrame | tuple[int, str]],
    outputs: Sequence[tuple[Path, PromptRows]],
    size: tuple[int, int],
    time_base: Fraction,
    rate: Fraction | None,
    crf: int,
    preset: str,
    skip_before: int | None = None,
    rebase: bool = False,
) -> EncodeStats:
    """Draw each decoded frame once per (path, prompt rows) and write one overlay video each.

    `frames` is what a source reader yields (`pipeline.sources.formats.read_chunk`): frames,
    or (index, reason) for one that could not be decoded. Frames before `skip_before` are not
    written (a clip that starts between keyframes); `rebase` starts the written timestamps at
    0 (a clip). Each file is written atomically: an error leaves no half-written video.
    """
    started = time.perf_counter()
    errors: list[str] = []
    written = 0
    with contextlib.ExitStack() as files:  # all renamed into place, or none
        temps = [files.enter_context(atomic_path(path)) for path, _ in outputs]
        encoders = [SegmentEncoder(tmp, size[0], size[1], time_base, rate, crf, preset)
                    for tmp in temps]
        try:
            origin: int | None = None
            for item in frames:
                if not isinstance(item, DecodedFrame):
                    errors.append(f"frame {item[0]}: {item[1]}")
                    continue
                if skip_before is not None and item.index < skip_before:
                    continue
                if origin is None:
                    origin = item.pts if rebase else 0
                for encoder, (_, prompt_rows) in zip(encoders, outputs, strict=True):
                    image = draw(item.image, prompt_rows.spec, prompt_rows.shown(item.index),
                                 item.index, prompt_rows.errors.get(item.index))
                    encoder.add(image, item.pts - origin)
                written += 1
        finally:
            for encoder in encoders:
                encoder.close()
        if written == 0:
            raise RuntimeError("no frame could be decoded for the overlay")
    return EncodeStats(written, time.perf_counter() - started, tuple(errors))


def clip_range(index: VideoIndex, t0: float, t1: float, context_s: float) -> tuple[int, int]:
    """Frames [start, stop) of an episode from t0 to t1 s with `context_s` seconds either
    side (times since the first frame, as the frame log has them)."""
    times = [index.timestamp(i) for i in range(index.num_frames)]
    start = bisect.bisect_left(times, t0 - context_s - 1e-9)
    stop = max(start + 1, bisect.bisect_right(times, t1 + context_s + 1e-9))
    return min(start, index.num_frames - 1), min(stop, index.num_frames)


def check_colormap(name: str) -> str:
    if name not in COLORMAPS:
        raise RenderError(f"--colormap {name!r} is not a colormap; choose one of "
                          + ", ".join(sorted(COLORMAPS)))
    return name


@dataclass(frozen=True)
class RenderResult:
    """What `render_run` wrote."""

    path: Path
    video: str
    prompt: str
    concepts: tuple[str, ...]
    frames: int
    seconds: float


def render_run(
    run_dir: Path,
    out: Path,
    prompt: str | None = None,
    concept: str | None = None,
    colormap: str = DEFAULT_COLORMAP,
    video: str | None = None,
) -> RenderResult:
    """Redraw one prompt's overlay (optionally one concept, any colormap) over the whole
    source video, from the run's kept heatmaps; no model is loaded.

    Raises `RenderError` / `RunDirError` (ValueErrors) naming what cannot be drawn, before
    any video is decoded.
    """
    from drivexplain.pipeline.sinks.run_dir import open_run, pick_video

    check_colormap(colormap)
    if out.suffix.lower() != ".mp4":
        raise RenderError(f"--out {out} must name an .mp4 file")
    kept = pick_video(open_run(run_dir), video)
    rows = kept.table(OVERLAY_COLUMNS).to_pylist()
    prompts = list(dict.fromkeys(r["prompt"] for r in rows if r["status"] == "ok"))
    if not prompts:
        raise RenderError(f"{kept.name} has no analysed frame in {kept.layout.parquet}")
    prompt = prompts[0] if prompt is None else prompt
    if prompt not in prompts:
        raise RenderError(f"--prompt {prompt!r} is not a prompt of this run; its prompts are "
                          + "; ".join(repr(p) for p in prompts))
    kept_concepts = list(dict.fromkeys(
        c for r in rows if r["prompt"] == prompt for c in r.get("heatmap_concepts") or ()))
    if not kept_concepts:
        raise RenderError(f"the frame log of {kept.name} keeps no heatmap for {prompt!r} (a "
                          "run made before heatmaps were kept, or a prompt with no concept)")
    if concept is not None and concept not in kept_concepts:
        raise RenderError(f"--concept {concept!r} has no kept heatmap for {prompt!r}; it has "
                          + ", ".join(kept_concepts))
    spec = OverlaySpec(prompt, prompts.index(prompt) + 1, concept, colormap)
    index = kept.index()
    pipeline = kept.config.get("pipeline") or {}
    out.parent.mkdir(parents=True, exist_ok=True)
    stats = encode_overlays(
        kept.frames(index), [(out, PromptRows.build(spec, rows))],
        (index.width, index.height), index.time_base, index.average_rate,
        int(pipeline.get("video_crf", 23)), str(pipeline.get("video_preset", "veryfast")))
    shown = (concept,) if concept else tuple(kept_concepts)
    return RenderResult(out, kept.name, prompt, shown, stats.frames, stats.seconds)
