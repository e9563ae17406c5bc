"""Dual explainability: reading prompts and answers (`concepts`), the calibrated grounding
probability (`grounding`), per-frame verdicts (`coherence`) and flag episodes (`episodes`)."""
