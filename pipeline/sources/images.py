"""Image-sequence folders (KITTI, BDD100K, nuScenes CAM_FRONT sweeps) read as one video.

Frame order and times come from the first of:
  1. `timestamps.txt` beside the images (in the folder, or its parent as KITTI lays it out):
     one time per image in name order, as seconds or `YYYY-MM-DD HH:MM:SS.fffffffff`;
  2. `timestamps.csv` beside the images: a header naming a file column (file, filename,
     image, name or path) and a time column (timestamp or time in seconds, timestamp_us,
     timestamp_ns), one row per image;
  3. nuScenes-style names ending in a 16-digit microsecond stamp (`…__CAM_FRONT__<us>.jpg`);
     a folder holding several logs' sweeps (the part of the name before `__CAM_…`) gives one
     video per log;
  4. `--fps` over the images in natural name order; the manifest says these were synthesised.
Timestamps are kept in microseconds from the first frame. Every image must have the first
image's size: the overlay video and the model batches have one frame size.
"""

from __future__ import annotations

import csv
import re
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import numpy as np

from drivexplain.pipeline.chunks import Chunk
from drivexplain.pipeline.sources.base import (
    IMAGE_SUFFIXES,
    DecodedFrame,
    Frames,
    SourceSettings,
    VideoError,
    VideoIndex,
    VideoInput,
    resize_rgb,
)

MICROSECONDS = Fraction(1, 1_000_000)
_NUSCENES = re.compile(r"(?:^|__)(\d{16})$")
_DIGITS = re.compile(r"(\d+)")
_FILE_COLUMNS = ("file", "filename", "image", "name", "path")
_TIME_COLUMNS = {"timestamp": 10**9, "time": 10**9, "timestamp_us": 10**3,
                 "timestamp_ns": 1}


def _natural(name: str) -> list[object]:
    return [int(p) if p.isdigit() else p for p in _DIGITS.split(name)]


def list_images(folder: Path) -> list[Path]:
    """The folder's own image files (not its subfolders'), in natural name order."""
    return sorted((p for p in folder.iterdir() if p.is_file()
                   and p.suffix.lower() in IMAGE_SUFFIXES), key=lambda p: _natural(p.name))


def _beside(folder: Path, name: str) -> Path | None:
    for place in (folder, folder.parent):
        if (place / name).is_file():
            return place / name
    return None


def log_name(stem: str) -> str:
    """The recording a nuScenes-style name belongs to: `n015-2018-07-24-11-22-45+0800` of
    `n015-2018-07-24-11-22-45+0800__CAM_FRONT__1532402927612460`; empty for other names."""
    return stem.split("__")[0] if stem.count("__") >= 2 else ""


def sequences(folder: Path) -> list[str]:
    """The logs of a folder of nuScenes-style sweeps, in time order, when it holds several
    (each is its own video); empty when the folder is one sequence."""
    try:
        if timing_source(str(folder)) != "names":
            return []
    except VideoError:
        return []
    first: dict[str, int] = {}
    for path in list_images(folder):
        us = int(_NUSCENES.search(path.stem).group(1))  # type: ignore[union-attr]
        log = log_name(path.stem)
        first[log] = min(us, first.get(log, us))
    return sorted(first, key=first.__getitem__) if len(first) > 1 else []


def timing_source(uri: str) -> str | None:
    """Which of the timing rules applies to this folder without --fps, or None."""
    folder = Path(uri)
    if not folder.is_dir():
        raise VideoError("is not a folder")
    for name in ("timestamps.txt", "timestamps.csv"):
        if _beside(folder, name) is not None:
            return name
    images = list_images(folder)
    if images and all(_NUSCENES.search(p.stem) for p in images):
        return "names"
    return None


def _seconds_to_ns(text: str, where: str) -> int:
    text = text.strip()
    try:
        if " " in text or "T" in text:  # KITTI: 2011-09-26 13:02:25.964389445
            day, _, fraction = text.replace("T", " ").partition(".")
            whole = datetime.fromisoformat(day)
            digits = (fraction + "000000000")[:9] if fraction else "0"
            return int(whole.timestamp()) * 10**9 + int(digits)
        return int(Fraction(text) * 10**9)
    except (ValueError, ZeroDivisionError):
        raise VideoError(f"{where}: {text!r} is not a time (seconds or "
                         "YYYY-MM-DD HH:MM:SS.fff)") from None


