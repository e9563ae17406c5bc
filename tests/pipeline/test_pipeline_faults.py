"""Bad inputs next to good ones: error entries that name the file and reason, exit code 1."""

from __future__ import annotations

from pipeline_support import (  # noqa: F401  (shared_run is a fixture)
    PROMPTS,
    by_name,
    read_jsonl,
    read_rows,
    shared_run,
)


def test_every_input_is_accounted_for(shared_run) -> None:  # noqa: F811
    summary, _, _ = shared_run
    names = by_name(summary)
    assert set(names) == {"good.mp4", "vfr.mp4", "corrupt.mp4", "truncated.mp4", "zero.mp4",
                          "notes.mp4"}
    assert names["good.mp4"]["status"] == "ok" and names["vfr.mp4"]["status"] == "ok"
    for bad in ("corrupt.mp4", "truncated.mp4", "zero.mp4", "notes.mp4"):
        assert names[bad]["status"] == "failed", names[bad]
        assert names[bad]["reason"]
    assert summary.exit_code == 1


def test_unreadable_inputs_get_one_error_row_naming_file_and_reason(shared_run) -> None:  # noqa: F811
    summary, out, _ = shared_run
    names = by_name(summary)
    expected = {"truncated.mp4": "truncated", "zero.mp4": "zero frames",
                "notes.mp4": "not a readable video"}
    for name, reason in expected.items():
        rows = read_rows(out, names[name]["video_id"])
        assert len(rows) == 1, name
        assert rows[0]["status"] == "error" and rows[0]["frame_index"] is None
        assert name in rows[0]["error"] and reason in rows[0]["error"], rows[0]["error"]
        assert read_jsonl(out, names[name]["video_id"])[0]["error"] == rows[0]["error"]
        page = (out / names[name]["video_id"] / "report.html").read_text()
        assert name in page and reason in page


def test_corrupt_frames_get_error_rows_and_the_rest_complete(shared_run) -> None:  # noqa: F811
    summary, out, _ = shared_run
    corrupt = by_name(summary)["corrupt.mp4"]
    rows = read_rows(out, corrupt["video_id"])
    errors = [r for r in rows if r["status"] == "error"]
    ok = [r for r in rows if r["status"] == "ok"]
    assert errors and ok
    # one row per prompt for a good frame, exactly one row for a failed frame, none missing
    per_frame: dict[int, list[dict]] = {}
    for r in rows:
        per_frame.setdefault(r["frame_index"], []).append(r)
    assert sorted(per_frame) == list(range(30))
    for frame_rows in per_frame.values():
        statuses = [r["status"] for r in frame_rows]
        assert statuses in (["ok"] * len(PROMPTS), ["error"])
    assert all("decode" in r["error"] for r in errors)


def test_run_report_lists_failures(shared_run) -> None:  # noqa: F811
    _, out, _ = shared_run
    page = (out / "report.html").read_text()
    for name in ("corrupt.mp4", "truncated.mp4", "zero.mp4", "notes.mp4", "good.mp4"):
        assert name in page
    assert "4 failed" in page
