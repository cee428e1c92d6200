"""The ways Vietnamese administrative text says when something happens or is due: one grammar for
the tasks read at ingest (ingest/deadlines.py) and the date an answer leads with (bot/core/answer.py).

`find_dates` finds the phrases, each with its span and as written: "trước ngày 15/12",
"chậm nhất là ngày 05/01/2024", "hạn cuối: 15/12", "đến hết ngày 31/12", "trước ngày 15 tháng 12
năm 2023", "từ ngày 07/9 đến hết ngày 31/12/2020", "ngày 01/12 và 02/12/2022", "8h00 ngày
16/7/2025", "vào tuần 4 tháng 9", "(Tuần 3)", "trong tháng 9 và tháng 10", "cuối tháng",
"ngày 25 hàng tháng", "thứ Sáu hằng tuần", and a bare "15/12/2023". Dates of cited documents
("Thông tư số 13/2016/TTLT-BYT-BGDĐT ngày 12/5/2016", "HD 06 ngày 21/10/2022 của Sở") are never
found. What a phrase means as dates (the year a date falls in, the days of a week) is for the
reader to say: ingest/deadlines.py does it for tasks.
"""
from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

# 15/12, 15/12/2023, 15 / 12 / 2023; never part of "12/2023/QĐ" or "1/6/7".
NUM_DATE = r"(?<![\d/])\d{1,2}\s*/\s*\d{1,2}(?:\s*/\s*\d{4})?(?![\d/])"
LONG_DATE = r"\d{1,2}\s+tháng\s+\d{1,2}(?:\s*năm\s+\d{4})?(?![\d/])"
ANY_DATE = rf"(?:{NUM_DATE}|{LONG_DATE})"
MONTH_NUM = r"(?:0?[1-9]|1[0-2])(?!\d)(?!\s*tuổi)(?:\s*/\s*\d{4}|\s*năm\s+\d{4})?"
PART = r"(?:đầu|giữa|cuối)"
_SEP = r"\s*(?:,|và|đến|tới|-|–)\s*"
_W = r"(?<![\w])"  # a word starts here
# "8h00 ngày 16/7/2025", "lúc 17 giờ 30, ngày 28/4": the hour says nothing about the day, but
# belongs to the phrase a reader sees.
_CLOCK = r"(?:lúc\s+)?\d{1,2}\s*(?:giờ|h)(?:\s*\d{2}(?:\s*phút)?)?(?![\w])\s*,?\s*"
# "14h00 thứ Năm, ngày 16/11/2023": the weekday too.
_AT = rf"(?:{_CLOCK})?(?:(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật)\s*,?\s*)?"
_DAY = rf"{_AT}(?:ngày\s+)?"  # what may stand before a date in a phrase

WEEKDAYS = {"hai": "MO", "2": "MO", "ba": "TU", "3": "TU", "tư": "WE", "4": "WE", "năm": "TH", "5": "TH",
            "sáu": "FR", "6": "FR", "bảy": "SA", "7": "SA"}

