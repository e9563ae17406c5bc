"""Issue 18, part B: inputs that must be refused with one sentence, before any compute.

Each test reproduces what a hostile but fair new user did and checks the sentence that now
comes back instead of a traceback (or a silently wrong result).
"""

from __future__ import annotations

import logging
from pathlib import Path

import open_clip
import pytest
import torch
from typer.testing import CliRunner

from drivexplain.operators.models.backbone import BackboneError, check_checkpoint
from drivexplain.pipeline.cli import app
from drivexplain.pipeline.commands import EXIT_USAGE, run_command


def _not_a_checkpoint(tmp_path: Path) -> Path:
    path = tmp_path / "passwd"
    path.write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/bin/sh\n")
    return path


def _run(tmp_path: Path, caplog: pytest.LogCaptureFixture, **kwargs) -> int:
    (tmp_path / "x.mp4").write_text("x")
    args = {"inputs": [str(tmp_path / "x.mp4")], "prompts": ["is there a car?"],
            "prompts_file": None, "concepts": [], "config_path": None, "address": None,
            "out": tmp_path / "out", "progress": False}
    args.update(kwargs)
    with caplog.at_level(logging.INFO, logger="drivexplain.pipeline"):
        return run_command(**args)


# ----------------------------------------------------------------------------- item 6
def test_not_a_checkpoint_is_one_sentence(tmp_path: Path, model_config_dir: Path,
                                          tiny_vit_checkpoint: Path) -> None:
    with pytest.raises(BackboneError, match=r"passwd is not a model checkpoint"):
        check_checkpoint("TestTinyViT", _not_a_checkpoint(tmp_path))
    check_checkpoint("TestTinyViT", tiny_vit_checkpoint)  # the real thing passes
    with pytest.raises(BackboneError, match=r"is not a ViT-B-32 checkpoint: \d+ of the model"):
        check_checkpoint("ViT-B-32", tiny_vit_checkpoint)
    # the right keys with a wrong shape: another width of the same architecture
    state = open_clip.create_model("TestTinyViT").state_dict()
    state["visual.proj"] = torch.zeros(48, 16)
    pt = tmp_path / "wrong_shape.pt"
    torch.save(state, pt)
    with pytest.raises(BackboneError, match=r"visual.proj has shape \[48, 16\] in the file but "
                                            r"\[48, 32\] in the model"):
        check_checkpoint("TestTinyViT", pt)
    # a pickled state dict under 'state_dict' with DDP's 'module.' prefix is a checkpoint
    wrapped = tmp_path / "ddp.pt"
    torch.save({"state_dict": {f"module.{k}": v for k, v in
                               open_clip.create_model("TestTinyViT").state_dict().items()}},
               wrapped)
    check_checkpoint("TestTinyViT", wrapped)
    with pytest.raises(BackboneError, match="not a file"):
        check_checkpoint("TestTinyViT", tmp_path)


