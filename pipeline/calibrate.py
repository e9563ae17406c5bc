"""`drivexplain calibrate`: fit the grounding calibration for a user's own CLIP.

Thresholds fitted on the shipped tiny CLIP mean nothing for another model, so a team that audits
with, say, ViT-L/14 labels a few hundred (frame, concept) pairs and fits its own. Each line of
the labels file is one JSON object:

    {"image": "frames/0001.jpg", "concept": "pedestrian", "present": true}
    {"video": "drive.mp4", "frame": 120, "concept": "bus", "present": false}

Labels of one frame are held out together when each concept's AUROC is measured out of fold
(`grounding.oof_folds`), but neighbouring frames of a video are near copies of each other: label
frames a few seconds apart, or those AUROCs, which decide which concepts a flag may rest on,
come out too high.

Relative paths are taken from the labels file's folder. Every line is checked before any model
is loaded; frames are shrunk to the pipeline's transport size, so the calibration sees exactly
what `drivexplain run` will.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from drivexplain.operators.config import DrivexplainConfig


class LabelsError(ValueError):
    """A labels file is missing or malformed; the message names the file and line."""


@dataclass(frozen=True)
class Label:
    source: Path
    frame: int | None  # None: an image file
    concept: str
    present: bool


def read_labels(path: Path) -> list[Label]:
    """Parse and check every line; the first problem is an error naming its line."""
    if not path.is_file():
        raise LabelsError(f"labels file {path} does not exist")
    labels: list[Label] = []
    for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not text.strip():
            continue
        where = f"{path}:{n}"
        try:
            item = json.loads(text)
        except json.JSONDecodeError as err:
            raise LabelsError(f"{where}: not JSON ({err.msg})") from None
        if not isinstance(item, dict):
            raise LabelsError(f"{where}: each line must be a JSON object")
        unknown = sorted(set(item) - {"image", "video", "frame", "concept", "present"})
        if unknown:
            raise LabelsError(f"{where}: unknown keys {unknown}")
        if ("image" in item) == ("video" in item):
            raise LabelsError(f"{where}: give exactly one of 'image' or 'video'")
        concept = item.get("concept")
        if not isinstance(concept, str) or not concept.strip():
            raise LabelsError(f"{where}: 'concept' must be a non-empty text")
        if not isinstance(item.get("present"), bool):
            raise LabelsError(f"{where}: 'present' must be true or false")
        frame = item.get("frame")
        if "video" in item and (not isinstance(frame, int) or isinstance(frame, bool)
                                or frame < 0):
            raise LabelsError(f"{where}: a video label needs 'frame', a frame index >= 0")
        if "image" in item and frame is not None:
            raise LabelsError(f"{where}: 'frame' belongs to video labels only")
        source = item.get("image") or item.get("video")
        if not isinstance(source, str) or not source:
            raise LabelsError(f"{where}: the file must be a non-empty path")
        resolved = (path.parent / source) if not Path(source).is_absolute() else Path(source)
        if not resolved.is_file():
            raise LabelsError(f"{where}: {resolved} does not exist")
        labels.append(Label(resolved, frame, concept.strip(), item["present"]))
    if not labels:
        raise LabelsError(f"labels file {path} holds no labels")
    if all(label.present for label in labels) or not any(label.present for label in labels):
        raise LabelsError(f"labels file {path} needs both present and absent examples")
    return labels


def _frames(labels: list[Label], short_side: int | None) -> dict[tuple[Path, int | None],
                                                                  np.ndarray]:
    """Each labelled frame once, at the pipeline's transport size."""
    import cv2

    from drivexplain.pipeline.explain import read_image
    from drivexplain.pipeline.sources.decode import index_video, iter_chunk_frames, transport_size

    out: dict[tuple[Path, int | None], np.ndarray] = {}
    videos: dict[Path, set[int]] = defaultdict(set)
    for label in labels:
        if label.frame is None:
            image = read_image(label.source)
            w, h = transport_size(image.shape[1], image.shape[0], short_side)
            out[(label.source, None)] = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
        else:
            videos[label.source].add(label.frame)
    for video, wanted in videos.items():
        index = index_video(str(video))
        beyond = sorted(f for f in wanted if f >= index.num_frames)
        if beyond:
            raise LabelsError(f"{video} has {index.num_frames} frames; labels ask for frame "
                              f"{beyond[0]}")
        size = transport_size(index.width, index.height, short_side)
        first, last = min(wanted), max(wanted)
        for item in iter_chunk_frames(str(video), index.pts[first : last + 1], first,
                                      wanted=wanted, size=size):
            if isinstance(item, tuple):
                if item[0] in wanted:
                    raise LabelsError(f"{video} frame {item[0]}: {item[1]}")
                continue
            if item.index in wanted:
                out[(video, item.index)] = item.image
    return out


def calibrate(labels_path: Path, out: Path, config: DrivexplainConfig,
              false_flag_rate: float | None = None) -> dict:
    """Fit and write the calibration; returns what it was fitted on and, per concept, its
    AUROC, false-flag bounds and label counts (`concepts`), with the count a side that makes a
    bound steady (`steady_labels`). `false_flag_rate` defaults to
    `grounding.MAX_FALSE_FLAG_RATE`."""
    from drivexplain.operators.attribution import ConceptAttribution
    from drivexplain.operators.verdicts.closeups import DEFAULT_CROP_SCALES
    from drivexplain.operators.verdicts.coherence import concept_evidence
    from drivexplain.operators.verdicts.grounding import (
        MAX_FALSE_FLAG_RATE,
        fit_choosing_closeups,
        steady_labels,
    )

    labels = read_labels(labels_path)
    frames = _frames(labels, config.pipeline.transport_short_side)
    operator = ConceptAttribution.from_config(config.without_calibration())
    keys = list(frames)
    wanted: dict[tuple[Path, int | None], list[str]] = defaultdict(list)
    for label in labels:
        wanted[(label.source, label.frame)].append(label.concept)
    _, evidence = concept_evidence(operator, [frames[k] for k in keys],
                                   [list(dict.fromkeys(wanted[k])) for k in keys],
                                   crop_scales=DEFAULT_CROP_SCALES)
    by_key = dict(zip(keys, evidence, strict=True))
    samples = [by_key[(label.source, label.frame)][label.concept].features() for label in labels]
    calibration = fit_choosing_closeups(
        samples, [label.present for label in labels], operator.model_id,
        operator.backbone.weights_sha256, f"drivexplain calibrate {labels_path.name}",
        DEFAULT_CROP_SCALES, false_flag_rate or MAX_FALSE_FLAG_RATE,
        groups=[(str(label.source), label.frame) for label in labels])
    calibration.save(out)
    counts = Counter((label.concept.lower(), label.present) for label in labels)
    concepts = {c: {"auroc": calibration.auroc_for(c),
                    "bounds": calibration.flag_bounds(c),
                    "present": counts[(c, True)], "absent": counts[(c, False)]}
                for c in sorted({label.concept.lower() for label in labels})}
    return dict(calibration.fitted_on) | {"model": operator.model_id,
                                          "crop_scales": list(calibration.crop_scales),
                                          "unmeasured": list(calibration.unmeasured),
                                          "false_flag_rate": calibration.false_flag_rate,
                                          "steady_labels": steady_labels(
                                              calibration.false_flag_rate),
                                          "concepts": concepts}
