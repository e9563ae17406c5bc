"""Dual explainability: reading prompts and answers (`concepts`, its results in `readings`, the
word lists in `lexicon`, the clause predicates in `clauses`, what a question asks in
`questions`, other VLM families' formats in `formats` and yes/no in `yesno`), the calibrated
grounding probability (`grounding`), per-frame verdicts (`coherence`) and flag episodes
(`episodes`)."""
