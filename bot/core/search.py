"""Hybrid retrieval: BM25 over diacritic-folded text and dense similarity, fused by weighted scores.

Weighted score fusion (not reciprocal-rank fusion) because on regulation-style Vietnamese text it
keeps the size of each signal's lead (NOTES.md, ViRE 2026); BM25 carries more weight because the
small multilingual model blurs between near-identical administrative sentences.
"""
from __future__ import annotations

import hashlib
import math
import os
import pickle
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.fold import fold
from index.restore import Restorer
from index.store import Store
from index.vocabulary import Vocabulary, Weights
from ingest.structure import is_framing

from .copies import signature, skeleton
from .facts import FACT_INTENTS, states_fact
from .lexicon import ABBREVIATIONS, GENERAL_WORDS
from .query import Query

KEYWORD_WEIGHT = 0.6
DENSE_WEIGHT = 0.4
CANDIDATES = 60
NEAREST = 2000  # chunks the dense stage scores by a FAISS search
# FTS5 reads the whole posting list of every searched word or pair (to rank, and again for
# bm25's document counts), so an OR over every word of a question costs time in proportion to
# the library. Past this many postings the search has two stages: FTS5 finds SHORTLIST passages
# by the rarest words and pairs (those that fit in the budget), and BM25 over every word of the
# question is then computed here for those passages only, with the word statistics' document
# counts. A small library is searched in one FTS5 query over every word, as before.
KEYWORD_POSTINGS = 6000
SHORTLIST = 200
# Sources (issuers) whose copies of one passage (the same words but for names and numbers:
# bot/core/copies.py) may be candidates: where two schools' plans disagree each is still shown,
# and a province's hundred district copies take three places instead of every one.
COPIES = 3
BM25_K1, BM25_B = 1.2, 0.75  # FTS5's own
CONTEXT_WEIGHT = 0.35  # of a heading path or title word against a word of the text, as in the FTS5 query
_WORD = re.compile(r"\w+")  # a token as FTS5's unicode61 tokenizer splits folded text
# Abbreviations as searched (folded, lower case) → their spelled-out words, folded.
_SPELLED_OUT = {" ".join(_WORD.findall(fold(a).lower())): fold(e).lower().split() for a, e in ABBREVIATIONS.items()}
ANSWER_TYPE_WEIGHT = 0.1  # on the fused 0..1 scale (README: the sweep 0, 0.05, 0.1 on both sets)
FRAMING_PENALTY = 0.2  # a closing, a "như sau:" or the recipients (ingest.structure.is_framing)
SAME_SECTION_PENALTY = 0.15  # so five pieces of one paragraph do not crowd out other sources
SAME_DOCUMENT_PENALTY = 0.03
SAVE_COUNTS_AFTER = 1.0  # seconds of counting worth keeping for the next process
# What the saved counts were made with: a changed lexicon must not be read from an old file
# (bump the leading number when Vocabulary or Restorer change how they count).
COUNTS_VERSION = hashlib.sha256(repr((5, GENERAL_WORDS, sorted(ABBREVIATIONS.items()))).encode()).hexdigest()


@dataclass
class Hit:
    chunk_id: int
    score: float  # fused, 0..1
    keyword: float  # normalised BM25, 0..1
    dense: float  # cosine similarity
    coverage: float  # share of the question's information (IDF-weighted terms) the chunk contains
    row: dict  # chunk and document columns
    # The passages ranked after the returned ones, shared by one search's hits: the confidence
    # signals read on into them when near-copies of the lead fill the returned list.
    after: Later | None = field(default=None, repr=False, compare=False)


