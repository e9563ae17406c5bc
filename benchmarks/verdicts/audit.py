"""The verdicts end to end, as an outside auditor measures them: clips in, `run --answers`, truth
from the clips' own sidecars.

Run:  python benchmarks/verdicts/audit.py [--clips 8] [--seconds 6] [--fps 3]
          [--json benchmarks/results/audit.json]

`benchmarks/verdicts/coherence.py` scores `check_frames` on rendered frames, in process, with one
set of answer templates; the calibration's thresholds are chosen there. This benchmark checks what
that leaves out, on seeds and wordings neither the calibration nor `coherence.py` uses:

- the product path: H.264 clips written by `synthworld.clips.write_clip` (compression included),
  decoded, transported and judged by the Ray pipeline through `drivexplain.audit` (the Python
  face of `drivexplain run --answers`), with the shipped default config;
- other wordings: realistic VLM phrasings of yes, no, counts and colours (`*_WORDINGS` below),
  none of them a `coherence.py` template;
- other seeds: `AUDIT_SEED` onwards, two clips per weather.

Every analysed frame gets one logged answer per prompt whose truth the sidecar settles: a class
prompt gets a right or a wrong answer with equal odds (yes for a salient class, no for a class
that is nowhere; classes seen only as tiny non-salient instances get no answer); a colour prompt
about a salient car, truck, bus or traffic light gets the right or a wrong colour, before or
after the noun; a prompt about the frame's condition ("Was this taken at night?", "Does the road
look wet?") gets a right or a wrong yes or no, its truth the clip's weather. The flag is the
verdict `ungrounded`. Figures are `coherence.py`'s `score` on the object answers: precision,
recall, F1, false flags on correct answers by class and size, wrong "No" caught, colours before
and after the noun, by weather; and its `condition_score` on the condition answers.

Nothing here is tuned: it only reports.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from coherence import (
    SIZE_BINS,
    Case,
    _a,
    condition_case,
    condition_score,
    is_condition,
    score,
    size_bin,
)

from drivexplain.operators.config import load_config
from drivexplain.operators.contrastive import load_vocabulary
from drivexplain.pipeline.audit import audit
from drivexplain.synthworld.clips import read_sidecar, sidecar_masks, write_clip
from drivexplain.synthworld.objects import CLASS_COLOURS, OBJECT_CLASSES
from drivexplain.synthworld.qa import PLURALS
from drivexplain.synthworld.scene import CONDITIONS
from drivexplain.synthworld.weather import CONDITION_CONCEPTS, condition_truth

AUDIT_SEED = 980_000  # disjoint from coherence.py's calibration (920 000) and evaluation (940 000)
CLASS_PROMPTS = ("Is there {a} in this image?", "Do you see any {p}?", "Are there {p} visible?")
COLOUR_PROMPTS = ("What colour is the {c}?", "Which colour is the {c}?")
YES_WORDINGS = ("Yes, there is {a} in the scene.", "Yes, I can see {a}.", "Yes.",
                "There is {a} visible in the image.", "Yes, {n} {np} can be seen.")
HALLUCINATED_WORDINGS = ("Yes, there is {a} in the scene.", "Yes, I can see {a}.", "Yes.",
                         "There is {a} near the road.", "Yes, two {p} can be seen.")
NO_WORDINGS = ("No, there is no {c} in the image.", "No.", "No, I cannot see any {p}.",
               "There are no {p} visible.", "No {p} can be seen.")
COLOUR_PRE_WORDINGS = ("It is {a_coloured}.", "I see {a_coloured}.", "There is {a_coloured}.")
COLOUR_POST_WORDINGS = ("The {c} is {colour}.", "It is {colour}.", "The {c} appears {colour}.",
                        "{Colour}.")
CONDITION_WORDINGS: dict[str, tuple[str, ...]] = {
    "night": ("Was this taken at night?", "Is it nighttime in this image?"),
    "rain": ("Is it raining in this scene?", "Is there any rain?"),
    "snow": ("Is it snowing in this image?", "Is there snow in the scene?"),
    "wet road": ("Does the road look wet?", "Is the road surface wet?"),
    "snowy road": ("Is the road covered with snow?", "Does the road look snowy?"),
}
CONDITION_YES_WORDINGS = ("Yes, it appears so.", "Yes, clearly.", "Yes.")
CONDITION_NO_WORDINGS = ("No, it doesn't look like it.", "No, not that I can see.", "No.")
NUMBER = ("no", "one", "two", "three", "four", "five", "six")


def clip_truth(sidecar: Path) -> list[dict]:
    """Per frame: its weather, the salient instances by class (largest area share) and every
    class anywhere, with the colours each class shows, from the sidecar's masks."""
    frames = []
    for row in read_sidecar(sidecar).to_pylist():
        total = row["width"] * row["height"]
        salient: dict[str, list[tuple[float, str | None]]] = {}
        anywhere: dict[str, set[str | None]] = {}
        for obj, mask in sidecar_masks(row):
            cls = obj["class_name"]
            anywhere.setdefault(cls, set()).add(obj["colour"])
            if obj["salient"]:
                salient.setdefault(cls, []).append((float(mask.sum()) / total, obj["colour"]))
        frames.append({"index": row["frame_index"], "condition": row["condition"],
                       "salient": salient, "anywhere": anywhere})
    return frames


