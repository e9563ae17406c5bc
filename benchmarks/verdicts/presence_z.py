"""Can the verdicts verify each class with these weights? Two weights files side by side.

Run:  python benchmarks/verdicts/presence_z.py CANDIDATE.safetensors [--baseline PATH]
          [--frames 240]
          [--json benchmarks/results/presence_z.json]

`p_grounded` rests first on the whole-frame cosine of the concept, read raw and as a z-score
over the vocabulary (standard deviations above the frame's mean). A retrained CLIP helps the
verdicts only if these tell a salient instance of the class from its absence.
`synthworld.evaluate_clip` measures zero-shot presence with a prompt; this measures what the
verdicts read: the present-vs-absent AUROC of the z-score and of the raw cosine, per class and
per vocabulary colour, on rendered frames of
seeds 930000 onwards (four weathers in turn; disjoint from training, from `coherence.py`'s
calibration and evaluation seeds, and from the localisation splits). A frame where the class is
only a tiny, non-salient instance is left out, as in `coherence.grounding_labels`. Classes with
fewer than 5 frames on either side are not reported.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score

from drivexplain.operators.attribution import ConceptAttribution
from drivexplain.operators.config import load_config
from drivexplain.operators.models.tiny_clip import default_weights_path
from drivexplain.synthworld.objects import CLASS_COLOURS, OBJECT_CLASSES
from drivexplain.synthworld.scene import CONDITIONS, Frame, render_scene

FIRST_SEED = 930_000


def class_auroc(weights: Path, frames: list[Frame]) -> dict[str, dict]:
    """Present-vs-absent AUROC of each concept's whole-frame vocabulary z (`auroc`) and raw
    cosine (`auroc_raw`) with `weights`."""
    config = load_config(None).with_overrides(
        **{"model.pretrained": str(weights)}).without_calibration()
    op = ConceptAttribution.from_config(config)
    names, text = op.vocabulary()
    lowered = [n.lower() for n in names]
    bb = op.backbone
    with torch.no_grad():
        image = torch.cat([
            F.normalize(bb.embed_images(bb.preprocess([f.image for f in frames[i : i + 16]]))
                        .float(), dim=-1) for i in range(0, len(frames), 16)])
        sims = image @ F.normalize(text.float(), dim=-1).T
    z = ((sims - sims.mean(1, keepdim=True)) / sims.std(1, keepdim=True)).numpy()
    raw = sims.numpy()
    concepts = list(OBJECT_CLASSES) + [f"{c} {k}" for k in CLASS_COLOURS
                                       for c in CLASS_COLOURS[k] if f"{c} {k}" in lowered]
    out: dict[str, dict] = {}
    for concept in concepts:
        if concept not in lowered:
            continue
        y, s, r = [], [], []
        for i, f in enumerate(frames):
            salient, anywhere = f.present_concepts(True), f.present_concepts(False)
            if concept in salient or concept not in anywhere:
                y.append(concept in salient)
                s.append(float(z[i, lowered.index(concept)]))
                r.append(float(raw[i, lowered.index(concept)]))
        if min(sum(y), len(y) - sum(y)) >= 5:
            out[concept] = {"auroc": round(float(roc_auc_score(y, s)), 3),
                            "auroc_raw": round(float(roc_auc_score(y, r)), 3),
                            "present": sum(y), "absent": len(y) - sum(y)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("candidate", type=Path)
    parser.add_argument("--baseline", type=Path, default=default_weights_path())
    parser.add_argument("--frames", type=int, default=240)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--json", type=Path,
        default=Path(__file__).resolve().parents[1] / "results" / "presence_z.json")
    args = parser.parse_args()
    for path in (args.candidate, args.baseline):
        if not path.is_file():
            parser.error(f"weights file {path} does not exist")
    torch.set_num_threads(args.threads)
    frames = [render_scene(FIRST_SEED + i, (640, 360), CONDITIONS[i % len(CONDITIONS)])
              for i in range(args.frames)]
    result = {"frames": args.frames, "seeds": f"{FIRST_SEED}..{FIRST_SEED + args.frames - 1}",
              "baseline": {"weights": str(args.baseline),
                           "auroc": class_auroc(args.baseline, frames)},
              "candidate": {"weights": str(args.candidate),
                            "auroc": class_auroc(args.candidate, frames)}}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1))
    base, cand = result["baseline"]["auroc"], result["candidate"]["auroc"]
    print(f"{'AUROC, z / raw cosine':<22} {'present':>11}  baseline       candidate")
    for concept, row in base.items():
        after = cand.get(concept)
        print(f"{concept:<22} present {row['present']:>3}  {row['auroc']:.3f} / "
              f"{row['auroc_raw']:.3f}  " + ("n/a" if after is None else
                                           f"{after['auroc']:.3f} / {after['auroc_raw']:.3f}"))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
