"""A burst of questions, as a bot gets them at 07:00 on the 1st: many chats asking at once.

    .venv/bin/python bench/burst.py [--home HOME] [--chats 20] [--asks 200] [--questions FILE]

`--chats` threads call `Congvan.ask` on one shared instance, as the Telegram bot's worker threads
do, until `--asks` questions (the question file's questions and variants, in turn) are answered.
Reported: the time from the first question to the last answer, each answer's latency (which
includes its wait behind the others), and answers per second. Without `--home` the samples are
ingested into a temporary home first (that ingest is not timed). The model is loaded and one
question asked before the burst: a running bot has done both.
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench.common` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import QUESTIONS, SAMPLES, command_line, current_rss_mb, environment, peak_rss_mb


def burst(home: str, questions: str, chats: int = 20, asks: int = 200) -> dict:
    from bot.core.api import Congvan
    from bot.core.evaluate import load_questions, percentile

    texts = [t for q in load_questions(questions) for t in (q["question"], *q["variants"])]
    queue = iter(list(itertools.islice(itertools.cycle(texts), asks)))
    take = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    cv = Congvan(home)
    cv.warm_up()
    cv.ask(texts[0])

    def chat() -> None:
        while True:
            with take:
                text = next(queue, None)
            if text is None:
                return
            started = time.perf_counter()
            try:
                cv.ask(text)
            except Exception as error:  # a failure under load is a finding, not a crash of the bench
                errors.append(f"{type(error).__name__}: {error}")
            latencies.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=chat) for _ in range(chats)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"chats": chats, "asks": len(latencies), "last_answer_s": round(wall, 2),
            "answers_per_s": round(len(latencies) / wall, 1),
            "latency_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
                           "max": max(latencies)},
            "errors": errors[:5], "error_count": len(errors),
            "peak_rss_mb": peak_rss_mb(), "current_rss_mb": current_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="an ingested congvan home (default: the samples, ingested first)")
    parser.add_argument("--chats", type=int, default=20)
    parser.add_argument("--asks", type=int, default=200)
    parser.add_argument("--questions", default=str(QUESTIONS), help="JSONL question file (shared/eval format)")
    args = parser.parse_args()
    env = environment()
    with tempfile.TemporaryDirectory(prefix="congvan-burst-") as temp:
        home = args.home
        if home is None:
            from bot.core.api import Congvan
            home = temp
            Congvan(home).ingest([SAMPLES])
        result = burst(home, str(Path(args.questions).resolve()), args.chats, args.asks)
    result.update(command=command_line("burst.py"), commit=env["commit"], loadavg_1m_before=env["loadavg_1m_before"])
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
