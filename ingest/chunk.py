"""Cut a document into retrievable chunks that follow its structure.

The section tree decides the cuts. A section whose whole text (heading, body and subsections)
fits in MAX_CHARS is one chunk, so a short "1. Thời gian" travels with its heading and its
siblings instead of being a 50-character fragment. A longer section is cut below: its own lines
first, then its subsections, where consecutive short subsections share a chunk (owned by the
parent, whose path then names them all) and a long one is cut the same way in turn; a single
paragraph longer than MAX_CHARS is cut at sentence ends. At the top, short numbered sections
share chunks the same way ("III. ĐỐI TƯỢNG", "IV. NỘI DUNG", "V. THỜI GIAN"), but the header, a
part, a chapter, an appendix and the recipients stay apart. A chunk never spans two months of a
schedule: a subsection that is, or holds, a month is never packed with its siblings.

A chunk inside a table that does not show the table's header row carries it as the last step
of its path, so a row such as "2 Nước uống Đồng/trẻ năm 40,000" still says what its cells are.
Each row of a schedule (tasks with their own dates) or of a list of amounts (items with their own
value; ingest/tables.py) is a chunk of its own, so the passage that answers "khi nào" or "bao
nhiêu" holds that row's date or amount and no other; its path also names the rows it goes on from
or is numbered under.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache

from .model import Chunk, Section
from .structure import Line, heading_path, inherited_month, split_lines
from .tables import find_tables, table_at

# 700 characters of Vietnamese are 150-290 tokens of multilingual-e5-small (3.4 characters a
# token on average on the dev corpus, 2.3 in number-heavy tables), well inside its 512-token
# window with the heading path prepended.
MAX_CHARS = 700
_BOUNDARIES = [re.compile(p) for p in (
    r"(?<=[\.;:!?…])\s+(?=\S)", r"\s(?=[-+•]\s)", r"(?<=,)\s", r"\s")]


@dataclass
class _Unit:
    """A span to pack: part of a section's own text, or a whole short subsection."""

    start: int
    end: int
    section: int | None = None  # the subsection this unit is whole, if it is one
    row: int | None = None  # the table row of its own this unit is (part of), by where it starts


def make_chunks(text: str, sections: list[Section]) -> list[Chunk]:
    lines = [line for line in split_lines(text) if line.text.strip()]
    children: dict[int | None, list[Section]] = {}
    for s in sections:
        children.setdefault(s.parent, []).append(s)
    tables = find_tables(lines)
    own_rows = sorted(start for table in tables for start in table.own_rows)
    rows = set(own_rows)
    chunks: list[Chunk] = []

    def emit(owner: int | None, start: int, end: int, path: str | None = None) -> None:
        path = heading_path(sections, owner) if path is None else path
        month = inherited_month(sections, owner)
        table = None if month else table_at(tables, start)  # a month's rows are named by their month
        if table:
            steps = [path, table.header, table.own_rows.get(start, "")]
            path = " > ".join(step for step in steps if step)
        chunks.append(Chunk(ordinal=len(chunks), section=owner, path=path, text=text[start:end],
                            start=start, end=end, month=month))

    # Both are asked for every section: remembered and bisected, so a document of 10,000 short
    # sections is not 10,000 walks over every line and every subtree.
    @cache
    def holds_month(ordinal: int) -> bool:
        return any(bool(c.month) or holds_month(c.ordinal) for c in children.get(ordinal, []))

    line_starts = [line.start for line in lines]

    def lines_in(start: int, end: int) -> list[Line]:
        return lines[bisect_left(line_starts, start):bisect_left(line_starts, end)]

    def holds_rows(start: int, end: int) -> bool:
        return bisect_left(own_rows, start) < bisect_left(own_rows, end)

    def flush(owner: int | None, units: list[_Unit]) -> None:
        for group in _pack(units, owner is not None, sections):
            sole = group[0].section if len(group) == 1 else None
            packed = [unit.section for unit in group if unit.section is not None]
            if owner is None and sole is None and packed:
                # Short top-level sections sharing a passage have no common heading: the
                # passage is named by each of theirs ("III. ĐỐI TƯỢNG; IV. NỘI DUNG; V. THỜI GIAN")
                # and belongs to the first, not with the header and preamble to no section.
                emit(packed[0], group[0].start, group[-1].end, "; ".join(heading_path(sections, k) for k in packed))
            else:
                emit(owner if sole is None else sole, group[0].start, group[-1].end)
        units.clear()

    def cut(owner: int | None, start: int, end: int) -> None:
        kids = children.get(owner, [])
        own = lines_in(start, kids[0].start if kids else end)
        if owner is not None and kids and len(own) == 1 and own[0].start == start:
            own = []  # a bare heading: its words live on in the paths of its subsections' chunks
        units = [_Unit(a, b, row=line.start if line.start in rows else None)
                 for line in own for a, b in _line_spans(text, line)]
        for kid in kids:
            kid_lines = lines_in(kid.start, kid.end)
            if not kid_lines:
                continue
            span = (kid_lines[0].start, kid_lines[-1].end)
            # A section holding rows of their own is cut, however short, so each row stands alone.
            fits = span[1] - span[0] <= MAX_CHARS and not holds_rows(*span)
            if fits and not kid.month and not holds_month(kid.ordinal):
                units.append(_Unit(*span, section=kid.ordinal))
                continue
            flush(owner, units)
            if fits and not holds_month(kid.ordinal):
                emit(kid.ordinal, *span)  # a month with its items: one chunk of its own
            else:
                cut(kid.ordinal, kid.start, kid.end)
        flush(owner, units)

    cut(None, 0, len(text))
    return chunks


