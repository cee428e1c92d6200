"""A table row quoted with its columns' names: "Giáo dục mầm non — Khu vực nông thôn (xã): 80;
Khu vực thành thị (phường): 120", where the bare cells ("Giáo dục mầm non 80 120") leave the
reader to guess which number is which.

Readers leave a table one row a line, cells joined by tabs (ingest/tables.py). The header row is
either in the passage, above its rows, or, for a row that is a passage of its own, in its path
("… > TT | Nội dung công tác | Đơn vị chủ trì | Thời gian thực hiện > 5 Lập và giao tài khoản").
"""
from __future__ import annotations

from index.fold import fold
from ingest.tables import HEADER_SEPARATOR, column_names

_NUMBERING = {"tt", "stt", "so tt", "so thu tu"}  # the column that only numbers the rows


def header_of(text: str, path: str = "") -> list[str]:
    """The names of the columns of the table in a passage, or [] when it has none or holds no table."""
    # The header is the path's last table part: a sub-row's path goes on with the row it is under.
    for part in reversed((path or "").split(" > ")):
        if HEADER_SEPARATOR in part:
            return [cell.strip() for cell in part.split(HEADER_SEPARATOR)]
    # Else the passage's first row of cells, when it names columns (ingest.tables.column_names).
    first = next((line for line in text.split("\n") if "\t" in line.strip("\t")), "")
    return column_names(first) if first else []


def with_header(line: str, header: list[str]) -> str:
    """A row with each cell after its column's name, its first named cell (what the row is
    about) leading; "" when the row does not have the header's columns (a merged or a header row)."""
    cells = [cell.strip() for cell in line.split("\t")]
    # A row may stop short of the header where its last cells are empty ("| 235.000 | |").
    if not len(header) - 1 <= len(cells) <= len(header) or cells == header[:len(cells)] or len(header) < 2:
        return ""
    pairs = [(name, cell) for name, cell in zip(header, cells)
             if cell and " ".join(fold(name).split()) not in _NUMBERING]
    if len(pairs) < 2:
        return ""
    (_, first), rest = pairs[0], pairs[1:]
    return f"{first} — " + "; ".join(f"{name}: {cell}" if name else cell for name, cell in rest)
