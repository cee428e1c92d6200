"""Tasks for people: which ones a month or the coming days hold, how a deadline reads, and the
iCalendar file a teacher imports into a phone calendar.

Stored tasks (index.store.Store.tasks) carry ISO dates; a date without a known year is "--12-15"
(ingest/deadlines.py) and is listed under its month but never placed on a calendar. A recurring
deadline ("ngày 25 hàng tháng") falls due on its next occurrence within its document's school year,
by one dateutil rule that both gives that day and is written into the calendar file, so the two
cannot disagree; "ngày 31 hàng tháng" falls on the last day of a shorter month, as a teacher
reads it, never skipping the month.
"""
from __future__ import annotations

import calendar
import hashlib
import re
from datetime import date, datetime, time, timedelta, timezone

import icalendar
from dateutil import rrule

import prompts
from index.fold import fold
from index.units import names_match

from .clock import clock

# How many times a recurring deadline of no known school year repeats in a calendar: about a year.
_UNSPANNED_COUNT = {"monthly": 12, "weekly": 52}


def today_here() -> date:
    """Today where the users are: the day a list of what is due counts from."""
    return clock().today()


def parse_month(text: str) -> str:
    """"12/2023", "2023-12", "tháng 12/2023", "T12/2023" → "2023-12"."""
    value = fold(text).strip()
    m = re.fullmatch(r"(?:thang|t)?\s*(\d{1,2})\s*[/\-.]\s*(\d{4})", value) or None
    if m:
        month, year = int(m.group(1)), int(m.group(2))
    elif m := re.fullmatch(r"(\d{4})\s*-\s*(\d{1,2})", value):
        year, month = int(m.group(1)), int(m.group(2))
    else:
        raise ValueError(f"Không hiểu tháng «{text}»: viết theo dạng 12/2023 hoặc 2023-12")
    if not 1 <= month <= 12:
        raise ValueError(f"Không có tháng {month}")
    return f"{year:04d}-{month:02d}"


def select(tasks: list[dict], month: str | None = None, issuer: str | None = None,
           upcoming_days: int | None = None, today: date | None = None) -> list[dict]:
    """The tasks a person asked for, each with `due` (ISO date it next falls due, or None) and
    `deadline_label` (how the deadline reads). Listed by month and issuer, or by due date when
    asking what comes up in the next `upcoming_days` days."""
    today = today or today_here()
    wanted_month = parse_month(month) if month else None
    out = []
    for task in tasks:
        task = dict(task)
        due = next_due(task, today)
        task["due"] = due.isoformat() if due else None
        task["deadline_label"] = deadline_label(task)
        if wanted_month and not in_month(task, wanted_month):
            continue
        if issuer and not (names_match(issuer, task["issuer"] or "") or names_match(issuer, task["unit"] or "")):
            continue
        if upcoming_days is not None and not _comes_up(task, due, today, today + timedelta(days=upcoming_days)):
            continue
        out.append(task)
    if upcoming_days is not None:
        return sorted(out, key=lambda t: (t["due"] or "9999", fold(t["issuer"] or ""), t["document_id"], t["ordinal"]))
    return sorted(out, key=lambda t: (group_month(t) or "9999", fold(t["issuer"] or ""), t["document_id"], t["ordinal"]))


def month_label(month: str) -> str:
    """"2023-12" → "Tháng 12/2023"; "2024-06,2024-07" → "Tháng 6, 7/2024"; "" → "Không rõ tháng"."""
    months = [m for m in (month or "").split(",") if m]
    if not months:
        return "Không rõ tháng"
    if len({m[:4] for m in months}) == 1:
        return f"Tháng {', '.join(str(int(m[5:])) for m in months)}/{months[0][:4]}"
    return "Tháng " + ", ".join(f"{int(m[5:])}/{m[:4]}" for m in months)


def group_month(task: dict) -> str:
    """The month a task is listed under: its heading's first month, else its deadline's."""
    if task["month"]:
        return task["month"].split(",")[0]
    start = task["deadline_start"] or ""
    return start[:7] if _has_year(start) else ""


def in_month(task: dict, month: str) -> bool:
    """Whether a task belongs to a month ("2023-12"): listed under it, or due or running in it."""
    if month in (task["month"] or "").split(","):
        return True
    first = date.fromisoformat(month + "-01")
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    start, end = task["deadline_start"] or "", task["deadline_end"] or ""
    if _has_year(start) and _has_year(end):
        return start <= last.isoformat() and end >= first.isoformat()
    if start.startswith("--"):  # no year known: the month number is all there is
        return not task["month"] and start[2:4] <= month[5:] <= end[2:4]
    if task["recurring"]:
        span = school_year_span(task["school_year"])
        return span is None or (span[0] <= last and first <= span[1])
    return False


def next_due(task: dict, today: date) -> date | None:
    """When a task next falls due, from `today` on for a recurring one; its deadline otherwise."""
    if task["recurring"]:
        rule = recurrence(task, today)
        due = rule.after(datetime.combine(today, time()), inc=True) if rule else None
        return due.date() if due else None
    end = task["deadline_start"] if task["deadline_kind"] == "from" else task["deadline_end"]
    return date.fromisoformat(end) if end and _has_year(end) else None


def school_year_span(school_year: str | None) -> tuple[date, date] | None:
    m = re.match(r"(\d{4})", school_year or "")
    return (date(int(m.group(1)), 8, 1), date(int(m.group(1)) + 1, 7, 31)) if m else None


