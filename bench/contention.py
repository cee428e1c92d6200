"""Query embedding latency when the server is shared: quiet, beside a busy core, and beside another
process embedding (the model's OpenMP threads spinning or sleeping while they wait), for each
OpenMP policy. congvan ships threads that sleep after a short spin (OMP_WAIT_POLICY=PASSIVE,
GOMP_SPINCOUNT=1000: index/__init__.py) and embeds a question on the cores no other task wants
at that moment (index/embed.py).

    .venv/bin/python bench/contention.py [--queries 30]

Prints p50 / p95 / max in ms for each pair. Each measurement is its own process, since OpenMP
reads its settings once, when it loads.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MEASURE = """
import sys, time
sys.path.insert(0, {root!r})
from index.embed import load_embedder
e = load_embedder()
e.query("khởi động")
lat = []
for i in range({n}):
    s = time.perf_counter(); e.query(f"hạn nộp báo cáo học kỳ {{i}} là ngày nào"); lat.append((time.perf_counter() - s) * 1000)
lat.sort()
print(f"{{lat[len(lat) // 2]:.1f}} / {{lat[int(len(lat) * 0.95)]:.1f}} / {{lat[-1]:.1f}}")
"""
BUSY_LOOP = "while True: pass"
EMBEDDING = """
import sys
sys.path.insert(0, {root!r})
from index.embed import load_embedder
e = load_embedder()
while True:
    e.query("một câu hỏi bất kỳ về công văn")
"""
# OMP_NUM_THREADS keeps the embedder from choosing a question's threads itself (index/embed.py);
# an OMP_WAIT_POLICY given keeps congvan's short spin (GOMP_SPINCOUNT, index/__init__.py) unset.
POLICIES = {"2 threads, spin (ACTIVE)": {"OMP_WAIT_POLICY": "ACTIVE", "OMP_NUM_THREADS": "2"},
            "2 threads, sleep (PASSIVE)": {"OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "2"},
            "1 thread (shipped before)": {"OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1"},
            "2 threads, short spin": {"OMP_NUM_THREADS": "2"},
            "shipped: free cores, short spin": {}}
BESIDE = {"nothing": None, "a busy loop on one core": (BUSY_LOOP, {}),
          "another process embedding, spinning": (EMBEDDING, {"OMP_WAIT_POLICY": "ACTIVE", "OMP_NUM_THREADS": "2"}),
          "another process embedding, sleeping": (EMBEDDING, {"OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "2"})}


def run(code: str, env: dict[str, str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code], env={**os.environ, **env}, text=True, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=30)
    args = parser.parse_args()
    for beside, other in BESIDE.items():
        hog = run(other[0].format(root=str(ROOT)), other[1]) if other else None
        time.sleep(3 if hog else 0)  # let it load its model and start
        try:
            for policy, env in POLICIES.items():
                out = run(MEASURE.format(root=str(ROOT), n=args.queries), env, stdout=subprocess.PIPE).communicate()[0]
                print(f"{beside:38} {policy:32} p50 / p95 / max ms: {out.strip()}", flush=True)
        finally:
            if hog:
                hog.kill()
                hog.wait()


if __name__ == "__main__":
    main()
