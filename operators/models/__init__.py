"""The CLIP an operator explains: loading it (an open_clip name and tag, a local checkpoint, or
the shipped tiny CLIP), its adapter to Concept Attribution, and where it runs."""
