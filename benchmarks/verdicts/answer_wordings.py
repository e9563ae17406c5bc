"""How well the answer reader takes realistic wordings: pass rate per category of wording.

Run:  python benchmarks/verdicts/answer_wordings.py [--data tests/data/held_out_answers.jsonl]
          [--failures]

Each line of the data file is one (prompt, answer) with the vocabulary concepts a careful human
reader takes the answer to assert present and absent (see
tests/verdicts/test_held_out_answers.py, which checks every line). This prints the share read
exactly right, overall and per category, and with `--failures` what the reader got instead, so
that a change to `operators/verdicts/concepts.py` can be compared before and after on wordings
the coherence benchmark's templates never produce.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from drivexplain.operators.contrastive import load_vocabulary
from drivexplain.operators.verdicts.concepts import ConceptExtractor

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "tests/data/held_out_answers.jsonl")
    parser.add_argument("--vocabulary", type=Path, default=ROOT / "configs/vocabulary.yaml")
    parser.add_argument("--failures", action="store_true", help="print every misread answer")
    args = parser.parse_args(argv)
    for path in (args.data, args.vocabulary):
        if not path.is_file():
            print(f"{path}: no such file", file=sys.stderr)
            return 2
    extractor = ConceptExtractor(load_vocabulary(args.vocabulary))
    total: Counter[str] = Counter()
    right: Counter[str] = Counter()
    unsupported = 0
    for number, line in enumerate(args.data.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
            prompt, answer = case["prompt"], case["answer"]
            want = (set(case["present"]), set(case["denied"]))
        except (ValueError, KeyError, TypeError) as err:
            print(f"{args.data}:{number}: not a held-out answer line ({err})", file=sys.stderr)
            return 2
        found = extractor.answer(answer, extractor.prompt(prompt))
        got = (set(found.concepts), set(found.denied))
        total[case["category"]] += 1
        unsupported += bool(case.get("unsupported"))
        if got == want:
            right[case["category"]] += 1
        elif args.failures:
            mark = " (unsupported on purpose)" if case.get("unsupported") else ""
            print(f"[{case['category']}]{mark} {prompt!r} -> {answer!r}\n    want present "
                  f"{sorted(want[0])} denied {sorted(want[1])}\n    got  present "
                  f"{sorted(got[0])} denied {sorted(got[1])}")
    n, k = sum(total.values()), sum(right.values())
    print(f"read right: {k}/{n} ({k / n:.3f}); {unsupported} lines are marked unsupported "
          "on purpose")
    for category in sorted(total):
        print(f"  {category:<20} {right[category]:>3}/{total[category]:<3} "
              f"({right[category] / total[category]:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
