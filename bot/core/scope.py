"""Which documents an answer should lead with: the asker's unit, the current school year, and the
newest version of a directive that was issued again.

- A user's unit (a school, or an office) makes its own documents and, for a school, its district
  office's come first; the others are still shown when they say something different. So do the
  documents the question itself names (bot/core/named.py): "Nghị định 66", "ở Hà Nội".
- The current school year is the one today falls in (August to July) when any document is for
  it, else the newest school year loaded; sources from earlier years are ranked lower and
  labelled as older.
- A directive supersedes an older one from the same issuer of the same kind, for the same school
  year and about the same thing (same subject, e.g. a re-issued plan); the older one is ranked
  lower and labelled with what replaced it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from index.fold import fold

from .clock import clock

IN_SCOPE_BONUS = 0.15
SUPERSEDED_PENALTY = 0.3
CURRENT_YEAR_EDGE = 0.1  # how much coverage a current source may lack and still lead
ASKED_YEAR_EDGE = 0.3  # the same for a source of the school year the question names


@dataclass
class Scope:
    unit: dict | None = None  # from index.units.resolve
    unit_documents: set[int] = field(default_factory=set)
    named_documents: set[int] = field(default_factory=set)  # those the question names
    current_year: str = ""
    asked_year: str = ""  # the school year the question names: other years hardly answer it
    superseded_by: dict[int, dict] = field(default_factory=dict)  # old document id → newer document

    def adjustment(self, row: dict) -> float:
        """What to add to a passage's search score for the document it comes from. An older
        school year costs nothing here: whether it answers is for the answer to weigh."""
        bonus = IN_SCOPE_BONUS if self.concerns(row) else 0.0
        if row["document_id"] in self.superseded_by:
            bonus -= SUPERSEDED_PENALTY
        return bonus

    def lead_key(self, row: dict, coverage: float, score: float) -> tuple:
        """Which of the passages that answer leads: the unit's own, then the best covered, where a
        current source may trail by CURRENT_YEAR_EDGE and a superseded one counts for little."""
        edge = ASKED_YEAR_EDGE if self.asked_year else CURRENT_YEAR_EDGE
        return (self.concerns(row),
                coverage + edge * self.is_current(row)
                - SUPERSEDED_PENALTY * (row["document_id"] in self.superseded_by), score)

    def rank(self, row: dict) -> tuple[bool, bool, bool]:
        """Sort key, best first when reversed: the unit's own, current, not superseded."""
        return (self.concerns(row), self.is_current(row),
                row["document_id"] not in self.superseded_by)

    def concerns(self, row: dict) -> bool:
        """The asker's unit's document, or one the question names."""
        return row["document_id"] in self.unit_documents or row["document_id"] in self.named_documents

    def is_current(self, row: dict) -> bool:
        if self.asked_year:
            return row.get("school_year") == self.asked_year
        return not self.is_older(row)

    def is_older(self, row: dict) -> bool:
        year = row.get("school_year") or ""
        return bool(year and self.current_year and year < self.current_year)


def build_scope(documents: list[dict], unit: dict | None, unit_documents: list[int],
                today: date | None = None, asked_year: str = "",
                superseded_by: dict[int, dict] | None = None, named_documents: set[int] | None = None) -> Scope:
    """`asked_year`: the school year the question names, which then counts as current;
    `named_documents`: those the question names (bot.core.named)."""
    return Scope(unit=unit, unit_documents=set(unit_documents), named_documents=set(named_documents or ()),
                 asked_year=asked_year,
                 current_year=asked_year or current_school_year(documents, today),
                 superseded_by=superseded(documents) if superseded_by is None else superseded_by)


def asked_school_year(question: str) -> str:
    """"năm học 2022-2023", "nam hoc 2022 2023" in a question → "2022-2023"."""
    m = re.search(r"nam hoc (\d{4})\W{1,3}(\d{4})", fold(question))
    return f"{m.group(1)}-{m.group(2)}" if m and int(m.group(2)) == int(m.group(1)) + 1 else ""


def current_school_year(documents: list[dict], today: date | None = None) -> str:
    today = today or clock().today()  # where the users are, not where the server is
    start = today.year if today.month >= 8 else today.year - 1
    this_year = f"{start}-{start + 1}"
    years = {d["school_year"] for d in documents if d.get("school_year")}
    if this_year in years or not years:
        return this_year
    return max(years)


def superseded(documents: list[dict]) -> dict[int, dict]:
    groups: dict[tuple, list[dict]] = {}
    for d in documents:
        # What it is about: the V/v line, else the title without "Kế hoạch số 45/KH-MNHM — ".
        about = fold(d.get("subject") or (d.get("title") or "").split(" — ", 1)[-1])
        if not (d.get("issuer") and d.get("kind") and d.get("school_year") and about):
            continue
        groups.setdefault((fold(d["issuer"]), d["kind"], d["school_year"], " ".join(about.split())), []).append(d)
    out = {}
    for versions in groups.values():
        versions.sort(key=lambda d: (d.get("date") or "", d["id"]))
        for old in versions[:-1]:
            out[old["id"]] = versions[-1]
    return out
