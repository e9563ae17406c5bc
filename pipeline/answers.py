"""`--answers FILE.jsonl`: audit answers a model already gave, instead of generating new ones.

Teams hold their VLM's answers in logs; reading them lets any model be audited, including ones
that cannot be loaded here. One JSON object per line:

    {"frame": 12, "answer": "Yes, a pedestrian is crossing."}
    {"t": 3.25, "answer": "No."}

- `frame` is the decoded frame index (0-based, presentation order); `t` is seconds from the
  start of the video and goes to the analysed frame with the nearest timestamp, if one is
  within `max(median frame spacing, 1/fps)` of it (variable frame rate is handled because the
  real timestamps are used, never index/fps).
- Optional `prompt`: which prompt the answer answers. Required when the run has several
  prompts; must then equal one of them.
- Optional `video`: the input (file name, stem or URI) the line is for; without it the line
  applies to every input.
- Blank lines and lines starting with `#` are skipped. Every other problem is an error naming
  the file and the line, raised before any work starts: a silently skipped answer would be an
  answer that was never audited.
- An answer that is well-formed but cannot be placed (a frame that is not analysed or past the
  end, a `t` with no analysed frame near it, a `video` that names no input, or an answer that
  lands on a frame another line already answers) is listed with its line and the reason
  (`Assignment.unplaced`, `unknown_videos`); the run records them in `run.json`, the video's
  manifest and the reports, and exits 1 unless `--allow-unplaced`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_KEYS = frozenset({"frame", "t", "answer", "prompt", "video"})


class AnswersError(ValueError):
    """The answers file cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class LoggedAnswer:
    line: int
    answer: str
    frame: int | None = None
    t: float | None = None
    prompt: str | None = None
    video: str | None = None


def _parse_line(path: Path, n: int, text: str) -> LoggedAnswer:
    where = f"{path}:{n}"
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as err:
        raise AnswersError(f"{where}: not valid JSON ({err.msg} at column {err.colno})") from None
    if not isinstance(data, dict):
        raise AnswersError(f"{where}: expected a JSON object like "
                           '{"frame": 0, "answer": "..."}, got ' + type(data).__name__)
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise AnswersError(f"{where}: unknown keys {unknown}; allowed: {sorted(_KEYS)}")
    answer = data.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        raise AnswersError(f"{where}: 'answer' must be a non-empty string")
    has_frame, has_t = "frame" in data, "t" in data
    if has_frame == has_t:
        raise AnswersError(f"{where}: give exactly one of 'frame' (index) or 't' (seconds)")
    frame = t = None
    if has_frame:
        frame = data["frame"]
        if isinstance(frame, bool) or not isinstance(frame, int) or frame < 0:
            raise AnswersError(f"{where}: 'frame' must be a non-negative integer, got "
                               f"{data['frame']!r}")
    else:
        t = data["t"]
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) \
                or t < 0:
            raise AnswersError(f"{where}: 't' must be a finite number of seconds >= 0, got "
                               f"{data['t']!r}")
        t = float(t)
    for key in ("prompt", "video"):
        value = data.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise AnswersError(f"{where}: '{key}' must be a non-empty string when given")
    prompt = data.get("prompt")
    video = data.get("video")
    return LoggedAnswer(n, answer.strip(), frame, t, prompt.strip() if prompt else None,
                        video.strip() if video else None)


def read_answers(path: str | Path, prompts: Sequence[str]) -> list[LoggedAnswer]:
    """Parse and check the whole file against the run's prompts (module docstring)."""
    return read_answers_with_digest(path, prompts)[0]


def read_answers_with_digest(path: str | Path, prompts: Sequence[str]
                             ) -> tuple[list[LoggedAnswer], str]:
    """`read_answers` plus a short hash of the file's bytes (for the job fingerprint), one read."""
    path = Path(path)
    if not path.is_file():
        raise AnswersError(f"answers file {path} does not exist")
    data = path.read_bytes()
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError as err:
        raise AnswersError(f"answers file {path} is not UTF-8 text ({err.reason})") from None
    prompts = [p.strip() for p in prompts]
    out: list[LoggedAnswer] = []
    seen: dict[tuple, int] = {}
    for n, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        item = _parse_line(path, n, text)
        if item.prompt is None:
            if len(prompts) != 1:
                raise AnswersError(
                    f"{path}:{n}: no 'prompt' key, but the run has {len(prompts)} prompts; "
                    "say which prompt each answer answers")
            item = LoggedAnswer(item.line, item.answer, item.frame, item.t, prompts[0],
                                item.video)
        elif item.prompt not in prompts:
            raise AnswersError(f"{path}:{n}: prompt {item.prompt!r} is not one of the run's "
                               f"prompts {prompts}")
        if item.frame is not None:
            key = (item.video, item.prompt, item.frame)
            if key in seen:
                raise AnswersError(f"{path}:{n}: frame {item.frame} already has an answer on "
                                   f"line {seen[key]}" + (f" for {item.prompt!r}"
                                                         if len(prompts) > 1 else ""))
            seen[key] = n
        out.append(item)
    if not out:
        raise AnswersError(f"answers file {path} holds no answers")
    return out, _digest(data)


