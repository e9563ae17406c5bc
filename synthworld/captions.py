"""Captions that say what is where, built only from the frame's ground truth.

A CLIP learns what its captions distinguish. Whole-scene sentences teach co-occurrence, while
short single-object phrases ("a red car on the left") teach the text side to bind a concept,
its colour and its image region; both kinds are produced for every frame.
"""

from __future__ import annotations

import numpy as np

from drivexplain.synthworld.instance import ObjectInstance

WHERE = {
    "left": ("on the left", "on the left side", "to the left"),
    "centre": ("in front", "ahead", "in the middle of the road"),
    "right": ("on the right", "on the right side", "to the right"),
}
HOW_FAR = {"near": ("close by", "nearby", "close to the camera"),
           "far": ("in the distance", "far away", "far ahead")}
CONDITION_PHRASES = {
    "clear": ("on a sunny day", "in clear weather", "in daylight"),
    "rain": ("in the rain", "on a rainy day", "in heavy rain"),
    "snow": ("in the snow", "on a snowy day", "in snowfall"),
    "night": ("at night", "at night time", "in the dark"),
}
SCENE_OPENERS = ("a dashcam photo of a street", "a road seen from a car", "a driving scene",
                 "a city street", "a view of the road")
PRESENCE_TEMPLATES = ("a photo with a {}", "a photo of a {}", "there is a {}", "a {} in the scene")


def article(phrase: str) -> str:
    return ("an " if phrase[:1] in "aeiou" else "a ") + phrase


def object_phrase(o: ObjectInstance, rng: np.random.Generator, *, with_colour: bool = True,
                  with_place: bool = True, with_distance: bool = False) -> str:
    """E.g. 'a red car on the left', 'a pedestrian crossing in front', 'a green traffic light'."""
    noun = o.concept if (with_colour and o.colour) else o.class_name
    text = article(noun)
    if o.class_name == "pedestrian" and o.crossing:
        text += " crossing"
    if with_place:
        text += " " + str(rng.choice(WHERE[o.position]))
    if with_distance:
        text += " " + str(rng.choice(HOW_FAR[o.distance]))
    return text


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def make_captions(objects: list[ObjectInstance], condition: str, rng: np.random.Generator,
                  max_objects: int = 5) -> list[str]:
    """Several varied captions; every one names only objects that are salient in the frame."""
    named = sorted((o for o in objects if o.salient), key=lambda o: -o.area)
    where = str(rng.choice(CONDITION_PHRASES[condition]))
    opener = str(rng.choice(SCENE_OPENERS))
    captions: list[str] = []
    if named:
        phrases = [object_phrase(o, rng) for o in named[:max_objects]]
        captions.append(f"{opener} {where} with {_join(phrases)}")
        short = list(dict.fromkeys(object_phrase(o, rng, with_place=False) for o in named))
        captions.append(_join(short[:3]) + f" {where}")
        for o in named[:4]:
            captions.append(object_phrase(o, rng, with_distance=bool(rng.random() < 0.4)))
        classes = list(dict.fromkeys(o.class_name for o in named))
        for cls in classes[:3]:
            captions.append(str(rng.choice(PRESENCE_TEMPLATES)).format(cls))
    else:
        captions.append(f"{opener} {where} with an empty road")
        captions.append(f"an empty road {where}")
    captions.append(f"a street {where}")
    return captions
