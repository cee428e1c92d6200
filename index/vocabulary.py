"""The words and word pairs of every chunk, with and without diacritics, and how rare each is.

Keyword search runs on folded text, where "về", "vé" and "ve" are one word; deciding whether a
passage really answers needs the accents back when the question has them. Kept up to date by
the searcher as chunks come and go.

Each distinct word or pair is stored once and numbered, with the number of chunks holding it. A
chunk's own words (a sorted array of those numbers) are made from its text when a question is
judged against it, and kept for the chunks judged most recently only: kept for every chunk they
were 90% of the statistics' memory and of the time a new process took to load them.
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .fold import fold, has_diacritics, word_tokens

# Spelled-out forms of the abbreviations a chunk uses count as its words too ("GDMN" answers
# "giáo dục mầm non"); the mapping is passed in so this module holds no lexicon of its own.


# Chunks whose own words are kept: a few questions' worth of passages.
RECENT_CHUNKS = 2048


@dataclass(frozen=True)
class Weights:
    """A question's words and adjacent pairs as the statistics key them, each with its IDF:
    weighed once a question, then measured against each passage and sentence (`Vocabulary.weigh`)."""
    singles: tuple[tuple[str, float], ...]
    pairs: tuple[tuple[str, float], ...]


class Vocabulary:
    def __init__(self, chunks: list[tuple[int, str]], abbreviations: dict[str, str],
                 text_of: Callable[[int], str | None] | None = None):
        """`text_of(chunk_id)`: a counted chunk's text (None if it is gone), to make its words from."""
        self._abbr = {k.lower(): word_tokens(v) for k, v in abbreviations.items()}
        self._ids: dict[str, int] = {}
        self._df: list[int] = []  # chunks holding each key, by key number
        self._chunks = 0
        self.text_of = text_of or (lambda chunk_id: None)
        self.keys = _RecentKeys(self)  # chunk id → sorted key numbers, on demand
        for chunk_id, text in chunks:
            self.add(chunk_id, text)

    def __getstate__(self) -> dict:
        # Saved for the next process without the texts' source or the recent chunks' words.
        return {k: v for k, v in self.__dict__.items() if k not in ("text_of", "keys")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.text_of = lambda chunk_id: None
        self.keys = _RecentKeys(self)

    @property
    def size(self) -> int:
        return max(self._chunks, 1)

    def chunks_with(self, key: str) -> int:
        """How many chunks hold a word or pair ("~" + folded for any accents)."""
        number = self._ids.get(key)
        return self._df[number] if number is not None else 0

    def add(self, chunk_id: int, text: str) -> None:
        for key in self._keys_of(text):
            number = self._ids.setdefault(key, len(self._ids))
            if number == len(self._df):
                self._df.append(0)
            self._df[number] += 1
        self._chunks += 1
        self.keys.forget(chunk_id)

    def remove(self, chunk_id: int, text: str) -> None:
        """Uncount a chunk added with this text."""
        for number in self.numbers(text):
            self._df[number] -= 1
        self._chunks -= 1
        self.keys.forget(chunk_id)

    def numbers(self, text: str) -> np.ndarray:
        """The sorted numbers of a text's known words and pairs."""
        found = (self._ids.get(key) for key in self._keys_of(text))
        return np.array(sorted(n for n in found if n is not None), dtype=np.int32)

    def _keys_of(self, text: str) -> set[str]:
        words = []
        for w in word_tokens(text):
            words.extend(self._abbr.get(w, [w]))
        folded = fold(" ".join(words)).split(" ") if words else []
        keys = set(words) | {"~" + w for w in folded}
        keys.update(f"{a} {b}" for a, b in zip(words, words[1:]))
        keys.update(f"~{a} {b}" for a, b in zip(folded, folded[1:]))
        return keys

    def idf(self, key: str) -> float:
        number = self._ids.get(key)
        return math.log(1 + self.size / (1 + (self._df[number] if number is not None else 0)))

    def weigh(self, words: list[str]) -> Weights:
        """The weights `coverage` measures a passage by. `words` are the question's content words
        with "" at gaps; a word typed with diacritics must match with them, one typed without
        matches any accented form."""
        singles = [_key(w) for w in words if w]
        pairs = [_pair_key(a, b) for a, b in zip(words, words[1:]) if a and b]
        return Weights(self._weighed(singles), self._weighed(pairs))

    def _weighed(self, keys: list[str]) -> tuple[tuple[str, float], ...]:
        return tuple((key, self.idf(key)) for key in keys)

    def coverage(self, weights: Weights, chunk_id: int, text: str | None = None) -> float:
        """Share of the question's information (IDF-weighted words and adjacent pairs, `weigh`)
        in a chunk. `text`: the chunk's counted words, when the caller holds them (else they are
        read through `text_of`). The same as `text_coverage` of that text, whose every word and
        pair was counted, from the chunk's key numbers, made once while the chunk is among the
        recent ones: the same passages come back question after question."""
        held = self.keys.get(chunk_id, text=text)
        if held is None:
            return 0.0

        def holds(key: str) -> bool:
            number = self._ids.get(key)
            if number is None:
                return False
            i = int(np.searchsorted(held, number))
            return i < len(held) and held[i] == number
        return self._coverage(weights, holds)

    def text_coverage(self, weights: Weights, text: str) -> float:
        """The same measure for any piece of text, e.g. one sentence of a chunk."""
        return self._coverage(weights, self._keys_of(text).__contains__)

    def unknown_share(self, words: list[str]) -> float:
        """Share of the question's weight in words that no chunk contains at all: a question
        about a subject, place or age the documents never mention."""
        return self._share(self._weighed([_key(w) for w in words if w]), lambda key: self._df_of(key) == 0)

    def rarest_missing(self, words: list[str], chunk_id: int) -> float:
        """The rarest word of the question that the corpus knows but this chunk lacks, as its IDF
        over the largest IDF possible (0 when the chunk holds every known word): a passage about
        "Lịch sử" answering a question about "Địa lí", or about Hà Nội when Vĩnh Long is asked."""
        held = set(self.keys.get(chunk_id, np.empty(0, dtype=np.int32)).tolist())
        missing = [self.idf(key) for key in map(_key, filter(None, words))
                   if self._df_of(key) and self._ids[key] not in held]
        return max(missing, default=0.0) / math.log(1 + self.size)

    def _df_of(self, key: str) -> int:
        number = self._ids.get(key)
        return self._df[number] if number is not None else 0

    def _coverage(self, weights: Weights, holds: Callable[[str], bool]) -> float:
        return 0.5 * self._share(weights.singles, holds) + 0.5 * self._share(weights.pairs or weights.singles, holds)

    @staticmethod
    def _share(items: tuple[tuple[str, float], ...], holds: Callable[[str], bool]) -> float:
        total = sum(weight for _, weight in items)
        return sum(weight for key, weight in items if holds(key)) / total if total else 0.0


def _key(word: str) -> str:
    return word if has_diacritics(word) else "~" + fold(word)


def _pair_key(a: str, b: str) -> str:
    if has_diacritics(a) and has_diacritics(b):
        return f"{a} {b}"
    return f"~{fold(a)} {fold(b)}"


class _RecentKeys:
    """Chunk id → the chunk's sorted key numbers, made from its text on first use and kept for
    the RECENT_CHUNKS used last. Shared by the bot's worker threads."""

    def __init__(self, vocabulary: Vocabulary):
        self._vocabulary = vocabulary
        self._held: OrderedDict[int, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, chunk_id: int, default: np.ndarray | None = None, text: str | None = None) -> np.ndarray | None:
        with self._lock:
            if chunk_id in self._held:
                self._held.move_to_end(chunk_id)
                return self._held[chunk_id]
        if text is None:
            text = self._vocabulary.text_of(chunk_id)
        if text is None:
            return default
        numbers = self._vocabulary.numbers(text)
        with self._lock:
            self._held[chunk_id] = numbers
            while len(self._held) > RECENT_CHUNKS:
                self._held.popitem(last=False)
        return numbers

    def forget(self, chunk_id: int) -> None:
        with self._lock:
            self._held.pop(chunk_id, None)
