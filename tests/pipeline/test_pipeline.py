"""The pipeline end to end on tiny clips, and its pieces on their own."""

from __future__ import annotations

import itertools
import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from pipeline_support import (  # noqa: F401  (shared_run is a fixture)
    PROMPTS,
    by_name,
    read_jsonl,
    read_rows,
    shared_run,
    write_video,
)

from drivexplain.pipeline.chunks import plan_chunks
from drivexplain.pipeline.prompts import PromptError, match_concepts, resolve_tracks
from drivexplain.pipeline.sinks.records import SCHEMA, TIMING_FIELDS
from drivexplain.pipeline.sinks.report import episodes, esc, video_report
from drivexplain.pipeline.sinks.writers import atomic_path, caption_band, concat_segments
from drivexplain.pipeline.sources.decode import (
    DecodedFrame,
    VideoIndex,
    index_video,
    iter_chunk_frames,
    sample_frames,
)
from drivexplain.pipeline.sources.inputs import expand_inputs, video_id_for

VOCAB = Path("configs/vocabulary.yaml")


def _index(pts: list[int], keyframes: list[int], rate: int = 10) -> VideoIndex:
    return VideoIndex(
        pts=tuple(pts),
        keyframes=tuple(i in keyframes for i in range(len(pts))),
        time_base=Fraction(1, rate),
        width=64,
        height=64,
        average_rate=Fraction(rate),
        codec="h264",
    )


# ----------------------------------------------------------------------------- units
def test_fps_sampling_follows_real_time_on_vfr() -> None:
    # 10 fps, then a 1 s gap, then 10 fps again: sampling at 2 fps keeps one frame per 0.5 s
    pts = list(range(10)) + list(range(20, 30))
    kept = sample_frames(_index(pts, [0]), sample_fps=2.0)
    assert [pts[i] for i in kept] == [0, 5, 20, 25]
    assert sample_frames(_index(pts, [0]), stride=3) == [0, 3, 6, 9, 12, 15, 18]


def test_chunks_start_on_keyframes_and_cover_every_frame() -> None:
    index = _index(list(range(50)), keyframes=[0, 10, 20, 30, 40])
    chunks = plan_chunks("v", "v.mp4", index, list(range(0, 50, 3)), chunk_frames=15)
    assert [(c.start, c.stop) for c in chunks] == [(0, 20), (20, 40), (40, 50)]
    assert all(index.keyframes[c.start] for c in chunks)
    assert [i for c in chunks for i in c.sampled] == list(range(0, 50, 3))
    # a single keyframe (long GOP) still gets bounded chunks
    long_gop = plan_chunks("v", "v.mp4", _index(list(range(100)), [0]), [], chunk_frames=10)
    assert max(c.stop - c.start for c in long_gop) <= 20


def test_chunk_decode_matches_full_decode(tmp_path: Path) -> None:
    path = write_video(tmp_path / "c.mp4", 40, gop=7)
    index = index_video(str(path))
    chunks = plan_chunks("c", str(path), index, list(range(40)), chunk_frames=9)
    assert len(chunks) > 2
    frames = []
    for chunk in chunks:
        items = list(iter_chunk_frames(str(path), chunk.pts, chunk.start))
        assert all(isinstance(i, DecodedFrame) for i in items)
        frames.extend(items)
    assert [f.index for f in frames] == list(range(40))
    whole = [f.image for f in iter_chunk_frames(str(path), index.pts, 0)]
    assert all(np.array_equal(a.image, b) for a, b in zip(frames, whole, strict=True))


def test_longest_phrase_matching() -> None:
    vocab = ["car", "red car", "pedestrian", "traffic light"]
    assert match_concepts("Is the red car near the pedestrians?", vocab) == ["red car",
                                                                            "pedestrian"]
    assert match_concepts("carpool lane", vocab) == []
    # what a question asks about, as its verdict reads it: the road's state, not a wet road
    # named; the night, named by its opposite
    weather = ["road", "wet road", "snow", "snowy road", "night"]
    assert match_concepts("Does the road look wet?", weather) == ["road"]
    assert match_concepts("Is the road snowy?", weather) == ["road"]
    assert match_concepts("Is it daytime?", weather) == ["night"]
    with pytest.raises(PromptError, match="--concept"):
        resolve_tracks(["what happens next?"], [], VOCAB)
    tracks = resolve_tracks(["anything?"], ["bus", "bus", "truck"], VOCAB)
    assert tracks[0].concepts == ("bus", "truck")


