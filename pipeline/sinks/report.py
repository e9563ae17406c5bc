"""The HTML reports: one per video and one for the whole run.

Self-contained pages (inline SVG charts, thumbnails as data URIs, no scripts or styles from the
network) so that a report opens offline, from a laptop or an artefact store, years later. Every
string that came from a user or an input (file names, prompts, concepts, error messages,
config values) passes through `html.escape`.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

MAX_EPISODES = 12
_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222;max-width:1200px}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.9rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;
text-align:left;vertical-align:top}.err{color:#a00}.ok{color:#060}.muted{color:#666}
.episodes{display:flex;flex-wrap:wrap;gap:.75rem}.episode{border:1px solid #ccc;padding:.4rem;
width:260px;font-size:.8rem}.episode img{width:100%;cursor:pointer}
pre{background:#f6f6f6;padding:.75rem;overflow:auto;font-size:.8rem}
svg{background:#fafafa;border:1px solid #ddd}
"""
_SEEK_SCRIPT = """
document.querySelectorAll('[data-seek]').forEach(function (el) {
  el.addEventListener('click', function () {
    var video = document.getElementById('overlay');
    if (video) { video.currentTime = parseFloat(el.getAttribute('data-seek')); video.pause(); }
  });
});
"""


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _page(title: str, body: str, script: str = "") -> str:
    tail = f"<script>{script}</script>" if script else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        f"<title>{esc(title)}</title><link rel=\"icon\" href=\"data:,\">"
        f"<style>{_STYLE}</style></head><body>{body}{tail}</body></html>\n"
    )