def test_explain_with_a_non_checkpoint_exits_2(tmp_path: Path, model_config_dir: Path) -> None:
    import cv2
    import numpy as np

    image = tmp_path / "frame.png"
    cv2.imwrite(str(image), np.full((48, 80, 3), 90, np.uint8))
    result = CliRunner().invoke(app, [
        "explain", str(image), "--concept", "car", "--model", "TestTinyViT",
        "--pretrained", str(_not_a_checkpoint(tmp_path)), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "is not a model checkpoint" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_run_with_a_non_checkpoint_fails_before_ray(tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    import ray

    config = tmp_path / "c.yaml"
    config.write_text(f"model:\n  pretrained: {_not_a_checkpoint(tmp_path)}\n")
    assert _run(tmp_path, caplog, config_path=config) == EXIT_USAGE
    assert "is not a model checkpoint" in caplog.text
    assert not ray.is_initialized()


# ----------------------------------------------------------------------------- item 9
LONG_PROMPT = ("Is the red car that is parked beside the road ahead of us about to pull out? "
               * 200)[:10_000]


def _png(path: Path, array) -> Path:
    import cv2
    import numpy as np

    array = np.asarray(array, np.uint8)
    if array.ndim == 3 and array.shape[2] == 3:
        array = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    elif array.ndim == 3 and array.shape[2] == 4:
        array = cv2.cvtColor(array, cv2.COLOR_RGBA2BGRA)
    cv2.imwrite(str(path), array)
    return path


needs_llava = pytest.mark.skipif(
    not (Path(__file__).resolve().parents[2] / "weights" / "tiny-drive-llava"
         / "config.json").is_file(),
    reason="the shipped tiny LLaVA is missing")


@needs_llava
def test_prompt_longer_than_the_context_is_refused_before_any_model(tmp_path: Path) -> None:
    from drivexplain.operators.assets import TINY_LLAVA_DIR
    from drivexplain.operators.vlm.backend import VLMInputError, check_prompts_fit

    with pytest.raises(VLMInputError, match=r"is [\d,]+ tokens long.*context of 1,024 "
                                            r"positions: shorten it to at most [\d,]+ tokens"):
        check_prompts_fit(TINY_LLAVA_DIR, ["Is there a car?", LONG_PROMPT], 24)
    check_prompts_fit(TINY_LLAVA_DIR, ["Is there a car?"], 24)  # a normal prompt fits
    check_prompts_fit(tmp_path / "no-such-vlm", [LONG_PROMPT], 24)  # left to the loader


@needs_llava
def test_run_refuses_a_prompt_the_vlm_cannot_hold(tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    import ray

    assert _run(tmp_path, caplog, prompts=[LONG_PROMPT]) == EXIT_USAGE
    assert "context of 1,024 positions" in caplog.text and not ray.is_initialized()


@needs_llava
def test_ask_with_a_prompt_longer_than_the_context_exits_2(tmp_path: Path) -> None:
    image = _png(tmp_path / "frame.png", [[[90, 90, 90]] * 64] * 48)
    result = CliRunner().invoke(app, ["ask", str(image), "--prompt", LONG_PROMPT,
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "context of 1,024 positions" in result.output and "Traceback" not in result.output


# ----------------------------------------------------------------------------- item 10
@needs_llava
@pytest.mark.parametrize("shape", [(1, 1), (1, 20_000)])
def test_ask_refuses_images_smaller_than_a_patch(tmp_path: Path, shape: tuple[int, int]) -> None:
    import numpy as np

    image = _png(tmp_path / "tiny.png", np.full((*shape, 3), 200, np.uint8))
    result = CliRunner().invoke(app, ["ask", str(image), "--prompt", "Is it snowing?",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert f"is {shape[1]}x{shape[0]} pixels" in result.output
    assert "needs at least 12x12 pixels" in result.output
    assert not (tmp_path / "out" / "answer.json").exists()


@needs_llava
def test_vlm_is_told_frames_are_channels_last() -> None:
    import numpy as np

    from drivexplain.operators.assets import TINY_LLAVA_DIR
    from drivexplain.operators.vlm.backend import load_vlm

    backend = load_vlm(TINY_LLAVA_DIR, device="cpu")
    seen: list[dict] = []
    processor = backend.processor

    class Spy:
        def __getattr__(self, name):
            return getattr(processor, name)

        def __call__(self, *args, **kwargs):
            seen.append(kwargs)
            return processor(*args, **kwargs)

    backend.processor = Spy()
    frame = np.zeros((12, 40, 3), np.uint8)
    frame[..., 0] = 255  # red: read channels-first, it would come out another colour
    _, pixels, _, _ = backend._prepare([frame], "Is there a car?")
    assert seen and seen[0]["input_data_format"] == "channels_last"
    means = pixels[0].mean(dim=(1, 2))
    assert means[0] > 1.5 and means[1] < -1.5 and means[2] < -1.2  # normalised pure red


def test_explain_refuses_an_image_smaller_than_a_patch(tmp_path: Path,
                                                       model_config_dir: Path) -> None:
    import numpy as np

    image = _png(tmp_path / "one.png", np.full((1, 1, 3), 128, np.uint8))
    result = CliRunner().invoke(app, ["explain", str(image), "--concept", "car", "--model",
                                      "TestTinyViT", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "is 1x1 pixels" in result.output and "needs at least 8x8 pixels" in result.output
    assert not (tmp_path / "out" / "result.json").exists()  # no silent CD of about 0


# ----------------------------------------------------------------------------- item 13
def test_ask_with_a_missing_vlm_directory_is_a_sentence(tmp_path: Path) -> None:
    image = _png(tmp_path / "frame.png", [[[90, 90, 90]] * 64] * 48)
    args = ["ask", str(image), "--prompt", "Is there a car?", "--vlm", "/nonexistent",
            "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "VLM path '/nonexistent' is not a directory: it does not exist" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    verbose = CliRunner().invoke(app, [*args, "--verbose"])
    assert verbose.exit_code == 2 and "Traceback" in verbose.output


# ----------------------------------------------------------------------------- item 14
def test_empty_concept_is_refused_naming_the_flag(tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    assert _run(tmp_path, caplog, concepts=[""]) == EXIT_USAGE
    assert "--concept is given an empty text" in caplog.text
    caplog.clear()
    assert _run(tmp_path, caplog, concepts=["car", "  "]) == EXIT_USAGE
    assert "--concept" in caplog.text


@pytest.mark.parametrize("value", ["true", "2.0", "'3'"])
def test_integer_settings_are_strict(tmp_path: Path, value: str) -> None:
    from drivexplain.operators.config import ConfigError, load_config

    path = tmp_path / "c.yaml"
    path.write_text(f"pipeline:\n  stride: {value}\n")
    with pytest.raises(ConfigError, match="pipeline.stride: Input should be a valid integer"):
        load_config(path)
    path.write_text("pipeline:\n  stride: 3\n  chunk_frames: 16\nmodel:\n  input_size: [144, "
                    "252]\nruntime:\n  batch_size: 4\n")
    config = load_config(path)  # YAML integers still load
    assert config.pipeline.stride == 3 and config.model.input_size == (144, 252)
    path.write_text("runtime:\n  batch_size: true\n")
    with pytest.raises(ConfigError, match="runtime.batch_size"):
        load_config(path)


def test_rgba_is_composited_on_black_with_a_note(tmp_path: Path, model_config_dir: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    import json

    import numpy as np

    from drivexplain.operators.images import read_rgb

    rgba = np.zeros((48, 80, 4), np.uint8)
    rgba[..., :3] = (200, 100, 50)
    rgba[:, :40, 3] = 255  # left half opaque
    rgba[:, 40:, 3] = 0  # right half transparent: its hidden colour must not show
    path = _png(tmp_path / "rgba.png", rgba)
    with caplog.at_level(logging.WARNING, logger="drivexplain"):
        rgb, note = read_rgb(path)
    assert rgb.shape == (48, 80, 3) and rgb.dtype == np.uint8
    assert (rgb[:, :40] == (200, 100, 50)).all() and (rgb[:, 40:] == 0).all()
    assert note and "composited on black" in note and "50.0%" in note
    assert "composited on black" in caplog.text
    opaque = rgba.copy()
    opaque[..., 3] = 255
    rgb, note = read_rgb(_png(tmp_path / "opaque.png", opaque))
    assert (rgb == (200, 100, 50)).all() and note and "every pixel is opaque" in note
    assert read_rgb(_png(tmp_path / "rgb.png", rgba[..., :3]))[1] is None
    result = CliRunner().invoke(app, ["explain", str(path), "--concept", "car", "--model",
                                      "TestTinyViT", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "out" / "result.json").read_text())
    assert any("composited on black" in n for n in record["notes"])


# ----------------------------------------------------------------------------- item 11
def two_stream_video(path: Path, frames: int = 12) -> Path:
    """An mp4 with two video streams: 0 is 64x48 red, 1 is 96x64 blue."""
    import av
    import numpy as np

    container = av.open(str(path), mode="w")
    streams = []
    for width, height in ((64, 48), (96, 64)):
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"g": "4"}
        streams.append(stream)
    colours = ((220, 30, 30), (30, 30, 220))
    for i in range(frames):
        for stream, colour in zip(streams, colours, strict=True):
            image = np.full((stream.height, stream.width, 3), colour, np.uint8)
            image[: stream.height // 4, (i * 4) % stream.width:] = 255
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
    for stream in streams:
        for packet in stream.encode():
            container.mux(packet)
    container.close()
    return path


def test_index_and_decode_follow_the_chosen_stream(tmp_path: Path) -> None:
    from drivexplain.pipeline.chunks import plan_chunks
    from drivexplain.pipeline.sources.decode import VideoError, index_video, iter_chunk_frames

    path = two_stream_video(tmp_path / "two.mp4")
    first = index_video(str(path))
    assert (first.stream, first.video_streams, first.width, first.height) == (0, 2, 64, 48)
    second = index_video(str(path), 1)
    assert (second.stream, second.width, second.height, second.num_frames) == (1, 96, 64, 12)
    with pytest.raises(VideoError, match=r"has no video stream 2: it has 2 video streams "
                                         r"\(0 to 1\)"):
        index_video(str(path), 2)
    chunks = plan_chunks("v", str(path), second, list(range(12)), 4)
    assert all(c.stream == 1 for c in chunks)
    decoded = list(iter_chunk_frames(str(path), chunks[1].pts, chunks[1].start,
                                     stream_index=chunks[1].stream))
    assert len(decoded) == len(chunks[1].pts)
    image = decoded[0].image
    assert image.shape == (64, 96, 3) and image[-1, 0, 2] > 150 > image[-1, 0, 0]  # blue


def test_a_stream_that_does_not_exist_is_refused_before_compute(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import ray

    path = two_stream_video(tmp_path / "two.mp4")
    assert _run(tmp_path, caplog, inputs=[str(path)], stream=2) == EXIT_USAGE
    assert "--stream 2: two.mp4 has no video stream 2: it has 2 video streams" in caplog.text
    assert not ray.is_initialized()
    result = CliRunner().invoke(app, ["run", str(path), "--prompt", "is there a car?",
                                      "--stream", "-1", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2


def test_the_first_of_two_streams_is_analysed_and_said(
        tmp_path: Path, model_config_dir: Path, tiny_vit_checkpoint: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    import json

    from pipeline_support import run_tiny

    path = two_stream_video(tmp_path / "two.mp4")
    with caplog.at_level(logging.INFO, logger="drivexplain.pipeline"):
        summary = run_tiny([path], tmp_path / "out", model_config_dir, tiny_vit_checkpoint)
    assert summary.exit_code == 0, summary.videos
    note = "2 video streams; stream 0 analysed (the first; --stream N chooses another)"
    assert note in caplog.text
    video = summary.videos[0]
    manifest = json.loads((tmp_path / "out" / video["video_id"] / "manifest.json").read_text())
    assert manifest["video_streams"] == note


@pytest.mark.slow
def test_stream_option_analyses_the_chosen_stream(
        tmp_path: Path, model_config_dir: Path, tiny_vit_checkpoint: Path) -> None:
    import json

    from pipeline_support import run_tiny

    from drivexplain.pipeline.sources.decode import index_video

    path = two_stream_video(tmp_path / "two.mp4")
    out = tmp_path / "out"
    first = run_tiny([path], out, model_config_dir, tiny_vit_checkpoint)
    second = run_tiny([path], out, model_config_dir, tiny_vit_checkpoint, stream=1)
    assert first.exit_code == second.exit_code == 0
    video = second.videos[0]
    assert not video.get("skipped")  # stream 1 is another audit, not stream 0's outputs
    folder = out / video["video_id"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["video_streams"] == "2 video streams; stream 1 analysed"
    overlay = index_video(str(folder / "overlay.mp4"))
    assert (overlay.width, overlay.num_frames) == (96, 12)  # stream 1's frames, not stream 0's
