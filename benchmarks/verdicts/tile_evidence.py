"""Would a fixed tiling of the frame let the verdicts check a denial? Measured, not assumed.

Run:  python benchmarks/verdicts/tile_evidence.py [--frames 160] [--grids 2 3] [--cache DIR]
          [--json benchmarks/results/tile_evidence.json]

Issue #17 asks that a denied concept be looked for everywhere, in the heatmap's peaks and in a
fixed tiling of the frame, so that "No." about a pedestrian in a corner can be caught. A tiling
costs rows x cols no-grad forwards per frame, so it must earn them. This benchmark measures what
it would earn with the shipped CLIP, on `coherence.py`'s calibration labels only (seeds 920000
onwards plus its top-up), so that the decision never touches evaluation frames:

- each frame is cut into a rows x cols grid with 25 % overlap (`operators.crops.tile_boxes`),
  from the frame at full resolution (640x360) and from the frame as the actors receive it
  (short side 224), each tile resized to the model's input;
- each concept's best tile gives two readings, as `presence_z.py --tiles` reads them: its
  z-score over the vocabulary and its raw cosine;
- the two readings enter the grounding calibration in the close-ups' place
  (`GroundingFeatures.crop_z`, `crop_similarity`), and `fit_grounding` measures the
  out-of-fold AUROC overall and per concept, as it does for the shipped calibration.

A tiling would be worth its forwards if it raised the overall AUROC by `MIN_CLOSEUP_GAIN`, the
bar close-ups must clear, or brought a concept over the flags' `min_concept_auroc`, so that its
wrong "No" could be caught at all. The cost is printed as tile forwards per frame over one plain
forward, timed side by side on the same frames.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from coherence import (
    CALIBRATION_MIN_PER_SIDE,
    CALIBRATION_SEED,
    cached_collect,
    grounding_labels,
    make_cases,
    render_frames,
    topped_up,
    transported,
    uncalibrated_operator,
)
from presence_z import best_tile, cosines

from drivexplain.operators.attribution import ConceptAttribution
from drivexplain.operators.verdicts.grounding import (
    MIN_CLOSEUP_GAIN,
    GroundingCalibration,
    GroundingFeatures,
    fit_grounding,
)
from drivexplain.synthworld.objects import CLASS_COLOURS, OBJECT_CLASSES
from drivexplain.synthworld.scene import Frame
from drivexplain.synthworld.weather import CONDITION_CONCEPTS

OVERLAP = 0.25
SOURCES = {"full resolution": lambda frame: frame.image, "transported": transported}


def with_tiles(samples: list[GroundingFeatures], frames: list[int], z: np.ndarray,
               cosine: np.ndarray, names: list[str]) -> list[GroundingFeatures]:
    """The samples with their best tile's readings (`presence_z.best_tile`: (frames,
    vocabulary) arrays) in the close-ups' place; concepts outside the vocabulary keep none."""
    out = []
    for sample, frame in zip(samples, frames, strict=True):
        concept = sample.concept.lower()
        if concept in names:
            column = names.index(concept)
            sample = replace(sample, crop_z=float(z[frame, column]),
                             crop_similarity=float(cosine[frame, column]))
        out.append(sample)
    return out