def test_video_ids_are_safe_and_distinct(tmp_path: Path) -> None:
    nasty = "../../etc/pass wd;rm -rf.mp4"
    vid = video_id_for(nasty)
    assert "/" not in vid and not vid.startswith(".") and " " not in vid
    assert video_id_for("/a/x.mp4") != video_id_for("/b/x.mp4")
    write_video(tmp_path / "a.mp4", 2)
    (tmp_path / "sub").mkdir()
    write_video(tmp_path / "sub" / "b.mov", 2)
    (tmp_path / "readme.txt").write_text("x")
    found = expand_inputs([str(tmp_path), str(tmp_path / "*.mp4")])
    assert [Path(v.uri).name for v in found] == ["a.mp4", "b.mov"]


def test_filesystem_uris_go_through_pyarrow(tmp_path: Path) -> None:
    """s3:// and gs:// take the same path as file://, which can be tested offline."""
    path = write_video(tmp_path / "u.mp4", 12, gop=4)
    (tmp_path / "notes.txt").write_text("x")
    found = expand_inputs([tmp_path.as_uri()])
    assert [v.uri for v in found] == [path.as_uri()]
    index = index_video(found[0].uri)
    assert index.num_frames == 12
    frames = list(iter_chunk_frames(found[0].uri, index.pts[4:8], 4))
    assert [f.index for f in frames] == [4, 5, 6, 7]
    from drivexplain.pipeline.sinks.layout import input_fingerprint

    assert input_fingerprint(found[0].uri)["size"] == path.stat().st_size


def test_atomic_path_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "x.txt"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_caption_band_keeps_frame_size() -> None:
    frame = np.zeros((90, 160, 3), np.uint8)
    out = caption_band(frame, ["Q: é? | CD +0.10", "two"])
    assert out.shape == frame.shape and out[60:].any() and not out[:30].any()


def test_segments_join_in_order_only(tmp_path: Path) -> None:
    a = write_video(tmp_path / "a.mp4", 5)
    b = tmp_path / "b.mp4"
    from drivexplain.pipeline.sinks.writers import SegmentEncoder

    enc = SegmentEncoder(b, 160, 96, Fraction(1, 1000), Fraction(10), 30, "ultrafast")
    for i in range(5):
        enc.add(np.zeros((96, 160, 3), np.uint8), 1000 + i * 100)
    enc.close()
    enc = SegmentEncoder(a, 160, 96, Fraction(1, 1000), Fraction(10), 30, "ultrafast")
    for i in range(5):
        enc.add(np.zeros((96, 160, 3), np.uint8), i * 100)
    enc.close()
    assert concat_segments([a, b], tmp_path / "ab.mp4") == 10
    with pytest.raises(ValueError, match="back in time"):
        concat_segments([b, a], tmp_path / "ba.mp4")


def test_report_escapes_user_text() -> None:
    row = {name: None for name in SCHEMA.names}
    row.update(status="error", frame_index=1, timestamp=0.1, error="<script>alert(1)</script>")
    page = video_report("<img src=x onerror=alert(1)>.mp4", [row], None, None,
                        {"k": "<b>"}, {"model": "m"})
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert esc("<b>") in page


def test_report_says_which_answers_it_could_not_check_and_why() -> None:
    def row(i: int, verdict: str, concept: str, auroc: float | None) -> dict:
        out = {name: None for name in SCHEMA.names}
        out.update(status="ok", frame_index=i, timestamp=i / 10, prompt="Is there a <b>?",
                   verdict=verdict, concept_results=[
                       {"concept": concept, "p_grounded": 0.7, "concept_auroc": auroc}])
        return out

    rows = [row(0, "unverified", "pedestrian", 0.69), row(1, "unverified", "<i>", None),
            row(2, "coherent", "bus", 0.98)]
    page = video_report("v.mp4", rows, None, None, {}, {"model": "m"})
    assert "2 answers are <code>unverified</code>" in page
    assert "pedestrian (AUROC 0.69)" in page and esc("<i>") + " (not measured)" in page
    assert "bus (" not in page.split("unverified</code>")[1].split("</p>")[0]
    assert "<i>" not in page
    assert "answers are <code>unverified</code>" not in video_report(
        "v.mp4", rows[2:], None, None, {}, {"model": "m"})


