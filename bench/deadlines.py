"""Precision and recall of the deadlines extracted at ingest against a list written by hand.

    .venv/bin/python bench/deadlines.py [--gold bench/deadlines_gold.json] [--verbose]

Each sample document named in the gold file is parsed (no embedding: this measures extraction
only). An extracted deadline is a task with a deadline; it is right when a gold deadline of the
same document has the same normalised start, end and recurrence and its snippet lies in the
task's text (one gold entry matches at most one extraction). The year-conflict flag is scored
apart, over the matched pairs.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.fold import fold  # noqa: E402
from ingest.parse import parse_file  # noqa: E402


def _squash(text: str) -> str:
    return " ".join(fold(text).split())


def score_document(path: Path, gold: list[dict]) -> dict:
    extracted = [t for t in parse_file(path).tasks if t.deadline_text]
    unmatched_gold = list(range(len(gold)))
    matched, false_positives, conflict_right = [], [], 0
    for task in extracted:
        hit = next((i for i in unmatched_gold
                    if (gold[i].get("start") or "") == task.deadline_start
                    and (gold[i].get("end") or "") == task.deadline_end
                    and gold[i].get("recurring", "") == task.recurring
                    and _squash(gold[i]["snippet"]) in _squash(task.text)), None)
        if hit is None:
            false_positives.append(task)
            continue
        unmatched_gold.remove(hit)
        matched.append((gold[hit], task))
        conflict_right += gold[hit].get("year_conflict", False) == task.year_conflict
    return {"gold": len(gold), "extracted": len(extracted), "matched": len(matched),
            "conflict_right": conflict_right, "false_positives": false_positives,
            "missed": [gold[i] for i in unmatched_gold]}


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "–"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gold", type=Path, default=ROOT / "bench" / "deadlines_gold.json")
    parser.add_argument("--samples", type=Path, default=ROOT / "samples")
    parser.add_argument("--verbose", action="store_true", help="list every miss and false positive")
    args = parser.parse_args()
    gold = json.loads(args.gold.read_text(encoding="utf-8"))["documents"]

    header = f"{'document':28} {'gold':>5} {'found':>6} {'right':>6} {'precision':>10} {'recall':>7} {'year flag':>10}"
    print(header)
    print("-" * len(header))
    totals = {"gold": 0, "extracted": 0, "matched": 0, "conflict_right": 0}
    for name, entries in gold.items():
        result = score_document(args.samples / name, entries)
        for key in totals:
            totals[key] += result[key]
        print(f"{name:28} {result['gold']:>5} {result['extracted']:>6} {result['matched']:>6} "
              f"{_ratio(result['matched'], result['extracted']):>10} {_ratio(result['matched'], result['gold']):>7} "
              f"{result['conflict_right']:>4}/{result['matched']:<5}")
        if args.verbose:
            for g in result["missed"]:
                print(f"    missed: {g['phrase']!r} {g.get('start')}..{g.get('end')} «{g['snippet']}»")
            for t in result["false_positives"]:
                print(f"    wrong:  {t.deadline_text!r} {t.deadline_start}..{t.deadline_end} «{t.text[:80]}»")
    print("-" * len(header))
    print(f"{'all':28} {totals['gold']:>5} {totals['extracted']:>6} {totals['matched']:>6} "
          f"{_ratio(totals['matched'], totals['extracted']):>10} {_ratio(totals['matched'], totals['gold']):>7} "
          f"{totals['conflict_right']:>4}/{totals['matched']:<5}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
