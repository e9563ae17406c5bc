"""Results out (issue 19): kept heatmaps, `render`, per-prompt overlays and flagged clips, the
Rerun and MCAP exports, and `drivexplain.audit`; each read back from what was written."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import av
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pipeline_support import (  # noqa: F401  (shared_run is a fixture)
    PROMPTS,
    by_name,
    read_jsonl,
    read_rows,
    shared_run,
    tiny_config,
    write_video,
)
from typer.testing import CliRunner

from drivexplain.pipeline.cli import app
from drivexplain.pipeline.sinks.records import SCHEMA, KeptHeatmaps, to_table
from drivexplain.pipeline.sinks.render import (
    OverlaySpec,
    ShownRow,
    caption_lines,
    render_run,
)
from drivexplain.pipeline.sources.decode import index_video

HEATMAP_COLUMNS = ["heatmap_concepts", "heatmap_grid", "heatmaps"]
# The budget: a 10-minute, 10 frames/s run with 3 concepts adds at most 20 MB.
BUDGET_ROWS, BUDGET_CONCEPTS, BUDGET_BYTES = 10 * 60 * 10, 3, 20_000_000


def _decode(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def _good(shared_run) -> tuple[dict, Path]:  # noqa: F811
    summary, out, _ = shared_run
    good = by_name(summary)["good.mp4"]
    return good, out


def _parquet_bytes(table: pa.Table) -> int:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.tell()


# ----------------------------------------------------------------------------- kept heatmaps
def test_rows_keep_their_concepts_heatmaps(shared_run) -> None:  # noqa: F811
    good, out = _good(shared_run)
    rows = read_rows(out, good["video_id"])
    assert len(rows) == 30 * len(PROMPTS)
    for row in rows:
        kept = KeptHeatmaps.from_row(row)
        assert kept.concepts == tuple(row["concepts"])  # pedestrian / car: one map each
        assert kept.grid == (4, 4)  # the tiny ViT's patch grid: 32 px / 8 px patches
        assert kept.maps.dtype == np.uint8 and kept.maps.max() > kept.maps.min()
    # the same frame and concept keeps the same map whichever prompt's row holds it
    by_frame = {}
    for row in rows:
        for concept, heat in zip(*(lambda k: (k.concepts, k.maps))(KeptHeatmaps.from_row(row)),
                                 strict=True):
            by_frame.setdefault((row["frame_index"], concept), heat)
            assert np.array_equal(by_frame[(row["frame_index"], concept)], heat)
    # the JSONL log holds the same maps, base64
    line = read_jsonl(out, good["video_id"])[0]
    assert base64.b64decode(line["heatmaps"][0]) == rows[0]["heatmaps"][0]
    # an input that could not be read keeps an error row without maps
    notes = pq.read_table(out / by_name(shared_run[0])["notes.mp4"]["video_id"]
                          / "frames.parquet").to_pylist()
    assert notes[0]["status"] == "error" and not notes[0]["heatmap_concepts"]


def test_kept_heatmaps_fit_the_budget(shared_run) -> None:  # noqa: F811
    """Bytes the three heatmap columns add to frames.parquet, from a real row of the run:
    measured as written, then with the largest common patch grid (ViT-L/14 at 336 px, 24x24)
    filled with random bytes that no compression can shrink."""
    good, out = _good(shared_run)
    table = pq.read_table(out / good["video_id"] / "frames.parquet")
    added = _parquet_bytes(table) - _parquet_bytes(table.drop_columns(HEATMAP_COLUMNS))
    per_concept_row = added / sum(len(c) for c in table.column("heatmap_concepts").to_pylist())
    assert 0 < per_concept_row * BUDGET_CONCEPTS * BUDGET_ROWS <= BUDGET_BYTES

    rng = np.random.default_rng(0)
    row = table.slice(0, 1).to_pylist()[0]
    rows = []
    for i in range(BUDGET_ROWS):
        maps = rng.integers(0, 256, (BUDGET_CONCEPTS, 24, 24), dtype=np.uint8)
        rows.append(dict(row, frame_index=i, timestamp=i / 10, **KeptHeatmaps(
            ("pedestrian", "car", "traffic light"), maps).columns()))
    worst = to_table(rows)
    added = _parquet_bytes(worst) - _parquet_bytes(worst.drop_columns(HEATMAP_COLUMNS))
    assert added >= BUDGET_ROWS * BUDGET_CONCEPTS * 24 * 24  # the maps really are in there
    assert added <= BUDGET_BYTES, f"{added / 1e6:.1f} MB for a 10-minute run"


def test_kept_heatmaps_refuse_a_wrong_shape() -> None:
    with pytest.raises(ValueError, match="uint8"):
        KeptHeatmaps(("car",), np.zeros((1, 4, 4), np.float32))
    with pytest.raises(ValueError, match=r"\(2, rows, columns\)"):
        KeptHeatmaps(("car", "bus"), np.zeros((1, 4, 4), np.uint8))


# ----------------------------------------------------------------------------- overlays
def test_every_prompt_has_its_overlay(shared_run) -> None:  # noqa: F811
    good, out = _good(shared_run)
    folder = out / good["video_id"]
    first, second = _decode(folder / "overlay.mp4"), _decode(folder / "overlay_prompt2.mp4")
    assert len(first) == len(second) == 30
    # same source frames, different prompt: the maps and the captions differ
    assert np.abs(first[10].astype(int) - second[10].astype(int)).mean() > 1.0
    page = (folder / "report.html").read_text()
    assert 'href="overlay_prompt2.mp4"' in page and "prompt 2: Is there a car &lt;b&gt;" in page
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {"overlay.mp4", "overlay_prompt2.mp4"} <= set(manifest["outputs"])
    assert manifest["summary"]["overlay"] == "all"


def test_caption_names_prompt_and_concept() -> None:
    heat = KeptHeatmaps(("car", "bus"), np.full((2, 4, 4), 200, np.uint8))
    shown = ShownRow(3, heat, "yes", "coherent", {"car": (0.25, 3.0)})
    lines = caption_lines(OverlaySpec("Is there a car ahead?", 2), shown, 3)
    assert lines[0] == "heatmap: car, bus (max) | prompt 2: Is there a car ahead?"
    assert "car: CD +0.25 NS 3.00" in lines[1] and "verdict: coherent" in lines[1]
    only = caption_lines(OverlaySpec("Is there a car ahead?", 2, "bus"),
                         ShownRow(3, heat.select("bus"), None, "not_evaluated", {}), 3)
    assert only[0].startswith("heatmap: bus |")


def test_render_redraws_from_kept_heatmaps(shared_run, tmp_path: Path) -> None:  # noqa: F811
    good, out = _good(shared_run)
    source = _decode(Path(good["uri"]))
    target = tmp_path / "car.mp4"
    done = render_run(out, target, prompt=PROMPTS[1], concept="car", colormap="viridis",
                      video="good.mp4")
    assert (done.frames, done.concepts) == (30, ("car",))
    drawn = _decode(target)
    assert len(drawn) == len(source) == 30 and drawn[0].shape == source[0].shape
    rows = [r for r in read_rows(out, good["video_id"]) if r["prompt"] == PROMPTS[1]]
    height, width = source[0].shape[:2]
    hot_gain, cold_gain = [], []
    for i in (5, 15, 25):
        heat = KeptHeatmaps.from_row(rows[i]).select("car").maps[0]
        cells = {(r, c): heat[r, c] for r in range(2) for c in range(4)}  # above the captions
        diff = np.abs(drawn[i].astype(int) - source[i].astype(int)).mean(axis=2)
        for gains, pick in ((hot_gain, max), (cold_gain, min)):
            r, c = pick(cells, key=cells.get)
            gains.append(diff[r * height // 4:(r + 1) * height // 4,
                              c * width // 4:(c + 1) * width // 4].mean())
    assert min(hot_gain) > 15 and np.mean(hot_gain) > 3 * np.mean(cold_gain)
    # the first prompt in the default colormap is the run's own overlay, redrawn
    again = tmp_path / "first.mp4"
    render_run(out / good["video_id"], again)
    run_overlay = _decode(out / good["video_id"] / "overlay.mp4")
    assert np.mean([np.abs(a.astype(int) - b.astype(int)).mean()
                    for a, b in zip(_decode(again), run_overlay, strict=True)]) < 2.0


@pytest.mark.parametrize(("args", "says"), [
    (["{tmp}"], "is not a drivexplain run"),
    (["{out}", "--video", "good.mp4", "--prompt", "Is it raining?"], "is not a prompt"),
    (["{out}", "--video", "good.mp4", "--concept", "bus"], "has no kept heatmap"),
    (["{out}", "--video", "good.mp4", "--colormap", "sepia"], "is not a colormap"),
    (["{out}"], "choose one with --video"),
])
def test_render_refuses_bad_input(shared_run, tmp_path: Path, args: list[str],  # noqa: F811
                                  says: str) -> None:
    _, out, _ = shared_run
    argv = ["render", *(a.format(tmp=tmp_path, out=out) for a in args),
            "--out", str(tmp_path / "x.mp4")]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2, result.output
    assert says in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "x.mp4").exists()


# ----------------------------------------------------------------------------- exports
def test_rerun_export_reads_back(shared_run, tmp_path: Path) -> None:  # noqa: F811
    pytest.importorskip("rerun", reason="the rerun extra (scripts/setup.sh installs it)")
    from rerun.chunk import RrdReader

    summary, out, _ = shared_run
    target = tmp_path / "run.rrd"
    result = CliRunner().invoke(app, ["export", "rerun", str(out), "--out", str(target)])
    assert result.exit_code == 0, result.output
    reader = RrdReader(target)
    recordings = {s.recording_id: s for s in reader.recordings()}
    finished = {v["video_id"] for v in summary.videos if v["status"] == "ok"}
    assert finished <= set(recordings)  # one recording per video
    good = by_name(summary)["good.mp4"]
    rows = {}
    for chunk in reader.stream(store=recordings[good["video_id"]]).to_chunks():
        if not chunk.is_static:
            rows[chunk.entity_path] = rows.get(chunk.entity_path, 0) + chunk.num_rows
            assert {"frame", "time"} <= set(chunk.timeline_names)
    logged = [r for r in read_rows(out, good["video_id"]) if r["prompt"] == PROMPTS[0]]
    with_cd = sum(1 for r in logged if r["concept_drop"] is not None)
    assert rows["/video"] == 30  # every video frame, as H.264 samples
    assert rows["/video/heatmaps/pedestrian"] == rows["/video/heatmaps/car"] == 30
    assert rows["/metrics/pedestrian/concept_drop"] == with_cd > 0
    assert rows["/metrics/car/negative_suppression"] > 0
    assert rows["/metrics/car/similarity"] == 30
    for k in ("1", "2"):
        for name in ("answer", "verdict", "reasons"):
            assert rows[f"/prompts/{k}/{name}"] == 30
    assert "/errors" not in rows


def test_mcap_export_reads_back(shared_run, tmp_path: Path) -> None:  # noqa: F811
    from mcap.reader import make_reader

    summary, out, _ = shared_run
    good = by_name(summary)["good.mp4"]
    target = tmp_path / "run.mcap"
    result = CliRunner().invoke(app, ["export", "mcap", str(out / good["video_id"]),
                                      "--out", str(target)])
    assert result.exit_code == 0, result.output
    base = f"/drivexplain/{good['video_id']}"
    counts: dict[str, int] = {}
    with target.open("rb") as handle:
        reader = make_reader(handle)
        for schema, channel, message in reader.iter_messages():
            counts[channel.topic] = counts.get(channel.topic, 0) + 1
            data = json.loads(message.data)
            if channel.topic == f"{base}/prompt2/overlay" and counts[channel.topic] == 1:
                assert schema.name == "foxglove.CompressedImage"
                assert schema.encoding == "jsonschema" and channel.message_encoding == "json"
                import cv2

                image = cv2.imdecode(np.frombuffer(base64.b64decode(data["data"]), np.uint8),
                                     cv2.IMREAD_COLOR)
                assert data["format"] == "jpeg" and image.shape == (96, 160, 3)
            if channel.topic == f"{base}/prompt1/result" and counts[channel.topic] == 2:
                assert schema.name == "drivexplain.FrameResult"
                assert data["frame"] == 1 and data["prompt"] == PROMPTS[0]
                assert data["concepts"][0]["concept"] == "pedestrian"
                assert message.log_time == round(data["timestamp"] * 1e9)
    assert counts == {f"{base}/prompt1/overlay": 30, f"{base}/prompt2/overlay": 30,
                      f"{base}/prompt1/result": 30, f"{base}/prompt2/result": 30}


@pytest.mark.parametrize("command", [["export", "rerun"], ["export", "mcap"]])
def test_exports_refuse_a_folder_that_is_not_a_run(tmp_path: Path, command: list[str]
                                                   ) -> None:
    suffix = ".rrd" if command[1] == "rerun" else ".mcap"
    result = CliRunner().invoke(app, [*command, str(tmp_path), "--out",
                                      str(tmp_path / f"x{suffix}")])
    assert result.exit_code == 2 and "is not a drivexplain run" in result.output
    result = CliRunner().invoke(app, [*command, str(tmp_path), "--out", str(tmp_path / "x.txt")])
    assert result.exit_code == 2 and "must name" in result.output


# ----------------------------------------------------------------------------- audit()
@pytest.mark.slow
def test_audit_returns_frames_episodes_and_flagged_clips(
    tmp_path: Path, model_config_dir: Path, tiny_vit_checkpoint: Path
) -> None:
    """One tiny real run through the Python API, with `overlay: flagged`."""
    import drivexplain

    clip = write_video(tmp_path / "clip.mp4", 40)
    config = tiny_config(tiny_vit_checkpoint, **{"pipeline.overlay_context_s": 0.5})
    result = drivexplain.audit(clip, PROMPTS, config=config, out=tmp_path / "out",
                               overlay="flagged", model_config_dirs=[model_config_dir])
    assert isinstance(result, drivexplain.AuditResult) and result.exit_code == 0
    assert result.frames.schema.names == SCHEMA.names
    assert result.frames.num_rows == 40 * len(PROMPTS)
    on_disk = pq.read_table(result.videos[0].folder / "frames.parquet")
    assert result.frames.equals(on_disk)
    frame = result.to_pandas()
    assert list(frame.columns) == SCHEMA.names and len(frame) == 80
    assert result.report_path.is_file() and result.videos[0].report_path.is_file()
    # flagged: no whole-video overlay, one clip per flagged prompt of each episode
    video = result.videos[0]
    assert video.overlays == () and not (video.folder / "overlay.mp4").exists()
    assert result.episodes, "the tiny random model flags frames (NS < 2); none were found"
    source = index_video(str(clip))
    page = video.report_path.read_text()
    for episode in result.episodes:
        assert episode.clips
        lo, hi = episode.start_t - 0.5, episode.end_t + 0.5
        expected = sum(1 for i in range(source.num_frames)
                       if lo - 1e-9 <= source.timestamp(i) <= hi + 1e-9)
        for path in episode.clips:
            assert len(_decode(path)) == expected
            assert f'href="{path.name}"' in page
    assert set(video.clips) == {p for e in result.episodes for p in e.clips}


def test_run_refuses_an_unknown_overlay_mode(tmp_path: Path) -> None:
    clip = write_video(tmp_path / "c.mp4", 4)
    result = CliRunner().invoke(app, ["run", str(clip), "--prompt", "Is there a car?",
                                      "--overlay", "sometimes", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert not (tmp_path / "o").exists()
