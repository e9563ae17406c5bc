"""The procedural driving world: a seed defines an endless road, a time picks one frame of it.

A `World` is stateless: every object is derived from `(seed, segment)` or `(seed, spawn slot)`
random streams, so any time `t` can be rendered directly. That keeps clips deterministic,
lets a 10-minute clip stream frame by frame, and makes `render_scene(seed)` a single call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from drivexplain.synthworld.captions import make_captions
from drivexplain.synthworld.geometry import Camera, Canvas
from drivexplain.synthworld.instance import ObjectInstance
from drivexplain.synthworld.objects import (
    CLASS_COLOURS,
    DRAWERS,
    OBJECT_CLASSES,
    VEHICLE_PALETTE,
    ObjectSpec,
)
from drivexplain.synthworld.weather import (
    CONDITION_WEIGHTS,
    CONDITIONS,
    PALETTES,
    apply_condition,
    check_condition,
    sky_gradient,
)

__all__ = [
    "CONDITIONS",
    "OBJECT_CLASSES",
    "Frame",
    "ObjectInstance",
    "World",
    "concept_names",
    "render_scene",
]

SEGMENT_M = 30.0
OBJECT_NEAR_M, OBJECT_FAR_M = 3.5, 85.0
BUILDING_FAR_M = 170.0
NEAR_DISTANCE_M = 18.0  # closer than this is "near"
SALIENT_FRAC = 0.0015  # objects smaller than this share of the frame are not captioned
VEHICLE_SLOT_S, WALKER_SLOT_S, MAX_LIFE_S = 1.6, 1.0, 30.0
LANE_HALF_M, ROAD_HALF_M, SIDEWALK_OUT_M = 1.75, 5.25, 9.0
LIGHT_CYCLE = (("green", 7.0), ("amber", 2.0), ("red", 7.0))

# Rough extents (half width, height) in metres, used only to bound the mask search region.
_EXTENT = {
    "car": (1.0, 1.6), "truck": (1.35, 3.8), "bus": (1.35, 3.3), "bicycle": (1.0, 1.5),
    "pedestrian": (0.5, 1.9), "traffic light": (0.4, 4.8), "stop sign": (0.7, 3.3),
    "traffic cone": (0.35, 1.0),
}
_BUILDING_COLOURS = ((178, 150, 120), (150, 80, 65), (130, 130, 135), (215, 205, 180),
                     (105, 120, 140), (190, 175, 150), (120, 100, 90))
_SHIRTS = ((200, 50, 50), (50, 90, 200), (240, 240, 240), (40, 40, 40), (230, 190, 40),
           (60, 160, 80), (150, 60, 160), (240, 130, 40))
_TROUSERS = ((40, 40, 70), (30, 30, 30), (90, 80, 70), (60, 70, 110), (120, 110, 90))
_SKIN = ((240, 200, 170), (210, 160, 120), (160, 110, 75), (100, 70, 50))


@dataclass
class Frame:
    """A rendered dashcam frame and its ground truth."""

    image: np.ndarray  # (H, W, 3) uint8 RGB
    objects: list[ObjectInstance]
    condition: str
    captions: list[str]
    seed: int = 0
    time_s: float = 0.0

    @property
    def size(self) -> tuple[int, int]:
        return self.image.shape[1], self.image.shape[0]

    def scene_graph(self) -> list[dict]:
        return [o.to_record() for o in self.objects]

    def present_concepts(self, salient_only: bool = True) -> set[str]:
        """Class and colour-class concepts visible in the frame."""
        out: set[str] = set()
        for o in self.objects:
            if o.salient or not salient_only:
                out.add(o.class_name)
                out.add(o.concept)
        return out

    def mask_for(self, concept: str) -> np.ndarray:
        """Union of the instance masks for a concept such as "car" or "red traffic light"."""
        class_name, colour = parse_concept(concept)
        mask = np.zeros(self.image.shape[:2], bool)
        for o in self.objects:
            if o.class_name == class_name and (colour is None or o.colour == colour):
                mask |= o.mask
        return mask


def concept_names() -> list[str]:
    """Every concept the world can ground: the classes, then colour-qualified classes."""
    names = list(OBJECT_CLASSES)
    for cls, colours in CLASS_COLOURS.items():
        names += [f"{c} {cls}" for c in colours]
    return names


def parse_concept(concept: str) -> tuple[str, str | None]:
    text = " ".join(str(concept).lower().split())
    if text in OBJECT_CLASSES:
        return text, None
    head, _, rest = text.partition(" ")
    if rest in CLASS_COLOURS and head in CLASS_COLOURS[rest]:
        return rest, head
    raise ValueError(
        f"unknown concept {concept!r}: expected a class from {OBJECT_CLASSES} "
        f"optionally preceded by a colour (e.g. 'red car', 'green traffic light')"
    )


@dataclass
class _Static:
    class_name: str
    x: float
    zw: float  # world metres along the road
    colour: str | None = None
    params: dict = field(default_factory=dict)


@dataclass
class _Building:
    side: int
    x0: float
    zs: float
    ze: float
    height: float
    colour: tuple[int, int, int]


@dataclass
class _Mover:
    class_name: str
    x: float
    t_spawn: float
    z_spawn: float  # camera-relative metres at spawn time
    v_world: float  # m/s along the road (negative = oncoming)
    colour: str | None = None
    facing: str = "away"
    params: dict = field(default_factory=dict)


def _rng(*key: int) -> np.random.Generator:
    return np.random.default_rng([int(k) & 0xFFFFFFFF for k in key])


class World:
    """An endless seeded road with traffic; `frame(t)` renders it at time t seconds."""

    def __init__(self, seed: int, size: tuple[int, int] = (640, 360),
                 condition: str | None = None) -> None:
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        width, height = _check_size(size)
        self.seed = int(seed)
        rng = _rng(self.seed, 0)
        drawn = str(rng.choice(CONDITIONS, p=CONDITION_WEIGHTS))
        self.condition = check_condition(condition) if condition is not None else drawn
        self.ego_speed = float(rng.uniform(6.0, 14.0))
        self.start_m = float(rng.uniform(200.0, 20000.0))
        self.camera = Camera(width, height, horizon_frac=float(rng.uniform(0.42, 0.48)),
                             yaw_px=float(rng.uniform(-0.03, 0.03)) * width)
        self.vehicle_rate = float(rng.uniform(0.35, 0.8))
        self.walker_rate = float(rng.uniform(0.15, 0.45))
        self.static_density = float(rng.uniform(0.6, 1.4))
        self._segments: dict[int, tuple[list[_Building], list[_Static]]] = {}

    # --- world content ---------------------------------------------------------------------

    def ego_position(self, t: float) -> float:
        return self.start_m + self.ego_speed * t

    def _segment(self, j: int) -> tuple[list[_Building], list[_Static]]:
        if j in self._segments:
            return self._segments[j]
        rng = _rng(self.seed, 1, j)
        z0 = j * SEGMENT_M
        buildings: list[_Building] = []
        for side in (-1, 1):
            z = z0
            while z < z0 + SEGMENT_M:
                length = float(rng.uniform(8.0, 24.0))
                if rng.random() < 0.8:
                    buildings.append(_Building(
                        side, float(rng.uniform(9.5, 13.0)), z, min(z + length, z0 + SEGMENT_M),
                        float(rng.uniform(6.0, 24.0)),
                        _BUILDING_COLOURS[int(rng.integers(len(_BUILDING_COLOURS)))]))
                z += length + float(rng.uniform(0.0, 4.0))
        st: list[_Static] = []
        d = self.static_density
        has_light = rng.random() < 0.38 * d
        if has_light or rng.random() < 0.18 * d:
            zc = z0 + float(rng.uniform(2.0, 20.0))
            st.append(_Static("crosswalk", 0.0, zc, params={"depth": 3.0}))
            for _ in range(int(rng.integers(0, 3))):
                st.append(_Static("pedestrian", 0.0, zc + float(rng.uniform(0.6, 2.4)), params={
                    "crossing": True, "phase_m": float(rng.uniform(0, 14)),
                    "speed": float(rng.uniform(0.9, 1.6)) * (1 if rng.random() < 0.5 else -1),
                    **_walker_look(rng)}))
            if has_light:
                side = 1 if rng.random() < 0.75 else -1
                st.append(_Static("traffic light", side * float(rng.uniform(5.8, 6.6)),
                                  zc + 3.6, params={"phase": float(rng.uniform(0, 16))}))
        elif rng.random() < 0.3 * d:
            side = 1 if rng.random() < 0.8 else -1
            st.append(_Static("stop sign", side * float(rng.uniform(5.8, 6.8)),
                              z0 + float(rng.uniform(0, SEGMENT_M))))
        if rng.random() < 0.25 * d:
            x = float(rng.choice([1.9, -1.9, 4.7, 5.0, 3.5]))
            z = z0 + float(rng.uniform(0, 20))
            for _ in range(int(rng.integers(2, 6))):
                st.append(_Static("traffic cone", x + float(rng.normal(0, 0.1)), z))
                z += float(rng.uniform(2.0, 4.0))
        for _ in range(int(rng.poisson(0.35 * d))):
            side = 1 if rng.random() < 0.5 else -1
            st.append(_Static("bicycle", side * float(rng.uniform(6.2, 8.6)),
                              z0 + float(rng.uniform(0, SEGMENT_M)), params={
                                  "flip": bool(rng.random() < 0.5),
                                  "frame": _SHIRTS[int(rng.integers(len(_SHIRTS)))]}))
        if rng.random() < 0.3 * d:
            colour = str(rng.choice(CLASS_COLOURS["car"]))
            st.append(_Static("car", float(rng.uniform(4.0, 4.5)),
                              z0 + float(rng.uniform(0, SEGMENT_M)), colour=colour))
        self._segments[j] = (buildings, st)
        if len(self._segments) > 64:
            self._segments.pop(next(iter(self._segments)))
        return buildings, st

    def _vehicle(self, k: int) -> _Mover | None:
        rng = _rng(self.seed, 2, k)
        if rng.random() > self.vehicle_rate:
            return None
        u = rng.random()
        cls = "car" if u < 0.74 else ("truck" if u < 0.87 else "bus")
        colour = str(rng.choice(CLASS_COLOURS[cls]))
        lane = rng.random()
        ve = self.ego_speed
        if lane < 0.45:  # oncoming, left lane
            v = -float(rng.uniform(7.0, 14.0))
            return _Mover(cls, -3.5 + float(rng.normal(0, 0.2)), k * VEHICLE_SLOT_S,
                          OBJECT_FAR_M, v, colour, "toward")
        x = 0.0 if lane < 0.58 else 3.5
        rel = float(rng.uniform(-4.5, -1.0)) if x == 0.0 else float(rng.uniform(-5.0, 3.0))
        z0 = OBJECT_FAR_M if rel < 0 else OBJECT_NEAR_M + 0.5
        return _Mover(cls, x + float(rng.normal(0, 0.15)), k * VEHICLE_SLOT_S, z0, ve + rel,
                      colour, "away")

    def _walker(self, k: int) -> _Mover | None:
        rng = _rng(self.seed, 3, k)
        if rng.random() > self.walker_rate:
            return None
        side = 1 if rng.random() < 0.5 else -1
        v = float(rng.uniform(0.8, 1.6)) * (1 if rng.random() < 0.5 else -1)
        return _Mover("pedestrian", side * float(rng.uniform(6.0, 8.6)), k * WALKER_SLOT_S,
                      OBJECT_FAR_M, v, params=_walker_look(rng))

    def specs_at(self, t: float) -> tuple[list[_Building], list[ObjectSpec]]:
        """Buildings and camera-relative object placements visible at time t."""
        s = self.ego_position(t)
        buildings: list[_Building] = []
        specs: list[ObjectSpec] = []
        j0 = int((s - 45.0) // SEGMENT_M)  # cone rows may reach ~40 m past their segment start
        j1 = int((s + BUILDING_FAR_M) // SEGMENT_M)
        for j in range(j0, j1 + 1):
            bs, st = self._segment(j)
            buildings += [b for b in bs if b.ze - s > 0.5 and b.zs - s < BUILDING_FAR_M]
            if (j * SEGMENT_M - s) > OBJECT_FAR_M + 5:
                continue
            for idx, o in enumerate(st):
                spec = self._place_static(o, t, s)
                if spec is not None:
                    spec.params["track"] = f"s{j}.{idx}"
                    specs.append(spec)
        for slot_s, make, tag in ((VEHICLE_SLOT_S, self._vehicle, "v"),
                                  (WALKER_SLOT_S, self._walker, "w")):
            k1 = int(t // slot_s)
            k0 = int((t - MAX_LIFE_S) // slot_s)
            for k in range(max(k0, 0), k1 + 1):
                m = make(k)
                if m is None or t < m.t_spawn:
                    continue
                z = m.z_spawn + (m.v_world - self.ego_speed) * (t - m.t_spawn)
                if OBJECT_NEAR_M <= z <= OBJECT_FAR_M:
                    params = dict(m.params)
                    if m.class_name == "pedestrian":
                        params["phase"] = 5.0 * t + k
                    params["track"] = f"{tag}{k}"
                    specs.append(ObjectSpec(m.class_name, m.x, z, m.colour, m.facing, params))
        return buildings, specs

    def _place_static(self, o: _Static, t: float, s: float) -> ObjectSpec | None:
        z = o.zw - s
        if o.class_name == "crosswalk":
            if not (OBJECT_NEAR_M - 3.0 <= z <= OBJECT_FAR_M):
                return None
            return ObjectSpec("crosswalk", 0.0, max(z, 1.0), params=dict(o.params))
        if not (OBJECT_NEAR_M <= z <= OBJECT_FAR_M):
            return None
        colour = o.colour
        params = dict(o.params)
        x = o.x
        if o.class_name == "traffic light":
            colour = _light_state(params["phase"] + t)
        elif o.class_name == "pedestrian" and params.get("crossing"):
            span = 2 * (ROAD_HALF_M + 1.2)
            u = (params["phase_m"] + params["speed"] * t) % span
            x = -span / 2 + u
            params["phase"] = 5.0 * t + params["phase_m"]
        return ObjectSpec(o.class_name, x, z, colour, "away", params)

    # --- rendering -----------------------------------------------------------------------------

    def frame(self, t: float) -> Frame:
        """Render the world at time t (seconds) with masks, scene graph and captions."""
        cam = self.camera
        w, h = cam.width, cam.height
        pal = PALETTES[self.condition]
        cv = Canvas.blank(w, h)
        hz = round(cam.horizon_y)
        cv.image[:hz] = sky_gradient(w, h, hz, self.condition)
        cv.image[hz:] = pal.verge
        s = self.ego_position(t)
        buildings, specs = self.specs_at(t)
        self._draw_ground(cv, s)
        for b in sorted(buildings, key=lambda b: -b.zs):
            self._draw_building(cv, b, s)
        specs = [sp for sp in specs if sp.class_name == "crosswalk"] + sorted(
            (sp for sp in specs if sp.class_name != "crosswalk"), key=lambda sp: -sp.z)
        for label, sp in enumerate(specs, start=1):
            DRAWERS[sp.class_name](cv, cam, sp, label)
        fx_rng = _rng(self.seed, 4, round(t * 1000))
        apply_condition(cv.image, self.condition, hz, fx_rng)
        cv.relight()
        objects = self._instances(cv, specs)
        captions = make_captions(objects, self.condition, _rng(self.seed, 5, round(t * 1000)))
        return Frame(cv.image, objects, self.condition, captions, self.seed, float(t))

    def _draw_ground(self, cv: Canvas, s: float) -> None:
        cam = self.camera
        pal = PALETTES[self.condition]
        zn, zf = 0.9, 400.0

        def quad(x0: float, x1: float, z0: float = zn, z1: float = zf) -> list:
            return [cam.project(x0, 0, z0), cam.project(x1, 0, z0),
                    cam.project(x1, 0, z1), cam.project(x0, 0, z1)]

        for side in (-1, 1):
            cv.poly(quad(side * ROAD_HALF_M, side * SIDEWALK_OUT_M), pal.sidewalk)
            cv.poly(quad(side * ROAD_HALF_M, side * (ROAD_HALF_M + 0.2)), pal.curb)
        cv.poly(quad(-ROAD_HALF_M, ROAD_HALF_M), pal.road)
        for side in (-1, 1):
            cv.poly(quad(side * 5.0, side * 5.12), pal.marking)
        period, dash = 9.0, 3.0
        first = -(s % period)
        for side in (-1, 1):
            z = first
            while z < 120.0:
                if z + dash > zn:
                    cv.poly(quad(side * LANE_HALF_M - 0.06, side * LANE_HALF_M + 0.06,
                                 max(z, zn), z + dash), pal.marking)
                z += period

    def _draw_building(self, cv: Canvas, b: _Building, s: float) -> None:
        cam = self.camera
        zs, ze = max(b.zs - s, 0.9), b.ze - s
        x = b.side * b.x0
        face = [cam.project(x, 0, zs), cam.project(x, b.height, zs),
                cam.project(x, b.height, ze), cam.project(x, 0, ze)]
        cv.poly(face, b.colour)
        if b.zs - s > 0.9:
            xo = x + b.side * 12.0
            front = [cam.project(x, 0, zs), cam.project(xo, 0, zs),
                     cam.project(xo, b.height, zs), cam.project(x, b.height, zs)]
            cv.poly(front, tuple(int(c * 0.75) for c in b.colour))
        glass = (250, 215, 130) if self.condition == "night" else (60, 75, 95)
        zs2, ze2 = zs + 0.6, ze - 0.6
        if ze2 - zs2 < 1.0:
            return
        y = 3.0
        while y + 2.0 < b.height:
            cv.poly([cam.project(x, y, zs2), cam.project(x, y + 1.3, zs2),
                     cam.project(x, y + 1.3, ze2), cam.project(x, y, ze2)], glass)
            y += 3.2

    def _instances(self, cv: Canvas, specs: list[ObjectSpec]) -> list[ObjectInstance]:
        cam = self.camera
        w, h = cam.width, cam.height
        min_area = SALIENT_FRAC * w * h
        out: list[ObjectInstance] = []
        for label, sp in enumerate(specs, start=1):
            if sp.class_name == "crosswalk":
                x0, y0, x1, y1 = 0, round(cam.horizon_y), w, h
            else:
                hw, hh = _EXTENT[sp.class_name]
                k = cam.scale(sp.z)
                cx, by = cam.project(sp.x, 0, sp.z)
                x0, x1 = int(cx - hw * k) - 2, int(cx + hw * k) + 3
                y0, y1 = int(by - hh * k) - 2, int(by) + 3
            x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
            if x0 >= x1 or y0 >= y1:
                continue
            roi = cv.labels[y0:y1, x0:x1] == label
            if not roi.any():
                continue
            rows = np.flatnonzero(roi.any(axis=1))
            cols = np.flatnonzero(roi.any(axis=0))
            bbox = (x0 + int(cols[0]), y0 + int(rows[0]), x0 + int(cols[-1]) + 1,
                    y0 + int(rows[-1]) + 1)
            mask = np.zeros((h, w), bool)
            mask[y0:y1, x0:x1] = roi
            cxb = (bbox[0] + bbox[2]) / 2
            position = "left" if cxb < w / 3 else ("right" if cxb > 2 * w / 3 else "centre")
            area = int(roi.sum())
            out.append(ObjectInstance(
                class_name=sp.class_name, colour=sp.colour, position=position,
                distance="near" if sp.z < NEAR_DISTANCE_M else "far", depth_m=float(sp.z),
                bbox=bbox, mask=mask, salient=area >= min_area,
                crossing=sp.class_name == "pedestrian" and abs(sp.x) < ROAD_HALF_M,
                track_id=str(sp.params.get("track", "")),
            ))
        return out


def _walker_look(rng: np.random.Generator) -> dict:
    return {
        "shirt": _SHIRTS[int(rng.integers(len(_SHIRTS)))],
        "trousers": _TROUSERS[int(rng.integers(len(_TROUSERS)))],
        "skin": _SKIN[int(rng.integers(len(_SKIN)))],
        "height": float(rng.uniform(1.55, 1.9)),
    }


def _light_state(phase_s: float) -> str:
    total = sum(d for _, d in LIGHT_CYCLE)
    u = phase_s % total
    for name, d in LIGHT_CYCLE:
        if u < d:
            return name
        u -= d
    return LIGHT_CYCLE[-1][0]


def _check_size(size: tuple[int, int]) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ValueError(f"size must be a (width, height) pair of integers, got {size!r}") from None
    if width < 32 or height < 32 or width > 7680 or height > 4320:
        raise ValueError(f"size {size!r} out of range: width and height must be in 32..7680x4320")
    return width, height


def render_scene(seed: int, size: tuple[int, int] = (640, 360),
                 condition: str | None = None) -> Frame:
    """One frame of world `seed` at a seed-chosen moment: the unit of training data."""
    world = World(seed, size, condition)
    t = float(_rng(seed, 6).uniform(MAX_LIFE_S, 900.0))
    return world.frame(t)


COLOUR_RGB = VEHICLE_PALETTE  # colour names -> RGB, for downstream colour checks