# Kinds with dates written out in full (day and month): the ones `dates_in` reads.
DATED_KINDS = ("range", "from", "before", "on", "date")

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [(kind, re.compile(p, re.I)) for kind, p in [
    # "từ ngày 07/9/2020 đến hết ngày 31/12/2020", "từ 15/9 - 30/9", "từ 7h30 ngày 15/9 đến 11h00 ngày 16/9"
    ("range", rf"{_W}(?:bắt đầu\s+)?từ\s+{_DAY}{ANY_DATE}\s*(?:đến|tới|-|–)\s*(?:hết\s+)?{_DAY}{ANY_DATE}"),
    # "ngày 01/12 và 02/12/2022", "ngày 15/9 - 20/9"
    ("range", rf"{_W}(?:vào\s+)?{_AT}ngày\s+{NUM_DATE}\s*(?:-|–|đến|tới|và)\s*(?:hết\s+)?{_DAY}{NUM_DATE}"),
    ("from", rf"{_W}(?:bắt đầu\s+)?từ\s+{_DAY}{ANY_DATE}"),
    # "hoàn thành trước ngày 30/9", "chậm nhất là ngày 5/1/2024", "hạn nộp: 15/12", "đến hết ngày 31/12",
    # "trước 17h00 ngày 28/4"
    ("before", rf"{_W}(?:hoàn thành\s+)?(?:trước|chậm nhất|muộn nhất|không quá|hạn(?:\s+(?:cuối|chót|nộp))?"
               rf"|(?:đến|tới)(?:\s+hết)?)\s*(?:là\s+)?(?:vào\s+)?:?\s*{_DAY}{ANY_DATE}"),
    # "trước ngày 25" under a month heading: the heading supplies the month
    ("before_day", rf"{_W}(?:hoàn thành\s+)?(?:trước|chậm nhất|muộn nhất|hạn(?:\s+(?:cuối|chót|nộp))?)\s*(?:là\s+)?"
                   r"(?:vào\s+)?ngày\s+\d{1,2}(?![\d/])(?!\s*(?:tháng|hàng|hằng|mỗi))"),
    ("on", rf"{_W}vào\s+{_DAY}{ANY_DATE}"),
    ("on", rf"{_W}{_AT}ngày\s+{NUM_DATE}"),
    # "vào tuần 4 tháng 9", "tuần 2, 3 tháng 10/2023"
    ("week", rf"{_W}(?:vào\s+)?tuần\s+[1-5](?:{_SEP}(?:tuần\s+)?[1-5])*\s+(?:của\s+)?tháng\s+{MONTH_NUM}"),
    ("week_hint", r"\(\s*tuần\s+[1-5](?:\s*(?:,|và|-|–)\s*[1-5])*\s*\)"),
    # "trong tháng 9 và tháng 10", "cuối tháng 10 và đầu tháng 11/2023", "từ tháng 9 đến tháng 12"
    ("month", rf"{_W}(?:(?:trong|vào|từ)\s+(?:{PART}\s+)?|{PART}\s+)tháng\s+{MONTH_NUM}"
              rf"(?:{_SEP}(?:{PART}\s+)?(?:tháng\s+)?{MONTH_NUM})*"),
    ("month_hint", rf"{_W}{PART}\s+tháng(?!\s*\d)(?!\s+(?:này|sau|trước|tới))"),
    # "ngày 25 hàng tháng", "hằng tháng, trước ngày 5"
    ("monthly", r"(?<![\w])(?:(?:trước|vào)\s+)?ngày\s+\d{1,2}\s+(?:hàng|hằng|mỗi)\s+tháng"),
    ("monthly", r"(?<![\w])(?:hàng|hằng|mỗi)\s+tháng\s*,?\s*(?:vào\s+)?(?:trước\s+)?ngày\s+\d{1,2}(?![\d/])"),
    ("weekly", r"(?<![\w])(?:vào\s+)?(?:(?:buổi\s+)?(?:sáng|chiều)\s+)?thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])\s+"
               r"(?:hàng|hằng|mỗi)\s+tuần"),
    ("weekly", r"(?<![\w])(?:hàng|hằng|mỗi)\s+tuần\s*,?\s*vào\s+(?:(?:buổi\s+)?(?:sáng|chiều)\s+)?thứ\s+"
               r"(?:hai|ba|tư|năm|sáu|bảy|[2-7])(?![\w])"),
    # A date and nothing saying what it is: an answer may lead with it, a task is not due on it.
    # Written out in words it needs its "ngày" ("… Trường mầm non Ninh Lai, ngày 05 tháng 11 năm
    # 2025"), else "trong 12 tháng 3 đợt" would read as a date.
    ("date", NUM_DATE),
    ("date", rf"{_W}ngày\s+{LONG_DATE}"),
]]

# What stands right before the date of a cited document: its number ("12/PGD", "50/2020/TT-BGDĐT,",
# "13/2016/TTLT- BYT-BGDĐT" with the space a scan leaves after a dash) or its kind and number
# ("HD 06", "Công văn số 316"), and perhaps "ngày".
_CITED_BEFORE = re.compile(
    r"(?:\d+\s*/\s*(?:-\s+|[^\s,;()])*[^\W\d_](?:-\s+|[^\s,;()])*"
    r"|(?i:số|HD|CV|KH|QĐ|TB|TT|NĐ|CT|NQ|công văn|kế hoạch|hướng dẫn|quyết định|thông tư|nghị định|chỉ thị"
    r"|nghị quyết|thông báo|văn bản|công điện)\s+(?:số\s*)?\d+[^\s,;()]*)\s*,?\s*(?i:ngày\s*)?$")
# The bodies a cited document is "của" (of): "Thông tư số 13/2016/… ngày 12/5/2016 của Bộ Y tế".
_ISSUING_BODY = r"(?:Bộ|Sở|Phòng|UBND|Ủy ban|Uỷ ban|Chính phủ|Thủ tướng|HĐND|Hội đồng|Quốc hội|Ban)"
# "Công văn số 1849/BGDĐT-GDPT của Bộ GDĐT ngày 10 tháng 4 năm 2026": the cited document's issuer
# between its number and its day.
_CITED_BY_ISSUER = re.compile(
    rf"(?:\d+\s*/\s*[^\s,;()]*[^\W\d_][^\s,;()]*|(?i:số)\s+\d+[^\s,;()]*)\s+của\s+{_ISSUING_BODY}"
    r"[^,;\d]{0,60}?\s*(?i:ngày\s*)?$")
