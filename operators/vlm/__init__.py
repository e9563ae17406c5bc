"""Vision-language models: the transformers backend that answers and gives answer-gradient
maps (`backend`), building and converting the shipped tiny LLaVA (`build`, `convert`), and the
CLIP + LLM hybrid with its concept expansion (`hybrid`, `expansion`)."""
