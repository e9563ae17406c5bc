"""Zero-shot evaluation of TinyDriveCLIP on held-out seeds (never used in training).

Run: `python -m drivexplain.synthworld.training.evaluate_clip [--weights PATH] [--n 400]
     [--out eval.json]`.

Presence is scored per concept with the prompt "a photo with a {concept}": ROC-AUC on the test
seeds, and balanced accuracy with a threshold fitted on separate calibration seeds, where
positives contain a salient (captionable) instance and negatives contain none. Position,
colour, light state and weather are scored as multiple choice among prompts that differ only
in that attribute, on frames where the answer is unambiguous.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

from drivexplain.operators.assets import file_sha256, package_relative
from drivexplain.operators.models.tiny_clip import (
    TINY_CLIP_NAME,
    create_tiny_clip,
    default_weights_path,
    frames_to_tensor,
)
from drivexplain.synthworld.objects import CLASS_COLOURS, OBJECT_CLASSES
from drivexplain.synthworld.scene import Frame, render_scene

PRESENCE_PROMPT = "a photo with a {}"
POSITION_PROMPTS = {"left": "a {} on the left", "centre": "a {} in front",
                    "right": "a {} on the right"}
CONDITION_PROMPTS = {"clear": "a street on a sunny day", "rain": "a street in the rain",
                     "snow": "a street in the snow", "night": "a street at night"}
TEST_SEED_BASE, CALIB_SEED_BASE = 0, 500_000


def _key(frame: Frame) -> tuple[int, float]:
    return frame.seed, frame.time_s


class Scorer:
    """Caches embeddings, so the presence, attribute and caption tables share one image pass.

    Images are keyed by (world seed, time): one rendered moment of one world.
    """

    def __init__(self, model, tokenizer) -> None:
        self.model, self.tok = model, tokenizer
        self._text: dict[str, torch.Tensor] = {}
        self._image: dict[tuple[int, float], torch.Tensor] = {}

    @torch.no_grad()
    def text(self, prompts: list[str]) -> torch.Tensor:
        todo = [p for p in dict.fromkeys(prompts) if p not in self._text]
        if todo:
            emb = self.model.encode_text(self.tok(todo), normalize=True)
            self._text.update(zip(todo, emb, strict=True))
        return torch.stack([self._text[p] for p in prompts])

    @torch.no_grad()
    def images(self, frames: list[Frame], batch: int = 64) -> torch.Tensor:
        todo = [f for f in {_key(f): f for f in frames}.values() if _key(f) not in self._image]
        for i in range(0, len(todo), batch):
            chunk = todo[i:i + batch]
            emb = self.model.encode_image(frames_to_tensor([f.image for f in chunk]),
                                          normalize=True)
            self._image.update(zip(map(_key, chunk), emb, strict=True))
        return torch.stack([self._image[_key(f)] for f in frames])


def _auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Probability a random positive outscores a random negative (ties count half)."""
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    allv = np.concatenate([pos, neg])
    ranks = allv.argsort().argsort().astype(np.float64) + 1
    # average ranks for ties
    order = np.sort(allv)
    for v in np.unique(allv):
        idx = allv == v
        if idx.sum() > 1:
            lo = np.searchsorted(order, v, "left") + 1
            hi = np.searchsorted(order, v, "right")
            ranks[idx] = (lo + hi) / 2
    r_pos = ranks[: len(pos)].sum()
    return float((r_pos - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def _best_threshold(pos: np.ndarray, neg: np.ndarray) -> float:
    cands = np.unique(np.concatenate([pos, neg]))
    best, best_t = -1.0, 0.0
    for t in cands:
        bacc = 0.5 * ((pos >= t).mean() + (neg < t).mean())
        if bacc > best:
            best, best_t = bacc, float(t)
    return best_t


def _labels(frames: list[Frame], concept: str) -> tuple[np.ndarray, np.ndarray]:
    """(positive, negative): a salient instance vs none big enough to be captioned.

    The world's traffic is dense, so frames with no car pixel at all are rare; a negative may
    therefore hold a distant instance below the caption threshold (which training never named).
    """
    pos = []
    for f in frames:
        inst = [o for o in f.objects if o.concept == concept or o.class_name == concept]
        pos.append(any(o.salient for o in inst))
    p = np.array(pos)
    return p, ~p


def presence_table(scorer: Scorer, test: list[Frame], calib: list[Frame],
                   concepts: list[str]) -> list[dict]:
    e_test, e_cal = scorer.images(test), scorer.images(calib)
    t = scorer.text([PRESENCE_PROMPT.format(c) for c in concepts])
    s_test = (e_test @ t.T).numpy()
    s_cal = (e_cal @ t.T).numpy()
    rows = []
    for j, c in enumerate(concepts):
        p_t, n_t = _labels(test, c)
        p_c, n_c = _labels(calib, c)
        if p_t.sum() < 5 or n_t.sum() < 5 or p_c.sum() < 3 or n_c.sum() < 3:
            rows.append({"concept": c, "n_pos": int(p_t.sum()), "n_neg": int(n_t.sum()),
                         "auc": None, "balanced_acc": None})
            continue
        thr = _best_threshold(s_cal[p_c, j], s_cal[n_c, j])
        bacc = 0.5 * ((s_test[p_t, j] >= thr).mean() + (s_test[n_t, j] < thr).mean())
        rows.append({"concept": c, "n_pos": int(p_t.sum()), "n_neg": int(n_t.sum()),
                     "auc": round(_auc(s_test[p_t, j], s_test[n_t, j]), 3),
                     "balanced_acc": round(float(bacc), 3)})
    return rows


def _choice_acc(scorer: Scorer, emb: torch.Tensor, items: list[tuple[int, list[str], int]]
                ) -> dict:
    """items: (frame index, candidate prompts, correct index) -> accuracy, count, baselines.

    `majority` is the accuracy of always answering the most common correct option: answers
    are not balanced (buses are mostly ahead), so that, not 1/k, is the bar to beat.
    """
    if not items:
        return {"acc": None, "n": 0, "chance": None, "majority": None}
    correct = 0
    answers = [k for _, _, k in items]
    for fi, prompts, k in items:
        s = emb[fi] @ scorer.text(prompts).T
        correct += int(int(s.argmax()) == k)
    majority = max(answers.count(a) for a in set(answers)) / len(answers)
    return {"acc": round(correct / len(items), 3), "n": len(items),
            "chance": round(1 / len(items[0][1]), 3), "majority": round(majority, 3)}


def attribute_tables(scorer: Scorer, frames: list[Frame]) -> dict:
    out: dict[str, dict] = {}
    pos_items: dict[str, list] = defaultdict(list)
    colour_items: dict[str, list] = defaultdict(list)
    cond_items = []
    places = list(POSITION_PROMPTS)
    for i, f in enumerate(frames):
        cond_items.append((i, list(CONDITION_PROMPTS.values()),
                           list(CONDITION_PROMPTS).index(f.condition)))
        for cls in OBJECT_CLASSES:
            inst = [o for o in f.objects if o.class_name == cls]
            if len(inst) == 1 and inst[0].salient and cls != "crosswalk":
                o = inst[0]
                pos_items[cls].append((i, [POSITION_PROMPTS[p].format(cls) for p in places],
                                       places.index(o.position)))
                if cls in CLASS_COLOURS and o.colour:
                    cols = list(CLASS_COLOURS[cls])
                    colour_items[cls].append((i, [f"a photo with a {c} {cls}" for c in cols],
                                              cols.index(o.colour)))
    emb = scorer.images(frames)
    for cls, items in pos_items.items():
        out.setdefault("position", {})[cls] = _choice_acc(scorer, emb, items)
    for cls, items in colour_items.items():
        out.setdefault("colour", {})[cls] = _choice_acc(scorer, emb, items)
    out["condition"] = _choice_acc(scorer, emb, cond_items)
    return out


def caption_ranking(scorer: Scorer, frames: list[Frame], k: int = 100) -> dict:
    """Image->caption top-1 among k held-out scenes' first (whole-scene) captions."""
    fr = frames[:k]
    emb = scorer.images(fr)
    txt = scorer.text([f.captions[0] for f in fr])
    sims = emb @ txt.T
    top1 = float((sims.argmax(1) == torch.arange(len(fr))).float().mean())
    return {"top1": round(top1, 3), "k": len(fr), "chance": round(1 / len(fr), 3)}


def evaluate(weights: Path, n: int = 400, size: tuple[int, int] = (640, 360)) -> dict:
    import open_clip

    torch.set_num_threads(2)
    t0 = time.time()
    model = create_tiny_clip(weights)
    scorer = Scorer(model, open_clip.get_tokenizer(TINY_CLIP_NAME))
    test = [render_scene(TEST_SEED_BASE + i, size=size) for i in range(n)]
    calib = [render_scene(CALIB_SEED_BASE + i, size=size) for i in range(n)]
    concepts = list(OBJECT_CLASSES) + [f"{c} traffic light" for c in CLASS_COLOURS["traffic light"]]
    result = {
        "weights": package_relative(weights),
        "weights_sha256": file_sha256(weights),
        "n_test": n, "n_calib": n, "render_size": f"{size[0]}x{size[1]}",
        "test_seeds": f"{TEST_SEED_BASE}..{TEST_SEED_BASE + n - 1}",
        "calib_seeds": f"{CALIB_SEED_BASE}..{CALIB_SEED_BASE + n - 1}",
        "presence_prompt": PRESENCE_PROMPT,
        "presence": presence_table(scorer, test, calib, concepts),
        **attribute_tables(scorer, test),
        "caption_top1": caption_ranking(scorer, test),
    }
    result["eval_seconds"] = round(time.time() - t0, 1)
    return result


def to_markdown(r: dict) -> str:
    lines = [f"Presence (prompt `{r['presence_prompt']}`), test seeds {r['test_seeds']}, "
             f"threshold fitted on calibration seeds {r['calib_seeds']}:", "",
             "| concept | positives | negatives | ROC-AUC | balanced acc. |",
             "|---|---:|---:|---:|---:|"]
    for row in r["presence"]:
        auc = "n/a" if row["auc"] is None else f"{row['auc']:.3f}"
        bacc = "n/a" if row["balanced_acc"] is None else f"{row['balanced_acc']:.3f}"
        lines.append(f"| {row['concept']} | {row['n_pos']} | {row['n_neg']} | {auc} | {bacc} |")
    lines += ["", "Multiple choice (frames with exactly one salient instance of the class):", "",
              "| task | class | n | accuracy | chance | majority answer |",
              "|---|---|---:|---:|---:|---:|"]
    rows = [(task, cls, v) for task in ("position", "colour")
            for cls, v in sorted(r.get(task, {}).items(), key=lambda kv: -kv[1]["n"])]
    rows.append(("weather/light", "all frames", r["condition"]))
    for task, cls, v in rows:
        lines.append(f"| {task} | {cls} | {v['n']} | {v['acc']:.3f} | {v['chance']:.3f} | "
                     f"{v['majority']:.3f} |")
    k = r["caption_top1"]
    lines.append(f"| caption retrieval top-1 | {k['k']} scenes | {k['k']} | {k['top1']:.3f} | "
                 f"{k['chance']:.3f} | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, default=None)
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--out", type=Path, default=None, help="write the JSON result here")
    args = ap.parse_args(argv)
    weights = args.weights or default_weights_path()
    r = evaluate(weights, args.n)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(r, indent=2))
    print(to_markdown(r))


if __name__ == "__main__":
    main()
