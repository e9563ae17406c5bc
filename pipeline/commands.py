"""What `drivexplain run` and `drivexplain demo` do, kept out of the CLI module.

The CLI parses arguments; these functions set up logging, validate everything that can be
validated before Ray starts (config, prompts, inputs), run the job and turn the outcome into
an exit code: 0 all inputs finished, 1 some input failed, 2 bad arguments or configuration.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

EXIT_OK, EXIT_INPUT_FAILED, EXIT_USAGE = 0, 1, 2
DEMO_PROMPTS = ("Is a pedestrian crossing in front of the car?", "Is there a car ahead?")

log = logging.getLogger("drivexplain.pipeline")


def setup_logging(verbose: bool = False) -> None:
    from rich.logging import RichHandler

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        datefmt="[%X]",
        handlers=[RichHandler(show_path=False, rich_tracebacks=True)],
        force=True,
    )
    # open_clip logs through the root logger; ray.data warns about the progress bars we
    # replace with our own.
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("drivexplain").setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    os.environ.setdefault("RAY_DEDUP_LOGS", "1")


def run_command(
    inputs: list[str],
    prompts: list[str],
    prompts_file: Path | None,
    concepts: list[str],
    config_path: Path | None,
    address: str | None,
    out: Path,
    keep_work: bool = False,
    progress: bool = True,
    answers: Path | None = None,
    allow_unplaced: bool = False,
    stream: int | None = None,
    topics: list[str] | None = None,
    fps: float | None = None,
    overlay: str | None = None,
) -> int:
    """Validate, run, report; returns the process exit code."""
    from drivexplain.operators.config import ConfigError, load_config
    from drivexplain.pipeline.answers import AnswersError
    from drivexplain.pipeline.guards import OutputBusy
    from drivexplain.pipeline.prompts import PromptError, read_prompts_file
    from drivexplain.pipeline.run import RunOptions, prepare_run, run_pipeline

    try:
        config = load_config(config_path).with_overrides(
            **{"input.fps": fps, "pipeline.overlay": overlay})
        all_prompts = list(prompts) + (read_prompts_file(prompts_file) if prompts_file else [])
        prepared = prepare_run(RunOptions(
            inputs=inputs, prompts=all_prompts, out=out, config=config, concepts=concepts,
            address=address, keep_work=keep_work, progress=progress, answers=answers,
            allow_unplaced=allow_unplaced, stream=stream, topics=list(topics or []),
        ))
    except (ConfigError, PromptError, AnswersError, ValueError, OSError) as err:
        log.error("%s", err)
        return EXIT_USAGE
    for track in prepared.tracks:
        log.info("prompt %r -> concepts %s (%s)", track.prompt, list(track.concepts),
                 track.source)
    try:
        summary = run_pipeline(prepared)
    except OutputBusy as err:
        log.error("%s", err)
        return EXIT_USAGE
    log.info("report: %s", (out / "report.html").resolve())
    if summary.failed:
        log.error("%d of %d inputs failed", len(summary.failed), len(summary.videos))
        return EXIT_INPUT_FAILED
    return summary.exit_code


def make_demo_clip(path: Path, seconds: float = 4.0, fps: float = 4.0,
                   size: tuple[int, int] = (480, 270)) -> Path:
    """A short synthetic dashcam clip from synthworld (rendered offline, no download)."""
    from drivexplain.synthworld.clips import write_clip

    return write_clip(path, seconds=seconds, fps=fps, seed=7, size=size)


def demo_command(out: Path, progress: bool = True) -> int:
    """Make a synthetic clip and run the whole pipeline on the embedded default models.

    The default config's `coherence.vlm: embedded` makes the shipped tiny LLaVA answer the
    prompts, so the demo's logs and report carry dual-explainability verdicts; without it the
    run is CLIP-only (`not_evaluated`).
    """
    from drivexplain.operators.config import DrivexplainConfig
    from drivexplain.pipeline.guards import check_output_dir

    try:
        check_output_dir(out)
    except ValueError as err:
        log.error("%s", err)
        return EXIT_USAGE
    if DrivexplainConfig().coherence.vlm is None:
        log.warning("the shipped tiny LLaVA is missing: the demo runs CLIP-only")
    clip = out / "demo_clip.mp4"
    if not clip.is_file():
        log.info("rendering a synthetic clip to %s", clip)
        make_demo_clip(clip)
    return run_command(
        inputs=[str(clip)], prompts=list(DEMO_PROMPTS), prompts_file=None, concepts=[],
        config_path=None, address=None, out=out / "run", progress=progress,
    )
