"""Hybrid retrieval: BM25 over diacritic-folded text and dense similarity, fused by weighted scores.

Weighted score fusion (not reciprocal-rank fusion) because on regulation-style Vietnamese text it
keeps the size of each signal's lead (NOTES.md, ViRE 2026); BM25 carries more weight because the
small multilingual model blurs between near-identical administrative sentences.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.restore import Restorer
from index.store import Store
from index.vocabulary import Vocabulary

from .lexicon import ABBREVIATIONS, GENERAL_WORDS
from .query import Query

KEYWORD_WEIGHT = 0.6
DENSE_WEIGHT = 0.4
CANDIDATES = 60
SAME_SECTION_PENALTY = 0.15  # so five pieces of one paragraph do not crowd out other sources
SAME_DOCUMENT_PENALTY = 0.03
SAVE_COUNTS_AFTER = 1.0  # seconds of counting worth keeping for the next process
# What the saved counts were made with: a changed lexicon must not be read from an old file
# (bump the leading number when Vocabulary or Restorer change how they count).
COUNTS_VERSION = hashlib.sha256(repr((2, GENERAL_WORDS, sorted(ABBREVIATIONS.items()))).encode()).hexdigest()


@dataclass
class Hit:
    chunk_id: int
    score: float  # fused, 0..1
    keyword: float  # normalised BM25, 0..1
    dense: float  # cosine similarity
    coverage: float  # share of the question's information (IDF-weighted terms) the chunk contains
    row: dict  # chunk and document columns


class Searcher:
    def __init__(self, store: Store, embedder):
        self.store = store
        self.embedder = embedder
        self._generation = -1
        self._vocabulary = Vocabulary([], ABBREVIATIONS)
        self._restorer = Restorer([], GENERAL_WORDS)
        self._counted: dict[int, tuple[str, str]] = {}  # chunk id → (content hash, text) counted
        self._lock = threading.Lock()

    def search(self, query: Query, k: int = 10, prefer: Callable[[dict], float] | None = None) -> list[Hit]:
        """The k best passages. `prefer(row)` is added to each passage's score (the asker's unit,
        the current school year: bot/scope.py)."""
        keyword = dict(self.store.keyword_search(_match_expression(query), CANDIDATES))
        dense = self._dense(query)
        candidates = set(keyword) | set(sorted(dense, key=dense.get, reverse=True)[:CANDIDATES])
        if not candidates:
            return []
        top_kw = max(keyword.values(), default=0.0) or 1.0
        dense_values = [dense.get(c, 0.0) for c in candidates]
        lo, hi = min(dense_values), max(dense_values)
        span = (hi - lo) or 1.0
        scored = {
            c: KEYWORD_WEIGHT * keyword.get(c, 0.0) / top_kw + DENSE_WEIGHT * (dense.get(c, lo) - lo) / span
            for c in candidates
        }
        rows = self.store.chunk_rows(sorted(candidates))
        vocabulary = self.vocabulary()
        hits = [Hit(c, s + (prefer(rows[c]) if prefer else 0.0), keyword.get(c, 0.0) / top_kw, dense.get(c, 0.0),
                    coverage(vocabulary, query, c), rows[c]) for c, s in scored.items() if c in rows]
        return _diversify(hits, k)

    def vocabulary(self) -> Vocabulary:
        self._catch_up()
        return self._vocabulary

    def restorer(self) -> Restorer:
        self._catch_up()
        return self._restorer

    def _catch_up(self) -> None:
        """Bring the word statistics of the indexed text up to date with the documents.

        Only the chunks added or removed since the last count are counted, so a bot answering
        over hundreds of directives does not recount them all after each upload. The counts are
        also kept in a file beside the index, so a new process (each `congvan ask`) starts from
        them instead of counting the whole corpus again."""
        generation = self.store.generation()
        if generation == self._generation:
            return
        with self._lock:
            started = time.perf_counter()
            if self._generation == -1:
                self._load_counts()
            current = self.store.chunk_hashes()
            gone = [c for c, (h, _) in self._counted.items() if current.get(c) != h]
            for chunk_id in gone:
                self._vocabulary.remove(chunk_id)
                self._restorer.remove(self._counted.pop(chunk_id)[1])
            for chunk_id, text in self.store.chunk_texts([c for c in current if c not in self._counted]):
                self._vocabulary.add(chunk_id, text)
                self._restorer.add(text)
                self._counted[chunk_id] = (current[chunk_id], text)
            self._generation = generation
            if time.perf_counter() - started > SAVE_COUNTS_AFTER:
                self._save_counts()

    def _counts_path(self) -> Path:
        return self.store.home / "word_counts.pickle"

    def _load_counts(self) -> None:
        # A derived cache in the index's own folder (as vectors.faiss is): trusted like the database.
        try:
            with open(self._counts_path(), "rb") as f:
                version, self._counted, self._vocabulary, self._restorer = pickle.load(f)
            if version != COUNTS_VERSION:
                raise ValueError(version)
        except (OSError, ValueError, EOFError, pickle.UnpicklingError, AttributeError, TypeError):
            self._counted = {}
            self._vocabulary = Vocabulary([], ABBREVIATIONS)
            self._restorer = Restorer([], GENERAL_WORDS)

    def _save_counts(self) -> None:
        path = self._counts_path()
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with open(tmp, "wb") as f:
            pickle.dump((COUNTS_VERSION, self._counted, self._vocabulary, self._restorer), f,
                        protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)

    def _dense(self, query: Query) -> dict[int, float]:
        vectors = self.store.vectors()
        readings = [r for r in query.readings or [query.text] if r.strip()]
        if not len(vectors) or not readings:
            return {}
        # Exact cosine for every chunk while the corpus is small enough to scan: the fusion needs
        # a dense score for each keyword candidate, not only for the dense top-k. An uncertain
        # restoration is searched in both readings; each chunk keeps its better similarity.
        scores: dict[int, float] = {}
        for reading in readings:
            qvec = np.asarray(self.embedder.query(reading), dtype=np.float32)
            for chunk_id, score in vectors.search(qvec, min(len(vectors), 2000)):
                scores[chunk_id] = max(score, scores.get(chunk_id, -1.0))
        return scores


def coverage(vocabulary: Vocabulary, query: Query, chunk_id: int) -> float:
    """How much of the question a chunk holds, read as typed or with staff-room words in directive terms."""
    readings = [words for words in (query.words, query.synonym_words) if words]
    return max((vocabulary.coverage(words, chunk_id) for words in readings), default=0.0)


def trace(query: Query, hits: list[Hit]) -> dict:
    """Each step from the typed question to the ranked passages, for `congvan ask --explain`."""
    restoration = query.restoration
    restored = []
    if restoration:
        alternatives = dict(restoration.alternatives)
        restored = [{"typed": t, "restored": w, "alternatives": alternatives.get(i, [])}
                    for i, (t, w, changed) in enumerate(zip(restoration.typed, restoration.words, restoration.restored))
                    if changed or i in alternatives]
    return {
        "question": query.original,
        "stripped": query.stripped,
        "form": query.form,
        "restored": restored,
        "expansions": query.expansions + query.synonyms,
        "intent": query.intent,
        "embedded": query.readings,
        "keyword_query": _match_expression(query),
        "coverage_words": [w for w in query.words if w],
        "hits": [{"chunk_id": h.chunk_id, "document": h.row["file_name"], "section": h.row["path"],
                  "score": round(h.score, 3), "bm25": round(h.keyword, 3), "cosine": round(h.dense, 3),
                  "coverage": round(h.coverage, 3)} for h in hits],
    }


def _match_expression(query: Query) -> str:
    """FTS5 OR-query of quoted words and word pairs; quoting makes "15/12" or a stray quote safe."""
    items = [t for t in query.terms if t] + query.phrases
    return " OR ".join('"' + item.replace('"', "") + '"' for item in items if item.replace('"', "").strip())


def _diversify(hits: list[Hit], k: int) -> list[Hit]:
    chosen: list[Hit] = []
    pool = sorted(hits, key=lambda h: h.score, reverse=True)[: k * 4]
    while pool and len(chosen) < k:
        def adjusted(h: Hit) -> float:
            same_section = sum(1 for c in chosen if c.row["document_id"] == h.row["document_id"]
                               and c.row["section_ordinal"] == h.row["section_ordinal"])
            same_doc = sum(1 for c in chosen if c.row["document_id"] == h.row["document_id"])
            return h.score - SAME_SECTION_PENALTY * same_section - SAME_DOCUMENT_PENALTY * same_doc
        best = max(pool, key=adjusted)
        pool.remove(best)
        chosen.append(best)
    return chosen
