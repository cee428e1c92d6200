"""Diacritic folding for keyword search: "Đảm bảo" and "dam bao" must meet."""
from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[0-9a-z]+")


class _FoldTable(dict):
    """Each character's folded form, worked out the first time it is met: str.translate then
    folds a whole text in C, which word statistics over a large corpus need."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char in "đĐ":
            folded = "d" if char == "đ" else "D"
        else:
            folded = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    # FTS5's remove_diacritics leaves đ/Đ alone (NOTES.md), so we fold ourselves.
    return text.translate(_FOLD_TABLE).lower()


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


# Tone marks, as NFD combining characters; the other marks (â, ă, ê, ô, ơ, ư) make other letters.
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_VOWELS = "aăâeêioôơuưy"
# Syllables ending in these vowel pairs are written either way: "hòa"/"hoà", "khỏe"/"khoẻ", "thủy"/"thuỷ".
_MOVABLE = ("oa", "oe", "uy")


def without_tone(word: str) -> str:
    """The word with its tone mark taken off and its letters kept: "nhiệm" → "nhiêm"."""
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", word) if c not in _TONES))


def tone_normalized(word: str) -> str:
    """The word with its tone mark where the documents mostly put it: on the first vowel of a final
    "oa", "oe", "uy" ("hoà" → "hòa", "thuỷ" → "thủy"); other words are returned unchanged.
    "qu" is a consonant, so "quý" stays."""
    decomposed = unicodedata.normalize("NFD", word)
    tone = next((c for c in decomposed if c in _TONES), "")
    if not tone:
        return word
    bare = without_tone(word)
    lower = bare.lower()
    if (len(lower) < 2 or not lower.endswith(_MOVABLE) or lower[-3:-2] in ("q", *_VOWELS)
            or not unicodedata.normalize("NFD", word[-1]).endswith(tone)):
        return word
    return unicodedata.normalize("NFC", bare[:-2] + bare[-2] + tone + bare[-1])
