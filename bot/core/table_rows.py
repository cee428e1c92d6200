"""A table row quoted with its columns' names: "Giáo dục mầm non — Khu vực nông thôn (xã): 80;
Khu vực thành thị (phường): 120", where the bare cells ("Giáo dục mầm non 80 120") leave the
reader to guess which number is which.

Readers leave a table one row a line, cells joined by tabs (ingest/tables.py). The header row is
either in the passage, above its rows, or, for a row that is a passage of its own, in its path
("… > TT | Nội dung công tác | Đơn vị chủ trì | Thời gian thực hiện > 5 Lập và giao tài khoản").
"""
from __future__ import annotations

import re

from index.fold import fold

_VALUE = re.compile(r"^[\d\s.,/%:()+-]+$")
_MOTTO = re.compile(r"cong hoa xa hoi chu nghia|doc lap\W+tu do")
_NUMBERING = {"tt", "stt", "so tt", "so thu tu"}  # the column that only numbers the rows


def header_of(text: str, path: str = "") -> list[str]:
    """The names of the columns of the table in a passage, or [] when it has none or holds no table."""
    # The header is the path's last table part: a sub-row's path goes on with the row it is under.
    for part in reversed((path or "").split(" > ")):
        if " | " in part:
            return [cell.strip() for cell in part.split(" | ")]
    for line in text.split("\n"):
        if "\t" in line.strip("\t"):
            cells = [cell.strip() for cell in line.split("\t")]
            # The first row of cells is the header when it names, not when it holds values, nor
            # when it is the directive's own heading (issuer beside the national motto).
            if any(_VALUE.match(cell) or _MOTTO.search(fold(cell)) for cell in cells if cell):
                return []
            return cells
    return []


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
