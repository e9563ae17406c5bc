"""The temporal layer: hysteresis turns flickering per-frame flags into episodes."""

from __future__ import annotations

import re

import pytest

from drivexplain.operators.verdicts.episodes import FrameFlag, find_episodes, smooth


def _frames(pattern: str, fps: float = 10.0) -> list[FrameFlag]:
    return [
        FrameFlag(i, i / fps, c == "x", ("ungrounded: bus",) if c == "x" else (),
                  ("z 0.1 < 1",) if c == "x" else ())
        for i, c in enumerate(pattern)
    ]


def spans(pattern: str, **kwargs: float) -> list[tuple[int, int]]:
    return [(e.start_frame, e.end_frame) for e in find_episodes(_frames(pattern), **kwargs)]


def test_a_one_frame_gap_does_not_split_an_episode() -> None:
    assert spans("..xxx.xx....") == [(2, 7)]


def test_a_single_flicker_opens_nothing() -> None:
    assert spans("....x.....x...") == []


def test_hysteresis_needs_more_to_open_than_to_stay_open() -> None:
    # "x.x.x.x": the level goes 0.5, 0.25, 0.625 (opens at frame 2), then stays between 0.31
    # and 0.66, never below exit 0.3, until the flags stop: one episode
    assert spans("x.x.x.x........") == [(2, 6)]
    # without hysteresis (exit just under enter) the same flicker keeps closing and reopening
    assert len(spans("xx.xx.xx.xx", exit=0.59)) > 1
    assert len(spans("xx.xx.xx.xx")) == 1


def test_episode_bounds_are_flagged_frames_and_times() -> None:
    (episode,) = find_episodes(_frames("...xxxx......"))
    assert (episode.start_frame, episode.end_frame) == (3, 6)
    assert (episode.start_t, episode.end_t) == pytest.approx((0.3, 0.6))
    assert episode.flagged_frames == 4 and episode.frames == 4
    assert episode.labels["ungrounded: bus"] == 4
    assert episode.summary.startswith("0.30-0.60 s (frames 3-6): 4/4 analysed frames flagged")
    assert episode.to_dict()["reasons"] == ["z 0.1 < 1"]


def test_an_episode_still_open_at_the_end_is_closed() -> None:
    assert spans(".....xxx") == [(5, 7)]


def test_min_frames_and_order_independence() -> None:
    frames = _frames("..xx......xxxxx..")
    assert [(e.start_frame, e.end_frame) for e in find_episodes(frames, min_frames=3)] == [
        (10, 14)]
    assert find_episodes(list(reversed(frames))) == find_episodes(frames)


def test_smoothing_and_bad_settings() -> None:
    assert smooth([True, True, False], 0.5) == pytest.approx([0.5, 0.75, 0.375])
    assert smooth([True, False], 1.0) == [1.0, 0.0]
    with pytest.raises(ValueError, match="smoothing"):
        smooth([True], 0.0)
    with pytest.raises(ValueError, match="hysteresis"):
        find_episodes(_frames("xx"), enter=0.5, exit=0.5)


def test_report_episodes_come_from_verdicts_when_there_are_any() -> None:
    from drivexplain.pipeline.sinks.report import episodes

    def row(i: int, verdict: str) -> dict:
        return {"status": "ok", "frame_index": i, "timestamp": i / 10, "prompt": "Any buses?",
                "answer": "Yes.", "answer_concepts": ["bus"], "verdict": verdict,
                "reasons": ["answer concept 'bus' not grounded: vocabulary z-score 0.1 < 1"],
                "flags": ["bus: concept drop -0.1 <= 0: x"], "concept_drop": -0.1}

    pattern = "cccuuucuucccccuccc"
    rows = [row(i, "ungrounded" if c == "u" else "coherent") for i, c in enumerate(pattern)]
    (found,) = episodes(rows, {"coherence": {}})
    assert (found["start"], found["stop"]) == (3, 8)  # the lone flag at 14 opens nothing
    assert found["summary"].startswith("0.30-0.80 s (frames 3-8): 5/6 analysed frames flagged")
    assert "vocabulary z-score" in next(iter(found["flags"].values()))
    # the metric flags on every row are ignored once verdicts exist
    assert len(episodes(rows)) == 1
    # settings come from the run's config
    assert episodes(rows, {"coherence": {"episode_min_frames": 6}}) == []


def test_verdict_strip_stays_small_and_never_hides_a_flag() -> None:
    from drivexplain.pipeline.sinks.report import VERDICT_COLOURS, verdict_strip

    rows = [{"timestamp": i / 30, "verdict": "ungrounded" if i == 9001 else "coherent"}
            for i in range(18_000)]  # 10 minutes at 30 frames/s
    page = verdict_strip(rows, width=1100)
    assert page.count("<rect") <= 1100
    red = VERDICT_COLOURS["ungrounded"]
    assert len(re.findall(f'<rect[^>]*fill="{red}"', page)) == 1
