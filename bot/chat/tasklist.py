"""Tasks as the chat replies show them (/thang, /han, the monthly digest, a reminder): grouped by
document, or by due date, with how each deadline reads. Data for a template, no wording."""
from __future__ import annotations

import hashlib
from datetime import date

from bot.core.agenda import agenda_month
from bot.core.scope import current_school_year
from bot.core.tasks import parse_month

from .replies import Message

WEEKDAYS = ["thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"]


def due_date(task: dict) -> date | None:
    """The day a task next falls due (Congvan.tasks works it out, recurring ones included)."""
    due = task.get("due")
    if isinstance(due, date):
        return due
    return date.fromisoformat(due) if due else None


def task_key(task: dict) -> str:
    # Task ids change when a document is loaded again; its issuer and wording do not.
    raw = f"{task.get('issuer', '')}\n{task.get('number', '')}\n{task['text']}"
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def task_view(task: dict, today: date | None = None) -> dict:
    """What a template shows for a task: its text, how its deadline reads, days left."""
    due = due_date(task)
    return {**task, "deadline": task.get("deadline_label") or "", "due": due, "due_label": dmy(due) if due else "",
            "days_left": (due - today).days if due and today else None,
            "weekday": WEEKDAYS[due.weekday()] if due else ""}


def task_message(tasks: list[dict], kind: str, unit: str | None, month: str = "", today: date | None = None,
                 days: int = 0) -> Message:
    """/thang ("month"), /han ("upcoming") and the digest ("digest"): tasks grouped by document
    (by date for deadlines), for the "tasks" template."""
    views = [task_view(t, today) for t in tasks]
    groups: dict[tuple, dict] = {}
    for view in views:
        key = (view.get("document_id"), view.get("title", ""))
        groups.setdefault(key, {"title": view.get("title", ""), "issuer": view.get("issuer", ""),
                                "school_year": view.get("school_year", ""), "tasks": []})["tasks"].append(view)
    dated = sorted((v for v in views if v["due"]), key=lambda v: (v["due"], v.get("issuer", "")))
    return Message(template="tasks", params={
        "kind": kind, "unit": unit, "month": month_label(month) if month else "", "groups": list(groups.values()),
        "dated": dated, "today": dmy(today) if today else "", "days": days})


def reminder_message(task: dict, unit: str | None, today: date) -> Message:
    return Message(template="reminder", params={"task": task_view(task, today), "unit": unit})


def parse_month_arg(text: str, today: date) -> str | None:
    """"" → this month; "12/2023", "12-2023", "2023-12" → that month; "12" → December of the
    school year running today (August to July); None when it is not a month."""
    text = text.strip()
    if not text:
        return f"{today.year}-{today.month:02d}"
    if text.isdigit():
        return agenda_month(text, current_school_year([], today), today)[0] if 1 <= int(text) <= 12 else None
    try:
        return parse_month(text)
    except ValueError:
        return None


def dmy(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def month_label(month: str) -> str:
    year, number = month.split("-")
    return f"{int(number)}/{year}"
