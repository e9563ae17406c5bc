"""The `drivexplain` command line.

Each command only parses arguments and hands over to the module that does the work, so the
heavy imports (torch, ray, open_clip) happen only for the command that needs them.
"""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__.splitlines()[0])


@app.command()
def synth(
    out: Path = typer.Option(..., help="Output .mp4; the ground truth goes beside it."),
    seconds: float = typer.Option(10.0, min=0.1, help="Clip length in seconds."),
    fps: float = typer.Option(10.0, min=1.0, help="Frames per second."),
    seed: int = typer.Option(0, help="World seed; the same seed gives the same clip."),
    size: str = typer.Option("640x360", help="Frame size WxH."),
) -> None:
    """Render a synthetic dashcam clip with ground-truth masks."""
    from synthworld.clips import parse_size, write_clip

    width, height = parse_size(size)
    path = write_clip(out, seconds=seconds, fps=fps, seed=seed, size=(width, height))
    typer.echo(f"wrote {path} and {path.with_suffix('.parquet')}")


if __name__ == "__main__":
    app()
