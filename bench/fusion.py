"""Sweeps the keyword/dense fusion weight of bot/core/search.py over the eval questions.

    .venv/bin/python bench/fusion.py [--home CONGVAN_HOME] [--questions FILE]

KEYWORD_WEIGHT goes 0.0, 0.1, ... 1.0 with DENSE_WEIGHT = 1 - it, set on the module in-process
(the Searcher reads them on every search), against one index built once.
"""
from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
from pathlib import Path

import bot.core.search as search
from bot.core.api import Congvan
from bot.core.evaluate import evaluate_file

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = REPO.parent / "shared/eval/seed_questions.jsonl"
VARIANTS = ("accented", "unaccented", "chat")
METRICS = (("hit@1", "hit@1"), ("hit@5", "hit@5"), ("mrr@10", "MRR@10"), ("answered_correctly", "answered"))


def sweep(cv: Congvan, questions: str) -> list[tuple[float, float, dict]]:
    shipped = (search.KEYWORD_WEIGHT, search.DENSE_WEIGHT)
    pairs = [(k / 10, round(1 - k / 10, 10)) for k in range(11)]
    # A default off the grid (or not summing to 1) still gets its own row to compare against.
    if not any(_same(p, shipped) for p in pairs):
        pairs = sorted(pairs + [shipped])
    ask = lambda q: (lambda a: {**a.to_json(), "answer": a.text})(cv.ask(q))  # noqa: E731
    rows = []
    try:
        for keyword, dense in pairs:
            search.KEYWORD_WEIGHT, search.DENSE_WEIGHT = keyword, dense
            rows.append((keyword, dense, evaluate_file(ask, questions)))
            print(f"  keyword {keyword:.2f}: done", file=sys.stderr)
    finally:
        search.KEYWORD_WEIGHT, search.DENSE_WEIGHT = shipped
    return rows


def _same(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] - b[0]) < 1e-9 and abs(a[1] - b[1]) < 1e-9


def markdown(rows: list[tuple[float, float, dict]], shipped: tuple[float, float]) -> str:
    first = rows[0][2]["by_variant"]
    head = ["keyword / dense"] + [f"{v} {label}" for v in VARIANTS for _, label in METRICS]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    for keyword, dense, report in rows:
        weight = f"{keyword:.2f} / {dense:.2f}"
        if _same((keyword, dense), shipped):
            weight = f"**{weight}** (shipped)"
        cells = [_cell(report["by_variant"].get(v, {}).get(key)) for v in VARIANTS for key, _ in METRICS]
        lines.append("| " + " | ".join([weight, *cells]) + " |")
    counts = ", ".join(f"{v} {first[v]['n']} asks ({first[v]['answerable']} answerable)"
                       for v in VARIANTS if v in first)
    return "\n".join(lines + ["", f"{rows[0][2]['questions']} questions: {counts}. "
                              "hit@k and MRR@10 over answerable questions; answered over all."])


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="an existing CONGVAN_HOME (default: build one from samples/)")
    parser.add_argument("--questions", default=str(QUESTIONS), help="JSONL question file (shared/eval format)")
    args = parser.parse_args()
    questions = str(Path(args.questions).resolve())
    python = os.path.relpath(sys.executable, REPO) if sys.executable.startswith(str(REPO)) else sys.executable
    command = f"cd {REPO} && " + shlex.join([python, "bench/fusion.py", *sys.argv[1:]])
    shipped = (search.KEYWORD_WEIGHT, search.DENSE_WEIGHT)

    with tempfile.TemporaryDirectory(prefix="congvan-fusion-") as temp:
        cv = Congvan(args.home or temp)
        if not args.home:
            print("  building the index from samples/ ...", file=sys.stderr)
            failed = [r for r in cv.ingest([REPO / "samples"]) if r.action == "failed"]
            if failed:
                sys.exit(f"ingest failed: {failed}")
        if not cv.documents():
            sys.exit(f"no documents in {args.home}")
        rows = sweep(cv, questions)

    print(f"Command: `{command}`\n")
    print(f"Index: {'samples/ built in a temp dir' if not args.home else args.home}; questions `{questions}`; "
          f"shipped KEYWORD_WEIGHT {shipped[0]}, DENSE_WEIGHT {shipped[1]}\n")
    print(markdown(rows, shipped))


if __name__ == "__main__":
    main()
