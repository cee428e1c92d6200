"""An answer as plain-text chat messages, for channels without markup (Zalo; any text-only chat).

`text_messages(answer, limit)` renders prompts/text/: the lead (lead.j2), then each source
(source.j2, "Nguồn:" heading the first) as a block of its own. Blocks are packed in order into
messages of at most `limit` characters, counted after NFC normalisation (how Zalo counts: a
decomposed "ệ" is one character, not three), separated within a message by a blank line. A message
is cut only between blocks, so the lead comes first and a source is never split across messages,
unless one block alone is longer than `limit`: that block is cut at line ends, then at spaces,
then anywhere. The lead's paragraphs (a month's tasks by issuer) are blocks of their own. The
messages are returned NFC-normalised.
"""
from __future__ import annotations

import re
import unicodedata

import prompts
from bot.core.answer import Answer

ZALO_LIMIT = 2000  # characters a Zalo message may hold, counted after NFC


def units(text: str) -> int:
    """A text's length as a message limit counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def text_messages(answer: Answer, limit: int = ZALO_LIMIT) -> list[str]:
    """The answer as messages of at most `limit` characters (NFC), cut at source boundaries."""
    lead = prompts.render("text", "lead", answer=answer)
    blocks = [p for p in re.split(r"\n\s*\n", lead) if p.strip()]
    if answer.leads:
        blocks += [prompts.render("text", "source", c=c, n=n, first=n == 1)
                   for n, c in enumerate(answer.citations, 1)]
    return split_blocks(blocks, limit)


def split_blocks(blocks: list[str], limit: int) -> list[str]:
    """`blocks` packed into messages of at most `limit` NFC characters, whole where they fit."""
    if limit < 1:
        raise ValueError("a message must hold at least one character")
    pieces = [piece for block in blocks for piece in _fit(unicodedata.normalize("NFC", block.strip("\n")), limit)]
    return _pack(pieces, limit, "\n\n")


def _fit(block: str, limit: int) -> list[str]:
    """A block as pieces of at most `limit` characters: itself, else whole lines, else words."""
    if units(block) <= limit:
        return [block]
    return _pack([part for line in block.split("\n") for part in _cut(line, limit)], limit, "\n")


def _pack(pieces: list[str], limit: int, separator: str) -> list[str]:
    """Consecutive pieces joined by `separator` while the join fits in `limit` units."""
    out: list[str] = []
    current = ""
    for piece in pieces:
        joined = f"{current}{separator}{piece}" if current else piece
        if units(joined) <= limit:
            current = joined
        else:
            out.append(current)
            current = piece
    return out + [current] if current else out


def _cut(line: str, limit: int) -> list[str]:
    """A line too long for a message, cut at the last space that fits, else where the limit falls."""
    out = []
    while units(line) > limit:
        fits = _fitting(line, limit)
        cut = line.rfind(" ", 0, fits + 1)
        if cut <= 0:
            cut = fits
            # Never inside an HTML entity ("&amp;"): a Telegram message must stay well-formed.
            entity = line.rfind("&", 0, cut)
            if entity > 0 and ";" not in line[entity:cut] and ";" in line[cut:cut + 8]:
                cut = entity
        out.append(line[:cut].rstrip())
        line = line[cut:].lstrip()
    out.append(line)
    return out


def _fitting(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` units (at least one)."""
    count = 0
    for i, char in enumerate(text):
        count += 2 if ord(char) > 0xFFFF else 1
        if count > limit:
            return max(i, 1)
    return len(text)
