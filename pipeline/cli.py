"""The `drivexplain` command line.

Each command only parses arguments and hands over to the module that does the work, so the
heavy imports (torch, ray, open_clip) happen only for the command that needs them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__.splitlines()[0])


def _fail(err: BaseException, verbose: bool, code: int = 2) -> typer.Exit:
    """One sentence on stderr; the traceback only with --verbose. Usage errors exit 2, an
    unexpected failure 1."""
    if verbose:
        import traceback

        traceback.print_exception(err)
    text = str(err).strip() or type(err).__name__
    if code != 2:
        text = f"{type(err).__name__}: {text}" + ("" if verbose else
                                                   " (--verbose shows the traceback)")
    typer.secho(f"error: {text}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


@app.command()
def synth(
    out: Path = typer.Option(..., help="Output .mp4; the ground truth goes beside it."),
    seconds: float = typer.Option(10.0, min=0.1, help="Clip length in seconds."),
    fps: float = typer.Option(10.0, min=1.0, help="Frames per second."),
    seed: int = typer.Option(0, help="World seed; the same seed gives the same clip."),
    size: str = typer.Option("640x360", help="Frame size WxH."),
) -> None:
    """Render a synthetic dashcam clip with ground-truth masks."""
    from drivexplain.synthworld.clips import parse_size, write_clip

    width, height = parse_size(size)
    path = write_clip(out, seconds=seconds, fps=fps, seed=seed, size=(width, height))
    typer.echo(f"wrote {path} and {path.with_suffix('.parquet')}")


@app.command()
def explain(
    image: Path = typer.Argument(..., help="An image file (PNG, JPEG, ...)."),
    concept: str = typer.Option(..., help="The concept to attribute, e.g. 'pedestrian'."),
    contrastive: str = typer.Option(None, help="auto, none, or a fixed contrastive text."),
    alpha: float = typer.Option(None, help="Text strength in [0, 1]."),
    beta: float = typer.Option(None, help="Text boosting (> 0)."),
    heads: str = typer.Option(None, help="Head strategy: layers, heads or both."),
    model: str = typer.Option(None, help="open_clip model name (default: the tiny CLIP)."),
    pretrained: str = typer.Option(None, help="open_clip pretrained tag or checkpoint path."),
    config: Path = typer.Option(None, help="YAML config (default: configs/default.yaml)."),
    out: Path = typer.Option(..., help="Output directory for overlay.png and result.json."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Tracebacks on errors."),
) -> None:
    """Concept Attribution for one image: writes OUT/overlay.png and OUT/result.json."""
    from drivexplain.operators.config import ConfigError, load_config
    from drivexplain.pipeline.explain import explain_image

    try:
        cfg = load_config(config).with_overrides(
            **{
                "attribution.alpha": alpha,
                "attribution.beta": beta,
                "attribution.heads.strategy": heads,
                "model.name": model,
                "model.pretrained": pretrained,
            }
        )
        record = explain_image(image, concept, cfg, out, contrastive=contrastive)
    except (ConfigError, ValueError, FileNotFoundError) as err:
        raise _fail(err, verbose) from None
    except Exception as err:  # unexpected: still a sentence, the traceback with --verbose
        raise _fail(err, verbose, 1) from None
    cd, ns = record["concept_drop"], record["negative_suppression"]
    typer.echo(
        f"{record['concept']!r} vs {record['contrastive']!r}: CD={cd} NS={ns} "
        f"heads={len(record['heads'])} -> {out / 'overlay.png'}"
    )


@app.command()
def run(
    inputs: list[str] = typer.Argument(..., help="Video files, directories, globs or URIs."),
    prompt: list[str] = typer.Option(None, "--prompt", help="A prompt (repeatable)."),
    prompts: Path = typer.Option(None, "--prompts", help="A file with one prompt per line."),
    concept: list[str] = typer.Option(
        None, "--concept", help="Concept to explain for every prompt (repeatable); default: "
        "vocabulary concepts found in the prompt."
    ),
    answers: Path = typer.Option(
        None, "--answers", help="JSONL of logged answers to audit instead of generating them: "
        'lines {"frame": N, "answer": "..."} or {"t": SECONDS, "answer": "..."}, optional '
        '"prompt" and "video".'
    ),
    allow_unplaced: bool = typer.Option(
        False, "--allow-unplaced", help="Answers that cannot be placed on an analysed frame "
        "are still listed in run.json and the reports, but do not make the exit code 1."
    ),
    stream: int = typer.Option(
        None, "--stream", min=0, help="Which video stream of each input to analyse, from 0 "
        "(default: the first; an input with several says so in the log and its manifest)."
    ),
    topic: list[str] = typer.Option(
        None, "--topic", help="Camera topic of MCAP/ROS bag inputs (repeatable); default: "
        "every image topic, each its own video."
    ),
    fps: float = typer.Option(
        None, "--fps", min=0.001, help="Frame rate of raw .h264/.hevc streams and of image "
        "folders without timestamps (input.fps); the manifest says the times are synthesised."
    ),
    overlay: str = typer.Option(
        None, "--overlay", help="Overlay videos (pipeline.overlay): all (one per prompt), "
        "flagged (clips around flagged episodes, linked from the report) or none; heatmaps are "
        "kept in frames.parquet either way, for `drivexplain render`."
    ),
    config: Path = typer.Option(None, help="YAML config (default: configs/default.yaml)."),
    address: str = typer.Option(None, help="Address of an existing Ray cluster."),
    out: Path = typer.Option(..., help="Output directory."),
    keep_work: bool = typer.Option(False, help="Keep per-chunk files after a video finishes."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Audit videos: overlay video, per-frame logs and report.html per input.

    Exits 1 if any input failed; the others are kept."""
    from drivexplain.pipeline.commands import run_command, setup_logging

    setup_logging(verbose)
    raise typer.Exit(run_command(
        inputs, prompt or [], prompts, concept or [], config, address, out, keep_work,
        answers=answers, allow_unplaced=allow_unplaced, stream=stream, topics=topic or [],
        fps=fps, overlay=overlay,
    ))


