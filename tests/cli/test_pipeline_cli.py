"""`drivexplain run` argument and config errors: clear messages, exit code 2, before Ray."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drivexplain.pipeline.cli import app
from drivexplain.pipeline.commands import EXIT_INPUT_FAILED, EXIT_USAGE, run_command


def _run(tmp_path: Path, caplog: pytest.LogCaptureFixture, **kwargs) -> int:
    args = {"inputs": [str(tmp_path)], "prompts": ["is there a car?"], "prompts_file": None,
            "concepts": [], "config_path": None, "address": None, "out": tmp_path / "out",
            "progress": False}
    args.update(kwargs)
    with caplog.at_level(logging.INFO, logger="drivexplain.pipeline"):
        return run_command(**args)


def test_invalid_config_names_the_key(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("pipeline:\n  num_actors: 0\n  chunk_frame: 3\n")
    assert _run(tmp_path, caplog, config_path=bad) == EXIT_USAGE
    assert "pipeline.num_actors" in caplog.text and "pipeline.chunk_frame" in caplog.text


def test_prompt_problems(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert _run(tmp_path, caplog, prompts=[]) == EXIT_USAGE
    assert "--prompt" in caplog.text
    caplog.clear()
    no_vlm = tmp_path / "no_vlm.yaml"
    no_vlm.write_text("coherence:\n  vlm: null\n")
    assert _run(tmp_path, caplog, prompts=["what now?"], config_path=no_vlm) == EXIT_USAGE
    assert "--concept" in caplog.text
    caplog.clear()
    # with the embedded VLM a generic prompt is an audit prompt: its concepts come from answers
    _run(tmp_path, caplog, prompts=["what now?"])
    assert "--concept" not in caplog.text
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("# audit questions\nIs a cyclist close?\n\n")
    (tmp_path / "x.mp4").write_text("not a video")
    assert _run(tmp_path, caplog, prompts=[], prompts_file=prompts) == EXIT_INPUT_FAILED


def test_unknown_model_fails_before_ray(tmp_path: Path, caplog: pytest.LogCaptureFixture
                                       ) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("model:\n  name: NoSuchModel\n")
    (tmp_path / "x.mp4").write_text("x")
    assert _run(tmp_path, caplog, config_path=config) == EXIT_USAGE
    assert "NoSuchModel" in caplog.text


def test_only_bad_inputs_exit_1_with_report(tmp_path: Path, caplog: pytest.LogCaptureFixture
                                            ) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.mp4").write_text("not a video")
    code = _run(tmp_path, caplog, inputs=[str(tmp_path / "in")])
    assert code == EXIT_INPUT_FAILED
    page = (tmp_path / "out" / "report.html").read_text()
    assert "a.mp4" in page and "not a readable video" in page


def test_cli_wires_run_and_demo() -> None:
    runner = CliRunner()
    for command in ("run", "demo"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
    result = runner.invoke(app, ["run", "nothing-here.mp4", "--out", "/tmp/unused"])
    assert result.exit_code == EXIT_USAGE