class Later:
    """The passages ranked after a search's hits, best first: the other candidates by fused score,
    then the nearest passages by cosine alone (scored as the candidates were, with no keyword
    score), whose rows are read from the store as they are asked for, within the question's
    snapshot as its hits are."""

    BATCH = 100

    def __init__(self, store: Store, candidates: list[Hit], dense: dict[int, float], skip: set[int],
                 score: Callable[[float, dict], float], signatures: dict[int, int]) -> None:
        self._store = store
        self._score = score
        self.signatures = signatures
        self._read = sorted(candidates, key=lambda h: h.score, reverse=True)
        self._dense = dense
        # A passage with the same words as one met before, but for names and numbers, is that
        # passage again: at a province's scale most of the nearest are other districts' copies,
        # and their rows need not be read.
        met = {signatures.get(c) for c in skip}
        self._unread = []
        for c in sorted(dense, key=dense.get, reverse=True):
            mark = signatures.get(c, c)
            if c not in skip and mark not in met:
                met.add(mark)
                self._unread.append(c)

    def __iter__(self) -> Iterator[Hit]:
        position = 0
        while True:
            while position < len(self._read):
                yield self._read[position]
                position += 1
            if not self._unread:
                return
            batch, self._unread = self._unread[:self.BATCH], self._unread[self.BATCH:]
            rows = self._store.chunk_rows(batch)
            self._read += [Hit(c, self._score(self._dense[c], rows[c]), 0.0, self._dense[c], 0.0, rows[c])
                           for c in batch if c in rows]


class _Documents:
    """Which document each chunk is of, who sent it, and the documents' rows (without their
    text), as of one generation of the index: read once a generation (a few ms at 100x), then
    looked up in memory, where reading each passage's document per question would scale with
    its copies."""

    def __init__(self, store: Store, generation: int) -> None:
        self.generation = generation
        self.rows = {d["id"]: {**d, "document_id": d["id"]} for d in store.document_facts()}
        ranges = store.chunk_ranges()
        self._starts = np.array([r[0] for r in ranges] or [0], dtype=np.int64)
        self._lasts = np.array([r[1] for r in ranges] or [-1], dtype=np.int64)
        # A document's chunks are saved in one transaction, so their ids run in one range; a
        # range with gaps (a document restored into ids another one took) is not trusted.
        whole = [r[1] - r[0] + 1 == r[3] and r[2] in self.rows for r in ranges]
        self._documents = np.array([r[2] if ok else -1 for r, ok in zip(ranges, whole)] or [-1], dtype=np.int64)
        # Who sent it (its issuer, else the document itself): the same passage from another
        # source is a copy; one source's versions of a directive are not (a superseded or last
        # year's version is still shown, labelled: bot/core/scope.py).
        codes: dict[object, int] = {}
        self._sources = np.array([codes.setdefault(self.rows[r[2]].get("issuer") or r[2], len(codes)) if ok else -1
                                  for r, ok in zip(ranges, whole)] or [-1], dtype=np.int64)

    def label(self, chunk_ids: list[int]) -> tuple[list[int], list[int]]:
        """Each chunk's document and source (-1 where unknown)."""
        ids = np.asarray(chunk_ids, dtype=np.int64)
        at = np.clip(np.searchsorted(self._starts, ids, side="right") - 1, 0, None)
        known = (ids >= self._starts[at]) & (ids <= self._lasts[at])
        return (np.where(known, self._documents[at], -1).tolist(), np.where(known, self._sources[at], -1).tolist())