@app.command()
def demo(
    out: Path = typer.Option(Path("demo-out"), help="Output directory."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Render a short synthetic clip and run the whole pipeline on it, offline."""
    from drivexplain.pipeline.commands import demo_command, setup_logging

    setup_logging(verbose)
    raise typer.Exit(demo_command(out))


@app.command()
def calibrate(
    labels: Path = typer.Argument(..., help="JSONL: {image|video+frame, concept, present}."),
    out: Path = typer.Option(..., help="Where to write calibration.json."),
    config: Path = typer.Option(None, help="YAML config naming the CLIP to calibrate."),
    false_flag_rate: float = typer.Option(
        0.1, min=0.01, max=0.5, help="Share of a concept's correct answers its flags may fall "
        "on, on these labels: sets each concept's false-flag bounds."),
) -> None:
    """Fit the grounding calibration (p_grounded) for your CLIP.

    Point `coherence.calibration` in your config at the result."""
    from drivexplain.operators.config import ConfigError, load_config
    from drivexplain.operators.verdicts.grounding import CalibrationError
    from drivexplain.pipeline.calibrate import LabelsError
    from drivexplain.pipeline.calibrate import calibrate as fit

    try:
        fitted = fit(labels, out, load_config(config), false_flag_rate)
    except (ConfigError, LabelsError, CalibrationError, ValueError, OSError) as err:
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    typer.echo(f"fitted on {fitted['samples']} labels ({fitted['present']} present) for "
               f"{fitted['model']} -> {out}")
    typer.echo(f"per concept: out-of-fold AUROC; flags on a named concept at p_grounded <= "
               f"the affirm bound, on a denied one at >= the deny bound (false_flag_rate "
               f"{fitted['false_flag_rate']:g})")
    steady = fitted["steady_labels"]
    for concept, row in fitted["concepts"].items():
        auroc = "n/a" if row["auroc"] is None else f"{row['auroc']:.3f}"
        affirm, deny = ("none" if b is None else f"{b:.3f}" for b in row["bounds"])
        typer.echo(f"  {concept:<24} AUROC {auroc:<6} affirm {affirm:<6} deny {deny:<6} "
                   f"labels {row['present']} present / {row['absent']} absent")
    coarse = [c for c, row in fitted["concepts"].items()
              if row["auroc"] is not None and min(row["present"], row["absent"]) < steady]
    if coarse:
        typer.echo(f"bounds on fewer than {steady} labels a side move with one odd frame: "
                   f"{', '.join(coarse)}; label more frames with and without them")
    if fitted["unmeasured"]:
        typer.echo(f"too few present or absent labels (under 10 of either) to measure "
                   f"{', '.join(fitted['unmeasured'])}: no flag will rest on them; label more "
                   "frames with and without them")


@app.command("config")
def config_command(
    dump: bool = typer.Option(False, "--dump", help="Print the default config (YAML)."),
    vocabulary: bool = typer.Option(False, "--vocabulary", help="Print the vocabulary (YAML)."),
) -> None:
    """Where the shipped config, vocabulary and weights live; `--dump > my.yaml` to edit a copy."""
    from drivexplain.operators.assets import DEFAULT_CONFIG, TINY_CLIP_DIR, TINY_LLAVA_DIR
    from drivexplain.operators.config import DrivexplainConfig
    from drivexplain.operators.contrastive import vocabulary_path

    vocab = vocabulary_path(DrivexplainConfig().attribution.contrastive.vocabulary)
    if dump or vocabulary:
        typer.echo((vocab if vocabulary else DEFAULT_CONFIG).read_text(), nl=False)
        return
    for name, path in (("config", DEFAULT_CONFIG), ("vocabulary", vocab),
                       ("tiny CLIP", TINY_CLIP_DIR), ("tiny LLaVA", TINY_LLAVA_DIR)):
        typer.echo(f"{name:<10} {path}")


@app.command()
def ask(
    image: Path = typer.Argument(..., help="An image file (PNG, JPEG, ...)."),
    prompt: str = typer.Option(..., help="The question to ask the VLM."),
    vlm: str = typer.Option(None, help="VLM directory or hub id: LLaVA-1.5/NeXT/OneVision, "
                            "Qwen2/2.5/3-VL, InternVL, Idefics3, SmolVLM (default: the tiny "
                            "LLaVA)."),
    config: Path = typer.Option(None, help="YAML config for the CLIP side."),
    out: Path = typer.Option(..., help="Output directory."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Tracebacks on errors."),
) -> None:
    """Ask a VLM about one image: the answer, its gradient overlay and hybrid CA overlays."""
    from drivexplain.operators.config import ConfigError, load_config
    from drivexplain.operators.vlm.backend import VLMError
    from drivexplain.operators.vlm.hybrid import ask_image

    try:
        record = ask_image(image, prompt, out, vlm=vlm, config=load_config(config))
    except (ConfigError, VLMError, ValueError, FileNotFoundError, OSError) as err:
        raise _fail(err, verbose) from None
    except Exception as err:  # unexpected: still a sentence, the traceback with --verbose
        raise _fail(err, verbose, 1) from None
    typer.echo(f"answer: {record.get('answer')!r} -> {out}")


@app.command()
def render(
    run_dir: Path = typer.Argument(..., help="A run's --out folder, or one input's folder."),
    prompt: str = typer.Option(None, "--prompt", help="Which prompt (default: the first)."),
    concept: str = typer.Option(None, "--concept", help="Only this concept's map (default: "
                                "all of the prompt's kept maps, fused by their maximum)."),
    colormap: str = typer.Option("jet", "--colormap", help="An OpenCV colormap name: jet, "
                                 "viridis, inferno, turbo, ..."),
    video: str = typer.Option(None, "--video", help="Which input, when the run has several."),
    out: Path = typer.Option(..., help="Output .mp4."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Tracebacks on errors."),
) -> None:
    """Redraw an overlay video from a run's kept heatmaps and its source video (no model)."""
    from drivexplain.pipeline.sinks.render import render_run

    try:
        done = render_run(run_dir, out, prompt, concept, colormap, video)
    except (ValueError, OSError) as err:
        raise _fail(err, verbose) from None
    except Exception as err:  # unexpected: still a sentence, the traceback with --verbose
        raise _fail(err, verbose, 1) from None
    typer.echo(f"{done.video}: {done.frames} frames of {done.prompt!r} "
               f"({', '.join(done.concepts)}) -> {done.path}")


def _export(export: Callable[[Path, Path], Any], run_dir: Path, out: Path, verbose: bool
            ) -> Any:
    """Run one exporter: bad input (or a missing extra) is a sentence and exit 2, anything
    unexpected a sentence and exit 1; inputs it had to skip are listed."""
    try:
        done = export(run_dir, out)
    except (ValueError, OSError, ImportError) as err:
        raise _fail(err, verbose) from None
    except Exception as err:  # unexpected: still a sentence, the traceback with --verbose
        raise _fail(err, verbose, 1) from None
    for reason in done.skipped:
        typer.secho(f"skipped: {reason}", fg=typer.colors.YELLOW, err=True)
    return done


export_app = typer.Typer(no_args_is_help=True, help="Export a run's results to the viewers "
                         "driving teams use (Rerun, Foxglove).")
app.add_typer(export_app, name="export")


@export_app.command("rerun")
def export_rerun_command(
    run_dir: Path = typer.Argument(..., help="A run's --out folder, or one input's folder."),
    out: Path = typer.Option(..., help="Output .rrd (one recording per input video)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Tracebacks on errors."),
) -> None:
    """Video, heatmap layers, metric timelines and verdict text as a Rerun recording.

    Needs the `rerun` extra: pip install 'drivexplain[rerun]'."""
    from drivexplain.pipeline.sinks.rerun_export import export_rerun

    done = _export(export_rerun, run_dir, out, verbose)
    typer.echo(f"{len(done.recordings)} recordings, {done.frames} frames -> {done.path}")


@export_app.command("mcap")
def export_mcap_command(
    run_dir: Path = typer.Argument(..., help="A run's --out folder, or one input's folder."),
    out: Path = typer.Option(..., help="Output .mcap."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Tracebacks on errors."),
) -> None:
    """Overlays as Foxglove CompressedImage topics and per-frame results in one MCAP file.

    Per-frame results are JSON messages. Needs the `mcap` extra: pip install
    'drivexplain[mcap]'."""
    from drivexplain.pipeline.sinks.mcap_export import export_mcap

    done = _export(export_mcap, run_dir, out, verbose)
    typer.echo(f"{done.messages} messages on {len(done.topics)} topics -> {done.path}")


if __name__ == "__main__":
    app()
