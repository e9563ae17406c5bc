"""`drivexplain export rerun`: a run's results as Rerun recordings, one per input video.

Everything sits on two timelines, `frame` (the video's frame index) and `time` (seconds since
its first frame), so the viewer scrubs video, heatmaps, curves and verdicts together:

    video                                   the source video (H.264 samples, a VideoStream)
    video/heatmaps/<concept>                each concept's kept map as an RGBA layer, scaled
                                            from the patch grid onto the video
    metrics/<concept>/{concept_drop, negative_suppression, similarity}    scalar timelines
    prompts/<k>/prompt                      the prompt's text (static)
    prompts/<k>/{answer, verdict}           text logs, one per analysed frame
    prompts/<k>/reasons                     the verdict's reasons (markdown), per frame
    prompts/<k>/p_grounded/<concept>        calibrated grounding, when the run had it
    prompts/<k>/heatmap_similarity          prompt/answer heatmap similarity, when judged
    errors                                  frames that have no result, and why

Rerun writes one recording per file; with several inputs they are joined by the SDK's own
`rerun rrd merge`, which keeps each recording separate. `rerun-sdk` is an optional extra.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from drivexplain.operators.overlay import heat_rgba
from drivexplain.pipeline.sinks.records import KeptHeatmaps
from drivexplain.pipeline.sinks.run_dir import KeptVideo, RunDirError, open_run
from drivexplain.pipeline.sinks.writers import atomic_path
from drivexplain.pipeline.sources.decode import DecodedFrame, VideoIndex

APPLICATION_ID = "drivexplain"
_FLAGGED = {"ungrounded", "divergent_grounded"}
_COLUMNS = [
    "status", "error", "frame_index", "timestamp", "prompt", "answer", "verdict", "reasons",
    "concept_results", "heatmap_similarity", "heatmap_concepts", "heatmap_grid", "heatmaps",
]
_METRICS = ("concept_drop", "negative_suppression", "similarity")


@dataclass(frozen=True)
class RerunExport:
    """What `export_rerun` wrote: the file, its recording ids (the video ids), and how many
    video frames and analysed rows they hold."""

    path: Path
    recordings: tuple[str, ...]
    frames: int
    rows: int
    skipped: tuple[str, ...] = ()  # inputs whose source could not be read again, and why


def _rerun() -> Any:
    try:
        import rerun
    except ImportError:
        raise ImportError("the Rerun export needs rerun-sdk: pip install "
                          "'drivexplain[rerun]'") from None
    return rerun


def _path(rr: Any, *parts: str) -> str:
    """An entity path whose user-given parts (concepts) are escaped, never parsed."""
    return "/" + "/".join(rr.escape_entity_path_part(p) for p in parts)


def _encode(frames: Iterator[DecodedFrame], size: tuple[int, int], rate: Fraction | None
            ) -> Iterator[tuple[int, bytes]]:
    """(frame index, H.264 Annex B sample) for each frame, without B-frames (Rerun's video
    streams need decode order to be presentation order)."""
    codec = av.CodecContext.create("libx264", "w")
    codec.width, codec.height = size[0] - size[0] % 2, size[1] - size[1] % 2
    codec.pix_fmt = "yuv420p"
    codec.time_base = Fraction(1, 1) / (rate or Fraction(10))
    codec.framerate = rate or Fraction(10)
    codec.max_b_frames = 0
    codec.options = {"preset": "veryfast", "crf": "23"}
    for item in frames:
        image = np.ascontiguousarray(item.image[: codec.height, : codec.width])
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts = item.index
        for packet in codec.encode(frame):
            yield int(packet.pts), bytes(packet)
    for packet in codec.encode(None):
        yield int(packet.pts), bytes(packet)


def _set_time(rec: Any, index: VideoIndex, frame: int) -> None:
    rec.set_time("frame", sequence=frame)
    rec.set_time("time", duration=index.timestamp(frame))


def _log_video(rec: Any, rr: Any, kept: KeptVideo, index: VideoIndex) -> int:
    rec.log("/video", rr.VideoStream(codec=rr.VideoCodec.H264), static=True)
    decoded = (item for item in kept.frames(index) if isinstance(item, DecodedFrame))
    samples = 0
    for frame, sample in _encode(decoded, (index.width, index.height), index.average_rate):
        _set_time(rec, index, frame)
        rec.log("/video", rr.VideoStream.from_fields(sample=sample))
        samples += 1
    return samples


def _log_rows(rec: Any, rr: Any, kept: KeptVideo, index: VideoIndex) -> int:
    rows = kept.table(_COLUMNS).to_pylist()
    prompts = list(dict.fromkeys(r["prompt"] for r in rows if r["status"] == "ok"))
    for k, prompt in enumerate(prompts, 1):
        rec.log(_path(rr, "prompts", str(k), "prompt"), rr.TextDocument(prompt), static=True)
    scaled: set[str] = set()
    done: set[tuple[int, str]] = set()  # (frame, concept): maps and metrics once per frame
    for row in rows:
        frame = row["frame_index"]
        if frame is None:
            continue
        _set_time(rec, index, int(frame))
        if row["status"] != "ok":
            rec.log("/errors", rr.TextLog(row.get("error") or "error",
                                          level=rr.TextLogLevel.ERROR))
            continue
        k = str(prompts.index(row["prompt"]) + 1)
        heat = KeptHeatmaps.from_row(row)
        for concept, kept_map in zip(heat.concepts, heat.maps, strict=True):
            if (frame, concept) in done:
                continue
            layer = _path(rr, "video", "heatmaps", concept)
            if layer not in scaled:  # the patch grid stretched over the video's pixels
                rec.log(layer, rr.Transform3D(scale=[index.width / heat.grid[1],
                                                     index.height / heat.grid[0], 1.0]),
                        static=True)
                scaled.add(layer)
            rec.log(layer, rr.Image(heat_rgba(kept_map), color_model="RGBA", draw_order=10.0))
        for result in row.get("concept_results") or []:
            concept = result["concept"]
            if (frame, concept) not in done:
                for metric in _METRICS:
                    if result.get(metric) is not None:
                        rec.log(_path(rr, "metrics", concept, metric),
                                rr.Scalars([result[metric]]))
            if result.get("p_grounded") is not None:
                rec.log(_path(rr, "prompts", k, "p_grounded", concept),
                        rr.Scalars([result["p_grounded"]]))
        done.update((frame, c) for c in heat.concepts)
        done.update((frame, r["concept"]) for r in row.get("concept_results") or [])
        if row.get("heatmap_similarity") is not None:
            rec.log(_path(rr, "prompts", k, "heatmap_similarity"),
                    rr.Scalars([row["heatmap_similarity"]]))
        verdict = row.get("verdict") or "not_evaluated"
        rec.log(_path(rr, "prompts", k, "answer"), rr.TextLog(row.get("answer") or "(none)"))
        rec.log(_path(rr, "prompts", k, "verdict"), rr.TextLog(
            verdict, level=rr.TextLogLevel.WARN if verdict in _FLAGGED else rr.TextLogLevel.INFO))
        reasons = "\n".join(f"- {r}" for r in row.get("reasons") or []) or "(none)"
        rec.log(_path(rr, "prompts", k, "reasons"),
                rr.TextDocument(reasons, media_type=rr.MediaType.MARKDOWN))
    return sum(1 for r in rows if r["status"] == "ok")


def _record(rr: Any, kept: KeptVideo, path: Path) -> tuple[int, int]:
    """One video's recording, saved to `path`: (video frames, analysed rows)."""
    index = kept.index()  # before the recording starts: an unreadable source writes nothing
    rec = rr.RecordingStream(APPLICATION_ID, recording_id=kept.video_id)
    rec.save(str(path))
    try:
        rec.send_recording_name(kept.name)
        frames = _log_video(rec, rr, kept, index)
        rows = _log_rows(rec, rr, kept, index)
    finally:
        rec.disconnect()
    return frames, rows