class Searcher:
    def __init__(self, store: Store, embedder):
        self.store = store
        self.embedder = embedder
        self._generation = -1
        self._documents_cache: _Documents | None = None
        self._reset_counts()
        # chunk id → content hash counted. Not the text: at a province's scale the texts would
        # double the memory, and a removed chunk's text is read back from its archived version.
        self._counted: dict[int, str]
        self._lock = threading.Lock()

    def search(self, query: Query, k: int = 10, prefer: Callable[[dict], float] | None = None,
               rank: Callable[[dict], tuple] | None = None) -> list[Hit]:
        """The k best passages. `prefer(row)` is added to each passage's score (the asker's unit,
        a superseded version: bot/core/scope.py).

        Near-copies (the same words but for names and numbers: bot/core/copies.py) take one
        place among the candidates: in a province's library each district's copy of a directive
        would otherwise fill the keyword and dense stages' places with one passage, and the
        passage that answers would never be scored. The copy that takes it is the best by
        `rank(document row)` (Scope.rank: the asker's unit's, the current school year's, not a
        superseded one), else the best ranked: a school's plan re-issued each year with new dates
        is such a copy of last year's."""
        keyword, matched = self._keyword(query)
        if rank:
            keyword = dict(zip(self._best_copies(list(keyword), matched, rank), keyword.values()))
        dense = self._dense(query, keyword)
        taken: dict[object, set] = {}
        for mark, (_, source) in zip(self._marks(list(keyword)), zip(*self._documents().label(list(keyword)))):
            taken.setdefault(mark, set()).add(source)
        nearest = sorted(dense, key=dense.get, reverse=True)
        by_cosine = self._distinct(nearest, CANDIDATES, taken)
        if rank:
            by_cosine = self._best_copies(by_cosine, nearest, rank)
        candidates = set(keyword) | set(by_cosine)
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
        hits = [Hit(c, s + (prefer(rows[c]) if prefer else 0.0) + _answer_type(query.intent, rows[c])
                    - FRAMING_PENALTY * is_framing(rows[c]["text"], rows[c].get("path") or ""),
                    keyword.get(c, 0.0) / top_kw, dense.get(c, 0.0), 0.0, rows[c])
                for c, s in scored.items() if c in rows]
        chosen = _diversify(hits, k)
        returned = {h.chunk_id for h in chosen}
        later = Later(self.store, [h for h in hits if h.chunk_id not in returned], dense, candidates,
                      lambda cosine, row: DENSE_WEIGHT * (cosine - lo) / span + (prefer(row) if prefer else 0.0),
                      self._signatures)
        for hit in chosen:
            hit.after = later
        # Judged only for the passages returned: judging every candidate cost more than the search.
        vocabulary = self.vocabulary()
        weights = [vocabulary.weigh(words) for words in (query.words, query.synonym_words) if words]
        for hit in chosen:
            hit.coverage = coverage(vocabulary, weights, hit.row)
        return chosen

    def _keyword(self, query: Query) -> tuple[dict[int, float], list[int]]:
        """The CANDIDATES best passages by BM25 over the question's words and pairs, one of each
        set of near-copies, and every passage FTS5 matched, best first (the copies passed over
        among them). FTS5 ranks all it matches either way (at most about KEYWORD_POSTINGS
        postings), so reading them all by id costs little."""
        items = _match_items(query)
        vocabulary = self.vocabulary()
        postings = {item: _chunks_with(vocabulary, item) for item in items}
        if sum(postings.values()) <= KEYWORD_POSTINGS:
            found = self.store.keyword_search(_or(items), KEYWORD_POSTINGS)
            kept = set(self._distinct([c for c, _ in found], CANDIDATES))
            return {c: score for c, score in found if c in kept}, [c for c, _ in found]
        matched = [c for c, _ in self.store.keyword_search(_or(_rarest(items, postings)), KEYWORD_POSTINGS)]
        shortlist = self._distinct(matched, SHORTLIST)
        scores = _bm25(items, postings, vocabulary.size, self.store.search_texts(shortlist))
        return dict(sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:CANDIDATES]), matched

    def _marks(self, chunk_ids: list[int]) -> list[int]:
        """What each passage's near-copies share: the signature of its words (a chunk counted
        after this question's snapshot has none yet, and stands for itself)."""
        signatures = self._signatures
        return [signatures.get(c, -c - 1) for c in chunk_ids]

    def _distinct(self, ranked: list[int], n: int, taken: dict | None = None) -> list[int]:
        """The first n passages of `ranked`, of each passage the copies of COPIES sources at
        most, counting those in `taken` (mark → sources). One source's passages with the same
        words but for numbers (a schedule's rows, two appendices' notes, a directive and its new
        version) count as one: a document does not copy itself."""
        _, sources_of = self._documents().label(ranked)
        sources = {mark: set(kept) for mark, kept in (taken or {}).items()}
        kept: list[int] = []
        for chunk_id, mark, source in zip(ranked, self._marks(ranked), sources_of):
            if len(kept) == n:
                break
            seen = sources.setdefault(mark, set())
            if source in seen or len(seen) < COPIES:
                seen.add(source)
                kept.append(chunk_id)
        return kept

    def _best_copies(self, chosen: list[int], ranked: list[int], rank: Callable[[dict], tuple]) -> list[int]:
        """The chosen passages, where another source's copy of one in `ranked` (best first)
        ranks better by `rank` (its document's row) than every chosen source's: the copies of
        the worst of those moved to that source's. Look-ups in memory per passage in `ranked`
        (the FTS5 matches or the nearest, not the library) and a `rank` per document met."""
        documents = self._documents()
        everything = list(chosen) + list(ranked)
        marks = self._marks(everything)
        wanted = set(marks[:len(chosen)])
        found: dict[int, dict[int, list[int]]] = {}  # mark → source → its copies, best first
        keys: dict[int, tuple] = {}  # source → the best rank of its documents met
        ranked_documents: set[int] = set()
        source_of: dict[int, int] = {}
        for c, mark, document, source in zip(everything, marks, *documents.label(everything)):
            if mark not in wanted:
                continue
            source_of[c] = source
            copies = found.setdefault(mark, {}).setdefault(source, [])
            if c not in copies:
                copies.append(c)
            if document >= 0 and document not in ranked_documents:
                ranked_documents.add(document)
                key = rank(documents.rows[document])
                if source not in keys or key > keys[source]:
                    keys[source] = key
        moved: dict[int, int] = {}
        for mark, by_source in found.items():
            own = [c for c, m in zip(chosen, marks) if m == mark]
            own_sources = list(dict.fromkeys(source_of[c] for c in own))
            best = max(by_source, key=lambda s: (s in keys, keys.get(s, ())))
            worst = min(reversed(own_sources), key=lambda s: (s in keys, keys.get(s, ())))
            if best not in own_sources and best in keys and (worst not in keys or keys[best] > keys[worst]):
                moved.update(zip([c for c in own if source_of[c] == worst], by_source[best]))
        return [moved.get(c, c) for c in chosen]

    def _documents(self) -> _Documents:
        generation = self.store.generation()
        cached = self._documents_cache  # once: another thread may replace it meanwhile
        if cached is None or cached.generation != generation:
            cached = _Documents(self.store, generation)
            if self._documents_cache is None or self._documents_cache.generation < generation:
                self._documents_cache = cached  # a question on an older snapshot keeps its own
        return cached

    def vocabulary(self) -> Vocabulary:
        self._catch_up()
        return self._vocabulary

    def restorer(self) -> Restorer:
        self._catch_up()
        return self._restorer

    def count_words(self) -> None:
        """Count what changed since the last count and save the counts for the next process,
        however little changed: called after an ingest, which must leave them current."""
        self._catch_up(save=True)

    def _catch_up(self, save: bool = False) -> None:
        """Bring the word statistics of the indexed text up to date with the documents.

        Only the chunks added or removed since the last count are counted, so a bot answering
        over hundreds of directives does not recount them all after each upload. The counts are
        also kept in a file beside the index, so a new process (each `congvan ask`) starts from
        them instead of counting the whole corpus again."""
        with self.store.reading() as generation:
            # Only forward: a question still reading an older snapshot uses the newer counts
            # (word statistics, not rows) rather than undoing them.
            if generation < self._generation or (generation == self._generation and not save):
                return
            with self._lock:
                if generation < self._generation:
                    return
                if self._generation == -1:
                    self._load_counts()
                started = time.perf_counter()  # counting, not loading: what saving spares the next process
                counted_before = len(self._counted)
                current = self.store.chunk_hashes()
                gone = {c: h for c, h in self._counted.items() if current.get(c) != h}
                texts = self.store.archived_chunk_texts(gone) if gone else {}
                if len(texts) < len(gone):  # a save a crash cut short was counted: count all again
                    self._reset_counts()
                else:
                    for chunk_id, text in texts.items():
                        self._vocabulary.remove(chunk_id, text)
                        self._restorer.remove(text)
                        del self._counted[chunk_id]
                        self._signatures.pop(chunk_id, None)
                for chunk_id, text in self.store.chunk_texts([c for c in current if c not in self._counted]):
                    self._vocabulary.add(chunk_id, text)
                    self._restorer.add(text)
                    self._counted[chunk_id] = current[chunk_id]
                    self._signatures[chunk_id] = signature(skeleton(text))
                changed = bool(gone) or len(self._counted) != counted_before
                self._generation = generation
                # Loaded counts that were current are not written again: at a province's scale
                # that doubled the first answer of every new process.
                if (save and (changed or not self._counts_path().exists())) or \
                        (changed and time.perf_counter() - started > SAVE_COUNTS_AFTER):
                    self._save_counts()

    def _counts_path(self) -> Path:
        return self.store.home / "word_counts.pickle"

    def _load_counts(self) -> None:
        # A derived cache in the index's own folder (as vectors.faiss is): trusted like the database.
        try:
            with open(self._counts_path(), "rb") as f:
                version, self._counted, self._signatures, self._vocabulary, self._restorer = pickle.load(f)
            if version != COUNTS_VERSION:
                raise ValueError(version)
            self._vocabulary.text_of = self._chunk_text
        except (OSError, ValueError, EOFError, pickle.UnpicklingError, AttributeError, TypeError):
            self._reset_counts()

    def _reset_counts(self) -> None:
        self._counted = {}
        self._signatures: dict[int, int] = {}  # chunk id → signature of its words (bot/core/copies.py)
        self._vocabulary = Vocabulary([], ABBREVIATIONS, self._chunk_text)
        self._restorer = Restorer([], GENERAL_WORDS)

    def _chunk_text(self, chunk_id: int) -> str | None:
        found = self.store.chunk_texts([chunk_id])
        return found[0][1] if found else None

    def _save_counts(self) -> None:
        path = self._counts_path()
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with open(tmp, "wb") as f:
            pickle.dump((COUNTS_VERSION, self._counted, self._signatures, self._vocabulary, self._restorer), f,
                        protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)

    def _dense(self, query: Query, keyword: dict[int, float]) -> dict[int, float]:
        vectors = self.store.vectors()
        readings = [r for r in query.readings or [query.text] if r.strip()]
        if not len(vectors) or not readings:
            return {}
        # Exact cosine for every chunk while the corpus is small enough to scan: the fusion needs
        # a dense score for each keyword candidate, not only for the dense top-k. An uncertain
        # restoration is searched in both readings; each chunk keeps its better similarity.
        # Past NEAREST chunks (a province's library) the keyword candidates the nearest do not
        # hold get their cosine from their own vectors: 0 would rank a passage that states the
        # answer in the very words asked below every neighbour.
        scores: dict[int, float] = {}
        for reading in readings:
            qvec = np.asarray(self.embedder.query(reading), dtype=np.float32)
            found = dict(vectors.search(qvec, min(len(vectors), NEAREST)))
            found.update(vectors.cosines(qvec, [c for c in keyword if c not in found]))
            for chunk_id, score in found.items():
                scores[chunk_id] = max(score, scores.get(chunk_id, -1.0))
        return scores


