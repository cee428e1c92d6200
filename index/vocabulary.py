"""The words and word pairs of every chunk, with and without diacritics, and how rare each is.

Keyword search runs on folded text, where "về", "vé" and "ve" are one word; deciding whether a
passage really answers needs the accents back when the question has them. Built from the store
once per index generation.
"""
from __future__ import annotations

import math
from collections import Counter

from .fold import fold, has_diacritics, word_tokens

# Spelled-out forms of the abbreviations a chunk uses count as its words too ("GDMN" answers
# "giáo dục mầm non"); the mapping is passed in so this module holds no lexicon of its own.


class Vocabulary:
    def __init__(self, chunks: list[tuple[int, str]], abbreviations: dict[str, str]):
        self._abbr = {k.lower(): word_tokens(v) for k, v in abbreviations.items()}
        self.keys: dict[int, set[str]] = {}
        self.df: Counter[str] = Counter()
        for chunk_id, text in chunks:
            self.add(chunk_id, text)

    @property
    def size(self) -> int:
        return max(len(self.keys), 1)

    def add(self, chunk_id: int, text: str) -> None:
        keys = self._keys_of(text)
        self.keys[chunk_id] = keys
        self.df.update(keys)

    def remove(self, chunk_id: int) -> None:
        self.df.subtract(self.keys.pop(chunk_id, set()))

    def _keys_of(self, text: str) -> set[str]:
        words = []
        for w in word_tokens(text):
            words.extend(self._abbr.get(w, [w]))
        keys = set(words) | {"~" + fold(w) for w in words}
        for a, b in zip(words, words[1:]):
            keys.add(f"{a} {b}")
            keys.add(f"~{fold(a)} {fold(b)}")
        return keys

    def idf(self, key: str) -> float:
        return math.log(1 + self.size / (1 + self.df.get(key, 0)))

    def coverage(self, words: list[str], chunk_id: int) -> float:
        """Share of the question's information (IDF-weighted words and adjacent pairs) in a chunk.

        `words` are the question's content words with "" at gaps; a word typed with diacritics
        must match with them, one typed without matches any accented form.
        """
        return self._coverage(words, self.keys.get(chunk_id, set()))

    def text_coverage(self, words: list[str], text: str) -> float:
        """The same measure for any piece of text, e.g. one sentence of a chunk."""
        return self._coverage(words, self._keys_of(text))

    def _coverage(self, words: list[str], keys: set[str]) -> float:
        singles = [_key(w) for w in words if w]
        pairs = [_pair_key(a, b) for a, b in zip(words, words[1:]) if a and b]
        return 0.5 * self._share(singles, keys) + 0.5 * self._share(pairs or singles, keys)

    def _share(self, items: list[str], keys: set[str]) -> float:
        total = sum(self.idf(i) for i in items)
        return sum(self.idf(i) for i in items if i in keys) / total if total else 0.0


def _key(word: str) -> str:
    return word if has_diacritics(word) else "~" + fold(word)


def _pair_key(a: str, b: str) -> str:
    if has_diacritics(a) and has_diacritics(b):
        return f"{a} {b}"
    return f"~{fold(a)} {fold(b)}"