_CITED_AFTER = re.compile(rf"^\s*,?\s*(?:của|do)\s+(?:{_ISSUING_BODY}|Quận|Huyện|Tỉnh|Thành)")


T = TypeVar("T")


@dataclass(frozen=True)
class DatePhrase:
    text: str  # as written: "hoàn thành trước ngày 15/12"
    start: int  # where it is in the text searched
    end: int
    kind: str  # range | from | before | before_day | on | date | week | week_hint | month | month_hint
    #            | monthly | weekly


def find_dates(text: str, read: Callable[[DatePhrase], T | None] = lambda phrase: phrase) -> list[T]:
    """The date phrases of `text` in order, none overlapping, each as `read` makes it (default:
    the DatePhrase itself). Where phrases overlap, the one that starts first, then the longest,
    says most ("từ ngày 7/9 đến hết ngày 31/12" over "ngày 7/9"). Dates of cited documents and
    dates no calendar has ("12/13") are left out, and so is a phrase `read` cannot make anything
    of (None: one its reader cannot date), which lets a shorter phrase inside it be found."""
    found: list[tuple[int, int, str]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            found.append((m.start(), m.end(), kind))
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    out: list[T] = []
    taken = -1
    for start, end, kind in found:
        if start < taken:
            continue
        raw = text[start:end]
        lead = len(raw) - len(raw.lstrip())
        phrase = DatePhrase(raw.strip(), start + lead, start + lead + len(raw.strip()), kind)
        if _cites_document(text, phrase) or not _possible(phrase):
            continue
        value = read(phrase)
        if value is None:
            continue
        taken = end
        out.append(value)
    return out


def find_when(sentence: str) -> list[str]:
    """The phrases of a sentence that say when, as written, in order and each once: what an
    answer to "khi nào" leads with. A time of the school year without a date ("vào cuối năm
    học", "đầu học kỳ II") or the day a directive is signed ("kể từ ngày ký") says when too,
    after the dates; no task is dated by it (tasks read `find_dates`)."""
    dated = find_dates(sentence)
    periods = [m for m in _PERIOD.finditer(sentence)
               if not any(p.start < m.end() and m.start() < p.end for p in dated)]
    return list(dict.fromkeys([p.text for p in dated] + [m.group(0).strip() for m in periods]))


# Not before a year: "sinh hoạt công dân đầu năm học 2026 - 2027" names an event, not when it is.
_PERIOD = re.compile(rf"{_W}(?:(?:vào|trong|từ)\s+)?{PART}\s+(?:mỗi\s+)?(?:năm học|học kỳ|học kì|năm(?!\s+học)|tuần)"
                     r"(?:\s+(?:I{1,2}|[12]|này|sau|tới))?(?![\w])(?!\s*\d{4})"
                     # A directive "có hiệu lực kể từ ngày ký": from the day it is signed.
                     rf"|{_W}(?:kể\s+)?từ\s+ngày\s+(?:ký|ban hành)(?:\s+ban hành)?(?![\w])", re.I)


def dates_in(phrase: str) -> list[tuple[int, int, int | None]]:
    """(day, month, year or None) of each date written out in a phrase."""
    out = []
    for m in re.finditer(rf"{NUM_DATE}|{LONG_DATE}", phrase, re.I):
        numbers = [int(n) for n in re.findall(r"\d+", m.group(0))]
        out.append((numbers[0], numbers[1], numbers[2] if len(numbers) > 2 else None))
    return out


def month_and_year(text: str) -> tuple[int | None, int | None]:
    """"10/2023" → (10, 2023), "tháng 9" → (9, None)."""
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if not numbers or not 1 <= numbers[0] <= 12:
        return None, None
    return numbers[0], (numbers[1] if len(numbers) > 1 else None)


def last_day(year: int | None, month: int) -> int:
    return calendar.monthrange(year or 2000, month)[1]  # 2000 is a leap year: "29/2" stays possible


def _possible(phrase: DatePhrase) -> bool:
    if phrase.kind not in DATED_KINDS:
        return True
    return all(1 <= month <= 12 and 1 <= day <= last_day(year, month) for day, month, year in dates_in(phrase.text))


def _cites_document(text: str, phrase: DatePhrase) -> bool:
    line_start = text.rfind("\n", 0, phrase.start) + 1
    if _CITED_BEFORE.search(text[max(line_start, phrase.start - 80):phrase.start]):
        return True
    names_a_day = phrase.kind == "date" or re.match(r"(?i:vào\s+)?ngày", phrase.text)
    if names_a_day and _CITED_BY_ISSUER.search(text[max(line_start, phrase.start - 120):phrase.start]):
        return True
    return bool(names_a_day) and bool(_CITED_AFTER.match(text[phrase.end:phrase.end + 40]))
