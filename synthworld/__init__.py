"""A procedural dashcam world with ground truth, and the training of the shipped tiny CLIP."""
