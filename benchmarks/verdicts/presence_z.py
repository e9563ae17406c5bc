"""Can the verdicts verify each class with these weights? Two weights files side by side.

Run:  python benchmarks/verdicts/presence_z.py CANDIDATE.safetensors [--baseline PATH]
          [--frames 240] [--tiles 3 --overlap 0.25]
          [--json benchmarks/results/presence_z.json]

`p_grounded` rests first on the whole-frame cosine of the concept, read raw and as a z-score
over the vocabulary (standard deviations above the frame's mean). A retrained CLIP helps the
verdicts only if these tell a salient instance of the class from its absence.
`synthworld.training.evaluate_clip` measures zero-shot presence with a prompt; this measures
what the verdicts read: the present-vs-absent AUROC of the z-score and of the raw cosine, per
class and per vocabulary colour, on rendered frames of seeds 930000 onwards (four weathers in
turn; disjoint from training, from `coherence.py`'s calibration and evaluation seeds, and from
the localisation splits). A frame where the class is
only a tiny, non-salient instance is left out, as in `coherence.grounding_labels`. Classes with
fewer than 5 frames on either side are not reported.

`--tiles N` adds what a scan of the frame would read: the frame shrunk to the pipeline's
transport size (short side 224, as `coherence.py`'s frames), cut into an N x N grid of tiles
sharing `--overlap` of a side (`operators.crops.tile_boxes`), each tile read as a frame; the
concept's reading is its best tile's (`auroc_tile`, `auroc_tile_raw`). A CLIP trained on
whole frames reads a tile as noise (model card); one taught close-ups should not.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from coherence import transported
from sklearn.metrics import roc_auc_score

from drivexplain.operators.assets import file_sha256, package_relative
from drivexplain.operators.attribution import ConceptAttribution
from drivexplain.operators.config import load_config
from drivexplain.operators.crops import tile_boxes
from drivexplain.operators.models.tiny_clip import default_weights_path
from drivexplain.synthworld.objects import CLASS_COLOURS, OBJECT_CLASSES
from drivexplain.synthworld.scene import CONDITIONS, Frame, render_scene

FIRST_SEED = 930_000


def cosines(op: ConceptAttribution, images: list) -> torch.Tensor:
    """(len(images), vocabulary) cosines of each image, read as a whole frame."""
    bb = op.backbone
    text = F.normalize(op.vocabulary()[1].float(), dim=-1)
    with torch.no_grad():
        return torch.cat([
            F.normalize(bb.embed_images(bb.preprocess(images[i : i + 16])).float(), dim=-1)
            @ text.T for i in range(0, len(images), 16)])


def _z(sims: torch.Tensor) -> torch.Tensor:
    return (sims - sims.mean(-1, keepdim=True)) / sims.std(-1, keepdim=True)


def best_tile(op: ConceptAttribution, frames: list[Frame], tiles: int, overlap: float,
              image_of: Callable[[Frame], np.ndarray] = transported
              ) -> tuple[np.ndarray, np.ndarray]:
    """Each concept's best z and best raw cosine over a tiles x tiles grid of each frame as
    `image_of` gives it (by default transported): two (frames, vocabulary) arrays."""
    z, raw = [], []
    for frame in frames:
        image = image_of(frame)
        boxes = tile_boxes(*image.shape[:2], tiles, tiles, overlap)
        sims = cosines(op, [image[box.slices] for box in boxes])
        z.append(_z(sims).max(0).values.numpy())
        raw.append(sims.max(0).values.numpy())
    return np.stack(z), np.stack(raw)


def class_auroc(weights: Path, frames: list[Frame], tiles: int = 0,
                overlap: float = 0.25) -> dict[str, dict]:
    """Present-vs-absent AUROC of each concept's whole-frame vocabulary z (`auroc`) and raw
    cosine (`auroc_raw`) with `weights`; with `tiles`, also of its best tile's
    (`auroc_tile`, `auroc_tile_raw`)."""
    config = load_config(None).with_overrides(
        **{"model.pretrained": str(weights)}).without_calibration()
    op = ConceptAttribution.from_config(config)
    names = op.vocabulary()[0]
    lowered = [n.lower() for n in names]
    sims = cosines(op, [f.image for f in frames])
    readings = {"auroc": _z(sims).numpy(), "auroc_raw": sims.numpy()}
    if tiles:
        readings["auroc_tile"], readings["auroc_tile_raw"] = best_tile(op, frames, tiles, overlap)
    concepts = list(OBJECT_CLASSES) + [f"{c} {k}" for k in CLASS_COLOURS
                                       for c in CLASS_COLOURS[k] if f"{c} {k}" in lowered]
    out: dict[str, dict] = {}
    for concept in concepts:
        if concept not in lowered:
            continue
        column = lowered.index(concept)
        rows, y = [], []
        for i, f in enumerate(frames):
            salient, anywhere = f.present_concepts(True), f.present_concepts(False)
            if concept in salient or concept not in anywhere:
                rows.append(i)
                y.append(concept in salient)
        if min(sum(y), len(y) - sum(y)) >= 5:
            out[concept] = {key: round(float(roc_auc_score(y, values[rows, column])), 3)
                            for key, values in readings.items()}
            out[concept].update(present=sum(y), absent=len(y) - sum(y))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("candidate", type=Path)
    parser.add_argument("--baseline", type=Path, default=default_weights_path())
    parser.add_argument("--frames", type=int, default=240)
    parser.add_argument("--tiles", type=int, default=0,
                        help="also read the best tile of an N x N grid (0: whole frames only)")
    parser.add_argument("--overlap", type=float, default=0.25)
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
              "tiles": args.tiles, "overlap": args.overlap,
              "baseline": {"weights": package_relative(args.baseline),
                           "sha256": file_sha256(args.baseline),
                           "auroc": class_auroc(args.baseline, frames, args.tiles, args.overlap)},
              "candidate": {"weights": package_relative(args.candidate),
                            "sha256": file_sha256(args.candidate),
                            "auroc": class_auroc(args.candidate, frames, args.tiles,
                                                 args.overlap)}}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1))
    base, cand = result["baseline"]["auroc"], result["candidate"]["auroc"]
    keys = [k for k in ("auroc", "auroc_raw", "auroc_tile", "auroc_tile_raw")
            if k in next(iter(base.values()), {})]
    print(f"AUROC, baseline -> candidate: {', '.join(keys)}")
    for concept, row in base.items():
        after = cand.get(concept, {})
        print(f"{concept:<22} present {row['present']:>3}  " + "  ".join(
            f"{row[k]:.3f}->{after[k]:.3f}" if k in after else f"{row[k]:.3f}->n/a"
            for k in keys))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
