"""Near-copies: the same passage as another district, school or school year sends it.

A district's directive is often its province's, or a neighbouring district's or last year's, with
the names, numbers and dates changed. Around a question such passages are one passage repeated,
not other passages: what stands out from the rest must be read against passages that say
something else. Two passages are near-copies when their words, leaving out every number and
every word with a capital letter (names, codes, and sentence starts, which copies share), form
nearly the same set. On a library of renamed and re-dated copies (bench/corpus.py, 10x, real
embeddings) the nearest passages of other documents overlapped so by 0.95 or more when they were
copies and by 0.85 at most when not; SAME sits in that gap. Their vectors do not tell them
apart: copies' cosines ran from 0.93, other passages' up to 1.0.
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from index.fold import fold

SAME = 0.9
_WORD = re.compile(r"[^\W\d_]+")


def skeleton(text: str) -> frozenset[str]:
    """The passage's folded words without numbers and capitalised words."""
    return frozenset(fold(" ".join(w for w in _WORD.findall(text) if w == w.lower())).split())


def passage_skeleton(row: dict) -> frozenset[str]:
    """The skeleton of the words a reader meets in a passage: its text, heading path and document."""
    return _met_skeleton(" ".join((row["text"], row["path"], row["issuer"], row["title"])))


@lru_cache(maxsize=1024)
def _met_skeleton(text: str) -> frozenset[str]:
    # Kept for the passages met lately: the confidence signals read twenty or so a question, and
    # the same passages come back question after question.
    return skeleton(text)


def signature(words: frozenset[str]) -> int:
    """A skeleton's fingerprint, the same in every process: passages with the same one are copies."""
    return int.from_bytes(hashlib.blake2b(" ".join(sorted(words)).encode(), digest_size=8).digest(), "big")


def near_copy(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two skeletons are of near-copies (two passages of only names and numbers are)."""
    shared = len(a & b)
    union = len(a) + len(b) - shared
    return not union or shared / union >= SAME


class Distinct:
    """Passages met in ranked order, each kept unless it is a near-copy of one kept before.

    `signatures` (chunk id → signature of its words, as bot/core/search.py counts them) settle
    the exact copies, most of them, without reading their words again."""

    def __init__(self, signatures: dict[int, int] | None = None) -> None:
        self._signatures = signatures or {}
        self._met: set[int] = set()
        self._kept: list[frozenset[str]] = []

    def new(self, hit) -> bool:
        """Whether the hit (a search Hit) is a passage not met before; it is kept if so."""
        mark = self._signatures.get(hit.chunk_id)
        if mark is not None:
            if mark in self._met:  # the same words as a passage met before: its copy, or a copy's
                return False
            self._met.add(mark)
        own = passage_skeleton(hit.row)
        if any(near_copy(own, kept) for kept in self._kept):
            return False
        self._kept.append(own)
        return True
