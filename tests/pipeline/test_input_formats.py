"""Issue 19, inputs: image folders, raw H.264/HEVC streams, MCAP and ROS 1 bags.

Every file is written here from synthetic frames with the formats' own writers
(`drivexplain.synthworld.log_formats`); none is stored in the repository.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest
from pipeline_support import moving_box, read_rows, run_tiny, tiny_config
from typer.testing import CliRunner

from drivexplain.pipeline.chunks import plan_chunks
from drivexplain.pipeline.cli import app
from drivexplain.pipeline.sources.decode import DecodedFrame, VideoError
from drivexplain.pipeline.sources.formats import (
    SourceSettings,
    index_source,
    needs_fps,
    read_chunk,
    span_chunk,
)
from drivexplain.pipeline.sources.inputs import VideoInput, expand_inputs
from drivexplain.synthworld.log_formats import (
    write_elementary,
    write_image_folder,
    write_mcap,
    write_rosbag,
)

FPS10 = SourceSettings(fps=10.0)


def clip(n: int = 20, size: tuple[int, int] = (160, 96)) -> list[np.ndarray]:
    return [moving_box(i, *size) for i in range(n)]


def one(path: Path, topics: tuple[str, ...] = ()) -> VideoInput:
    (found,) = expand_inputs([str(path)], topics)
    return found


def decode_all(source: VideoInput, settings: SourceSettings = FPS10, chunk_frames: int = 5
               ) -> tuple[list[DecodedFrame], list[tuple[int, str]], int]:
    index = index_source(source, settings)
    chunks = plan_chunks(source.video_id, source.uri, index, list(range(index.num_frames)),
                         chunk_frames, kind=source.kind, topic=source.topic or "")
    items = [item for c in chunks for item in read_chunk(c)]
    frames = [i for i in items if isinstance(i, DecodedFrame)]
    return frames, [i for i in items if not isinstance(i, DecodedFrame)], len(chunks)


# ----------------------------------------------------------------------------- image folders
@pytest.mark.parametrize("timing", ["txt", "csv", "nuscenes"])
def test_image_folder_times_come_from_beside_or_from_the_names(tmp_path: Path,
                                                               timing: str) -> None:
    frames = clip(6)
    # out of order in time: the folder's name order is not the frame order
    times = [1_532_402_927_612_460 + t for t in (0, 300_000, 100_000, 200_000, 500_000,
                                                   400_000)]
    folder = write_image_folder(frames, tmp_path / "seq", timing, times, suffix=".png")
    source = one(folder)
    assert source.kind == "images" and needs_fps(source) is None
    index = index_source(source, SourceSettings())
    assert index.pts == (0, 100_000, 200_000, 300_000, 400_000, 500_000)  # microseconds
    assert not index.synthesised and index.average_rate == 10
    decoded, errors, _ = decode_all(source, SourceSettings(), chunk_frames=2)
    assert not errors
    by_time = [frames[i] for i in (0, 2, 3, 1, 5, 4)]
    assert all(np.array_equal(d.image, f) for d, f in zip(decoded, by_time, strict=True))


def test_image_folder_without_times_needs_fps_and_says_it_made_them_up(tmp_path: Path) -> None:
    folder = write_image_folder(clip(7), tmp_path / "kitti" / "data")
    source = one(tmp_path / "kitti")  # a folder of folders: each image folder is an input
    assert "no timestamps.txt" in (needs_fps(source) or "")
    with pytest.raises(VideoError, match="give --fps"):
        index_source(source, SourceSettings())
    index = index_source(source, SourceSettings(fps=5.0))
    assert index.synthesised and index.timing == "synthesised from --fps 5"
    assert index.timestamp(6) == pytest.approx(1.2)
    assert index.locators[:2] == ("0000000000.png", "0000000001.png")
    assert source.uri == str(folder.resolve())


def test_mixed_image_sizes_name_the_first_odd_file(tmp_path: Path) -> None:
    frames = clip(5) + clip(1, (96, 64)) + clip(2)
    folder = write_image_folder(frames, tmp_path / "seq")
    with pytest.raises(VideoError, match=r"mixed image sizes: 0000000005.png is 96x64 but "
                                         r"0000000000.png is 160x96"):
        index_source(one(folder), FPS10)


def test_bad_timestamp_files_are_one_sentence(tmp_path: Path) -> None:
    folder = write_image_folder(clip(4), tmp_path / "seq", "txt")
    (folder / "timestamps.txt").write_text("0.0\n0.1\n0.2\n")
    with pytest.raises(VideoError, match="timestamps.txt has 3 times for 4 images"):
        index_source(one(folder), SourceSettings())
    (folder / "timestamps.txt").unlink()
    (folder / "timestamps.csv").write_text("filename,timestamp\n0000000000.png,0\n")
    with pytest.raises(VideoError, match="timestamps.csv gives no time for 0000000001.png"):
        index_source(one(folder), SourceSettings())


# ----------------------------------------------------------------------------- raw streams
@pytest.mark.parametrize(("codec", "suffix", "closed"), [
    ("libx264", ".h264", True), ("libx265", ".hevc", True), ("libx265", ".h265", False)])
def test_raw_stream_chunks_decode_like_one_pass(tmp_path: Path, codec: str, suffix: str,
                                               closed: bool) -> None:
    """The issue's 20-frame raw stream: timed by --fps, cut on keyframes found by parsing,
    each chunk decoded from its own keyframe's byte offset, frame for frame like one pass."""
    path = write_elementary(clip(20), tmp_path / f"raw{suffix}", codec, gop=6,
                            closed_gop=closed)
    source = one(path)
    assert source.kind == "elementary" and "no timestamps" in (needs_fps(source) or "")
    index = index_source(source, FPS10)
    assert index.num_frames == 20 and index.synthesised and index.timestamp(19) == 1.9
    keys = [i for i, k in enumerate(index.keyframes) if k]
    # closed GOPs start a decoder every 6 frames; open-GOP CRA keyframes are not used
    assert keys == ([0, 6, 12, 18] if closed else [0])
    chunked, errors, count = decode_all(source, chunk_frames=4)
    assert not errors and count >= 3
    whole = span_chunk(source, index, 0, 20)
    one_pass = [f for f in read_chunk(whole) if isinstance(f, DecodedFrame)]
    assert [f.index for f in chunked] == list(range(20))
    assert all(np.array_equal(a.image, b.image) for a, b in zip(chunked, one_pass, strict=True))
    late = span_chunk(source, index, 13, 15)  # off a keyframe: decodes from frame 12 (or 0)
    assert [f.index for f in read_chunk(late)] == [13, 14]
    assert np.array_equal(next(iter(read_chunk(late))).image, one_pass[13].image)


