"""The per-frame log record: one row per (analysed frame, prompt), or one error row.

The schema is fixed here so that every chunk's Parquet file has the same columns, the per-video
files concatenate without casts, and a reader can rely on it. Fields for stages that did not
run for a row (no VLM and no logged answer, or the coherence check switched off)
are present and filled honestly: null answer, verdict `not_evaluated`, and reasons that say
why. Otherwise `verdict` is one of `operators.config.VERDICTS` and `reasons`
name the metric, its value and the threshold it crossed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from drivexplain.operators.results import finite as finite  # re-exported for the pipeline

VERDICT_NOT_EVALUATED = "not_evaluated"
NOT_EVALUATED_REASONS = (
    "no VLM answer stage is configured (CLIP-only Concept Attribution)",
    "no dual-explainability coherence check is configured",
)
# Fields that differ between two runs of the same job; comparisons of outputs ignore them.
TIMING_FIELDS = ("processed_at",)

_CONCEPT = pa.struct(
    [
        ("concept", pa.string()),
        ("contrastive", pa.string()),
        ("similarity", pa.float64()),
        ("concept_drop", pa.float64()),
        ("negative_suppression", pa.float64()),
        ("heads", pa.list_(pa.list_(pa.int32()))),
        ("vocab_z", pa.float64()),
        ("vocab_rank", pa.int32()),
        ("crop_z", pa.float64()),  # z-score in the close-up around the heatmap's peak
        ("crop_similarity", pa.float64()),  # raw cosine in that close-up
        ("colour_share", pa.float64()),  # heat on pixels of the concept's colour
        ("p_grounded", pa.float64()),  # calibrated; null without a calibration for the CLIP
        ("concept_auroc", pa.float64()),  # how well the calibration tells this concept apart
        ("vlm_grounding", pa.float64()),  # the VLM's own GLSim-style score; null without a VLM
    ]
)
_SIMILARITIES = pa.struct(
    [("iou", pa.float64()), ("pearson", pa.float64()), ("histogram", pa.float64())]
)

SCHEMA = pa.schema(
    [
        ("video", pa.string()),
        ("video_id", pa.string()),
        ("status", pa.string()),  # ok | error
        ("error", pa.string()),
        ("chunk_index", pa.int32()),
        ("frame_index", pa.int64()),
        ("pts", pa.int64()),
        ("timestamp", pa.float64()),
        ("prompt", pa.string()),
        ("answer", pa.string()),
        ("answer_source", pa.string()),  # vlm | answers file | null
        ("prompt_kind", pa.string()),  # specific | generic | ambiguous
        ("answer_concepts", pa.list_(pa.string())),
        ("denied_concepts", pa.list_(pa.string())),
        ("concepts", pa.list_(pa.string())),
        ("concept_source", pa.string()),
        ("concept", pa.string()),
        ("contrastive_concept", pa.string()),
        ("heads", pa.list_(pa.list_(pa.int32()))),
        ("similarity", pa.float64()),
        ("concept_drop", pa.float64()),
        ("negative_suppression", pa.float64()),
        ("concept_results", pa.list_(_CONCEPT)),
        # The kept heatmaps (see `KeptHeatmaps`): the concepts that have one, the patch grid
        # (rows, columns), and one uint8 map per concept, row-major, rows x columns bytes.
        ("heatmap_concepts", pa.list_(pa.string())),
        ("heatmap_grid", pa.list_(pa.int32())),
        ("heatmaps", pa.list_(pa.binary())),
        ("heatmap_similarity", pa.float64()),  # the measure coherence.similarity_measure
        ("heatmap_similarities", _SIMILARITIES),
        ("verdict", pa.string()),
        ("reasons", pa.list_(pa.string())),
        ("flags", pa.list_(pa.string())),
        ("model_ids", pa.struct([("concept_attribution", pa.string()), ("vlm", pa.string())])),
        ("config_hash", pa.string()),
        ("processed_at", pa.string()),
    ]
)


@dataclass(frozen=True)
class KeptHeatmaps:
    """The heatmaps one (frame, prompt) row keeps: uint8 on the patch grid.

    `maps` is (len(concepts), rows, columns) uint8, the [0, 1] map times 255 rounded
    (`operators.overlay.quantize_heatmaps`). Kept so that another concept, colormap or prompt
    can be drawn (`drivexplain render`, the exports) without running the model again.
    """

    concepts: tuple[str, ...]
    maps: np.ndarray

    def __post_init__(self) -> None:
        if self.maps.dtype != np.uint8 or self.maps.ndim != 3 or \
                self.maps.shape[0] != len(self.concepts):
            raise ValueError(f"kept heatmaps must be ({len(self.concepts)}, rows, columns) "
                             f"uint8, got {self.maps.shape} {self.maps.dtype}")

    @property
    def grid(self) -> tuple[int, int]:
        return int(self.maps.shape[1]), int(self.maps.shape[2])

    def columns(self) -> dict[str, Any]:
        """The row's `heatmap_concepts`, `heatmap_grid` and `heatmaps` values."""
        return {
            "heatmap_concepts": list(self.concepts),
            "heatmap_grid": list(self.grid) if self.concepts else [],
            "heatmaps": [np.ascontiguousarray(m).tobytes() for m in self.maps],
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> KeptHeatmaps:
        """The row's kept maps; none (zero concepts) for an error row or a run before them."""
        concepts = tuple(row.get("heatmap_concepts") or ())
        if not concepts:
            return cls((), np.zeros((0, 0, 0), np.uint8))
        rows, cols = (int(v) for v in row["heatmap_grid"])
        maps = np.stack([np.frombuffer(m, np.uint8).reshape(rows, cols)
                         for m in row["heatmaps"]])
        return cls(concepts, maps)

    def select(self, concept: str | None) -> KeptHeatmaps:
        """Only `concept`'s map (none if the row has no map for it), or all for None."""
        if concept is None:
            return self
        keep = [n for n, c in enumerate(self.concepts) if c == concept]
        return KeptHeatmaps(tuple(self.concepts[n] for n in keep), self.maps[keep])


def metric_flags(
    concept_drop: float | None,
    negative_suppression: float | None,
    cd_below: float,
    ns_below: float,
) -> list[str]:
    """Why a frame's explanation looks unfaithful, by the paper's own readings (III-H).

    CD <= 0 means removing the highlighted region did not lower the similarity, so the heatmap
    did not find what the model used; NS < 2 means the heatmap also lights up the contrastive
    concept.
    """
    flags = []
    if concept_drop is not None and concept_drop <= cd_below:
        flags.append(
            f"concept drop {concept_drop:.3f} <= {cd_below:g}: masking the highlighted region "
            "did not lower the similarity"
        )
    if negative_suppression is not None and negative_suppression < ns_below:
        flags.append(
            f"negative suppression {negative_suppression:.2f} < {ns_below:g}: the heatmap also "
            "activates the contrastive concept"
        )
    return flags


def empty_row(**values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {name: None for name in SCHEMA.names}
    row.update(values)
    return row


def error_row(
    video: str,
    video_id: str,
    reason: str,
    config_hash: str,
    processed_at: str,
    frame_index: int | None = None,
    pts: int | None = None,
    timestamp: float | None = None,
    chunk_index: int | None = None,
    model_ids: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    """One row for a frame (or a whole input) that produced no result, saying why."""
    return empty_row(
        video=video,
        video_id=video_id,
        status="error",
        error=reason,
        chunk_index=chunk_index,
        frame_index=frame_index,
        pts=pts,
        timestamp=timestamp,
        verdict=VERDICT_NOT_EVALUATED,
        reasons=[reason],
        concepts=[],
        flags=[],
        model_ids=model_ids or {"concept_attribution": None, "vlm": None},
        config_hash=config_hash,
        processed_at=processed_at,
    )


def to_table(rows: Sequence[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=SCHEMA)