def test_episodes_group_consecutive_flagged_frames() -> None:
    def row(i: int, flagged: bool) -> dict:
        return {"status": "ok", "frame_index": i, "timestamp": i / 10, "prompt": "p",
                "flags": ["c: concept drop -0.1 <= 0: x"] if flagged else [],
                "concept_drop": -0.1 if flagged else 0.2}

    rows = [row(i, i in {2, 3, 4, 8}) for i in range(10)]
    found = episodes(rows)
    assert [(e["start"], e["stop"]) for e in found] == [(2, 4), (8, 8)]


# ----------------------------------------------------------------------------- end to end
def test_end_to_end_outputs(shared_run) -> None:  # noqa: F811
    summary, out, _ = shared_run
    good = by_name(summary)["good.mp4"]
    assert good["status"] == "ok", good
    rows = read_rows(out, good["video_id"])
    # exactly one row per (analysed frame, prompt), frames in order
    assert len(rows) == 30 * len(PROMPTS)
    assert [(r["frame_index"], r["prompt"]) for r in rows] == [
        (i, p) for i in range(30) for p in PROMPTS
    ]
    assert {r["status"] for r in rows} == {"ok"}
    first = rows[0]
    assert first["concepts"] == ["pedestrian"] and rows[1]["concepts"] == ["car"]
    assert first["answer"] is None and first["verdict"] == "not_evaluated"
    assert first["reasons"] and first["heatmap_similarity"] is None
    assert first["model_ids"]["concept_attribution"].startswith("TestTinyViT@")
    assert len(first["heads"]) == 3 and first["contrastive_concept"]
    assert first["config_hash"] and first["timestamp"] == 0.0
    jsonl = read_jsonl(out, good["video_id"])
    assert [r["frame_index"] for r in jsonl] == [r["frame_index"] for r in rows]
    # overlay video: original size, every frame, original timestamps
    source = index_video(str(Path(good["uri"])))
    overlay = index_video(str(out / good["video_id"] / "overlay.mp4"))
    assert (overlay.width, overlay.height) == (source.width, source.height)
    assert overlay.num_frames == source.num_frames
    assert [overlay.timestamp(i) for i in range(30)] == pytest.approx(
        [source.timestamp(i) for i in range(30)])
    assert overlay.codec == "h264"
    # frames are stored in presentation order: dts strictly increasing and equal to pts
    with av.open(str(out / good["video_id"] / "overlay.mp4")) as container:
        stamps = [(p.pts, p.dts) for p in container.demux(video=0) if p.size]
    assert all(pts == dts for pts, dts in stamps)
    assert all(a[1] < b[1] for a, b in itertools.pairwise(stamps))
    page = (out / good["video_id"] / "report.html").read_text()
    assert "<video" in page and "overlay.mp4" in page and "&lt;b&gt;ahead" in page
    assert not (out / good["video_id"] / ".work").exists()
    run = json.loads((out / "run.json").read_text())
    assert run["config"]["pipeline"]["chunk_frames"] == 8


def test_variable_frame_rate_is_kept(shared_run) -> None:  # noqa: F811
    summary, out, _ = shared_run
    vfr = by_name(summary)["vfr.mp4"]
    assert vfr["status"] == "ok"
    source = index_video(vfr["uri"])
    overlay = index_video(str(out / vfr["video_id"] / "overlay.mp4"))
    expected = [source.timestamp(i) for i in range(source.num_frames)]
    assert [overlay.timestamp(i) for i in range(overlay.num_frames)] == pytest.approx(expected)
    times = [r["timestamp"] for r in read_rows(out, vfr["video_id"])][:: len(PROMPTS)]
    assert times == pytest.approx(expected)


def test_timing_fields_are_declared() -> None:
    assert set(TIMING_FIELDS) <= set(SCHEMA.names)