def test_raw_stream_refusals(tmp_path: Path) -> None:
    path = write_elementary(clip(4), tmp_path / "a.h264")
    with pytest.raises(VideoError, match="carries no timestamps; give --fps"):
        index_source(one(path), SourceSettings())
    junk = tmp_path / "junk.hevc"
    junk.write_bytes(b"\x00" * 64)
    with pytest.raises(VideoError, match="raw HEVC stream"):
        index_source(one(junk), FPS10)


# ----------------------------------------------------------------------------- MCAP, bags
@pytest.mark.parametrize("kind", ["ros2_jpeg", "ros2_raw", "foxglove_json",
                                  "foxglove_protobuf"])
def test_mcap_camera_messages_decode(tmp_path: Path, kind: str) -> None:
    frames = clip(12)
    path = write_mcap(tmp_path / "log.mcap", {"/camera/front": frames}, kind)
    source = one(path)
    assert (source.kind, source.topic, source.name) == ("mcap", "/camera/front",
                                                        "log.mcap:/camera/front")
    decoded, errors, _ = decode_all(source)
    assert not errors and [d.index for d in decoded] == list(range(12))
    tolerance = 0 if kind == "ros2_raw" else 8  # JPEG
    assert all(np.abs(d.image.astype(int) - f).mean() <= tolerance
               for d, f in zip(decoded, frames, strict=True))


def test_mcap_topics_become_videos_and_are_selected(tmp_path: Path) -> None:
    path = write_mcap(tmp_path / "drive.mcap",
                      {"/cam/front": clip(10), "/cam/left": clip(6), "/cam/../x y": clip(3)})
    found = expand_inputs([str(path)])
    assert [v.topic for v in found] == ["/cam/front", "/cam/left", "/cam/../x y"]
    ids = [v.video_id for v in found]
    assert ids[0].startswith("drive__cam_front-") and len(set(ids)) == 3
    assert all("/" not in i and " " not in i and not i.startswith(".") for i in ids)
    chosen = expand_inputs([str(path)], ["/cam/left"])
    assert [v.topic for v in chosen] == ["/cam/left"]
    with pytest.raises(ValueError, match=r"--topic /cam/rear: drive.mcap has no image topic "
                                         r"/cam/rear \(its image topics: /cam/front, "):
        expand_inputs([str(path)], ["/cam/rear"])


