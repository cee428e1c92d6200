"""Ask latency over every question and variant of a question set, the model loaded, in one home
that holds the set's directives (e.g. the folder `congvan eval --corpus` fills for it).

    .venv/bin/python bench/asks.py HOME QUESTIONS.jsonl [--passes 2]

Prints the machine's load, then p50 / p95 in ms for each pass after a warm-up: what the README's
"Latency" paragraph quotes. Start it on a quiet machine; the load is printed to show whether it was.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import open_set  # noqa: E402
from bot.core.evaluate import percentile  # noqa: E402


def main() -> None:
    cv, questions, args = open_set(__doc__, lambda parser: parser.add_argument("--passes", type=int, default=2))
    texts = [t for q in questions for t in [q["question"], *q["variants"]]]
    cv.ask("khởi động")  # the model, the word statistics and the vectors loaded, as in a running bot
    print(f"load {os.getloadavg()[0]:.2f} · {len(texts)} asks a pass")
    for n in range(args.passes):
        times = []
        for text in texts:
            started = time.perf_counter()
            cv.ask(text)
            times.append((time.perf_counter() - started) * 1000)
        print(f"pass {n + 1}: p50 {percentile(times, 50):.1f} ms, p95 {percentile(times, 95):.1f} ms")


if __name__ == "__main__":
    main()
