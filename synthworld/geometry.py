"""Pinhole camera over a flat road, and a canvas that paints pixels and instance ids together.

Everything in the world is placed in metres (X lateral, Y up, Z forward from the camera), so
objects shrink with distance and move correctly under ego-motion without per-class special cases.
Painting colour and instance id with the very same primitive is what makes masks exact: a mask
is simply "which pixels did this object win in the painter's algorithm".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

CAMERA_HEIGHT_M = 1.4
NEAR_PLANE_M = 0.8


@dataclass(frozen=True)
class Camera:
    """A forward-looking dashcam; focal length scales with width so any frame size looks alike."""

    width: int
    height: int
    horizon_frac: float = 0.45
    yaw_px: float = 0.0

    @property
    def focal(self) -> float:
        return 0.8 * self.width

    @property
    def horizon_y(self) -> float:
        return self.horizon_frac * self.height

    @property
    def vanish_x(self) -> float:
        return self.width / 2.0 + self.yaw_px

    def project(self, x: float, y: float, z: float) -> tuple[float, float]:
        z = max(z, NEAR_PLANE_M)
        return (
            self.vanish_x + self.focal * x / z,
            self.horizon_y + self.focal * (CAMERA_HEIGHT_M - y) / z,
        )

    def scale(self, z: float) -> float:
        """Pixels per metre for something standing at depth z."""
        return self.focal / max(z, NEAR_PLANE_M)


@dataclass
class Canvas:
    """An RGB image and an int16 label map painted in lockstep (label 0 = background)."""

    image: np.ndarray
    labels: np.ndarray
    lights: list[tuple[int, tuple[int, int], int, tuple[int, int, int]]] = field(
        default_factory=list
    )

    @classmethod
    def blank(cls, width: int, height: int) -> Canvas:
        return cls(
            image=np.zeros((height, width, 3), np.uint8),
            labels=np.zeros((height, width), np.int16),
        )

    @staticmethod
    def _pts(points: np.ndarray | list) -> np.ndarray:
        return np.round(np.asarray(points, np.float64)).astype(np.int32).reshape(-1, 1, 2)

    def poly(self, points: np.ndarray | list, color: tuple[int, int, int], label: int = 0) -> None:
        pts = self._pts(points)
        cv2.fillPoly(self.image, [pts], color)
        if label:
            cv2.fillPoly(self.labels, [pts], label)

    def rect(
        self, x0: float, y0: float, x1: float, y1: float, color: tuple[int, int, int],
        label: int = 0,
    ) -> None:
        self.poly([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], color, label)

    def circle(
        self, cx: float, cy: float, r: float, color: tuple[int, int, int], label: int = 0,
        thickness: int = -1,
    ) -> None:
        c = (round(cx), round(cy))
        rr = max(1, round(r))
        cv2.circle(self.image, c, rr, color, thickness)
        if label:
            cv2.circle(self.labels, c, rr, label, thickness)

    def line(
        self, p0: tuple[float, float], p1: tuple[float, float], color: tuple[int, int, int],
        thickness: float, label: int = 0,
    ) -> None:
        a = (round(p0[0]), round(p0[1]))
        b = (round(p1[0]), round(p1[1]))
        t = max(1, round(thickness))
        cv2.line(self.image, a, b, color, t)
        if label:
            cv2.line(self.labels, a, b, label, t)

    def light(
        self, cx: float, cy: float, r: float, color: tuple[int, int, int], label: int
    ) -> None:
        """A lamp: painted now, and repainted after weather/night so it keeps glowing."""
        self.circle(cx, cy, r, color, label)
        self.lights.append((label, (round(cx), round(cy)), max(1, round(r)), color))

    def relight(self) -> None:
        """Repaint lamps only where their owner is still visible, so occluders stay on top."""
        h, w = self.labels.shape
        for label, (cx, cy), r, color in self.lights:
            x0, x1 = max(cx - r, 0), min(cx + r + 1, w)
            y0, y1 = max(cy - r, 0), min(cy + r + 1, h)
            if x0 >= x1 or y0 >= y1:
                continue
            disc = np.zeros((y1 - y0, x1 - x0), np.uint8)
            cv2.circle(disc, (cx - x0, cy - y0), r, 1, -1)
            sel = (disc == 1) & (self.labels[y0:y1, x0:x1] == label)
            self.image[y0:y1, x0:x1][sel] = color