def test_mcap_clock_is_chosen_by_config(tmp_path: Path) -> None:
    path = write_mcap(tmp_path / "log.mcap", {"/cam": clip(4)}, stamp_offset_ns=-30_000_000)
    source = one(path)
    logged = index_source(source, SourceSettings(mcap_timestamp="log_time"))
    stamped = index_source(source, SourceSettings(mcap_timestamp="header_stamp"))
    assert logged.pts == stamped.pts == (0, 100_000, 200_000, 300_000)
    assert "log times; first frame at 1700000000000000000 ns" == logged.timing
    assert "header stamps; first frame at 1699999999970000000 ns" == stamped.timing


def test_a_chunk_reads_only_its_own_messages(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunk-wise through the MCAP index: a chunk deserialises its own frames, no others."""
    from drivexplain.pipeline.sources import messages

    path = write_mcap(tmp_path / "log.mcap", {"/a": clip(40), "/b": clip(40)},
                      chunk_size=4096)
    source = one(path, ("/b",))
    index = index_source(source, FPS10)
    decoded: list[int] = []
    original = messages.camera_image

    def counting(message: object, schema: str) -> messages.CameraImage:
        decoded.append(1)
        return original(message, schema)

    monkeypatch.setattr(messages, "camera_image", counting)
    monkeypatch.setattr("drivexplain.pipeline.sources.mcap.camera_image", counting)
    frames = list(read_chunk(span_chunk(source, index, 30, 34)))
    assert [f.index for f in frames] == [30, 31, 32, 33] and len(decoded) == 4


def test_malformed_logs_are_one_sentence(tmp_path: Path) -> None:
    good = write_mcap(tmp_path / "good.mcap", {"/cam": clip(8)})
    (tmp_path / "junk.mcap").write_text("not an mcap file\n")
    (tmp_path / "cut.mcap").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    (tmp_path / "junk.bag").write_bytes(b"#ROSBAG V2.0\n" + b"\x01" * 40)
    for name, reason in (("junk.mcap", "not a readable MCAP file"),
                         ("cut.mcap", "not a readable MCAP file"),
                         ("junk.bag", "not a readable ROS 1 bag")):
        source = one(tmp_path / name)
        assert source.topic is None
        with pytest.raises(VideoError, match=reason):
            index_source(source, FPS10)


def test_rosbag_topics_decode(tmp_path: Path) -> None:
    frames = clip(9)
    path = write_rosbag(tmp_path / "drive.bag", {"/cam/front": frames, "/cam/rear": clip(5)})
    found = expand_inputs([str(path)])
    assert [(v.kind, v.topic) for v in found] == [("rosbag", "/cam/front"),
                                                  ("rosbag", "/cam/rear")]
    decoded, errors, _ = decode_all(found[0], chunk_frames=4)
    assert not errors and [d.index for d in decoded] == list(range(9))
    assert all(np.abs(d.image.astype(int) - f).mean() <= 8
               for d, f in zip(decoded, frames, strict=True))


# ----------------------------------------------------------------------------- refusals
def test_run_refuses_missing_fps_and_unknown_topics_before_compute(tmp_path: Path) -> None:
    import ray

    raw = write_elementary(clip(4), tmp_path / "cam.h264")
    log = write_mcap(tmp_path / "drive.mcap", {"/cam": clip(4)})
    runner = CliRunner()
    base = ["run", "--prompt", "is there a car?", "--out", str(tmp_path / "out")]
    result = runner.invoke(app, [*base, str(raw)])
    assert result.exit_code == 2
    result = runner.invoke(app, [*base, str(log), "--topic", "/nope"])
    assert result.exit_code == 2
    result = runner.invoke(app, [*base, str(raw), "--topic", "/cam", "--fps", "10"])
    assert result.exit_code == 2
    assert not ray.is_initialized()


def test_refusal_sentences(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from drivexplain.pipeline.commands import EXIT_USAGE, run_command

    raw = write_elementary(clip(4), tmp_path / "cam.h264")
    args = {"prompts": ["is there a car?"], "prompts_file": None, "concepts": [],
            "config_path": None, "address": None, "out": tmp_path / "out", "progress": False}
    with caplog.at_level(logging.INFO, logger="drivexplain.pipeline"):
        assert run_command(inputs=[str(raw)], **args) == EXIT_USAGE
    assert ("cam.h264 is a raw H.264/HEVC stream, which carries no timestamps: give --fps "
            "(frames per second)") in caplog.text


# ----------------------------------------------------------------------------- end to end
@pytest.mark.slow  # one Ray run over seven inputs
def test_every_format_runs_end_to_end(tmp_path: Path, model_config_dir: Path,
                                      tiny_vit_checkpoint: Path) -> None:
    """One run over each format (an MCAP with two cameras among them) and a malformed file
    of each log kind: a video per camera, rows for every frame, error rows for the bad."""
    inputs = tmp_path / "inputs"
    kitti = write_image_folder(clip(10), inputs / "kitti" / "image_02" / "data", "txt")
    (kitti / "timestamps.txt").rename(kitti.parent / "timestamps.txt")  # KITTI's layout
    write_elementary(clip(10), inputs / "fcamera.hevc", "libx265", gop=4)
    write_mcap(inputs / "drive.mcap", {"/cam/front": clip(10), "/cam/left": clip(6)})
    write_rosbag(inputs / "old.bag", {"/camera/image": clip(6)})
    (inputs / "broken.mcap").write_text("not an mcap\n")
    write_image_folder(clip(3) + clip(1, (64, 48)), inputs / "mixed")
    config = tiny_config(tiny_vit_checkpoint, **{"input.fps": 10.0, "pipeline.chunk_frames": 4})
    out = tmp_path / "out"
    summary = run_tiny([inputs], out, model_config_dir, tiny_vit_checkpoint, config=config,
                       prompts=["Is there a car ahead?"])
    names = {v["name"]: v for v in summary.videos}
    expected = {"data": 10, "fcamera.hevc": 10, "drive.mcap:/cam/front": 10,
                "drive.mcap:/cam/left": 6, "old.bag:/camera/image": 6}
    assert set(names) == {*expected, "broken.mcap", "mixed"}
    for name, count in expected.items():
        video = names[name]
        assert video["status"] == "ok", (name, video)
        rows = read_rows(out, video["video_id"])
        assert sorted(r["frame_index"] for r in rows) == list(range(count))
        assert all(r["status"] == "ok" for r in rows)
        assert (out / video["video_id"] / "overlay.mp4").is_file()
    # the two cameras of one MCAP are two videos, named after the file and the topic
    front, left = names["drive.mcap:/cam/front"], names["drive.mcap:/cam/left"]
    assert front["video_id"].startswith("drive__cam_front-")
    assert left["video_id"].startswith("drive__cam_left-")
    manifest = json.loads((out / names["fcamera.hevc"]["video_id"] / "manifest.json")
                          .read_text())
    assert manifest["timestamps"] == {"source": "synthesised from --fps 10",
                                      "synthesised": True}
    assert manifest["input"] == {"kind": "elementary", "topic": None}
    front_manifest = json.loads((out / front["video_id"] / "manifest.json").read_text())
    assert front_manifest["input"] == {"kind": "mcap", "topic": "/cam/front"}
    kitti = json.loads((out / names["data"]["video_id"] / "manifest.json").read_text())
    assert kitti["timestamps"] == {"source": "../timestamps.txt", "synthesised": False}
    for bad, reason in (("broken.mcap", "not a readable MCAP file"),
                        ("mixed", "mixed image sizes: 0000000003.png is 64x48")):
        assert names[bad]["status"] == "failed"
        (row,) = read_rows(out, names[bad]["video_id"])
        assert row["status"] == "error" and bad in row["error"] and reason in row["error"]
    assert summary.exit_code == 1


def test_sweeps_of_several_nuscenes_logs_are_one_video_each(tmp_path: Path) -> None:
    from PIL import Image

    folder = tmp_path / "CAM_FRONT"
    folder.mkdir()
    frames = clip(7)
    # two frames of each log, interleaved by name; n015-a was recorded first
    for n, (log, us) in enumerate([("n008-b", 9_000_000), ("n015-a", 1_000_000)] * 2):
        stamp = 1_532_402_900_000_000 + us + n * 50_000
        Image.fromarray(frames[n]).save(folder / f"{log}__CAM_FRONT__{stamp}.png")
    found = expand_inputs([str(folder)])
    assert [v.topic for v in found] == ["n015-a", "n008-b"]  # in time order
    assert found[0].name == "CAM_FRONT:n015-a" and found[0].video_id != found[1].video_id
    index = index_source(found[0], SourceSettings())
    assert index.num_frames == 2 and index.pts == (0, 100_000)
    assert all(name.startswith("n015-a__") for name in index.locators)


def test_an_unreadable_image_is_that_frames_error(tmp_path: Path) -> None:
    folder = write_image_folder(clip(5), tmp_path / "seq")
    (folder / "0000000002.png").write_bytes(b"not a png")
    decoded, errors, _ = decode_all(one(folder), chunk_frames=2)
    assert [d.index for d in decoded] == [0, 1, 3, 4]
    assert errors == [(2, errors[0][1])] and "image 0000000002.png could not be decoded" in \
        errors[0][1]


@pytest.mark.slow  # a Ray run with the shipped tiny CLIP
def test_cli_run_takes_fps_and_topic(tmp_path: Path) -> None:
    """`drivexplain run` itself: --fps times a raw stream, --topic picks one camera."""
    raw = write_elementary(clip(6), tmp_path / "cam.h264", gop=3)
    log = write_mcap(tmp_path / "drive.mcap", {"/cam/front": clip(5), "/cam/left": clip(4)})
    config = tmp_path / "c.yaml"
    config.write_text("coherence:\n  vlm: null\npipeline:\n  chunk_frames: 4\n"
                      "  transport_short_side: 64\nruntime:\n  device: cpu\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, [
        "run", str(raw), str(log), "--fps", "10", "--topic", "/cam/front", "--prompt",
        "Is there a car ahead?", "--config", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    run = json.loads((out / "run.json").read_text())
    assert sorted(v["name"] for v in run["videos"]) == ["cam.h264", "drive.mcap:/cam/front"]
    for video in run["videos"]:
        rows = read_rows(out, video["video_id"])
        assert len(rows) == (6 if video["name"] == "cam.h264" else 5)
        manifest = json.loads((out / video["video_id"] / "manifest.json").read_text())
        assert manifest["timestamps"]["synthesised"] == (video["name"] == "cam.h264")


def test_raw_image_encodings() -> None:
    """sensor_msgs/Image and Foxglove RawImage pixels: row padding, BGR, 16-bit, Bayer."""
    from drivexplain.pipeline.sources.messages import CameraImage, camera_image, to_rgb

    rgb = clip(1, (8, 4))[0]
    padded = np.zeros((4, 8 * 3 + 5), np.uint8)  # step longer than a row
    padded[:, :24] = rgb[:, :, ::-1].reshape(4, 24)
    bgr = CameraImage(None, False, padded.tobytes(), width=8, height=4, encoding="bgr8",
                      step=29)
    assert np.array_equal(to_rgb(bgr), rgb)
    mono = (np.arange(32) * 100).astype(">u2").reshape(4, 8)
    out = to_rgb(CameraImage(None, False, mono.tobytes(), width=8, height=4,
                             encoding="mono16", step=16, bigendian=True))
    assert out.shape == (4, 8, 3) and out[-1, -1, 0] == 255 and out[0, 0, 0] == 0
    bayer = to_rgb(CameraImage(None, False, bytes(range(32)), width=8, height=4,
                               encoding="bayer_rggb8", step=8))
    assert bayer.shape == (4, 8, 3)
    with pytest.raises(ValueError, match="fewer than it needs"):
        to_rgb(CameraImage(None, False, b"\x00" * 10, width=8, height=4, encoding="rgb8"))
    with pytest.raises(ValueError, match="'yuv422' is not supported"):
        to_rgb(CameraImage(None, False, b"", width=8, height=4, encoding="yuv422"))
    foxglove = {"timestamp": {"sec": 2, "nsec": 5}, "width": 8, "height": 4,
                "encoding": "rgb8", "step": 24,
                "data": __import__("base64").b64encode(rgb.tobytes()).decode()}
    image = camera_image(foxglove, "foxglove.RawImage")
    assert image.stamp_ns == 2_000_000_005 and np.array_equal(to_rgb(image), rgb)