def coverage(vocabulary: Vocabulary, readings: list[Weights], row: dict) -> float:
    """How much of the question a chunk holds, read as typed or with staff-room words in directive
    terms (`readings`: each weighed by `Vocabulary.weigh`)."""
    text = " ".join((row["text"], row["path"], row["issuer"], row["title"]))  # the words counted for it
    return max((vocabulary.coverage(weights, row["id"], text) for weights in readings), default=0.0)


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


def _match_items(query: Query) -> list[str]:
    """The words and word pairs searched, each to be quoted: quoting makes "15/12" safe, and a
    stray quote is dropped."""
    items = (item.replace('"', "") for item in [t for t in query.terms if t] + query.phrases)
    return [item for item in items if item.strip()]


def _match_expression(query: Query) -> str:
    """FTS5 OR-query of every quoted word and word pair."""
    return _or(_match_items(query))


def _or(items: list[str]) -> str:
    return " OR ".join(f'"{item}"' for item in items)


def _chunks_with(vocabulary: Vocabulary, item: str) -> int:
    """How many passages hold a searched word or pair. The word statistics count an abbreviation
    a passage writes ("MN", "GV") as its spelled-out words, so an abbreviation the question's
    spelled-out words bring in is counted in none; the passages with its spelled-out words,
    rarest pair first, bound how many hold it. Read as 0, it would weigh as the rarest word of
    the library and every passage naming a "Trường MN" would outrank the answer."""
    found = vocabulary.chunks_with("~" + item)
    spelled = _SPELLED_OUT.get(" ".join(_WORD.findall(item)))
    if found or not spelled:
        return found
    keys = [f"~{a} {b}" for a, b in zip(spelled, spelled[1:])] or ["~" + spelled[0]]
    return min(vocabulary.chunks_with(key) for key in keys)