def make_answers(clip: str, truth: list[dict], prompts: dict[str, str],
                 colour_prompts: dict[str, str], rng: np.random.Generator, vocabulary: set[str],
                 condition_prompts: dict[str, str], condition_rng: np.random.Generator
                 ) -> list[tuple[dict, Case]]:
    """(answers-file line, its Case) for every frame and prompt whose truth is settled. The
    condition answers draw from `condition_rng`, so that they leave the object answers as they
    were before conditions were asked."""
    out: list[tuple[dict, Case]] = []

    def line(frame: int, prompt: str, answer: str) -> dict:
        return {"video": clip, "frame": frame, "prompt": prompt, "answer": answer}

    for f in truth:
        n = f["index"]
        for cls, prompt in prompts.items():
            words = {"c": cls, "p": PLURALS[cls], "a": _a(cls)}
            right = rng.random() < 0.5
            if cls in f["salient"]:
                instances = f["salient"][cls]
                words["n"] = NUMBER[min(len(instances), 6)]
                words["np"] = cls if len(instances) == 1 else PLURALS[cls]
                area = size_bin(max(a for a, _ in instances))
                if right:
                    text, kind = str(rng.choice(YES_WORDINGS)).format(**words), "present"
                else:
                    text, kind = str(rng.choice(NO_WORDINGS)).format(**words), "wrong-no"
                out.append((line(n, prompt, text), Case(n, prompt, text, not right, kind, cls,
                                                        area)))
            elif cls not in f["anywhere"]:
                if right:
                    text, kind = str(rng.choice(NO_WORDINGS)).format(**words), "correct-no"
                else:
                    text = str(rng.choice(HALLUCINATED_WORDINGS)).format(**words)
                    kind = "hallucinated"
                out.append((line(n, prompt, text), Case(n, prompt, text, not right, kind, cls)))
        for cls, prompt in colour_prompts.items():
            coloured = [(a, c) for a, c in f["salient"].get(cls, []) if c]
            if not coloured:
                continue
            area, colour = max(coloured)
            if f"{colour} {cls}" not in vocabulary:
                continue
            seen = f["anywhere"][cls]
            wrong = [k for k in CLASS_COLOURS[cls] if k not in seen and f"{k} {cls}" in vocabulary]
            is_wrong = bool(wrong) and rng.random() < 0.5
            said = str(rng.choice(wrong)) if is_wrong else colour
            where = "pre" if rng.random() < 0.5 else "post"
            options = COLOUR_PRE_WORDINGS if where == "pre" else COLOUR_POST_WORDINGS
            text = str(rng.choice(options)).format(c=cls, colour=said, Colour=said.capitalize(),
                                                   a_coloured=_a(f"{said} {cls}"))
            kind = f"{'wrong' if is_wrong else 'right'}-colour-{where}"
            out.append((line(n, prompt, text), Case(n, prompt, text, is_wrong, kind, cls,
                                                    size_bin(area))))
        for concept, prompt in condition_prompts.items():
            truth_ = condition_truth(concept, f["condition"])
            if truth_ is None:
                continue
            say_yes = condition_rng.random() < 0.5
            text = str(condition_rng.choice(CONDITION_YES_WORDINGS if say_yes
                                            else CONDITION_NO_WORDINGS))
            out.append((line(n, prompt, text),
                        condition_case(n, prompt, text, say_yes, truth_, concept)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=8, help="two per weather by default")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--fps", type=float, default=3.0)
    parser.add_argument("--work", type=Path, default=None,
                        help="keep clips and run outputs here (default: a temporary folder)")
    parser.add_argument(
        "--json", type=Path, default=Path(__file__).resolve().parents[1] / "results" / "audit.json")
    args = parser.parse_args()
    started = time.perf_counter()
    config = load_config(None)
    vocabulary = {v.lower() for v in load_vocabulary(config.attribution.contrastive.vocabulary)}
    rng = np.random.default_rng(AUDIT_SEED)
    prompts = {cls: str(rng.choice(CLASS_PROMPTS)).format(c=cls, p=PLURALS[cls], a=_a(cls))
               for cls in OBJECT_CLASSES}
    colour_prompts = {cls: str(rng.choice(COLOUR_PROMPTS)).format(c=cls) for cls in CLASS_COLOURS}
    condition_rng = np.random.default_rng([AUDIT_SEED, 1])
    condition_prompts = {c: str(condition_rng.choice(CONDITION_WORDINGS[c]))
                         for c in CONDITION_CONCEPTS if c in vocabulary}
    with tempfile.TemporaryDirectory() as scratch:
        work = args.work or Path(scratch)
        clips, cases, lines, weather = [], [], [], []
        for k in range(args.clips):
            condition = CONDITIONS[(k // 2) % len(CONDITIONS)]
            path = work / "clips" / f"audit_{k:02d}.mp4"
            write_clip(path, args.seconds, args.fps, AUDIT_SEED + k, condition=condition)
            clips.append(path)
            for entry, case in make_answers(path.name, clip_truth(path.with_suffix(".parquet")),
                                            prompts, colour_prompts, rng, vocabulary,
                                            condition_prompts, condition_rng):
                # frame ids unique over clips, so score()'s frame bootstrap resamples frames
                cases.append(replace(case, frame=k * 100_000 + case.frame))
                lines.append(entry)
                weather.append(condition)
        answers = work / "answers.jsonl"
        answers.write_text("".join(json.dumps(e) + "\n" for e in lines))
        asked = [*prompts.values(), *colour_prompts.values(), *condition_prompts.values()]
        result = audit(clips, asked, out=work / "run", answers=answers, overlay="none")
        rows = result.frames.select(["video_id", "frame_index", "prompt", "answer", "verdict",
                                     "status"]).to_pylist()
    names = {v.video_id: v.name for v in result.videos}
    verdicts = {(names[r["video_id"]], r["frame_index"], r["prompt"]): r for r in rows}
    flags, missing = [], 0
    for entry in lines:
        row = verdicts.get((entry["video"], entry["frame"], entry["prompt"]))
        if row is None or row["answer"] != entry["answer"]:
            missing += 1
        flags.append(row is not None and row["verdict"] == "ungrounded")
    results = {
        "command": "python benchmarks/verdicts/audit.py " + " ".join(sys.argv[1:]),
        "seeds": f"{AUDIT_SEED}..{AUDIT_SEED + args.clips - 1}",
        "clips": args.clips, "seconds": args.seconds, "fps": args.fps,
        "prompts": asked,
        "answers": len(lines), "answers_not_in_the_log": missing,
        "exit_code": result.exit_code, "unplaced": len(result.unplaced_answers),
    }
    on_object = [not is_condition(c) for c in cases]
    objects = [(c, g, w) for c, g, w, keep in zip(cases, flags, weather, on_object, strict=True)
               if keep]
    results["evaluation"] = score([c for c, _, _ in objects], [g for _, g, _ in objects])
    results["evaluation"]["by_weather"] = {
        w: {k: v for k, v in score([c for c, _, x in objects if x == w],
                                   [g for _, g, x in objects if x == w],
                                   boot=200).items() if k in ("answers", "precision", "recall")}
        for w in CONDITIONS if w in weather}
    results["conditions"] = condition_score(
        [c for c, keep in zip(cases, on_object, strict=True) if not keep],
        [g for g, keep in zip(flags, on_object, strict=True) if not keep])
    verdict_counts: dict[str, dict[str, int]] = {}
    for case, entry in zip(cases, lines, strict=True):
        row = verdicts.get((entry["video"], entry["frame"], entry["prompt"]))
        verdict = row["verdict"] if row else "missing"
        verdict_counts.setdefault(case.kind, {}).setdefault(verdict, 0)
        verdict_counts[case.kind][verdict] += 1
    results["verdicts_by_kind"] = verdict_counts
    results["seconds_total"] = round(time.perf_counter() - started, 1)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1))
    ev = results["evaluation"]
    print(f"{len(lines)} answers on {args.clips} clips ({missing} not found in the log), "
          f"exit {result.exit_code}")
    for key in ("precision", "recall"):
        print(f"ungrounded {key}: {ev[key]['rate']} {ev[key]['ci95']} ({ev[key]['k']}/"
              f"{ev[key]['n']})")
    print(f"F1 {ev['f1']['value']} {ev['f1']['ci95']}")
    for _, _, name in SIZE_BINS:
        r = ev["false_flags_present_by_size"][name]
        print(f"false flags on correct answers, {name}: {r['rate']} ({r['k']}/{r['n']})")
    for cls, r in ev["false_flags_visible_1pct_and_over_by_class"].items():
        if r["n"]:
            print(f"false flags on correct answers with right colours, >=1%, {cls}: "
                  f"{r['rate']} ({r['k']}/{r['n']})")
    for kind, r in ev["by_kind"].items():
        print(f"flagged, {kind}: {r['rate']} ({r['k']}/{r['n']}); verdicts "
              f"{results['verdicts_by_kind'].get(kind)}")
    cond = results["conditions"]
    print(f"conditions ({cond['answers']} answers): precision {cond['precision']['rate']} "
          f"{cond['precision']['ci95']}, recall {cond['recall']['rate']} {cond['recall']['ci95']}")
    for kind, r in cond["by_kind"].items():
        print(f"flagged, {kind}: {r['rate']} ({r['k']}/{r['n']}); verdicts "
              f"{results['verdicts_by_kind'].get(kind)}")
    print(f"-> {args.json}")


if __name__ == "__main__":
    main()
