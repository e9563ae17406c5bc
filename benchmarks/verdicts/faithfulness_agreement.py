"""Does the cheaper faithfulness method (drop_tokens) agree with the fill method?

Run:  python benchmarks/verdicts/faithfulness_agreement.py [--frames 48] [--threads 1]
      [--json benchmarks/results/faithfulness_agreement.json]

On synthworld frames (coherence.py's evaluation frames, as the model actors receive them), every
object class is attributed with both methods, everything else equal. Reported:
- Spearman rank correlation of Concept Drop and of Negative Suppression between the methods;
- for each method, the present-versus-absent AUROC of CD and of NS: present is a salient
  instance of the class, absent no instance anywhere (coherence.py's labels; a class seen only
  as a tiny, non-salient instance is left out);
- each method's whole `explain` cost on the same frames, CPU time per frame.
drop_tokens becomes the default only if neither AUROC drops.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from coherence import EVALUATION_SEED, render_frames, transported

from drivexplain.operators.attribution import ConceptAttribution
from drivexplain.operators.config import load_config
from drivexplain.synthworld.objects import OBJECT_CLASSES

METHODS = ("fill", "drop_tokens")


def ranks(values: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties sharing their average rank (as Spearman's rho needs)."""
    order = np.argsort(values, kind="stable")
    ranked = np.empty(len(values))
    ranked[order] = np.arange(1, len(values) + 1)
    for value in np.unique(values):
        same = values == value
        ranked[same] = ranked[same].mean()
    return ranked


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


def labelled_pairs(frames: list) -> list[tuple[int, str, bool]]:
    """(frame, class, present?) for every class that is salient or absent in the frame."""
    pairs = []
    for i, frame in enumerate(frames):
        salient = frame.present_concepts(salient_only=True)
        anywhere = frame.present_concepts(salient_only=False)
        for cls in OBJECT_CLASSES:
            if cls in salient or cls not in anywhere:
                pairs.append((i, cls, cls in salient))
    return pairs


def metrics(method: str, images: list[np.ndarray], concepts: list[list[str]], batch: int
            ) -> tuple[dict[tuple[int, str], tuple[float, float]], float]:
    """(frame, class) -> (CD, NS) with `method`, and CPU seconds per frame."""
    config = load_config(None).with_overrides(**{
        "attribution.faithfulness.method": method, "coherence.enabled": False,
        "runtime.batch_size": batch})
    operator = ConceptAttribution.from_config(config)
    operator.explain(images[:2], concepts[:2])  # warm-up
    start = time.thread_time()
    results = operator.explain(images, concepts)
    seconds = (time.thread_time() - start) / len(images)
    out = {}
    for i, frame in enumerate(results):
        for c in frame.concepts:
            out[(i, c.concept)] = (c.concept_drop, c.negative_suppression)
    return out, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--seed", type=int, default=EVALUATION_SEED)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path,
                        default=Path("benchmarks/results/faithfulness_agreement.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    frames = render_frames(args.seed, args.frames)
    images = [transported(f) for f in frames]
    pairs = labelled_pairs(frames)
    concepts = [[cls for f, cls, _ in pairs if f == i] or [OBJECT_CLASSES[0]]
                for i in range(len(frames))]
    values, cost = {}, {}
    for method in METHODS:
        values[method], cost[method] = metrics(method, images, concepts, args.batch)
    labels = np.array([present for _, _, present in pairs])
    report: dict = {
        "command": "python " + " ".join(sys.argv),
        "model_id": "TinyDriveCLIP (shipped weights)", "frames": len(frames),
        "pairs": len(pairs), "present": int(labels.sum()), "absent": int((~labels).sum()),
        "explain_cpu_ms_per_frame": {m: round(1e3 * cost[m], 1) for m in METHODS},
        "auroc": {}, "spearman": {},
    }
    for j, metric in enumerate(("concept_drop", "negative_suppression")):
        series = {m: np.array([values[m][(f, cls)][j] for f, cls, _ in pairs])
                  for m in METHODS}
        rho = spearman(series["fill"], series["drop_tokens"])
        report["spearman"][metric] = round(float(rho), 4)
        report["auroc"][metric] = {m: round(float(roc_auc_score(labels, series[m])), 4)
                                   for m in METHODS}
    print(json.dumps(report, indent=2))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