def _rarest(items: list[str], postings: dict[str, int]) -> list[str]:
    """The rarest words and pairs whose postings fit in KEYWORD_POSTINGS, and at least one that
    some passage holds: words and pairs no passage holds find nothing on their own."""
    kept, total = [], 0
    for item in sorted(items, key=postings.get):
        if total and total + postings[item] > KEYWORD_POSTINGS:
            break
        kept.append(item)
        total += postings[item]
    return kept


def _bm25(items: list[str], postings: dict[str, int], chunks: int,
          texts: dict[int, tuple[str, str]]) -> dict[int, float]:
    """FTS5's BM25 of each passage (folded text, folded context) for the words and pairs, with
    the library's document counts; the mean length is the passages' own (the library's is not
    at hand, and it only scales the length penalty)."""
    if not texts:
        return {}
    tokens = {c: (_WORD.findall(text), _WORD.findall(context)) for c, (text, context) in texts.items()}
    mean_length = sum(len(a) + len(b) for a, b in tokens.values()) / len(tokens)
    idf = {item: max(math.log((chunks - n + 0.5) / (n + 0.5)), 1e-6) for item, n in postings.items()}
    searched = {item: " " + " ".join(_WORD.findall(item)) + " " for item in items}
    scores = {}
    for chunk_id, (text, context) in tokens.items():
        spaced, spaced_context = " " + " ".join(text) + " ", " " + " ".join(context) + " "
        norm = BM25_K1 * (1 - BM25_B + BM25_B * (len(text) + len(context)) / (mean_length or 1))
        score = 0.0
        for item, pattern in searched.items():
            frequency = spaced.count(pattern) + CONTEXT_WEIGHT * spaced_context.count(pattern)
            if frequency:
                score += idf[item] * frequency * (BM25_K1 + 1) / (frequency + norm)
        if score:
            scores[chunk_id] = score
    return scores