def forward_ratio(operator: ConceptAttribution, frames: list[Frame], grid: int) -> float:
    """Seconds of a grid's tile forwards over seconds of one plain forward, on the same
    transported frames, one after the other."""
    seconds = []
    for run in (lambda: cosines(operator, [transported(f) for f in frames]),
                lambda: best_tile(operator, frames, grid, OVERLAP)):
        run()  # warm
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return seconds[1] / seconds[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=160)
    parser.add_argument("--grids", type=int, nargs="+", default=[2, 3])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=None,
                        help="coherence.py's cache of uncalibrated checks, shared with it")
    parser.add_argument("--json", type=Path, default=Path(__file__).resolve().parents[1]
                        / "results" / "tile_evidence.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    config, operator, extractor = uncalibrated_operator()
    vocabulary, _ = operator.vocabulary()
    names = [v.lower() for v in vocabulary]
    colour_vocabulary = {v for v in vocabulary if len(v.split()) > 1}
    conditions = tuple(c for c in CONDITION_CONCEPTS if c in set(names))
    asked = tuple(OBJECT_CLASSES) + tuple(f"{k} {c}" for c in CLASS_COLOURS
                                          for k in CLASS_COLOURS[c]
                                          if f"{k} {c}" in colour_vocabulary)
    frames, _ = topped_up(render_frames(CALIBRATION_SEED, args.frames), CALIBRATION_SEED,
                          asked, CALIBRATION_MIN_PER_SIDE)
    rng = np.random.default_rng(0)  # coherence.py's calibration answers, so its cache serves
    cases = [c for n, f in enumerate(frames)
             for c in make_cases(n, f, rng, colour_vocabulary, conditions)]
    checks = cached_collect(args.cache, "calibration", CALIBRATION_SEED, frames, cases,
                            operator, extractor, batch=8)
    evidence, labels, owners = grounding_labels(frames, checks, cases)
    samples = [e.features() for e in evidence]
    digest = operator.backbone.weights_sha256

    def fit(features: list[GroundingFeatures]) -> GroundingCalibration:
        return fit_grounding(features, labels, operator.model_id, digest, "tile_evidence.py",
                             groups=owners)

    bar = config.coherence.min_concept_auroc
    fits = {"whole frame only": fit(samples)}
    cost = {}
    for grid in args.grids:
        for source, image_of in SOURCES.items():
            z, cosine = best_tile(operator, frames, grid, OVERLAP, image_of)
            fits[f"{grid}x{grid} {source}"] = fit(with_tiles(samples, owners, z, cosine, names))
        cost[f"{grid}x{grid}"] = round(forward_ratio(operator, frames[:16], grid), 2)
    base = fits["whole frame only"]
    concepts = sorted(base.concept_auroc)
    results = {
        "weights": f"{operator.model_id} sha256 {(digest or '')[:16]}",
        "frames": len(frames), "labels": len(labels), "first_seed": CALIBRATION_SEED,
        "overlap": OVERLAP, "min_closeup_gain": MIN_CLOSEUP_GAIN, "min_concept_auroc": bar,
        "overall_auroc": {k: m.overall_auroc for k, m in fits.items()},
        "concept_auroc": {c: {k: m.concept_auroc.get(c) for k, m in fits.items()}
                          for c in concepts},
        "crossing_the_bar": {k: [str(c) for c in concepts if (base.concept_auroc[c] < bar)
                                 != ((m.concept_auroc.get(c) or 0.0) < bar)]
                             for k, m in fits.items() if m is not base},
        "tile_forwards_over_plain_forward": cost,
        "seconds": round(time.perf_counter() - started, 1)}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print_summary(results)
    print(f"wrote {args.json} ({results['seconds']} s)")


def print_summary(results: dict) -> None:
    keys = list(results["overall_auroc"])
    print(f"{'out-of-fold AUROC':22s} " + " ".join(f"{k:>24s}" for k in keys))
    print(f"{'overall':22s} " + " ".join(f"{results['overall_auroc'][k]:>24.4f}" for k in keys))
    for concept, row in results["concept_auroc"].items():
        print(f"{concept:22s} " + " ".join(
            f"{row[k]:>24.3f}" if row[k] is not None else f"{'n/a':>24s}" for k in keys))
    print(f"gain needed to keep a tiling: {results['min_closeup_gain']}; concepts crossing "
          f"min_concept_auroc {results['min_concept_auroc']}: {results['crossing_the_bar']}")
    print("tile forwards per frame over one plain forward:",
          results["tile_forwards_over_plain_forward"])


if __name__ == "__main__":
    main()
