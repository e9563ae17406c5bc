"""What limits the colour reading of `p_grounded`: the colour names, or where the heatmap points?

Run:  python benchmarks/verdicts/colour_evidence.py [--frames 160] [--pretrained WEIGHTS]
          [--json benchmarks/results/colour_evidence.json]

`operators.verdicts.colours.colour_shares` reads, for a coloured concept ("silver car"), the
share of the concept's heatmap weight that lies on pixels of its colour. Two things can make it
fail: fixed HSV names that do not match the paint (night darkens a white car to grey), or a
heatmap that does not sit on the object of that colour. This benchmark separates them. For each
vocabulary colour of the classes the colour answers ask about (car, truck, bus, traffic light),
on every frame with a salient instance of the class, it scores present (a salient instance in
that colour) against absent (none anywhere) two ways, as AUROC:

- `heatmap`: the shipped reading, under the concept's own Concept Attribution heatmap
  (default config, the frame at the pipeline's transport size);
- `mask`: the same colour share inside the world's masks of the class's salient instances,
  the heatmap replaced by the truth about where the class is (an oracle no run has).

A high `mask` with a low `heatmap` says the colour names work and the heatmap misses the object.
Frames are `coherence.py`'s calibration seeds (920000 onwards, four weathers in turn), so what
this shows may shape the colour rule without touching evaluation frames. `--pretrained` reads a
retrained tiny CLIP instead of the shipped one. Reported overall, for
daylight (clear, rain, snow) and for night; concepts with fewer than 5 frames on a side get null.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from coherence import CALIBRATION_SEED, render_frames, transported
from sklearn.metrics import roc_auc_score

from drivexplain.operators.attribution import ConceptAttribution
from drivexplain.operators.config import load_config
from drivexplain.operators.verdicts.colours import (
    LAMP_CLASSES,
    colour_mask,
    colour_shares,
    hsv_planes,
)
from drivexplain.synthworld.objects import CLASS_COLOURS
from drivexplain.synthworld.scene import Frame

MIN_PER_SIDE = 5
GROUPS = {"all": None, "daylight": ("clear", "rain", "snow"), "night": ("night",)}


def readings(frame: Frame, operator: ConceptAttribution, vocabulary: set[str]) -> list[dict]:
    """One row per coloured concept of a class salient in `frame` and labelled either way."""
    salient, anywhere = frame.present_concepts(True), frame.present_concepts(False)
    concepts = [f"{k} {c}" for c in CLASS_COLOURS if c in salient
                for k in CLASS_COLOURS[c] if f"{k} {c}" in vocabulary]
    concepts = [c for c in concepts if c in salient or c not in anywhere]
    if not concepts:
        return []
    image = transported(frame)
    explained = operator.explain([image], concepts)[0]
    heat = colour_shares([image], [{r.concept: r.heatmap for r in explained.concepts}])[0]
    planes = hsv_planes(image)
    size = (image.shape[1], image.shape[0])
    where: dict[str, np.ndarray] = {}  # the class's salient instances, at the image's size
    for o in frame.objects:
        if o.salient and o.class_name in CLASS_COLOURS:
            where[o.class_name] = where.get(o.class_name, False) | o.mask
    where = {c: cv2.resize(m.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
             for c, m in where.items()}
    rows = []
    for concept in concepts:
        colour, cls = concept.split(" ", 1)
        shows = colour_mask(planes, colour, cls in LAMP_CLASSES)[where[cls]]
        rows.append({"concept": concept, "present": concept in salient,
                     "condition": frame.condition, "heatmap": heat[concept],
                     "mask": float(shows.mean()) if shows.size else 0.0})
    return rows


def auroc(rows: list[dict], key: str) -> float | None:
    labels = [r["present"] for r in rows]
    if min(sum(labels), len(labels) - sum(labels)) < MIN_PER_SIDE:
        return None
    return round(float(roc_auc_score(labels, [r[key] for r in rows])), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=160)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pretrained", type=Path, default=None,
                        help="TinyDriveCLIP weights to read (default: the shipped ones)")
    parser.add_argument("--json", type=Path, default=Path(__file__).resolve().parents[1] / "results"
                        / "colour_evidence.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    operator = ConceptAttribution.from_config(load_config(None).with_overrides(
        **{"model.pretrained": str(args.pretrained) if args.pretrained else None})
        .without_calibration())
    vocabulary = {v.lower() for v in operator.vocabulary()[0]}
    rows = [r for f in render_frames(CALIBRATION_SEED, args.frames)
            for r in readings(f, operator, vocabulary)]
    table: dict[str, dict] = {}
    for concept in sorted({r["concept"] for r in rows}):
        mine = [r for r in rows if r["concept"] == concept]
        table[concept] = {"present": sum(r["present"] for r in mine),
                          "absent": sum(not r["present"] for r in mine)}
        for group, conditions in GROUPS.items():
            part = [r for r in mine if conditions is None or r["condition"] in conditions]
            table[concept][group] = {"heatmap": auroc(part, "heatmap"),
                                     "mask": auroc(part, "mask")}
    results = {"weights": str(args.pretrained or "shipped"), "frames": args.frames,
               "first_seed": CALIBRATION_SEED, "concepts": table,
               "seconds": round(time.perf_counter() - started, 1)}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'concept':22s} {'n+/n-':>7s}  " + "  ".join(
        f"{g + ' heat/mask':>20s}" for g in GROUPS))
    for concept, row in table.items():
        cells = "  ".join(f"{_fmt(row[g]['heatmap']):>9s} / {_fmt(row[g]['mask']):<8s}"
                          for g in GROUPS)
        print(f"{concept:22s} {row['present']:>3d}/{row['absent']:<3d}  {cells}")
    print(f"wrote {args.json} ({results['seconds']} s)")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    main()
