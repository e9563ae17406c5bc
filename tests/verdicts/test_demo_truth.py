"""The demo on the shipped models flags no answer that its clip's ground truth says is right.

The demo clip is synthetic, so every frame's objects are known (the sidecar Parquet). An answer
is right when every object concept it names is in the frame and every one it denies is not; a
flag on such an answer is a false alarm, the failure a reviewer cannot forgive.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from drivexplain.synthworld.scene import parse_concept


def _in_frame(concept: str, objects: list[dict]) -> bool | None:
    """Whether any instance of `concept` is in the frame; None for a concept the world has no
    ground truth for ("road", "sky")."""
    try:
        cls, colour = parse_concept(concept)
    except ValueError:
        return None
    return any(o["class_name"] == cls and (colour is None or o["colour"] == colour)
               for o in objects)


def answer_is_right(row: dict, objects: list[dict]) -> bool | None:
    named = [_in_frame(c, objects) for c in row["answer_concepts"] or []]
    denied = [_in_frame(c, objects) for c in row["denied_concepts"] or []]
    if None in named or None in denied or not (named or denied):
        return None
    return all(named) and not any(denied)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    drivexplain = Path(sys.executable).parent / "drivexplain"
    proc = subprocess.run([str(drivexplain), "demo", "--out", str(out)], capture_output=True,
                          text=True, timeout=900, cwd=out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_no_right_answer_is_flagged(demo: Path) -> None:
    truth = {r["frame_index"]: r["objects"]
             for r in pq.read_table(demo / "demo_clip.parquet").to_pylist()}
    (parquet,) = (demo / "run").glob("*/frames.parquet")
    rows = [r for r in pq.read_table(parquet).to_pylist() if r["status"] == "ok"]
    assert rows and all(r["verdict"] != "not_evaluated" for r in rows)
    judged = [(r, answer_is_right(r, truth[r["frame_index"]])) for r in rows]
    right = [r for r, ok in judged if ok]
    assert right, "the demo has no answer the ground truth can call right: nothing is tested"
    false_flags = [(r["frame_index"], r["prompt"], r["answer"], r["reasons"])
                   for r in right if r["verdict"] == "ungrounded"]
    assert not false_flags, f"right answers flagged: {false_flags}"