def _pack(units: list[_Unit], share: bool, sections: list[Section]):
    """Consecutive units grouped up to MAX_CHARS. Without `share` (the top level, where a group
    has no common section to name) lines outside any section are grouped with each other, and
    short numbered sections with each other ("III. ĐỐI TƯỢNG", "IV. NỘI DUNG", "V. THỜI GIAN VÀ
    ĐỊA ĐIỂM": a few lines each, which alone say too little to be found); never the header
    with the body, nor a title, a part, a chapter, an appendix or the recipients with anything."""
    group: list[_Unit] = []
    for unit in units:
        joins = group and unit.end - group[0].start <= MAX_CHARS and (
            share or (unit.section is None and group[-1].section is None)
            or (_numbered(sections, unit.section) and _numbered(sections, group[-1].section))) and (
            # A row of its own is a passage of its own: the lines before the first row (a
            # caption, the header row) go with it, nothing comes after a row, and the pieces
            # of one over-long row go together.
            unit.row == group[-1].row or (group[-1].row is None and all(u.row is None for u in group)))
        if group and not joins:
            yield group
            group = []
        group.append(unit)
    if group:
        yield group


# Labels of the document's own divisions, each a whole of its own however short: a part, a
# chapter, an appendix, the recipients.
_DIVISION = re.compile(r"^(?:phần|chương|phụ lục|nơi nhận)\b", re.I)


def _numbered(sections: list[Section], ordinal: int | None) -> bool:
    """Whether a section is a numbered heading of the body ("III.", "Điều 4", "2."), which
    may share a chunk with its short neighbours."""
    if ordinal is None:
        return False
    label = sections[ordinal].label
    return bool(label) and not _DIVISION.match(label)


def _line_spans(text: str, line: Line) -> list[tuple[int, int]]:
    if line.end - line.start <= MAX_CHARS:
        return [(line.start, line.end)]
    return _split_long(text, line.start, line.end)


def _split_long(text: str, start: int, end: int):
    """Cut an over-long paragraph at the strongest boundary that keeps pieces short enough:
    sentence ends, then inline list markers (" - " joined items), then commas, then spaces."""
    for boundary in _BOUNDARIES:
        cuts = [m.start() for m in boundary.finditer(text, start, end)]
        spans = _greedy(start, end, cuts)
        if all(b - a <= MAX_CHARS for a, b in spans):
            return spans
    return spans


def _greedy(start: int, end: int, cuts: list[int]) -> list[tuple[int, int]]:
    spans, piece_start, last = [], start, None
    for cut in cuts:
        if cut - piece_start > MAX_CHARS and last is not None:
            spans.append((piece_start, last))
            piece_start = last + 1
        last = cut
    if end - piece_start > MAX_CHARS and last is not None and last > piece_start:
        spans.append((piece_start, last))
        piece_start = last + 1
    spans.append((piece_start, end))
    return spans
