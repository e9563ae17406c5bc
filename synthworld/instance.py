"""One object's ground truth in one rendered frame: what, where and its exact pixels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ObjectInstance:
    """One visible object in one frame, with its exact visible-pixel mask."""

    class_name: str
    colour: str | None
    position: str  # "left" | "centre" | "right" (thirds of the image, by bbox centre)
    distance: str  # "near" | "far"
    depth_m: float
    bbox: tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive), pixels
    mask: np.ndarray  # bool (H, W)
    salient: bool  # big enough to be named in captions
    crossing: bool = False  # a pedestrian on the carriageway
    track_id: str = ""  # stable across the frames of a clip ("" when unknown)

    @property
    def concept(self) -> str:
        return f"{self.colour} {self.class_name}" if self.colour else self.class_name

    @property
    def area(self) -> int:
        return int(self.mask.sum())

    def to_record(self) -> dict:
        """The scene-graph entry, without the mask (masks are stored RLE-encoded elsewhere)."""
        return {
            "class_name": self.class_name,
            "colour": self.colour,
            "position": self.position,
            "distance": self.distance,
            "depth_m": round(float(self.depth_m), 3),
            "bbox": list(self.bbox),
            "salient": self.salient,
            "crossing": self.crossing,
            "track_id": self.track_id,
        }
