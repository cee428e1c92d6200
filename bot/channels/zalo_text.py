"""Plain text for Zalo: both products take at most 2,000 characters a message, counted after NFC.

Text is cut at the widest boundary that fits: between sources (a blank line), then between lines,
then between words, so a source is split only when it alone is longer than a message.
"""
from __future__ import annotations

import unicodedata

MESSAGE_LIMIT = 2000


def units(text: str) -> int:
    """Length as Zalo counts it, erring long: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """NFC text in messages of at most `limit` units, none empty."""
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        return []
    return _pack(text, limit, ("\n\n", "\n", " "))


def _pack(text: str, limit: int, separators: tuple[str, ...]) -> list[str]:
    if units(text) <= limit:
        return [text]
    if not separators:  # one word longer than a message: cut it
        cut = _fit(text, limit)
        return [text[:cut]] + _pack(text[cut:], limit, ())
    separator, rest = separators[0], separators[1:]
    messages: list[str] = []
    current = ""
    for piece in text.split(separator):
        if not piece.strip():
            continue
        candidate = f"{current}{separator}{piece}" if current else piece
        if units(candidate) <= limit:
            current = candidate
            continue
        if current:
            messages.append(current)
        if units(piece) <= limit:
            current = piece
        else:
            *whole, current = _pack(piece, limit, rest)
            messages.extend(whole)
    if current:
        messages.append(current)
    return [m.strip() for m in messages if m.strip()]


def _fit(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` units."""
    count = 0
    for i, char in enumerate(text):
        count += 2 if ord(char) > 0xFFFF else 1
        if count > limit:
            return max(i, 1)
    return len(text)
