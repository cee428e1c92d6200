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
