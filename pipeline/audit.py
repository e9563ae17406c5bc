"""`drivexplain.audit`: the whole pipeline from Python, with the results in hand.

`drivexplain run` leaves its results on disk; a notebook wants them as a table. `audit` runs
the same job (same checks, same outputs under `out`) and reads back what it wrote: every
input's frame log as one Arrow table with the columns of `frames.parquet`, the flagged
episodes, and where the reports and overlay videos are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from drivexplain.operators.config import DrivexplainConfig, load_config
from drivexplain.pipeline.sinks.layout import RunLayout, read_json
from drivexplain.pipeline.sinks.records import SCHEMA, to_table


@dataclass(frozen=True)
class AuditEpisode:
    """A flagged stretch of one input (see `operators.verdicts.episodes`).

    `flags` says why, one line per kind of flag; `clips` are its overlay clips when the run
    wrote them (`overlay: flagged`).
    """

    video_id: str
    start_frame: int
    end_frame: int
    start_t: float
    end_t: float
    frames: int
    flagged_frames: int | None
    summary: str
    flags: tuple[str, ...] = ()
    clips: tuple[Path, ...] = ()


@dataclass(frozen=True)
class AuditVideo:
    """One input: how it ended and where its outputs are."""

    video_id: str
    name: str
    status: str
    reason: str | None
    folder: Path
    report_path: Path | None
    overlays: tuple[Path, ...] = ()
    clips: tuple[Path, ...] = ()


@dataclass(frozen=True)
class AuditResult:
    """What `audit` found.

    `frames` holds every input's frame log (one row per analysed frame and prompt, or an error
    row), with exactly the columns of `frames.parquet`, kept heatmaps included;
    `to_pandas()` gives it as a DataFrame. `report_path` is the run's report page.
    `exit_code` is what `drivexplain run` would have exited with (0: every input finished).
    """

    frames: pa.Table
    episodes: list[AuditEpisode]
    report_path: Path
    videos: list[AuditVideo]
    out: Path
    exit_code: int
    unplaced_answers: list[dict[str, Any]] = field(default_factory=list)

    def to_pandas(self) -> Any:
        """`frames` as a pandas DataFrame (pandas must be installed)."""
        return self.frames.to_pandas()


def _config(config: DrivexplainConfig | str | Path | dict[str, Any] | None,
            overlay: str | None) -> DrivexplainConfig:
    if isinstance(config, DrivexplainConfig):
        loaded = config
    elif isinstance(config, dict):
        loaded = DrivexplainConfig.model_validate(config)
    else:
        loaded = load_config(config)
    return loaded.with_overrides(**{"pipeline.overlay": overlay})


def _as_list(value: str | Path | Sequence[str | Path]) -> list[str]:
    return [str(value)] if isinstance(value, (str, Path)) else [str(v) for v in value]


def audit(
    inputs: str | Path | Sequence[str | Path],
    prompts: str | Sequence[str],
    *,
    out: str | Path,
    answers: str | Path | None = None,
    config: DrivexplainConfig | str | Path | dict[str, Any] | None = None,
    concepts: Sequence[str] = (),
    overlay: str | None = None,
    model_config_dirs: Sequence[str | Path] = (),
    progress: bool = False,
) -> AuditResult:
    """Audit videos (files, folders, globs, URIs, image folders, MCAP...) for `prompts` and
    return the results; every output is also written under `out`, as `drivexplain run` does.

    `answers` is a JSONL file of logged answers to audit instead of asking the configured
    VLM; `config` a config object, YAML path, mapping or None (the shipped default);
    `overlay` overrides `pipeline.overlay` (all, flagged or none). Bad arguments raise
    ValueError (`PromptError`, `AnswersError`, `ConfigError`) before anything runs; a failed
    input does not raise: its `AuditVideo.status` and `exit_code` say so.
    """
    from drivexplain.pipeline.run import RunOptions, prepare_run, run_pipeline

    out = Path(out)
    options = RunOptions(
        inputs=_as_list(inputs), prompts=[prompts] if isinstance(prompts, str) else list(prompts),
        out=out, config=_config(config, overlay), concepts=list(concepts),
        model_config_dirs=[str(d) for d in model_config_dirs], progress=progress,
        answers=Path(answers) if answers is not None else None,
    )
    summary = run_pipeline(prepare_run(options))
    layout = RunLayout(out)
    tables, videos, found = [], [], []
    for entry in summary.videos:
        folder = layout.root / entry["video_id"]
        vlayout = layout.video(entry["video_id"])
        done = (read_json(vlayout.manifest) or {}).get("summary") or {}
        table = pq.read_table(vlayout.parquet, schema=SCHEMA) if vlayout.parquet.is_file() \
            else None
        if table is not None:
            tables.append(table)
            found.extend(_episodes(entry["video_id"], folder, table, options.config))
        videos.append(AuditVideo(
            video_id=entry["video_id"], name=entry["name"], status=entry["status"],
            reason=entry.get("reason"), folder=folder,
            report_path=vlayout.report if vlayout.report.is_file() else None,
            overlays=tuple(folder / n for n in done.get("overlays") or ()),
            clips=tuple(folder / n for n in done.get("clips") or ()),
        ))
    frames = pa.concat_tables(tables) if tables else to_table([])
    return AuditResult(frames, found, layout.report, videos, out, summary.exit_code,
                       list(summary.unplaced))


def _episodes(video_id: str, folder: Path, table: pa.Table, config: DrivexplainConfig
              ) -> list[AuditEpisode]:
    """The video's episodes as its report lists them, with their clips (if written)."""
    from drivexplain.pipeline.sinks.report import episodes, rows_from_table

    layout = RunLayout(folder.parent).video(video_id)
    found = []
    for number, episode in enumerate(episodes(rows_from_table(table),
                                              config.model_dump(mode="json")), 1):
        clips = tuple(sorted(folder.glob(layout.clip(number, 1).name.replace(
            "prompt1", "prompt*"))))
        found.append(AuditEpisode(
            video_id=video_id, start_frame=episode["start"], end_frame=episode["stop"],
            start_t=episode["t0"], end_t=episode["t1"], frames=episode["frames"],
            flagged_frames=episode.get("flagged_frames"), summary=episode.get("summary") or
            f"{episode['t0']:.2f}-{episode['t1']:.2f} s",
            flags=tuple(episode["flags"].values()), clips=clips,
        ))
    return found
