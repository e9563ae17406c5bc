"""A procedural dashcam world with ground truth, and the training of the shipped tiny models.

The world: `scene` (render_scene, World, Frame), `objects` (how each class looks), `instance`,
`geometry`, `weather`, `captions`, `qa` (questions answered from the ground truth), `clips`
(MP4 + Parquet ground truth) and `log_formats` (the same frames as other driving-log formats).
`training` holds what trains and evaluates the shipped TinyDriveCLIP and tiny LLaVA on it.
"""

from drivexplain.synthworld.objects import OBJECT_CLASSES
from drivexplain.synthworld.scene import CONDITIONS, Frame, ObjectInstance, World, render_scene

__all__ = ["CONDITIONS", "OBJECT_CLASSES", "Frame", "ObjectInstance", "World", "render_scene"]
