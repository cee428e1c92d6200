"""Tables in a document's text, as the readers leave them: one row a line, cells joined by tabs.

What chunking needs to know of a table: where its header row ends (a passage starting later
does not show it, so its path names the columns), and which rows are passages of their own:

- a schedule's (most rows hold a date: "Thời gian thực hiện: Hoàn thành chậm nhất ngày
  18/6/2025"), each row one task with its own deadline. A passage holding several such rows
  answers "khi nào" with whichever date comes first. A row whose first cell is empty goes on
  from the row above it (a merged number cell: "4 | Rà soát …, gồm: - Thông tin cá nhân" over
  " | - Thông tin kết quả học tập | … | 31/5/2025"); that row is named in its path, so the
  sub-row still says what it is part of.
- a list of amounts' (most rows hold a number beside their words: fees, funds), each row with
  an amount one item with its own value, for the same reason with "bao nhiêu". A row without
  one heads the rows numbered under it ("1.1 Dịch vụ tiền ăn" over "1.1.1 Bữa sáng | 20.000",
  "II Dịch vụ hỗ trợ" over "2 Dạy tiếng Anh | 80,000"), and those name it in their paths.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .dates import find_dates
from .structure import Line, month_of

_VALUE = re.compile(r"^[\d\s.,/%:()+-]+$")
# A cell that wraps comes out as lines without tabs between a table's rows.
_WRAPPED_LINES = 3
# How much of the row above a sub-row's path repeats: enough to say what the row is about.
_ROW_CONTEXT = 120


@dataclass
class Table:
    header_end: int  # where the header row ends: a passage starting later does not show it
    end: int
    header: str  # "TT | Nội dung | Đơn vị tính | Mức thu"
    # The rows that are passages of their own, by where they start, each with what names it
    # beyond the header: the row it goes on from, the rows it is numbered under ("" if none).
    own_rows: dict[int, str] = field(default_factory=dict)


# How a table's header row is written in the paths of the rows that are passages of their own.
HEADER_SEPARATOR = " | "


def cells(line: Line) -> list[str]:
    return [c.strip() for c in line.text.split("\t") if c.strip()]


def _is_header(line: Line) -> bool:
    """A row of column names: two or more short cells, none of them a number, amount or date."""
    found = cells(line)
    return len(found) >= 2 and all(len(c) <= 80 and not _VALUE.match(c) for c in found)


def column_names(row: str) -> list[str]:
    """A row of text's cells, empty ones kept in their places, when it is a table's header row
    and not the directive's own heading (issuer beside the national motto); else []."""
    line = Line(0, len(row), row)
    return [c.strip() for c in row.split("\t")] if _is_header(line) and not _MOTTO.search(row) else []


# The national motto: a directive's header laid out as a table (issuer | motto, number | place
# and date), whose one dated row is no schedule.
_MOTTO = re.compile(r"CỘNG\s+H(?:ÒA|OÀ)\s+XÃ\s+HỘI", re.I)


def find_tables(lines: list[Line]) -> list[Table]:
    """Tables (runs of tab-separated rows) that open with a header row, with the rows they span."""
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        if "\t" not in lines[i].text or not _is_header(lines[i]):
            i += 1
            continue
        header, last, j = lines[i], i, i + 1
        while j < len(lines) and j - last <= _WRAPPED_LINES:
            if "\t" in lines[j].text:
                last = j
            j += 1
        if last > i:
            rows = [line for line in lines[i + 1:last + 1] if "\t" in line.text]
            own = _own_rows(rows) if not _MOTTO.search(header.text) else {}
            tables.append(Table(header.end, lines[last].end, HEADER_SEPARATOR.join(cells(header)), own))
        i = last + 1
    return tables


def _own_rows(rows: list[Line]) -> dict[int, str]:
    """The rows of a schedule or a list of amounts (at least half of them dated, or holding an
    amount); {} for any other table. A month table's rows are its months' items, which chunking
    keeps by month."""
    if len(rows) < 2 or any(month_of(row.text) for row in rows):
        return {}
    if 2 * sum(1 for row in rows if find_dates(row.text)) >= len(rows):
        return _schedule_rows(rows)
    if 2 * sum(1 for row in rows if _holds_amount(row)) >= len(rows):
        return _amount_rows(rows)
    return {}


def _holds_amount(row: Line) -> bool:
    """A cell after the first that is a number ("35.000", "4,500", "1.200"): the row's value."""
    return any(_VALUE.match(c) and any(ch.isdigit() for ch in c) for c in row.text.split("\t")[1:] if c.strip())


_ROMAN_CELL = re.compile(r"^[IVXL]+\.?$")
_NUMBER_CELL = re.compile(r"^\d{1,3}(?:\.\d{1,3})*\.?$")


def _rank(first_cell: str) -> int | None:
    """How deep a row's number puts it: "II" 0, "2" 1, "2.1" 2, "2.1.3" 3; None unnumbered."""
    if _ROMAN_CELL.match(first_cell):
        return 0
    if _NUMBER_CELL.match(first_cell):
        return 1 + first_cell.rstrip(".").count(".")
    return None


def _amount_rows(rows: list[Line]) -> dict[int, str]:
    out: dict[int, str] = {}
    above: list[tuple[int, str]] = []  # (rank, row) of the rows a next row may be numbered under
    for row in rows:
        rank = _rank(row.text.split("\t", 1)[0].strip())
        if rank is None:  # unnumbered: under the row above it
            rank = above[-1][0] + 1 if above else 1
        while above and above[-1][0] >= rank:
            above.pop()
        if _holds_amount(row):
            out[row.start] = _short(" > ".join(text for _, text in above))
        above.append((rank, _short(" ".join(cells(row)), 80)))
    return out


def _short(text: str, width: int = _ROW_CONTEXT) -> str:
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def _schedule_rows(rows: list[Line]) -> dict[int, str]:
    out: dict[int, str] = {}
    parent: Line | None = None
    for row in rows:
        first = row.text.split("\t", 1)[0].strip()
        if first or parent is None:
            parent = row
            out[row.start] = ""
        else:
            out[row.start] = _row_context(parent, row)
    return out


def _row_context(parent: Line, row: Line) -> str:
    """What a sub-row takes from the row it goes on from: the cells merged over it (empty in
    it) and the row's first cell of words (what the task is)."""
    above, below = parent.text.split("\t"), row.text.split("\t")
    kept, worded = [], False
    for index, cell in enumerate(above):
        cell = cell.strip()
        if not cell:
            continue
        merged = index >= len(below) or not below[index].strip()
        first_words = not worded and not _VALUE.match(cell)
        worded = worded or not _VALUE.match(cell)
        if merged or first_words:
            kept.append(cell)
    return _short(" ".join(kept))


def table_at(tables: list[Table], start: int) -> Table | None:
    """The table whose rows below its header hold this offset."""
    for table in tables:
        if table.header_end < start < table.end:
            return table
    return None