def _from_txt(path: Path, images: list[Path]) -> list[tuple[int, Path]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(lines) != len(images):
        raise VideoError(f"{path.name} has {len(lines)} times for {len(images)} images "
                         "(one line per image, in name order)")
    return [(_seconds_to_ns(line, f"{path.name} line {n}"), image)
            for n, (line, image) in enumerate(zip(lines, images, strict=True), 1)]


def _from_csv(path: Path, images: list[Path]) -> list[tuple[int, Path]]:
    by_name = {p.name: p for p in images}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
        file_col = next((fields[c] for c in _FILE_COLUMNS if c in fields), None)
        time_col = next((c for c in _TIME_COLUMNS if c in fields), None)
        if file_col is None or time_col is None:
            raise VideoError(f"{path.name} needs a header with a file column "
                             f"({', '.join(_FILE_COLUMNS)}) and a time column "
                             f"({', '.join(_TIME_COLUMNS)})")
        scale = _TIME_COLUMNS[time_col]
        found: dict[Path, int] = {}
        for n, row in enumerate(reader, 2):
            name = Path((row.get(file_col) or "").strip()).name
            if name not in by_name:
                raise VideoError(f"{path.name} line {n} names {name!r}, which is not an image "
                                 "in the folder")
            value = (row.get(fields[time_col]) or "").strip()
            try:
                ns = int(Fraction(value) * scale)
            except (ValueError, ZeroDivisionError):
                raise VideoError(f"{path.name} line {n}: {value!r} is not a number") from None
            found[by_name[name]] = ns
    missing = [p.name for p in images if p not in found]
    if missing:
        raise VideoError(f"{path.name} gives no time for {missing[0]}"
                         + (f" and {len(missing) - 1} more images" if len(missing) > 1 else ""))
    return [(found[p], p) for p in images]


def _check_sizes(frames: list[Path]) -> tuple[int, int]:
    """The sequence's frame size; VideoError naming the first image of another size."""
    from PIL import Image, UnidentifiedImageError

    first: tuple[Path, tuple[int, int]] | None = None
    for path in frames:
        try:
            with Image.open(path) as image:
                size = image.size
        except (OSError, UnidentifiedImageError, ValueError):
            continue  # an unreadable image is that frame's error row, found when decoding
        if first is None:
            first = (path, size)
        elif size != first[1]:
            raise VideoError(
                f"mixed image sizes: {path.name} is {size[0]}x{size[1]} but {first[0].name} "
                f"is {first[1][0]}x{first[1][1]}; every image of a sequence must have one size")
    if first is None:
        raise VideoError("no image in the folder can be read")
    return first[1]


def index(source: VideoInput, settings: SourceSettings) -> VideoIndex:
    folder = Path(source.uri)
    how = timing_source(source.uri)
    images = list_images(folder)
    if source.topic is not None:  # one log of a folder of several logs' sweeps
        images = [p for p in images if log_name(p.stem) == source.topic]
    if not images:
        raise VideoError("zero frames: the folder holds no image file")
    if how is None and settings.fps is None:
        raise VideoError("has no timestamps.txt, timestamps.csv or microsecond file names; "
                         "give --fps")
    if how is None:
        rate = Fraction(settings.fps).limit_denominator(1001)
        ordered, pts = images, list(range(len(images)))
        time_base, timing = 1 / rate, f"synthesised from --fps {settings.fps:g}"
    else:
        if how == "names":
            stamped = [(int(_NUSCENES.search(p.stem).group(1)) * 1000, p)  # type: ignore[union-attr]
                       for p in images]
            timing = "file names (microseconds, nuScenes style)"
        else:
            path = _beside(folder, how)
            assert path is not None
            stamped = (_from_txt if how.endswith(".txt") else _from_csv)(path, images)
            timing = str(path.name if path.parent == folder else f"../{path.name}")
        stamped.sort(key=lambda item: item[0])
        origin = stamped[0][0]
        pts = [(ns - origin) // 1000 for ns, _ in stamped]
        ordered = [p for _, p in stamped]
        for n in range(1, len(pts)):
            if pts[n] == pts[n - 1]:
                raise VideoError(f"{ordered[n - 1].name} and {ordered[n].name} have the same "
                                 f"timestamp ({timing})")
        time_base = MICROSECONDS
        span = pts[-1]
        rate = (Fraction(len(pts) - 1) / (span * MICROSECONDS)).limit_denominator(1001) \
            if span else None
    width, height = _check_sizes(ordered)
    return VideoIndex(
        pts=tuple(pts), keyframes=(True,) * len(pts), time_base=time_base, width=width,
        height=height, average_rate=rate, codec="images",
        locators=tuple(p.name for p in ordered), timing=timing, synthesised=how is None,
    )


def _load(path: Path, width: int, height: int) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        if image.size != (width, height):
            raise ValueError(f"{path.name} is {image.size[0]}x{image.size[1]}, the sequence "
                             f"{width}x{height}")
        return np.asarray(image.convert("RGB"))


def frames(chunk: Chunk, wanted: set[int] | None, size: tuple[int, int] | None,
           threads: bool) -> Frames:
    folder = Path(chunk.uri)
    for i, name in zip(range(chunk.key_start, chunk.stop), chunk.locators, strict=True):
        if i < chunk.start:
            continue
        pts = chunk.pts_of(i)
        if wanted is not None and i not in wanted:
            yield DecodedFrame(i, pts, np.empty((0, 0, 3), np.uint8))
            continue
        try:
            image = _load(folder / name, chunk.width, chunk.height)
        except Exception as err:  # PIL raises many types; each means "this image is bad"
            yield (i, f"image {name} could not be decoded ({type(err).__name__}: {err})")
            continue
        yield DecodedFrame(i, pts, resize_rgb(image, size))
