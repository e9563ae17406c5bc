"""The model actor: Concept Attribution over one chunk's frames.

A Ray Data actor pool keeps these alive, so the model is loaded once per actor, not per chunk.
Ray Data restarts a dead actor and retries its chunk (max_restarts and max_task_retries
default to -1 for actor pools), which is how a lost actor's frames are redone. A Python error
inside attribution is not a dead actor: it becomes error entries on the chunk's frames so the
other chunks go on.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.stages import _columns, _rows, _text, frames_from_row, worker_info

log = logging.getLogger("drivexplain.pipeline")


class AttributionActor:
    """Runs `ConceptAttribution.explain` on the sampled frames of each chunk."""

    def __init__(
        self,
        config: dict[str, Any],
        concepts: list[str],
        model_config_dirs: list[str] | None = None,
        torch_threads: int | None = None,
        crash_once_marker: str | None = None,
    ) -> None:
        import open_clip
        import torch

        from operators.attribution import ConceptAttribution
        from operators.config import DrivexplainConfig

        if torch_threads:
            torch.set_num_threads(torch_threads)
        for directory in model_config_dirs or []:
            open_clip.add_model_config(Path(directory))
        self.config = DrivexplainConfig.model_validate(config)
        self.concepts = list(concepts)
        self.operator = ConceptAttribution.from_config(self.config)
        self.model_id = self.operator.model_id
        self.crash_once_marker = Path(crash_once_marker) if crash_once_marker else None

    def _maybe_crash(self) -> None:
        """Test hook: kill this actor process once, to prove its chunk is redone elsewhere."""
        marker = self.crash_once_marker
        if marker is not None and not marker.exists():
            marker.write_text(str(os.getpid()))
            os._exit(1)

    def explain_row(self, row: dict[str, Any]) -> dict[str, Any]:
        indices, frames = frames_from_row(row)
        errors = {int(k): v for k, v in json.loads(_text(row["errors"])).items()}
        results: dict[str, list[dict[str, Any]]] = {}
        heatmaps = np.zeros((0, len(self.concepts), 1, 1), np.float16)
        done: list[int] = []
        if indices:
            self._maybe_crash()
            try:
                attributions = self.operator.explain(list(frames), concepts=self.concepts)
                maps = []
                for frame_index, attribution in zip(indices, attributions, strict=True):
                    results[str(frame_index)] = [c.to_dict() for c in attribution.concepts]
                    maps.append(np.stack([c.heatmap for c in attribution.concepts]))
                    done.append(frame_index)
                heatmaps = np.stack(maps).astype(np.float16)
            except Exception as err:
                log.exception("attribution failed")
                reason = f"attribution failed ({type(err).__name__}: {err})"
                errors.update({i: reason for i in indices})
                results, done = {}, []
        return {
            "chunk": _text(row["chunk"]),
            "results": json.dumps(results),
            "errors": json.dumps({str(k): v for k, v in sorted(errors.items())}),
            "heatmaps": heatmaps.tobytes(),
            "heatmap_shape": json.dumps(list(heatmaps.shape)),
            "heatmap_frames": json.dumps(done),
            "heatmap_concepts": json.dumps(self.concepts),
            "model_ids": json.dumps({"concept_attribution": self.model_id, "vlm": None}),
            "worker": json.dumps(worker_info() | {"device": str(self.operator.backbone.device)}),
        }

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return _columns([self.explain_row(row) for row in _rows(batch)])
