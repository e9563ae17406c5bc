"""`--answers FILE.jsonl`: parsing, errors that name the file and line, placement on frames,
and an audit of logged answers through the whole pipeline."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from pipeline_support import read_rows, run_tiny, write_video

from drivexplain.operators.config import VERDICTS
from drivexplain.pipeline.answers import AnswersError, assign_answers, read_answers
from drivexplain.pipeline.prompts import PromptError, resolve_tracks

VOCAB = Path("configs/vocabulary.yaml")
PROMPT = "Is there a car ahead?"


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "answers.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_frame_and_time_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, "# logged by model X", "", '{"frame": 0, "answer": " Yes. "}',
                  '{"t": 0.31, "answer": "No."}')
    items = read_answers(path, [PROMPT])
    assert [(i.line, i.frame, i.t, i.answer, i.prompt) for i in items] == [
        (3, 0, None, "Yes.", PROMPT), (4, None, 0.31, "No.", PROMPT)]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"frame": 1}', "'answer' must be a non-empty string"),
        ('{"frame": 1, "answer": ""}', "'answer' must be a non-empty string"),
        ('{"answer": "yes"}', "exactly one of 'frame'"),
        ('{"frame": 1, "t": 0.1, "answer": "yes"}', "exactly one of 'frame'"),
        ('{"frame": -1, "answer": "yes"}', "'frame' must be a non-negative integer"),
        ('{"frame": 1.5, "answer": "yes"}', "'frame' must be a non-negative integer"),
        ('{"frame": true, "answer": "yes"}', "'frame' must be a non-negative integer"),
        ('{"t": "3s", "answer": "yes"}', "'t' must be a finite number"),
        ('{"t": -2, "answer": "yes"}', "'t' must be a finite number"),
        ('{"frmae": 1, "answer": "yes"}', "unknown keys ['frmae']"),
        ('{"frame": 1, "answer": "yes", "prompt": "Is it raining?"}', "is not one of"),
    ],
)
def test_bad_lines_name_the_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = _write(tmp_path, '{"frame": 0, "answer": "yes"}', line)
    with pytest.raises(AnswersError) as err:
        read_answers(path, [PROMPT])
    assert f"{path}:2:" in str(err.value) and message in str(err.value)


def test_file_level_errors(tmp_path: Path) -> None:
    with pytest.raises(AnswersError, match="does not exist"):
        read_answers(tmp_path / "missing.jsonl", [PROMPT])
    with pytest.raises(AnswersError, match="holds no answers"):
        read_answers(_write(tmp_path, "# nothing"), [PROMPT])
    dup = _write(tmp_path, '{"frame": 3, "answer": "yes"}', '{"frame": 3, "answer": "no"}')
    with pytest.raises(AnswersError, match=r":2: frame 3 already has an answer on line 1"):
        read_answers(dup, [PROMPT])
    several = _write(tmp_path, '{"frame": 3, "answer": "yes"}')
    with pytest.raises(AnswersError, match=r":1: no 'prompt' key, but the run has 2 prompts"):
        read_answers(several, [PROMPT, "Describe this image."])


def test_placement_on_analysed_frames(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '{"frame": 2, "answer": "by frame"}',
        '{"frame": 3, "answer": "not analysed"}',
        '{"t": 0.41, "answer": "near 0.4"}',
        '{"t": 0.44, "answer": "nearer 0.4? no, 0.41 is nearer"}',
        '{"t": 0.21, "answer": "loses to the frame line"}',
        '{"t": 9.0, "answer": "after the end"}',
        '{"frame": 0, "answer": "other video", "video": "other.mp4"}',
    )
    items = read_answers(path, [PROMPT])
    analysed = {0: 0.0, 2: 0.2, 4: 0.4, 6: 0.6}  # stride 2 at 10 fps
    placed = assign_answers(items, ["clip.mp4", "clip"], analysed, fps=10.0)
    assert placed.answers == {2: {PROMPT: "by frame"}, 4: {PROMPT: "near 0.4"}}
    assert any("frame 3 is not an analysed frame" in u for u in placed.unmatched)
    assert any("t=9 s" in u for u in placed.unmatched)
    other = assign_answers(items, ["other.mp4"], analysed, fps=10.0)
    assert other.answers[0] == {PROMPT: "other video"}


def test_generic_prompts_are_allowed_only_with_answers() -> None:
    with pytest.raises(PromptError, match="no concept"):
        resolve_tracks(["Describe this image."], [], VOCAB)
    tracks = resolve_tracks(["Describe this image.", "Any pedestrians?"], [], VOCAB,
                          allow_generic=True)
    assert tracks[0].concepts == () and "generic" in tracks[0].source
    assert tracks[1].concepts == ("pedestrian",)


def test_bad_answers_file_is_a_usage_error(tmp_path: Path, caplog: pytest.LogCaptureFixture
                                           ) -> None:
    from drivexplain.pipeline.commands import EXIT_USAGE, run_command

    video = write_video(tmp_path / "v.mp4", 4)
    bad = _write(tmp_path, '{"frame": 0, "answer": "yes"}', '{"frame": "x", "answer": "no"}')
    with caplog.at_level(logging.ERROR, logger="drivexplain.pipeline"):
        code = run_command([str(video)], [PROMPT], None, [], None, None, tmp_path / "out",
                           progress=False, answers=bad)
    assert code == EXIT_USAGE
    assert f"{bad}:2:" in caplog.text


def test_logged_answers_are_audited_in_the_pipeline(
    tmp_path: Path, model_config_dir: Path, tiny_vit_checkpoint: Path
) -> None:
    video = write_video(tmp_path / "clip.mp4", 12)
    prompts = [PROMPT, "Describe this image."]
    answers = tmp_path / "answers.jsonl"
    answers.write_text("\n".join(json.dumps(x) for x in [
        {"frame": 0, "answer": "Yes.", "prompt": PROMPT},
        {"frame": 1, "answer": "No, I see a bus.", "prompt": PROMPT},
        {"t": 0.2, "answer": "A street with a truck.", "prompt": "Describe this image."},
    ]) + "\n")
    out = tmp_path / "out"
    summary = run_tiny([video], out, model_config_dir, tiny_vit_checkpoint, prompts=prompts,
                       answers=answers)
    assert summary.exit_code == 0, summary.videos
    rows = {(r["frame_index"], r["prompt"]): r for r in read_rows(out, summary.videos[0][
        "video_id"])}
    assert len(rows) == 12 * 2
    yes = rows[(0, PROMPT)]
    assert yes["answer"] == "Yes." and yes["answer_source"] == "answers file"
    assert yes["answer_concepts"] == ["car"] and yes["verdict"] in VERDICTS
    assert yes["reasons"] and "vocabulary z-score" in " ".join(yes["reasons"])
    assert set(yes["heatmap_similarities"]) == {"iou", "pearson", "histogram"}
    bus = rows[(1, PROMPT)]
    assert bus["answer_concepts"] == ["bus"] and bus["denied_concepts"] == ["car"]
    assert {c["concept"] for c in bus["concept_results"]} == {"car", "bus"}
    assert all(c["vocab_z"] is not None for c in bus["concept_results"])
    described = rows[(2, "Describe this image.")]
    assert described["prompt_kind"] == "generic" and described["answer_concepts"] == [
        "road", "truck"]
    assert described["verdict"] in ("ambiguous_prompt", "ungrounded")
    silent = rows[(5, PROMPT)]
    assert silent["answer"] is None and silent["verdict"] == "not_evaluated"
    assert "no --answers line matches it" in silent["reasons"][0]
    report = (out / summary.videos[0]["video_id"] / "report.html").read_text()
    assert "Dual-explainability verdicts" in report and "verdict timeline" in report


def test_verdict_fields_without_an_answer_or_with_the_check_off() -> None:
    from drivexplain.operators.config import CoherenceConfig
    from drivexplain.operators.verdicts.coherence import FrameCheck
    from drivexplain.operators.verdicts.readings import Extraction
    from drivexplain.pipeline.payloads import PromptAnswer
    from drivexplain.pipeline.sinks.records import NOT_EVALUATED_REASONS
    from drivexplain.pipeline.stages import verdict_fields

    answered = PromptAnswer(0, "Any car?", "Yes.", None,
                            FrameCheck(Extraction("Any car?", ()), None))
    off = verdict_fields(answered, CoherenceConfig(enabled=False), has_vlm=False)
    assert off == {"verdict": "not_evaluated", "reasons": list(NOT_EVALUATED_REASONS)}
    none = verdict_fields(None, CoherenceConfig(), has_vlm=True)
    assert none["verdict"] == "not_evaluated"
    assert none["reasons"] == ["the VLM gave no answer for this frame"]