def _tolerance(times: Sequence[float], fps: float | None) -> float:
    gaps = sorted(b - a for a, b in itertools.pairwise(times) if b > a)
    median = gaps[len(gaps) // 2] if gaps else 0.0
    return max(median, 1.0 / fps if fps else 0.0, 1e-6)


@dataclass
class Assignment:
    """The answers one video gets: frame -> prompt -> answer, and what could not be placed
    (`unplaced`: (line, reason); `unmatched`: the same as "line N: reason" texts)."""

    answers: dict[int, dict[str, str]]
    unmatched: list[str]
    unplaced: list[tuple[int, str]] = field(default_factory=list)


def unknown_videos(answers: Iterable[LoggedAnswer], names: Iterable[str]
                   ) -> list[tuple[int, str]]:
    """(line, reason) for every answer whose `video` names none of the run's inputs."""
    known = {n for n in names if n}
    return [(item.line, f"video {item.video!r} matches no input of this run")
            for item in answers if item.video is not None and item.video not in known]


def assign_answers(
    answers: Iterable[LoggedAnswer],
    video_names: Sequence[str],
    analysed: dict[int, float],
    fps: float | None = None,
) -> Assignment:
    """Place a file's answers on one video's analysed frames (`analysed`: frame -> seconds).

    Frame-indexed answers win over time-indexed ones on the same frame; among time-indexed
    ones the nearest in time wins.
    """
    names = {n for n in video_names if n}
    frames = sorted(analysed, key=lambda f: (analysed[f], f))
    times = [analysed[f] for f in frames]
    tolerance = _tolerance(times, fps)
    out: dict[int, dict[str, str]] = {}
    by_frame: dict[tuple[int, str], int] = {}  # (frame, prompt) -> line of its frame answer
    by_time: dict[tuple[int, str], tuple[float, str, int]] = {}
    unplaced: list[tuple[int, str]] = []
    last = max(analysed) if analysed else None
    for item in answers:
        if item.video is not None and item.video not in names:
            continue
        assert item.prompt is not None  # read_answers fills it
        if item.frame is not None:
            key = (item.frame, item.prompt)
            if key in by_frame:
                unplaced.append((item.line, f"frame {item.frame} already has an answer on "
                                            f"line {by_frame[key]}"))
            elif item.frame in analysed:
                out.setdefault(item.frame, {})[item.prompt] = item.answer
                by_frame[key] = item.line
            elif last is None or item.frame > last:
                unplaced.append((item.line, f"frame {item.frame} is past the end of this "
                                            f"video (last analysed frame: {last})"))
            else:
                unplaced.append((item.line, f"frame {item.frame} is not an analysed frame of "
                                            "this video (see pipeline.stride / sample_fps)"))
            continue
        if not frames:
            unplaced.append((item.line, "the video has no analysed frames"))
            continue
        t = float(item.t or 0.0)
        k = bisect_left(times, t)
        near = min((j for j in (k - 1, k) if 0 <= j < len(times)),
                   key=lambda j: abs(times[j] - t))
        distance = abs(times[near] - t)
        if distance > tolerance:
            past = " (past the end of the video)" if t > times[-1] else ""
            unplaced.append((item.line, f"t={t:g} s is {distance:.3f} s from the nearest "
                                        f"analysed frame (tolerance {tolerance:.3f} s){past}"))
            continue
        key = (frames[near], item.prompt)
        if key not in by_time:
            by_time[key] = (distance, item.answer, item.line)
            continue
        kept = by_time[key]
        if distance < kept[0]:
            by_time[key], kept = (distance, item.answer, item.line), (distance, "", kept[2])
            loser, winner = kept[2], item.line
        else:
            loser, winner = item.line, kept[2]
        unplaced.append((loser, f"lands on frame {frames[near]}, like line {winner}, which "
                                "is nearer in time"))
    for (frame, prompt), (_, answer, line) in by_time.items():
        if (frame, prompt) in by_frame:
            unplaced.append((line, f"lands on frame {frame}, which line "
                                   f"{by_frame[(frame, prompt)]} answers by frame index"))
            continue
        out.setdefault(frame, {})[prompt] = answer
    unplaced.sort()
    return Assignment(out, [f"line {n}: {why}" for n, why in unplaced], unplaced)


def _digest(data: bytes) -> str:
    """A short hash of the answers file: part of the job fingerprint, so new answers rerun."""
    return hashlib.sha256(data).hexdigest()[:16]
