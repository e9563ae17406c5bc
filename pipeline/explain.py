"""`drivexplain explain`: Concept Attribution for one image, written for a person to inspect."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from drivexplain.operators.attribution import ConceptAttribution
from drivexplain.operators.config import DrivexplainConfig
from drivexplain.operators.images import read_rgb
from drivexplain.operators.overlay import overlay_heatmap


def read_image(path: Path) -> np.ndarray:
    """Read an image file as uint8 RGB, with an error that names the file.

    Transparency is composited on black, with a logged note (`operators.images.read_rgb`).
    """
    return read_rgb(path)[0]


def explain_image(
    image_path: Path,
    concept: str,
    config: DrivexplainConfig,
    out_dir: Path,
    contrastive: str | None = None,
) -> dict:
    """Write `overlay.png` and `result.json` for one (image, concept) into `out_dir`."""
    image, alpha_note = read_rgb(image_path)
    operator = ConceptAttribution.from_config(config)
    operator.backbone.check_image_size(image.shape, f"image {image_path}")
    result = operator.explain([image], [concept], contrastive=contrastive)[0].concepts[0]
    out_dir.mkdir(parents=True, exist_ok=True)
    overlay = overlay_heatmap(image, result.heatmap)
    cv2.imwrite(str(out_dir / "overlay.png"), cv2.cvtColor(overlay, cv2.COLOR_RGB2BGR))
    attribution = config.attribution
    record = {
        **result.to_dict(),
        "alpha": attribution.alpha,
        "beta": attribution.beta,
        "strategy": attribution.heads.strategy,
        "tau_ratio": attribution.tau_ratio,
        "model": operator.model_id,
        "image": str(image_path),
        "heatmap": result.heatmap.round(4).tolist(),
        "config_hash": config.digest(),
        "notes": [alpha_note] if alpha_note else [],
    }
    (out_dir / "result.json").write_text(json.dumps(record, indent=2))
    return record