def line_chart(
    series: dict[str, list[tuple[float, float | None]]],
    marks: Sequence[float] = (),
    error_marks: Sequence[float] = (),
    width: int = 1100,
    height: int = 160,
    title: str = "",
) -> str:
    """An inline SVG of metric series against time, with flagged (red) and error (grey) ticks."""
    points = [(t, v) for values in series.values() for t, v in values if v is not None]
    times = [t for values in series.values() for t, _ in values] + list(marks) + list(error_marks)
    if not times:
        return "<p class=\"muted\">no data</p>"
    t0, t1 = min(times), max(times)
    t1 = t1 if t1 > t0 else t0 + 1.0
    values = [v for _, v in points if math.isfinite(v)]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    pad_l, pad_r, pad_t, pad_b = 50, 10, 18, 20

    def x(t: float) -> float:
        return pad_l + (t - t0) / (t1 - t0) * (width - pad_l - pad_r)

    def y(v: float) -> float:
        return pad_t + (hi - v) / (hi - lo) * (height - pad_t - pad_b)

    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"]
    parts = [
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{esc(title)}">',
        f'<text x="{pad_l}" y="12" font-size="11">{esc(title)}</text>',
        f'<text x="2" y="{pad_t + 8}" font-size="10">{hi:.3g}</text>',
        f'<text x="2" y="{height - pad_b}" font-size="10">{lo:.3g}</text>',
        f'<text x="{width - 60}" y="{height - 4}" font-size="10">{t1:.1f} s</text>',
    ]
    if lo < 0 < hi:
        parts.append(
            f'<line x1="{pad_l}" x2="{width - pad_r}" y1="{y(0):.1f}" y2="{y(0):.1f}" '
            'stroke="#999" stroke-dasharray="3,3"/>'
        )
    for t in marks:
        parts.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{height - pad_b}" '
                     f'y2="{height - pad_b + 6}" stroke="#d00"/>')
    for t in error_marks:
        parts.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{pad_t}" '
                     f'y2="{height - pad_b}" stroke="#bbb"/>')
    for n, (name, values_) in enumerate(series.items()):
        colour = colours[n % len(colours)]
        segments: list[list[str]] = [[]]
        for t, v in values_:
            if v is None or not math.isfinite(v):
                segments.append([])
                continue
            segments[-1].append(f"{x(t):.1f},{y(v):.1f}")
        for seg in segments:
            if len(seg) == 1:
                cx, cy = seg[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="2" fill="{colour}"/>')
            elif seg:
                parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                             f'points="{" ".join(seg)}"/>')
        parts.append(f'<text x="{pad_l + 10 + 160 * n}" y="{height - 4}" font-size="10" '
                     f'fill="{colour}">{esc(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


VERDICT_COLOURS = {
    "coherent": "#2ca02c",
    "divergent_grounded": "#ff7f0e",
    "ungrounded": "#d62728",
    "ambiguous_prompt": "#9467bd",
    "unverified": "#8c8c8c",
    "not_evaluated": "#cccccc",
}


_SEVERITY = {"not_evaluated": 0, "coherent": 1, "unverified": 2, "ambiguous_prompt": 3,
             "divergent_grounded": 4, "ungrounded": 5}


def _evaluated(rows: Sequence[dict[str, Any]]) -> bool:
    return any(r.get("verdict") in VERDICT_COLOURS and r.get("verdict") != "not_evaluated"
               for r in rows if r.get("status") == "ok")


def episodes(rows: Sequence[dict[str, Any]], config: dict[str, Any] | None = None
             ) -> list[dict[str, Any]]:
    """Flagged episodes: from the verdicts when any row has one, else from the metric flags.

    Verdict episodes go through the temporal layer (`operators.verdicts.episodes`, hysteresis
    and the `coherence` settings of `config`, the run's resolved config); without verdicts, runs of
    consecutive frames with a metric flag are grouped as before.
    """
    if _evaluated(rows):
        return verdict_episodes(rows, config)
    return metric_episodes(rows)


def flagged_prompts(rows: Sequence[dict[str, Any]], episode: dict[str, Any],
                    config: dict[str, Any] | None = None) -> list[str]:
    """The prompts with a flagged row inside an episode's frames, in prompt order: by their
    verdict when the run has verdicts, else by their metric flags (as `episodes` decides)."""
    evaluated = _evaluated(rows)
    flag_verdicts = set(_coherence_config(config).flag_verdicts) if evaluated else set()
    found = [r["prompt"] for r in rows
             if r["status"] == "ok" and r["frame_index"] is not None
             and episode["start"] <= r["frame_index"] <= episode["stop"]
             and (r.get("verdict") in flag_verdicts if evaluated else bool(r.get("flags")))]
    return list(dict.fromkeys(found))


def _coherence_config(config: dict[str, Any] | None) -> Any:
    """The validated `coherence` section of a run's resolved config (defaults when absent)."""
    from drivexplain.operators.config import CoherenceConfig

    return CoherenceConfig.model_validate((config or {}).get("coherence") or {})


def verdict_episodes(rows: Sequence[dict[str, Any]], config: dict[str, Any] | None = None
                     ) -> list[dict[str, Any]]:
    from drivexplain.operators.verdicts.episodes import FrameFlag, find_episodes

    cfg = _coherence_config(config)
    frames: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row["status"] != "ok" or row["frame_index"] is None:
            continue
        entry = frames.setdefault(row["frame_index"], {"t": row["timestamp"], "labels": [],
                                                       "reasons": []})
        if row.get("verdict") in cfg.flag_verdicts:
            about = ", ".join(row.get("answer_concepts") or row.get("denied_concepts") or [])
            entry["labels"].append(f"{row['verdict']}: {about or row['prompt']}")
            entry["reasons"].append(f"{row['prompt']} -> {row.get('answer')!r}: "
                                    + "; ".join(row.get("reasons") or []))
    flags = [FrameFlag(f, e["t"], bool(e["labels"]), tuple(e["labels"]), tuple(e["reasons"]))
             for f, e in frames.items()]
    found = find_episodes(flags, cfg.episode_smoothing, cfg.episode_enter, cfg.episode_exit,
                          cfg.episode_min_frames)
    return [
        {"start": e.start_frame, "stop": e.end_frame, "t0": e.start_t, "t1": e.end_t,
         "frames": e.frames, "flagged_frames": e.flagged_frames, "flags": dict(e.reasons),
         "peak": e.peak_frame, "peak_t": e.peak_t, "peak_cd": None, "summary": e.summary}
        for e in found
    ]


def verdict_strip(rows: Sequence[dict[str, Any]], width: int = 1100, height: int = 26) -> str:
    """One coloured tick per analysed frame: the verdict timeline of one prompt."""
    points = [(r["timestamp"], r.get("verdict") or "not_evaluated") for r in rows
              if r["timestamp"] is not None]
    if not points:
        return "<p class=\"muted\">no data</p>"
    t0 = min(t for t, _ in points)
    t1 = max(t for t, _ in points)
    span = t1 - t0 if t1 > t0 else 1.0
    pad_l, pad_r = 50, 10
    usable = width - pad_l - pad_r
    # One rect per pixel column at most: a long video keeps the page small, and a column
    # shows its most severe verdict so a single flagged frame is never hidden.
    columns: dict[int, tuple[float, str]] = {}
    for t, verdict in points:
        col = min(usable - 1, int((t - t0) / span * usable)) if len(points) > usable else \
            len(columns)
        if col not in columns or _SEVERITY.get(verdict, 0) > _SEVERITY.get(columns[col][1], 0):
            columns[col] = (t, verdict)
    step = usable / (usable if len(points) > usable else max(1, len(points)))
    parts = [f'<svg width="{width}" height="{height + 14}" role="img" '
             'aria-label="verdict timeline">']
    for col, (t, verdict) in sorted(columns.items()):
        x = pad_l + col * step
        colour = VERDICT_COLOURS.get(verdict, "#000")
        parts.append(f'<rect x="{x:.1f}" y="2" width="{max(step, 1.0):.1f}" height="{height}" '
                     f'fill="{colour}"><title>{t:.2f} s: {esc(verdict)}</title></rect>')
    for n, (verdict, colour) in enumerate(VERDICT_COLOURS.items()):
        parts.append(f'<text x="{pad_l + 150 * n}" y="{height + 13}" font-size="10" '
                     f'fill="{colour}">{esc(verdict)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def metric_episodes(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs of consecutive analysed frames that carry at least one flag, in any prompt."""
    by_frame: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row["status"] != "ok" or row["frame_index"] is None:
            continue
        entry = by_frame.setdefault(
            row["frame_index"], {"t": row["timestamp"], "flags": [], "cd": None}
        )
        entry["flags"].extend(f"{row['prompt']}: {f}" for f in row["flags"] or [])
        if row["concept_drop"] is not None and (entry["cd"] is None or row["concept_drop"] <
                                                entry["cd"]):
            entry["cd"] = row["concept_drop"]
    found: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for frame in sorted(by_frame):
        entry = by_frame[frame]
        if entry["flags"]:
            if current is None:
                current = {"start": frame, "stop": frame, "t0": entry["t"], "t1": entry["t"],
                           "frames": 0, "flags": {}, "peak": frame, "peak_t": entry["t"],
                           "peak_cd": entry["cd"]}
                found.append(current)
            current["stop"], current["t1"] = frame, entry["t"]
            current["frames"] += 1
            for flag in entry["flags"]:
                key = flag.split(":")[0] + ":" + flag.split(":")[1].split(" ")[1]
                current["flags"].setdefault(key, flag)
            if entry["cd"] is not None and (current["peak_cd"] is None
                                            or entry["cd"] < current["peak_cd"]):
                current["peak"], current["peak_t"], current["peak_cd"] = frame, entry["t"], \
                    entry["cd"]
        else:
            current = None
    return found


def thumbnails(video: Path, times: Sequence[float], width: int = 320) -> list[str | None]:
    """JPEG data URIs of the overlay video at the given seconds (None where it fails)."""
    out: list[str | None] = [None] * len(times)
    if not times or not video.is_file():
        return out
    try:
        container = av.open(str(video))
    except Exception:
        return out
    try:
        stream = container.streams.video[0]
        base = stream.start_time or 0
        for n, t in enumerate(times):
            target = base + int(t / stream.time_base)
            container.seek(target, stream=stream, backward=True)
            for frame in container.decode(stream):
                if frame.pts is None or frame.pts + 1 >= target:
                    image = frame.to_ndarray(format="rgb24")
                    h, w = image.shape[:2]
                    small = cv2.resize(image, (width, max(1, round(h * width / w))),
                                       interpolation=cv2.INTER_AREA)
                    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR),
                                            [cv2.IMWRITE_JPEG_QUALITY, 80])
                    if ok:
                        out[n] = "data:image/jpeg;base64," + base64.b64encode(
                            jpeg.tobytes()).decode()
                    break
    except Exception:
        pass
    finally:
        container.close()
    return out


