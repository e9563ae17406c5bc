"""The temporal layer: per-frame flags smoothed, with hysteresis, into episodes.

A reviewer watching a 10-minute log wants "3.1-4.0 s: the model claimed a bus that is not
there", not 37 red ticks. Single-frame verdicts flicker, because a detector on a moving scene
does, so the flags are smoothed before they are grouped:

    s_t = w * f_t + (1 - w) * s_{t-1}        f_t = 1 if frame t is flagged, else 0

An episode opens when s_t >= `enter` and closes when s_t < `exit` (exit < enter: the gap is the
hysteresis that keeps one flicker from splitting an episode or opening a new one). The episode
spans from its first flagged frame to its last flagged frame before closing, so smoothing lag
never extends it over unflagged frames. Episodes with fewer than `min_frames` flagged frames are
dropped as noise. Frames are taken in time order; a gap in the analysed frames (an error row) is
simply not a frame.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FrameFlag:
    """One analysed frame: when, whether it is flagged, and why (for the summary)."""

    frame: int
    t: float
    flagged: bool
    labels: tuple[str, ...] = ()  # e.g. "ungrounded: bus" per flagged prompt
    reasons: tuple[str, ...] = ()


@dataclass
class Episode:
    start_frame: int
    end_frame: int
    start_t: float
    end_t: float
    frames: int = 0  # analysed frames inside the span
    flagged_frames: int = 0
    labels: Counter = field(default_factory=Counter)
    reasons: dict[str, str] = field(default_factory=dict)
    peak_frame: int = 0
    peak_t: float = 0.0

    @property
    def summary(self) -> str:
        top = ", ".join(f"{label} ({n})" for label, n in self.labels.most_common(3))
        return (f"{self.start_t:.2f}-{self.end_t:.2f} s (frames {self.start_frame}-"
                f"{self.end_frame}): {self.flagged_frames}/{self.frames} analysed frames "
                f"flagged" + (f"; {top}" if top else ""))

    def to_dict(self) -> dict[str, Any]:
        return {
            "start_frame": self.start_frame,
            "end_frame": self.end_frame,
            "start_t": self.start_t,
            "end_t": self.end_t,
            "frames": self.frames,
            "flagged_frames": self.flagged_frames,
            "labels": dict(self.labels),
            "reasons": list(self.reasons.values()),
            "peak_frame": self.peak_frame,
            "peak_t": self.peak_t,
            "summary": self.summary,
        }


def smooth(flags: Sequence[bool], weight: float) -> list[float]:
    """The exponential moving average of 0/1 flags (module docstring)."""
    if not 0.0 < weight <= 1.0:
        raise ValueError(f"smoothing weight must be in (0, 1], got {weight}")
    out: list[float] = []
    s = 0.0
    for f in flags:
        s = weight * float(f) + (1.0 - weight) * s
        out.append(s)
    return out


def find_episodes(
    frames: Sequence[FrameFlag],
    weight: float = 0.5,
    enter: float = 0.6,
    exit: float = 0.3,
    min_frames: int = 2,
) -> list[Episode]:
    """Episodes of flagged frames with hysteresis; `frames` in any order."""
    if exit >= enter:
        raise ValueError(f"exit ({exit}) must be below enter ({enter}) for hysteresis")
    ordered = sorted(frames, key=lambda f: (f.t, f.frame))
    levels = smooth([f.flagged for f in ordered], weight)
    episodes: list[Episode] = []
    open_: list[FrameFlag] | None = None
    for n, (item, level) in enumerate(zip(ordered, levels, strict=True)):
        if open_ is None:
            if level >= enter:
                # Start at the first flagged frame of the run that raised the level.
                back = []
                for prev in reversed(ordered[: n + 1]):
                    if not prev.flagged:
                        break
                    back.append(prev)
                open_ = list(reversed(back)) or [item]
            continue
        if level < exit:
            episodes.append(_close(open_))
            open_ = None
        else:
            open_.append(item)
    if open_ is not None:
        episodes.append(_close(open_))
    return [e for e in episodes if e.flagged_frames >= min_frames]


def _close(members: list[FrameFlag]) -> Episode:
    while members and not members[-1].flagged:
        members = members[:-1]
    first, last = members[0], members[-1]
    episode = Episode(first.frame, last.frame, first.t, last.t)
    peak_count = -1
    for m in members:
        episode.frames += 1
        if not m.flagged:
            continue
        episode.flagged_frames += 1
        episode.labels.update(m.labels)
        for label, reason in zip(m.labels, m.reasons, strict=False):
            episode.reasons.setdefault(label, reason)
        if len(m.labels) > peak_count:
            peak_count = len(m.labels)
            episode.peak_frame, episode.peak_t = m.frame, m.t
    return episode
