"""A recurring deadline falls due on the same days in /han, the reminders and the calendar file:
one dateutil rule gives all three."""
from __future__ import annotations

from datetime import date, timedelta

import icalendar
import pytest
from dateutil.rrule import rrulestr

from bot.core.api import Congvan
from bot.chat.outbox import Outbox
from bot.chat.store import ChatKey, ChatStore
from bot.chat.tasklist import task_key
from bot.core.tasks import deadline_label

from .directives import write_directive

pytestmark = pytest.mark.model  # a home ingested with the bundled model

SCHOOL_YEAR = (date(2023, 8, 1), date(2024, 7, 31))
BODY = [
    "I. NHIỆM VỤ",
    "- Các tổ nộp sổ theo dõi trẻ về ban giám hiệu ngày 31 hàng tháng.",
    "- Các nhóm lớp gửi bảng chấm ăn ngày 30 hàng tháng.",
    "- Họp tổ chuyên môn vào thứ Sáu hằng tuần.",
]


@pytest.fixture(scope="module")
def school(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recurring")
    cv = Congvan(folder / "home")
    assert cv.ingest_file(write_directive(folder / "ke-hoach.txt", BODY)).action == "added"
    return cv


def _every_day():
    day = SCHOOL_YEAR[0]
    while day <= SCHOOL_YEAR[1]:
        yield day
        day += timedelta(days=1)


def _calendar_dates(cv: Congvan, text: str) -> set[date]:
    """The days a calendar app shows the task on: its .ics event expanded by dateutil."""
    events = icalendar.Calendar.from_ical(cv.tasks_ics(cv.tasks())).walk("VEVENT")
    event = next(e for e in events if text in str(e["SUMMARY"]))
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=event.decoded("DTSTART"))
    return {d.date() if hasattr(d, "date") else d for d in rule}


def _han_dates(cv: Congvan, text: str) -> set[date]:
    """The due days /han shows for the task, asked on every day of the school year."""
    dues = set()
    for day in _every_day():
        for t in cv.tasks(upcoming_days=14, today=day):
            if text in t["text"]:
                dues.add(date.fromisoformat(t["due"]))
    return dues


@pytest.mark.parametrize("text, rule, some_days", [
    ("sổ theo dõi trẻ", "monthly:31",
     {date(2023, 9, 30), date(2023, 10, 31), date(2024, 2, 29), date(2024, 4, 30), date(2024, 7, 31)}),
    ("bảng chấm ăn", "monthly:30", {date(2023, 8, 30), date(2024, 2, 29), date(2024, 3, 30)}),
    ("Họp tổ chuyên môn", "weekly:FR", {date(2023, 8, 4), date(2023, 12, 29), date(2024, 7, 26)}),
])
def test_the_calendar_file_and_han_give_the_same_days_over_the_school_year(school, text, rule, some_days):
    [task] = [t for t in school.tasks() if text in t["text"]]
    assert task["recurring"] == rule
    calendar_days = _calendar_dates(school, text)
    assert calendar_days == _han_dates(school, text)
    assert some_days <= calendar_days
    # Every month (or every week) of the school year has one: none skipped for being short.
    expected = 12 if rule.startswith("monthly") else 52
    assert len(calendar_days) == expected
    assert all(SCHOOL_YEAR[0] <= d <= SCHOOL_YEAR[1] for d in calendar_days)


def test_the_31st_reads_as_the_last_day_of_a_shorter_month(school):
    task = next(t for t in school.tasks(upcoming_days=3, today=date(2024, 4, 28)) if "sổ theo dõi" in t["text"])
    assert task["due"] == "2024-04-30"
    assert deadline_label(task) == "ngày 31 hằng tháng (tháng không có ngày 31: ngày cuối tháng)"
    event = next(e for e in icalendar.Calendar.from_ical(school.tasks_ics(school.tasks())).walk("VEVENT")
                 if "sổ theo dõi" in str(e["SUMMARY"]))
    assert event["RRULE"]["BYMONTHDAY"] == [-1] and event.decoded("DTSTART") == date(2023, 8, 31)
    assert event["RRULE"]["UNTIL"] == [date(2024, 7, 31)]


def test_reminders_fall_on_the_days_the_calendar_shows(school, tmp_path):
    chats = ChatStore(tmp_path / "chats.db")
    lan = ChatKey("telegram", "7")
    chats.seen(lan, "private", "cô Lan")
    chats.set_unit(lan, "Trường MN Hoa Mai")
    chats.set_subscribed(lan, True)
    broadcaster = Outbox(school, chats, reminder_days=0)  # a reminder on the day itself
    for day in _every_day():
        broadcaster.plan_reminders(day)
    rows = chats.broadcasts("reminder")
    for text in ("sổ theo dõi trẻ", "bảng chấm ăn", "Họp tổ chuyên môn"):
        key = task_key(next(t for t in school.tasks() if text in t["text"]))
        reminded = {date.fromisoformat(r["period"].split(":")[1]) for r in rows if r["period"].startswith(key)}
        assert reminded == _calendar_dates(school, text)