def _config_block(config: dict[str, Any]) -> str:
    return f"<pre>{esc(json.dumps(config, indent=2, sort_keys=True, default=str))}</pre>"


def video_report(
    name: str,
    rows: Sequence[dict[str, Any]],
    video_file: str | None,
    video_path: Path | None,
    config: dict[str, Any],
    run_info: dict[str, Any],
    problems: Sequence[str] = (),
    unplaced: Sequence[dict[str, Any]] = (),
    overlays: Sequence[tuple[str, str]] = (),
    clips: Sequence[Sequence[tuple[str, str]]] = (),
) -> str:
    """The page for one input video: video, timelines, flagged episodes, errors, config.

    `overlays` are (label, file name) of every prompt's overlay video, `clips` the (label,
    file name) of each episode's flagged clips, in episode order; both sit beside the page.
    """
    ok = [r for r in rows if r["status"] == "ok"]
    errors = [r for r in rows if r["status"] == "error"]
    prompts = list(dict.fromkeys(r["prompt"] for r in ok))
    found = episodes(rows, config)
    evaluated = _evaluated(rows)
    flagged = tuple(_coherence_config(config).flag_verdicts) if evaluated else ()
    body = [f"<h1>drivexplain report: {esc(name)}</h1>"]
    frames = len({r["frame_index"] for r in rows if r["frame_index"] is not None})
    model_ids = next((r["model_ids"] for r in ok if r.get("model_ids")), None) or {}
    model = model_ids.get("concept_attribution") or run_info.get("model")
    body.append(
        f"<p>{frames} analysed frames, {len(prompts)} prompts, {len(ok)} result rows, "
        f"<span class=\"{'err' if errors else 'ok'}\">{len(errors)} error rows</span>, "
        f"{len(found)} flagged episodes. Model: {esc(model)}. "
        f"Config hash {esc(run_info.get('config_hash'))}.</p>"
    )
    if evaluated:
        counts: dict[str, int] = {}
        for r in ok:
            counts[r.get("verdict") or "not_evaluated"] = counts.get(
                r.get("verdict") or "not_evaluated", 0) + 1
        body.append("<p>Dual-explainability verdicts: " + ", ".join(
            f"<span style=\"color:{VERDICT_COLOURS.get(v, '#000')}\">{esc(v)}</span> {n}"
            for v, n in sorted(counts.items())) + ". Episodes are flagged verdicts ("
            f"{esc(', '.join(flagged))}) "
            "smoothed with hysteresis.</p>")
    else:
        body.append("<p class=\"muted\">Verdicts are <code>not_evaluated</code>: this run had "
                    "no answers to audit (no VLM configured and no --answers file), so only the "
                    "Concept Attribution faithfulness metrics are shown and episodes come from "
                    "the metric flags.</p>")
    body.append(unverified_block(ok, config))
    if problems:
        body.append("<h2>Problems</h2><ul>" + "".join(
            f"<li class=\"err\">{esc(p)}</li>" for p in problems) + "</ul>")
    body.append(unplaced_block(unplaced))
    if video_file:
        body.append(
            "<h2>Overlay video</h2>"
            f"<video id=\"overlay\" controls preload=\"metadata\" width=\"960\" "
            f"src=\"{esc(video_file)}\"></video>"
        )
    if len(overlays) > 1:
        body.append("<p>Overlay videos: " + ", ".join(
            f"<a href=\"{esc(file)}\">{esc(label)}</a>" for label, file in overlays) + "</p>")
    error_times = [r["timestamp"] for r in errors if r["timestamp"] is not None]
    body.append("<h2>Timeline</h2>")
    for prompt in prompts:
        mine = sorted((r for r in ok if r["prompt"] == prompt), key=lambda r: r["frame_index"])
        marks = [r["timestamp"] for r in mine
                 if (r.get("verdict") in flagged if evaluated else r["flags"])]
        body.append(f"<h3>{esc(prompt)}</h3>")
        if evaluated:
            body.append(verdict_strip(mine))
        body.append(line_chart(
            {"concept drop": [(r["timestamp"], r["concept_drop"]) for r in mine]},
            marks, error_times,
            title="Concept Drop (red ticks: flagged frames"
            + (", by verdict" if evaluated else ", by metric") + "; grey lines: error frames)"))
        body.append(line_chart(
            {"negative suppression": [(r["timestamp"], r["negative_suppression"])
                                      for r in mine]},
            marks, error_times, title="Negative Suppression"))
        body.append(line_chart(
            {"CLIP similarity": [(r["timestamp"], r["similarity"]) for r in mine]},
            marks, error_times, height=110, title="CLIP image-text similarity"))
    body.append("<h2>Flagged episodes</h2>")
    if not found:
        body.append("<p>No frame was flagged.</p>")
    else:
        shown = found[:MAX_EPISODES]
        thumbs = thumbnails(video_path, [e["peak_t"] for e in shown]) if video_path else \
            [None] * len(shown)
        body.append("<div class=\"episodes\">")
        for number, (episode, thumb) in enumerate(zip(shown, thumbs, strict=True)):
            image = (f"<img alt=\"frame {episode['peak']}\" src=\"{thumb}\" "
                     f"data-seek=\"{episode['peak_t']:.3f}\">" if thumb else "")
            linked = clips[number] if number < len(clips) else ()
            image += "".join(f"<div><a class=\"clip\" href=\"{esc(file)}\">clip: "
                             f"{esc(label)}</a></div>" for label, file in linked)
            flags = "".join(f"<li>{esc(f)}</li>" for f in episode["flags"].values())
            summary = (f"<div><b>{esc(episode['summary'])}</b></div>"
                       if episode.get("summary") else "")
            body.append(
                f"<div class=\"episode\">{image}{summary}<div>frames {episode['start']}–"
                f"{episode['stop']} ({episode['t0']:.2f}–{episode['t1']:.2f} s, "
                f"{episode['frames']} analysed)</div><ul>{flags}</ul></div>"
            )
        body.append("</div>")
        if len(found) > MAX_EPISODES:
            body.append(f"<p class=\"muted\">{len(found) - MAX_EPISODES} more episodes are in "
                        "the frame log.</p>")
    body.append("<h2>Errors</h2>")
    if errors:
        body.append("<table><tr><th>frame</th><th>time (s)</th><th>reason</th></tr>")
        for r in errors[:200]:
            t = "" if r["timestamp"] is None else f"{r['timestamp']:.3f}"
            body.append(f"<tr><td>{esc(r['frame_index'])}</td><td>{t}</td>"
                        f"<td class=\"err\">{esc(r['error'])}</td></tr>")
        body.append("</table>")
    else:
        body.append("<p>None.</p>")
    body.append("<h2>Run</h2>" + _config_block(run_info))
    body.append("<h2>Resolved configuration</h2>" + _config_block(config))
    return _page(f"drivexplain: {name}", "".join(body), _SEEK_SCRIPT)


