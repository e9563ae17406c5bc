"""Per-frame compute: backbones, Concept Attribution, faithfulness, hybrid and coherence."""
