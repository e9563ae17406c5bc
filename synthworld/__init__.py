"""A procedural dashcam world with ground truth, and the training of the shipped tiny CLIP.

Modules: `scene` (render_scene, World, Frame), `objects` (how each class looks), `weather`,
`captions`, `clips` (MP4 + Parquet ground truth), `clip_data` / `train_clip` / `evaluate_clip`
(TinyDriveCLIP), `tiny_clip` (where the model lives and how to load it).
"""

from drivexplain.synthworld.objects import OBJECT_CLASSES
from drivexplain.synthworld.scene import CONDITIONS, Frame, ObjectInstance, World, render_scene

__all__ = ["CONDITIONS", "OBJECT_CLASSES", "Frame", "ObjectInstance", "World", "render_scene"]