def export_rerun(run_dir: Path, out: Path) -> RerunExport:
    """Write one Rerun recording per input of the run to `out` (.rrd).

    Raises RunDirError (not a run, source unreadable) or ImportError (no rerun-sdk) with a
    sentence, before anything is written.
    """
    if out.suffix.lower() != ".rrd":
        raise RunDirError(f"--out {out} must name an .rrd file")
    videos = open_run(run_dir)
    rr = _rerun()
    out.parent.mkdir(parents=True, exist_ok=True)
    frames = rows = 0
    recorded, skipped, parts = [], [], []
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".rrd-") as work:
        for kept in videos:
            part = Path(work) / f"{len(parts):04d}.rrd"
            try:
                f, r = _record(rr, kept, part)
            except RunDirError as err:
                if len(videos) == 1:
                    raise
                skipped.append(str(err))
                continue
            frames, rows = frames + f, rows + r
            parts.append(part)
            recorded.append(kept.video_id)
        if not parts:
            raise RunDirError("no input of the run could be read again: " + "; ".join(skipped))
        with atomic_path(out) as tmp:
            if len(parts) == 1:
                os.replace(parts[0], tmp)
            else:  # the SDK's own merge keeps each recording apart
                subprocess.run([sys.executable, "-m", "rerun_cli", "rrd", "merge",
                                *map(str, parts), "-o", str(tmp)],
                               check=True, capture_output=True)
    return RerunExport(out, tuple(recorded), frames, rows, tuple(skipped))
