"""Image-caption batches for contrastive training, with every caption's truth known per image.

Because the world is synthetic, each caption carries the facts it asserts ("red car at left",
"has bus", "night"), so the loss can tell which other images in the batch a caption is also true
for. That removes the false negatives of plain CLIP batches ("there is a car" matches many
images) and lets us add counterfactual hard negatives ("a red car on the right" when it is on the
left) whose falsehood is certain, which is what teaches position and colour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from drivexplain.synthworld.captions import (
    CONDITION_PHRASES,
    HOW_FAR,
    PRESENCE_TEMPLATES,
    SCENE_OPENERS,
    WHERE,
    article,
)
from drivexplain.synthworld.objects import CLASS_COLOURS, OBJECT_CLASSES
from drivexplain.synthworld.scene import SALIENT_FRAC, Frame, ObjectInstance

Fact = tuple[str, ...]

CAPTION_KINDS = ("scene", "object", "short", "presence", "condition")
DEFAULT_KIND_WEIGHTS = (0.3, 0.38, 0.1, 0.15, 0.07)
POSITIONS = ("left", "centre", "right")


@dataclass(frozen=True)
class Caption:
    text: str
    facts: frozenset[Fact]


def _object_facts(o: ObjectInstance) -> set[Fact]:
    facts: set[Fact] = {("has", o.class_name), ("at", o.class_name, o.position),
                        ("dist", o.class_name, o.distance)}
    if o.colour:
        facts |= {("has", o.concept), ("at", o.concept, o.position),
                  ("dist", o.concept, o.distance)}
    if o.crossing:
        facts.add(("crossing", o.position))
    return facts


def frame_facts(frame: Frame) -> tuple[frozenset[Fact], frozenset[Fact]]:
    """(strong, weak) facts: strong from salient objects, weak from every visible object.

    A caption is true if its facts are all strong, false if any is not even weak, and ignored
    otherwise (it names something that is there but too small to be fair game).
    """
    strong: set[Fact] = {("cond", frame.condition)}
    weak: set[Fact] = {("cond", frame.condition)}
    for o in frame.objects:
        f = _object_facts(o)
        weak |= f
        if o.salient:
            strong |= f
    if not any(o.salient for o in frame.objects):
        strong.add(("empty",))
        weak.add(("empty",))
    return frozenset(strong), frozenset(weak)


def _phrase(class_name: str, colour: str | None, position: str | None, distance: str | None,
            crossing: bool, rng: np.random.Generator) -> tuple[str, set[Fact]]:
    noun = f"{colour} {class_name}" if colour else class_name
    text = article(noun)
    facts: set[Fact] = {("has", noun)}
    if crossing:
        text += " crossing"
    if position:
        text += " " + str(rng.choice(WHERE[position]))
        facts.add(("at", noun, position))
        if crossing:
            facts.add(("crossing", position))
    if distance:
        text += " " + str(rng.choice(HOW_FAR[distance]))
        facts.add(("dist", noun, distance))
    return text, facts


def _obj_caption(o: ObjectInstance, rng: np.random.Generator, *, colour: bool, place: bool,
                 distance: bool) -> tuple[str, set[Fact]]:
    return _phrase(o.class_name, o.colour if colour else None, o.position if place else None,
                   o.distance if distance else None, o.crossing and place, rng)


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def sample_caption(frame: Frame, rng: np.random.Generator,
                   weights: tuple[float, ...] = DEFAULT_KIND_WEIGHTS) -> Caption:
    """One true caption of a random kind, with its facts."""
    named = sorted((o for o in frame.objects if o.salient), key=lambda o: -o.area)
    cond_text = str(rng.choice(CONDITION_PHRASES[frame.condition]))
    kind = str(rng.choice(CAPTION_KINDS, p=np.asarray(weights) / sum(weights)))
    if not named:
        if kind == "condition":
            return Caption(f"a street {cond_text}", frozenset({("cond", frame.condition)}))
        return Caption(f"{rng.choice(SCENE_OPENERS)} {cond_text} with an empty road",
                       frozenset({("empty",), ("cond", frame.condition)}))
    if kind == "scene":
        k = int(rng.integers(1, min(len(named), 4) + 1))
        picks = [named[i] for i in sorted(rng.choice(len(named), k, replace=False))]
        parts, facts = [], {("cond", frame.condition)}
        for o in picks:
            t, f = _obj_caption(o, rng, colour=True, place=True, distance=False)
            parts.append(t)
            facts |= f
        return Caption(f"{rng.choice(SCENE_OPENERS)} {cond_text} with {_join(parts)}",
                       frozenset(facts))
    if kind == "object":
        o = named[int(rng.integers(len(named)))]
        t, f = _obj_caption(o, rng, colour=rng.random() < 0.8, place=rng.random() < 0.85,
                            distance=rng.random() < 0.3)
        return Caption(t, frozenset(f))
    if kind == "short":
        picks = named[:3]
        parts, facts = [], {("cond", frame.condition)}
        for o in picks:
            t, f = _obj_caption(o, rng, colour=True, place=False, distance=False)
            if t not in parts:
                parts.append(t)
            facts |= f
        return Caption(f"{_join(parts)} {cond_text}", frozenset(facts))
    if kind == "presence":
        o = named[int(rng.integers(len(named)))]
        return Caption(str(rng.choice(PRESENCE_TEMPLATES)).format(o.class_name),
                       frozenset({("has", o.class_name)}))
    return Caption(f"a street {cond_text}", frozenset({("cond", frame.condition)}))


def counterfactual(frame: Frame, rng: np.random.Generator) -> Caption | None:
    """A caption false for this frame: one object with its place, colour or class changed."""
    named = [o for o in frame.objects if o.salient]
    if not named:
        cls = str(rng.choice(OBJECT_CLASSES))
        return Caption(article(cls) + " " + str(rng.choice(WHERE["centre"])),
                       frozenset({("has", cls), ("at", cls, "centre")}))
    o = named[int(rng.integers(len(named)))]
    cls, colour, pos = o.class_name, o.colour, o.position
    change = str(rng.choice(("place", "colour", "class")))
    if change == "colour" and colour:
        colour = str(rng.choice([c for c in CLASS_COLOURS[cls] if c != colour]))
    elif change == "class" or (change == "colour" and not colour):
        cls = str(rng.choice([c for c in OBJECT_CLASSES if c != cls]))
        colour = str(rng.choice(CLASS_COLOURS[cls])) if cls in CLASS_COLOURS else None
    else:
        pos = str(rng.choice([p for p in POSITIONS if p != pos]))
    text, facts = _phrase(cls, colour, pos, None, False, rng)
    cap = Caption(text, frozenset(facts))
    _, weak = frame_facts(frame)
    return cap if not cap.facts <= weak else None


def crop_centre(frame: Frame, rng: np.random.Generator,
                salient_only: bool = False) -> ObjectInstance | None:
    """The object a close-up is cut around: an instance of a class drawn uniformly from those in
    the frame (crosswalks aside), with `salient_only` a salient one where the class has one;
    None for a frame without objects."""
    classes = sorted({o.class_name for o in frame.objects if o.class_name != "crosswalk"})
    if not classes:
        return None
    cls = classes[int(rng.integers(len(classes)))]
    pool = [o for o in frame.objects if o.class_name == cls]
    if salient_only:
        pool = [o for o in pool if o.salient] or pool
    return pool[int(rng.integers(len(pool)))]


def crop_view(frame: Frame, rng: np.random.Generator,
              scales: tuple[float, float] = (0.3, 0.7), min_share: float = SALIENT_FRAC,
              salient_centres: bool = False) -> Frame:
    """A crop of `frame` at the frame's own aspect ratio, as a Frame whose truth is exact.

    Verdicts and tiled attribution score crops cut around a heatmap peak or from a fixed
    tiling, so the model must judge a close-up as well as a whole frame. Each crop centres
    on an instance of a class drawn uniformly from those in the frame (rare classes such as
    bicycles are thus seen close up as often as cars), jittered by a quarter of the crop, at a
    side fraction drawn from `scales`. Masks, boxes, left/centre/right and salience are
    recomputed inside the crop, so captions, presence and patch labels stay exact; an object
    the crop cuts through keeps its class.

    An object is salient in the crop when it covers `min_share` of it. At the frame's own
    SALIENT_FRAC, a far bicycle of a few pixels that a crop enlarges counts as present although
    the render holds no detail of it; a larger share leaves such smudges out of the presence
    loss (they are neither salient nor absent). `salient_centres` centres the crop on a salient
    instance of the drawn class where the frame has one.
    """
    h, w = frame.image.shape[:2]
    s = float(rng.uniform(*scales))
    ch, cw = max(8, round(h * s)), max(8, round(w * s))
    o = crop_centre(frame, rng, salient_centres)
    if o is not None:
        cx = (o.bbox[0] + o.bbox[2]) / 2 + rng.uniform(-0.25, 0.25) * cw
        cy = (o.bbox[1] + o.bbox[3]) / 2 + rng.uniform(-0.25, 0.25) * ch
    else:
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    x0 = int(np.clip(round(cx - cw / 2), 0, w - cw))
    y0 = int(np.clip(round(cy - ch / 2), 0, h - ch))
    min_area = min_share * cw * ch
    objects = []
    for o in frame.objects:
        mask = o.mask[y0:y0 + ch, x0:x0 + cw]
        if not mask.any():
            continue
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        bbox = (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)
        centre = (bbox[0] + bbox[2]) / 2
        position = "left" if centre < cw / 3 else ("right" if centre > 2 * cw / 3 else "centre")
        objects.append(ObjectInstance(
            class_name=o.class_name, colour=o.colour, position=position, distance=o.distance,
            depth_m=o.depth_m, bbox=bbox, mask=np.ascontiguousarray(mask),
            salient=int(mask.sum()) >= min_area, crossing=o.crossing, track_id=o.track_id))
    return Frame(image=np.ascontiguousarray(frame.image[y0:y0 + ch, x0:x0 + cw]),
                 objects=objects, condition=frame.condition, captions=[], seed=frame.seed,
                 time_s=frame.time_s)


def truth_matrix(frames_facts: list[tuple[frozenset[Fact], frozenset[Fact]]],
                 captions: list[Caption]) -> np.ndarray:
    """int8 (n_images, n_captions): 1 true, 0 false, -1 ambiguous (excluded from the loss)."""
    out = np.zeros((len(frames_facts), len(captions)), np.int8)
    for i, (strong, weak) in enumerate(frames_facts):
        for j, c in enumerate(captions):
            if c.facts <= strong:
                out[i, j] = 1
            elif c.facts <= weak:
                out[i, j] = -1
    return out