def unverified_block(rows: Sequence[dict[str, Any]], config: dict[str, Any]) -> str:
    """Which answers the CLIP could not check, and the concepts why: a verdict that is neither
    a pass nor a flag must not read as a pass. A concept is named when its calibration AUROC is
    under `coherence.min_concept_auroc` or was never measured; the other unverified answers had
    evidence that leaned against them without passing the concept's false-flag bound. Empty
    when every answer could be checked."""
    unverified = [r for r in rows if r.get("verdict") == "unverified"]
    if not unverified:
        return ""
    bar = _coherence_config(config).min_concept_auroc
    weak: dict[str, float | None] = {}
    for row in unverified:
        for result in row.get("concept_results") or []:
            auroc = result.get("concept_auroc")
            if result.get("p_grounded") is not None and (auroc is None or auroc < bar):
                weak[result["concept"]] = auroc
    named = ", ".join(f"{esc(c)} ({'not measured' if a is None else f'AUROC {a:.2f}'})"
                      for c, a in sorted(weak.items()))
    return (f"<p class=\"muted\">{len(unverified)} answers are <code>unverified</code>: this "
            "CLIP could neither confirm nor flag any concept they name or deny. Either it told "
            f"the concept apart too poorly on its calibration labels (min_concept_auroc {bar:g})"
            + (f": {named}" if named else "") + "; or the frame's evidence leaned against the "
            "answer without passing the concept's false-flag bound (the reasons give both "
            "values). Check those answers by eye.</p>")


