"""How each object class looks, drawn in metres around its ground contact point.

Objects are deliberately stylised but keep real-world proportions so that "near" and "far"
mean something, and each class has one unmistakable cue (bus window band, truck box, octagon,
three-lamp housing) that a small CLIP can pick up at 128 px.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from drivexplain.synthworld.geometry import Camera, Canvas

RGB = tuple[int, int, int]

OBJECT_CLASSES: tuple[str, ...] = (
    "car",
    "truck",
    "bus",
    "bicycle",
    "pedestrian",
    "traffic light",
    "stop sign",
    "crosswalk",
    "traffic cone",
)

# Colours are named attributes only for the classes where colour is part of the concept.
VEHICLE_PALETTE: dict[str, RGB] = {
    "red": (200, 30, 35),
    "blue": (35, 70, 200),
    "white": (232, 232, 236),
    "black": (28, 28, 32),
    "silver": (165, 170, 178),
    "yellow": (235, 200, 30),
    "green": (30, 145, 65),
}
CLASS_COLOURS: dict[str, tuple[str, ...]] = {
    "car": ("red", "blue", "white", "black", "silver", "yellow", "green"),
    "truck": ("white", "red", "blue", "green"),
    "bus": ("yellow", "red", "blue", "white"),
    "traffic light": ("red", "amber", "green"),
}
LAMP_ON: dict[str, RGB] = {"red": (255, 45, 30), "amber": (255, 175, 0), "green": (40, 235, 110)}
LAMP_OFF: dict[str, RGB] = {"red": (70, 25, 25), "amber": (70, 55, 15), "green": (20, 60, 35)}


@dataclass
class ObjectSpec:
    """One object placed in the world for one frame (camera-relative metres)."""

    class_name: str
    x: float
    z: float
    colour: str | None = None
    facing: str = "away"  # "away" shows the rear, "toward" the front (oncoming traffic)
    params: dict = field(default_factory=dict)


def _shade(c: RGB, f: float) -> RGB:
    return tuple(int(min(255, max(0, v * f))) for v in c)  # type: ignore[return-value]


class _Local:
    """Maps object-local metres (u right, v up, w toward the far end) to pixels."""

    def __init__(self, cam: Camera, spec: ObjectSpec) -> None:
        self.cam = cam
        self.x, self.z = spec.x, spec.z
        self.k = cam.scale(spec.z)
        self.cx, self.by = cam.project(spec.x, 0.0, spec.z)

    def p(self, u: float, v: float) -> tuple[float, float]:
        return (self.cx + self.k * u, self.by - self.k * v)

    def box(self, u0: float, v0: float, u1: float, v1: float) -> list[tuple[float, float]]:
        return [self.p(u0, v0), self.p(u1, v0), self.p(u1, v1), self.p(u0, v1)]


def draw_car(cv: Canvas, cam: Camera, s: ObjectSpec, label: int) -> None:
    L = _Local(cam, s)
    body = VEHICLE_PALETTE[s.colour or "silver"]
    dark = _shade(body, 0.65)
    tyre = (20, 20, 22)
    for side in (-1, 1):
        cv.poly(L.box(side * 0.88, 0.0, side * 0.58, 0.38), tyre, label)
    cv.poly(L.box(-0.9, 0.25, 0.9, 0.9), body, label)
    cv.poly([L.p(-0.8, 0.9), L.p(0.8, 0.9), L.p(0.62, 1.45), L.p(-0.62, 1.45)], body, label)
    cv.poly([L.p(-0.68, 0.97), L.p(0.68, 0.97), L.p(0.55, 1.38), L.p(-0.55, 1.38)],
            (40, 50, 62), label)
    cv.poly(L.box(-0.9, 0.25, 0.9, 0.36), dark, label)
    lamp = (255, 240, 200) if s.facing == "toward" else (230, 20, 20)
    for side in (-1, 1):
        u = side * 0.7
        cv.light(*L.p(u, 0.7), 0.11 * L.k, lamp, label)


def draw_truck(cv: Canvas, cam: Camera, s: ObjectSpec, label: int) -> None:
    L = _Local(cam, s)
    body = VEHICLE_PALETTE[s.colour or "white"]
    dark = _shade(body, 0.6)
    for side in (-1, 1):
        cv.poly(L.box(side * 1.2, 0.0, side * 0.75, 0.55), (20, 20, 22), label)
    cv.poly(L.box(-1.25, 0.45, 1.25, 0.75), (45, 45, 48), label)
    if s.facing == "toward":
        cv.poly(L.box(-1.2, 0.75, 1.2, 3.1), body, label)
        cv.poly(L.box(-1.05, 1.95, 1.05, 2.85), (40, 50, 62), label)
        cv.poly(L.box(-0.8, 0.9, 0.8, 1.45), dark, label)
        for side in (-1, 1):
            cv.light(*L.p(side * 0.95, 1.1), 0.13 * L.k, (255, 240, 200), label)
    else:
        cv.poly(L.box(-1.25, 0.75, 1.25, 3.7), body, label)
        cv.line(L.p(0.0, 0.8), L.p(0.0, 3.6), dark, 0.05 * L.k, label)
        for v in (1.5, 2.5):
            cv.line(L.p(-1.15, v), L.p(1.15, v), dark, 0.03 * L.k, label)
        for side in (-1, 1):
            cv.light(*L.p(side * 1.05, 0.95), 0.12 * L.k, (230, 20, 20), label)


def draw_bus(cv: Canvas, cam: Camera, s: ObjectSpec, label: int) -> None:
    L = _Local(cam, s)
    body = VEHICLE_PALETTE[s.colour or "yellow"]
    for side in (-1, 1):
        cv.poly(L.box(side * 1.2, 0.0, side * 0.8, 0.5), (20, 20, 22), label)
    cv.poly(L.box(-1.28, 0.3, 1.28, 3.25), body, label)
    glass = (35, 45, 60)
    if s.facing == "toward":
        cv.poly(L.box(-1.15, 1.2, 1.15, 2.75), glass, label)
    else:
        cv.poly(L.box(-1.15, 1.75, 1.15, 2.75), glass, label)
        cv.poly(L.box(-0.6, 0.6, 0.6, 1.1), _shade(body, 0.7), label)
    cv.poly(L.box(-0.8, 2.85, 0.8, 3.15), (20, 20, 20), label)
    cv.light(*L.p(0.0, 3.0), 0.08 * L.k, (255, 150, 20), label)
    lamp = (255, 240, 200) if s.facing == "toward" else (230, 20, 20)
    for side in (-1, 1):
        cv.light(*L.p(side * 1.05, 0.65), 0.12 * L.k, lamp, label)


def draw_bicycle(cv: Canvas, cam: Camera, s: ObjectSpec, label: int) -> None:
    L = _Local(cam, s)
    frame: RGB = s.params.get("frame", (20, 120, 220))
    d = -1.0 if s.params.get("flip") else 1.0
    r = 0.34
    rim = max(1.0, 0.09 * L.k)
    rear, front = L.p(-0.55 * d, r), L.p(0.55 * d, r)
    cv.circle(*rear, r * L.k, (25, 25, 25), label, thickness=round(rim))
    cv.circle(*front, r * L.k, (25, 25, 25), label, thickness=round(rim))
    bb, seat, bar = L.p(-0.05 * d, r), L.p(-0.25 * d, 0.95), L.p(0.42 * d, 1.02)
    w = max(1.0, 0.07 * L.k)
    for a, b in ((rear, bb), (bb, seat), (seat, rear), (bb, bar), (seat, bar), (bar, front)):
        cv.line(a, b, frame, w, label)
    cv.line(L.p(-0.35 * d, 1.0), L.p(-0.12 * d, 1.0), (20, 20, 20), w * 1.4, label)
    cv.line(L.p(0.35 * d, 1.1), L.p(0.52 * d, 1.1), (20, 20, 20), w * 1.2, label)


def draw_pedestrian(cv: Canvas, cam: Camera, s: ObjectSpec, label: int) -> None:
    L = _Local(cam, s)
    shirt: RGB = s.params.get("shirt", (180, 60, 60))
    trousers: RGB = s.params.get("trousers", (40, 40, 70))
    skin: RGB = s.params.get("skin", (220, 180, 150))
    swing = 0.18 * float(np.sin(s.params.get("phase", 0.0)))
    h = s.params.get("height", 1.75)
    sc = h / 1.75
    cv.poly([L.p(-0.08, 0.85 * sc), L.p(0.02, 0.85 * sc), L.p(-0.05 + swing, 0.0),
             L.p(-0.17 + swing, 0.0)], trousers, label)
    cv.poly([L.p(-0.02, 0.85 * sc), L.p(0.08, 0.85 * sc), L.p(0.17 - swing, 0.0),
             L.p(0.05 - swing, 0.0)], trousers, label)
    cv.poly(L.box(-0.21, 0.82 * sc, 0.21, 1.48 * sc), shirt, label)
    cv.line(L.p(-0.2, 1.42 * sc), L.p(-0.24 - swing * 0.6, 0.9 * sc), shirt, 0.09 * L.k, label)
    cv.line(L.p(0.2, 1.42 * sc), L.p(0.24 + swing * 0.6, 0.9 * sc), shirt, 0.09 * L.k, label)
    cv.circle(*L.p(0.0, 1.6 * sc), 0.13 * sc * L.k, skin, label)


def draw_traffic_light(cv: Canvas, cam: Camera, s: ObjectSpec, label: int) -> None:
    L = _Local(cam, s)
    state = s.colour or "red"
    cv.poly(L.box(-0.08, 0.0, 0.08, 3.0), (70, 72, 75), label)
    cv.poly(L.box(-0.32, 2.9, 0.32, 4.7), (28, 28, 30), label)
    for name, v in (("red", 4.3), ("amber", 3.8), ("green", 3.3)):
        if name == state:
            cv.light(*L.p(0.0, v), 0.2 * L.k, LAMP_ON[name], label)
        else:
            cv.circle(*L.p(0.0, v), 0.2 * L.k, LAMP_OFF[name], label)


def _octagon(L: _Local, cu: float, cv_: float, r: float) -> list[tuple[float, float]]:
    ang = np.deg2rad(22.5 + 45.0 * np.arange(8))
    return [L.p(cu + r * np.cos(a), cv_ + r * np.sin(a)) for a in ang]


def draw_stop_sign(cv: Canvas, cam: Camera, s: ObjectSpec, label: int) -> None:
    import cv2

    L = _Local(cam, s)
    cv.poly(L.box(-0.05, 0.0, 0.05, 2.2), (150, 150, 155), label)
    cv.poly(_octagon(L, 0.0, 2.6, 0.62), (240, 240, 240), label)
    cv.poly(_octagon(L, 0.0, 2.6, 0.55), (205, 20, 30), label)
    if 0.55 * L.k >= 9:
        scale = 0.55 * L.k / 34.0
        (tw, th), _ = cv2.getTextSize("STOP", cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        x, y = L.p(0.0, 2.6)
        cv2.putText(cv.image, "STOP", (round(x - tw / 2), round(y + th / 2)),
                    cv2.FONT_HERSHEY_SIMPLEX, scale, (245, 245, 245), max(1, round(scale * 2)))


def draw_traffic_cone(cv: Canvas, cam: Camera, s: ObjectSpec, label: int) -> None:
    L = _Local(cam, s)
    cv.poly(L.box(-0.3, 0.0, 0.3, 0.07), (40, 40, 40), label)
    cv.poly([L.p(-0.24, 0.07), L.p(0.24, 0.07), L.p(0.05, 0.9), L.p(-0.05, 0.9)],
            (255, 115, 0), label)
    cv.poly([L.p(-0.155, 0.42), L.p(0.155, 0.42), L.p(0.125, 0.56), L.p(-0.125, 0.56)],
            (245, 245, 245), label)


def draw_crosswalk(cv: Canvas, cam: Camera, s: ObjectSpec, label: int) -> None:
    """Zebra stripes lying on the road: the one object drawn on the ground plane."""
    depth = s.params.get("depth", 3.0)
    half = s.params.get("half_width", 5.25)
    z0, z1 = s.z, s.z + depth
    paint: RGB = s.params.get("paint", (235, 235, 235))
    x = -half + 0.25
    while x + 0.5 <= half:
        quad = [cam.project(x, 0, z0), cam.project(x + 0.5, 0, z0),
                cam.project(x + 0.5, 0, z1), cam.project(x, 0, z1)]
        cv.poly(quad, paint, label)
        x += 1.0


DRAWERS: dict[str, Callable[[Canvas, Camera, ObjectSpec, int], None]] = {
    "car": draw_car,
    "truck": draw_truck,
    "bus": draw_bus,
    "bicycle": draw_bicycle,
    "pedestrian": draw_pedestrian,
    "traffic light": draw_traffic_light,
    "stop sign": draw_stop_sign,
    "crosswalk": draw_crosswalk,
    "traffic cone": draw_traffic_cone,
}
assert set(DRAWERS) == set(OBJECT_CLASSES)
