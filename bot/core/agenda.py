"""Answers to "tháng 12 có việc gì?": the month's tasks from the task table, grouped by issuer."""
from __future__ import annotations

from datetime import date

from .answer import Agenda, AgendaGroup, AgendaTask, Answer, Reading, citation_of, old_year, superseded_by
from .query import Query
from .scope import Scope
from .tasks import group_month

MAX_CITATIONS = 10  # one per passage the listed tasks come from


def agenda_month(asked: str, current_year: str, today: date) -> tuple[str, bool]:
    """("2023-12", whether the year was chosen for the asker) for what the question said: "12/2023",
    "12" (in the current school year: August–December in its first year), "this" or "next"."""
    if asked in ("this", "next"):
        month, year = today.month, today.year
        if asked == "next":
            month, year = (1, year + 1) if month == 12 else (month + 1, year)
        return f"{year:04d}-{month:02d}", False
    if "/" in asked:
        month, year = asked.split("/")
        return f"{int(year):04d}-{int(month):02d}", False
    first = int(current_year[:4]) if current_year[:4].isdigit() else today.year
    month = int(asked)
    return f"{first if month >= 8 else first + 1:04d}-{month:02d}", True


def latest_year_with(month: str, tasks: list[dict]) -> str:
    """The same month in the latest year that has tasks, when the chosen year has none."""
    months = sorted({group_month(t) for t in tasks if group_month(t).endswith(month[4:])})
    return months[-1] if months else month


def compose_agenda(query: Query, month: str, tasks: list[dict], rows: dict[int, dict],
                   scope: Scope | None, document_count: int) -> Answer:
    """`tasks` of the month (bot.core.tasks.select rows, with deadline_label), `rows` their passages by
    chunk id (index.store.Store.chunk_rows)."""
    groups: dict[int, AgendaGroup] = {}
    for task in tasks:
        row = {"document_id": task["document_id"], "school_year": task["school_year"]}
        group = groups.get(task["document_id"])
        if group is None:
            group = groups[task["document_id"]] = AgendaGroup(
                doc_id=task["document_id"], issuer=task["issuer"] or task["title"], title=task["title"],
                school_year=task["school_year"], in_unit=bool(scope and task["document_id"] in scope.unit_documents),
                superseded_by=superseded_by(row, scope), old_year=old_year(row, scope))
        group.tasks.append(AgendaTask(task["text"], task["deadline_label"]))
    citations = []
    for chunk_id in dict.fromkeys(t["chunk_id"] for t in tasks):
        row = rows.get(chunk_id)
        if row is None or len(citations) >= MAX_CITATIONS:
            continue
        citations.append(citation_of(row, next(t["text"] for t in tasks if t["chunk_id"] == chunk_id), 1.0))
    agenda = Agenda(month=month, unit=scope.unit["name"] if scope and scope.unit else "", count=len(tasks),
                    groups=sorted(groups.values(), key=lambda g: not g.in_unit))
    return Answer(question=query.original, abstained=not tasks, searched=Reading(query.text), agenda=agenda,
                  citations=citations, documents=document_count)
