"""Answers per second of each supported VLM family's tiny model on CPU, and what the answer-
gradient replay costs next to generation.

Run:  python benchmarks/speed/vlm_speed.py [--repeats 3] [--threads 1]
          [--json benchmarks/results/vlm_speed.json]

Per family (`operators.vlm.families`), a tiny random model (`operators.vlm.tiny_families`: two
layers, widths of 32) is saved to disk and loaded back through `load_vlm`, then asked one prompt
about frames at the pipeline's transport size (224 x 398), greedy, `--max-new-tokens` tokens:

- answers/s at batch 1 and batch 8 of `answer_texts` (generation only);
- the gradient replay's cost as a ratio to generation, both at batch 8 and measured side by
  side: (time of `ask`, which generates and then replays - time of `answer_texts`) / time of
  `answer_texts`.

Times are best-of-`--repeats` after a warm-up. Tiny models make the tower and the language model
cheap next to Python and processor overheads, so these ratios describe the code paths, not a
7B model's; the same script runs on any directory given with `--vlm KIND=DIR`.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
from pathlib import Path

import numpy as np
import torch
from attribution_speed import timed

from drivexplain.operators.vlm.backend import load_vlm
from drivexplain.operators.vlm.families import FAMILIES
from drivexplain.operators.vlm.tiny_families import save_tiny_vlm

FRAME = (224, 398)
PROMPT = "is there a car ?"


def measure(directory: Path, repeats: int, max_new_tokens: int) -> dict:
    vlm = load_vlm(directory, device="cpu", max_new_tokens=max_new_tokens)
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (*FRAME, 3), dtype=np.uint8) for _ in range(8)]
    one = timed(lambda: vlm.answer_texts(frames[:1], PROMPT), repeats)
    eight = timed(lambda: vlm.answer_texts(frames, PROMPT), repeats)
    ask_eight = timed(lambda: vlm.ask(frames, PROMPT), repeats)
    answers = vlm.ask(frames, PROMPT)
    return {
        "family": vlm.family.name,
        "map_method": vlm.family.map_method,
        "vision_tokens": int(answers[0].token_values.shape[0]),
        "answer_tokens_mean": round(float(np.mean([len(a.answer_token_ids) for a in answers])),
                                    2),
        "answers_per_s_batch1": round(1.0 / one, 2),
        "answers_per_s_batch8": round(8.0 / eight, 2),
        "replay_over_generation_batch8": round((ask_eight - eight) / eight, 3),
        "seconds": {"generate_b1": round(one, 4), "generate_b8": round(eight, 4),
                    "ask_b8": round(ask_eight, 4)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--max-new-tokens", type=int, default=8)
    parser.add_argument("--vlm", action="append", default=[],
                        help="KIND=DIR: measure this directory instead of KIND's tiny model")
    parser.add_argument("--json", type=Path,
                        default=Path(__file__).resolve().parents[1] / "results" / "vlm_speed.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    given = dict(item.split("=", 1) for item in args.vlm)
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for family in FAMILIES:
            for kind in family.model_types:
                directory = Path(given[kind]) if kind in given else save_tiny_vlm(
                    kind, Path(tmp) / kind)
                rows[kind] = measure(directory, args.repeats, args.max_new_tokens)
                r = rows[kind]
                print(f"{r['family']:16s} {r['answers_per_s_batch1']:7.2f} ans/s (b1) "
                      f"{r['answers_per_s_batch8']:7.2f} ans/s (b8)  replay/generation "
                      f"{r['replay_over_generation_batch8']:.2f}  ({r['vision_tokens']} vision "
                      f"tokens, {r['answer_tokens_mean']} answer tokens)")
    results = {"frame": list(FRAME), "max_new_tokens": args.max_new_tokens,
               "threads": args.threads, "repeats": args.repeats,
               "torch": torch.__version__, "cpu": platform.processor() or platform.machine(),
               "families": rows}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(f"-> {args.json}")


if __name__ == "__main__":
    main()
