"""Diacritic folding for keyword search: "Đảm bảo" and "dam bao" must meet."""
from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[0-9a-z]+")


def fold(text: str) -> str:
    # FTS5's remove_diacritics leaves đ/Đ alone (NOTES.md), so we fold ourselves.
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def folded_words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def word_tokens(text: str) -> list[str]:
    """Lower-case words with their diacritics, aligned one to one with folded_words(text)."""
    lowered = unicodedata.normalize("NFC", text).lower()
    folded = fold(lowered)
    # fold() keeps string length for NFC Vietnamese letters, so spans found in the folded text
    # cut the same words out of the accented text.
    if len(folded) != len(lowered):
        return _WORD.findall(folded)
    return [lowered[m.start():m.end()] for m in _WORD.finditer(folded)]


def has_diacritics(word: str) -> bool:
    return fold(word) != word.lower()