def unplaced_block(unplaced: Sequence[dict[str, Any]]) -> str:
    """The --answers lines that could not be placed, each with its file:line and reason."""
    if not unplaced:
        return ""
    rows = "".join(
        f"<tr><td>{esc(u['where'])}</td><td>{esc(u.get('video') or 'any input')}</td>"
        f"<td class=\"err\">{esc(u['reason'])}</td></tr>" for u in unplaced)
    return (f"<h2>Unplaced answers</h2><p class=\"err\">{len(unplaced)} lines of the answers "
            "file were not audited.</p><table><tr><th>line</th><th>video</th><th>reason</th>"
            f"</tr>{rows}</table>")


def run_report(
    videos: Sequence[dict[str, Any]], config: dict[str, Any], run_info: dict[str, Any],
    unplaced: Sequence[dict[str, Any]] = (),
) -> str:
    """The run's index: every input with its status, error reason and link."""
    failed = [v for v in videos if v["status"] != "ok"]
    body = [
        "<h1>drivexplain run</h1>",
        f"<p>{len(videos)} inputs, <span class=\"{'err' if failed else 'ok'}\">"
        f"{len(failed)} failed</span>.</p>",
        "<table><tr><th>input</th><th>status</th><th>analysed frames</th><th>error rows</th>"
        "<th>flagged episodes</th><th>reason</th><th>report</th></tr>",
    ]
    for v in videos:
        link = (f"<a href=\"{esc(v['video_id'])}/report.html\">report</a>"
                if v.get("report") else "")
        body.append(
            f"<tr><td>{esc(v['name'])}</td><td class=\"{'ok' if v['status'] == 'ok' else 'err'}"
            f"\">{esc(v['status'])}</td><td>{esc(v.get('frames', ''))}</td>"
            f"<td>{esc(v.get('error_rows', ''))}</td><td>{esc(v.get('episodes', ''))}</td>"
            f"<td class=\"err\">{esc(v.get('reason') or '')}</td><td>{link}</td></tr>"
        )
    body.append("</table>")
    body.append(unplaced_block(unplaced))
    body.append("<h2>Run</h2>" + _config_block(run_info))
    body.append("<h2>Resolved configuration</h2>" + _config_block(config))
    return _page("drivexplain run", "".join(body))


def rows_from_table(table: Any) -> list[dict[str, Any]]:
    rows = table.to_pylist()
    for row in rows:
        for key in ("concept_drop", "negative_suppression", "similarity"):
            value = row.get(key)
            if value is not None and isinstance(value, float) and not np.isfinite(value):
                row[key] = None
    return rows