def _answer_type(intent: str, row: dict) -> float:
    """ANSWER_TYPE_WEIGHT for a passage that states the kind of fact asked (a date for "khi nào",
    an amount for "bao nhiêu tiền", a place for "ở đâu"): of two passages on the subject, the one
    that holds an answer comes first, though the question shares more words with the other."""
    return ANSWER_TYPE_WEIGHT if intent in FACT_INTENTS and states_fact(intent, row["text"]) else 0.0


def _diversify(hits: list[Hit], k: int) -> list[Hit]:
    """The k best hits, each chosen by its score less a penalty for every hit chosen before it
    from its section and from its document (counted as they are chosen, not recounted for
    every hit of the pool at every step)."""
    chosen: list[Hit] = []
    pool = sorted(hits, key=lambda h: h.score, reverse=True)[: k * 4]
    in_section: Counter = Counter()
    in_document: Counter = Counter()

    def adjusted(h: Hit) -> float:
        document = h.row["document_id"]
        return (h.score - SAME_SECTION_PENALTY * in_section[document, h.row["section_ordinal"]]
                - SAME_DOCUMENT_PENALTY * in_document[document])
    while pool and len(chosen) < k:
        best = max(pool, key=adjusted)
        pool.remove(best)
        chosen.append(best)
        in_section[best.row["document_id"], best.row["section_ordinal"]] += 1
        in_document[best.row["document_id"]] += 1
    return chosen