def deadline_label(task: dict) -> str:
    every, _, day = (task["recurring"] or "").partition(":")
    start, end = task["deadline_start"] or "", task["deadline_end"] or ""
    text = prompts.render("text", "deadline", every=every, day=day, kind=task["deadline_kind"], start=_display(start),
                          end=_display(end), no_year=start.startswith("--"), year_conflict=task["year_conflict"])
    return " ".join(text.split())


def _display(iso: str) -> str:
    if iso.startswith("--"):
        return f"{iso[5:7]}/{iso[2:4]}"
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}" if iso else ""


def _has_year(iso: str) -> bool:
    return bool(iso) and iso[:1].isdigit()


def _comes_up(task: dict, due: date | None, first: date, last: date) -> bool:
    if task["recurring"]:
        return due is not None and due <= last
    start, end = task["deadline_start"] or "", task["deadline_end"] or ""
    if not (_has_year(start) and _has_year(end)):
        return False
    return start <= last.isoformat() and end >= first.isoformat()


def recurrence(task: dict, today: date) -> rrule.rrule | None:
    """The rule a recurring task ("monthly:31", "weekly:FR") falls due by: from the start of its
    school year to its end, or, with no school year known, about a year from `today`."""
    every, _, value = (task["recurring"] or "").partition(":")
    if every not in _UNSPANNED_COUNT:
        return None
    span = school_year_span(task["school_year"])
    start = datetime.combine(span[0] if span else today, time())
    limit = {"until": datetime.combine(span[1], time())} if span else {"count": _UNSPANNED_COUNT[every]}
    if every == "monthly":
        day = int(value)
        if day == 31:
            by = {"bymonthday": -1}  # the month's last day: the form calendar apps all know
        elif day > 28:
            # The 29th or 30th, or the last day of a month that has none (February): the last
            # of the days 28..day the month has.
            by = {"bymonthday": tuple(range(28, day + 1)), "bysetpos": -1}
        else:
            by = {"bymonthday": day}
        return rrule.rrule(rrule.MONTHLY, dtstart=start, **by, **limit)
    return rrule.rrule(rrule.WEEKLY, dtstart=start, byweekday=getattr(rrule, value), **limit)


# --- iCalendar ------------------------------------------------------------------------------------

def to_ics(tasks: list[dict], today: date | None = None) -> bytes:
    """An iCalendar file of the dated tasks: all-day events (a recurring deadline repeats through
    its school year), each naming its document and issuer, with a reminder the day before. UIDs
    come from the task's content, not database ids, so importing a newer file updates events
    instead of duplicating them."""
    now = clock().now()
    today = today or now.date()
    cal = icalendar.Calendar()
    cal.add("prodid", "-//congvan//hạn công việc//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Công văn — hạn công việc")
    cal.add("x-wr-timezone", str(now.tzinfo))
    stamp = now.astimezone(timezone.utc).replace(microsecond=0)
    seen: dict[str, int] = {}
    for task in tasks:
        event = _event(task, today)
        if event is None:
            continue
        uid = _uid(task)
        seen[uid] = seen.get(uid, 0) + 1
        event.add("uid", uid if seen[uid] == 1 else f"{uid[:-len('@congvan')]}-{seen[uid]}@congvan")
        event.add("dtstamp", stamp)
        cal.add_component(event)
    return cal.to_ical()


def _event(task: dict, today: date) -> icalendar.Event | None:
    event = icalendar.Event()
    if task["recurring"]:
        rule = recurrence(task, today)
        first = next(iter(rule), None) if rule else None
        if first is None:
            return None
        first = first.date()
        event.add("dtstart", first)
        event.add("dtend", first + timedelta(days=1))
        event.add("rrule", _ics_rule(rule))
    else:
        start, end = task["deadline_start"] or "", task["deadline_end"] or ""
        if not (_has_year(start) and _has_year(end)):
            return None
        event.add("dtstart", date.fromisoformat(start))
        event.add("dtend", date.fromisoformat(end) + timedelta(days=1))  # DTEND of an all-day event is exclusive
    event.add("summary", _summary(task["text"]))
    source = " · ".join(p for p in (task["title"], task["issuer"]) if p)
    lines = [f"Hạn: {task['deadline_label']}" if task.get("deadline_label") else "",
             f"Nguyên văn: «{task['deadline_text']}»" if task["deadline_text"] else "",
             task["text"], f"Nguồn: {source}" if source else "",
             f"Mục: {task['section']}" if task.get("section") else ""]
    event.add("description", "\n".join(line for line in lines if line))
    if task["issuer"]:
        event.add("categories", [task["issuer"]])
    event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Sắp đến hạn: {_summary(task['text'])}")
    alarm.add("trigger", timedelta(days=-1))
    event.add_component(alarm)
    return event


def _ics_rule(rule: rrule.rrule) -> icalendar.vRecur:
    """The RRULE dateutil writes for the rule itself, with UNTIL a date like the all-day DTSTART
    it repeats (RFC 5545 wants the two of one type)."""
    recur = icalendar.vRecur.from_ical(str(rule).split("RRULE:", 1)[1])
    if "UNTIL" in recur:
        recur["UNTIL"] = [until.date() for until in recur["UNTIL"]]
    return recur


def _summary(text: str, width: int = 110) -> str:
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def _uid(task: dict) -> str:
    who = "|".join(str(task.get(k) or "") for k in ("unit", "issuer", "number", "title"))
    key = "|".join([who, task["text"], task["deadline_text"] or "", task["recurring"] or ""])
    return hashlib.sha256(key.encode()).hexdigest()[:32] + "@congvan"
