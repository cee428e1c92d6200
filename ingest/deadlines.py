"""Deadlines stated in a directive, as dates, and the tasks they belong to.

`find_deadlines` reads as dates the phrases that ingest/dates.py finds (the grammar an answer's
lead uses too), the ways Vietnamese administrative text states when something is due:
"trước ngày 15/12", "hoàn thành trước 10/5", "chậm nhất ngày 05/01/2023", "hạn cuối 15/12",
"trước ngày 15 tháng 12 năm 2023", "vào ngày 20/11", "ngày 01/12 và 02/12/2022",
"từ ngày 07/9 đến hết ngày 31/12/2020", "từ 15/9 đến 30/9", "8h00 ngày 16/7/2025",
"vào tuần 4 tháng 9", "tuần 2, 3 tháng 10", "(Tuần 3)" under a month heading,
"trong tháng 9 và tháng 10", "cuối tháng 10 và đầu tháng 11/2023", "ngày 25 hàng tháng",
"thứ Sáu hằng tuần".

Conventions (the gold list in bench/deadlines_gold.json follows them too):
- A year the text leaves out comes from the month heading the phrase sits under when it names
  the same month, else from the school year (August to July: in 2023-2024, 15/12 is 2023-12-15
  and 10/5 is 2024-05-10), else the year nearest the month heading or the document's date.
  With none of these the date is written without a year, ISO 8601 style: "--12-15".
- A stated year is kept as written; when the heading or school year says otherwise
  ("20/3/2023" inside a 2023-2024 plan's March 2024) the deadline is flagged `year_conflict`.
- "tuần N tháng M" is days 7N-6 to 7N of month M (week 5 runs to the month's end);
  "đầu / giữa / cuối tháng" are days 1-10 / 11-20 / 21 to the end.
- A recurring deadline ("ngày 25 hàng tháng") has `recurring` = "monthly:25" (or "weekly:FR")
  and no start or end: when it next falls depends on the day it is asked.
- Dates of cited documents ("Công văn 12/PGD ngày 5/9", "HD 06 ngày 21/10/2022") and dates
  that name a commemorated day ("kỷ niệm ngày 20/11", "Tết thiếu nhi 1/6") are not deadlines; a
  bare date with no word saying it is due ("19/12/1946 - 19/12/2022") is not one either.

`extract_tasks` turns a parsed Document into tasks: every item (line, list item, table cell)
under a month heading, dated or not, and every sentence elsewhere that states a deadline.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .dates import MONTH_NUM, PART, WEEKDAYS, DatePhrase, dates_in, find_dates, last_day, month_and_year
from .model import Document, Task
from .structure import CLOSING, month_of

_UPPER = "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_LOWER = _UPPER.lower()

_COMMEMORATES = re.compile(r"(?i:kỷ niệm|kỉ niệm|chào mừng|mừng|hưởng ứng|lễ|tết|nhân dịp)\s*$")
_PART_DAYS = {"đầu": (1, 10), "giữa": (11, 20), "cuối": (21, 31)}


@dataclass
class Deadline:
    phrase: str  # as written: "hoàn thành trước ngày 15/12"
    start: str | None  # ISO date, "--12-15" when no year can be known; None for a recurring deadline
    end: str | None
    kind: str  # before | on | range | from | week | month | recurring
    recurring: str = ""  # "monthly:25", "weekly:FR"
    year_conflict: bool = False
    offset: int = 0  # where the phrase starts in the text searched


@dataclass
class _Context:
    school_year: int | None  # its first year: 2023 for "2023-2024"
    hint: list[tuple[int, int]]  # (year, month) of the month heading(s) above the text
    anchor: tuple[int, int] | None  # (year, month) of the document's date


def find_deadlines(text: str, school_year: str = "", month_hint: str = "",
                   document_date: str = "") -> list[Deadline]:
    """Deadlines stated in `text`, in order. `month_hint`: the heading's "2023-12" (or
    "2024-06,2024-07"); `document_date`: the directive's ISO date, used only when neither the
    heading nor the school year says which year a date falls in."""
    ctx = _context(school_year, month_hint, document_date)
    return find_dates(text, lambda phrase: _read(phrase, text, ctx))


# --- reading one phrase -----------------------------------------------------------------------

def _read(found: DatePhrase, text: str, ctx: _Context) -> Deadline | None:
    phrase, kind, at = found.text, found.kind, found.start
    if kind == "date" or (kind == "on" and _commemorates(text, at)):
        return None  # a date nothing says is due, or the day a celebration commemorates
    if kind in ("range", "from", "before", "on"):
        dates = [_date(d, ctx) for d in _borrow_years(dates_in(phrase), ctx)]
        if not dates or any(d is None for d in dates):
            return None
        first, last = dates[0], dates[-1]
        if kind == "range" and len(dates) < 2:
            return None
        return _deadline(at, phrase, first[0], last[1], kind, first[2] or last[2])
    if kind == "before_day":
        if len(ctx.hint) != 1:
            return None
        year, month = ctx.hint[0]
        day = int(re.findall(r"\d{1,2}", phrase)[-1])
        iso = _iso(year, month, day)
        return _deadline(at, phrase, iso, iso, "before", False) if iso else None
    if kind in ("week", "week_hint"):
        return _read_week(kind, at, phrase, ctx)
    if kind in ("month", "month_hint"):
        return _read_months(kind, at, phrase, ctx)
    if kind == "monthly":
        day = int(re.search(r"ngày\s+(\d{1,2})", phrase, re.I).group(1))
        if not 1 <= day <= 31:
            return None
        return Deadline(phrase, None, None, "recurring", f"monthly:{day}", offset=at)
    if kind == "weekly":
        word = re.search(r"thứ\s+(\S+)", phrase, re.I).group(1).lower().rstrip(",.;")
        return Deadline(phrase, None, None, "recurring", f"weekly:{WEEKDAYS[word]}", offset=at)
    return None


def _deadline(at: int, phrase: str, start: str, end: str, kind: str, conflict: bool) -> Deadline | None:
    if kind == "from":
        end = start
    if start[:1].isdigit() and end[:1].isdigit() and start > end:
        return None  # "từ 30/9 đến 1/9": not a period
    return Deadline(phrase, start, end, kind, "", conflict, at)


def _read_week(kind: str, at: int, phrase: str, ctx: _Context) -> Deadline | None:
    if kind == "week_hint":
        if len(ctx.hint) != 1:
            return None
        weeks = [int(w) for w in re.findall(r"\d", phrase)]
        (year, month), conflict = ctx.hint[0], False
    else:
        head, _, tail = phrase.lower().rpartition("tháng")
        weeks = [int(w) for w in re.findall(r"\d", head)]
        month, stated = month_and_year(tail)
        if month is None:
            return None
        year, conflict = _year(month, stated, ctx)
    start = _iso(year, month, 7 * min(weeks) - 6)
    end = _iso(year, month, min(7 * max(weeks), last_day(year, month)))
    return Deadline(phrase, start, end, "week", "", conflict, at) if start and end else None


def _read_months(kind: str, at: int, phrase: str, ctx: _Context) -> Deadline | None:
    if kind == "month_hint":
        if len(ctx.hint) != 1:
            return None
        (year, month), part = ctx.hint[0], phrase.split()[0].lower()
        days = _PART_DAYS[part]
        return Deadline(phrase, _iso(year, month, days[0]),
                        _iso(year, month, min(days[1], last_day(year, month))), "month", offset=at)
    # Each piece is "[part] [tháng] M[/YYYY]"; a stated year belongs to its own piece, and
    # pieces without one take the year the school year gives.
    body = re.sub(r"^(?:trong|vào|từ)\s+", "", phrase.lower())
    pieces = re.findall(rf"(?:({PART})\s+)?(?:tháng\s+)?({MONTH_NUM})", body)
    if not pieces:
        return None
    spans, conflict = [], False
    for part, text in pieces:
        month, stated = month_and_year(text)
        if month is None:
            return None
        year, clash = _year(month, stated, ctx)
        conflict |= clash
        first, last = _PART_DAYS.get(part, (1, 31))
        spans.append((_iso(year, month, first), _iso(year, month, min(last, last_day(year, month)))))
    start, end = spans[0][0], spans[-1][1]
    if not start or not end:
        return None
    if start[:1].isdigit() and end[:1].isdigit() and start > end:
        return None
    return Deadline(phrase, start, end, "month", "", conflict, at)


def _borrow_years(dates: list[tuple[int, int, int | None]], ctx: _Context):
    """"từ 07/9 đến 31/12/2020": with no heading or school year to go by, an earlier date takes
    its year from a later one in the same phrase (the year before when its month is later)."""
    if ctx.school_year or ctx.hint:
        return dates
    out, later = [], None
    for day, month, year in reversed(dates):
        if year is None and later:
            year = later[1] - (month > later[0])
        out.append((day, month, year))
        if year is not None:
            later = (month, year)
    return list(reversed(out))


def _date(parts: tuple[int, int, int | None], ctx: _Context) -> tuple[str, str, bool] | None:
    day, month, stated = parts
    if not 1 <= month <= 12:
        return None
    year, conflict = _year(month, stated, ctx)
    iso = _iso(year, month, day)
    return (iso, iso, conflict) if iso else None


def _year(month: int, stated: int | None, ctx: _Context) -> tuple[int | None, bool]:
    """(year, whether a stated year contradicts the heading or school year)."""
    inferred, strong = None, False
    same = [y for y, mo in ctx.hint if mo == month]
    if same:
        inferred, strong = same[0], True
    elif ctx.school_year:
        # A school year runs August to July.
        inferred, strong = ctx.school_year + (month < 8), True
    elif ctx.hint or ctx.anchor:
        year, anchor_month = ctx.hint[0] if ctx.hint else ctx.anchor
        inferred = min((year - 1, year, year + 1), key=lambda y: abs((y * 12 + month) - (year * 12 + anchor_month)))
    if stated is not None:
        return stated, strong and inferred != stated
    return inferred, False


def _iso(year: int | None, month: int, day: int) -> str | None:
    last = last_day(year, month)
    if not 1 <= day <= last:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


def _commemorates(text: str, at: int) -> bool:
    return bool(_COMMEMORATES.search(text[max(0, at - 30):at]))


def _context(school_year: str, month_hint: str, document_date: str) -> _Context:
    sy = re.match(r"(\d{4})", school_year or "")
    hint = [(int(y), int(mo)) for y, mo in re.findall(r"(\d{4})-(\d{2})", month_hint or "")]
    anchor = re.match(r"(\d{4})-(\d{2})", document_date or "")
    return _Context(int(sy.group(1)) if sy else None, hint,
                    (int(anchor.group(1)), int(anchor.group(2))) if anchor else None)


# --- tasks --------------------------------------------------------------------------------------

_TABLE_HEADER = re.compile(r"^\s*tháng\s*/\s*năm\s*$", re.I)
_LEADING_MARK = re.compile(r"^[\s\-–+•*]*(?:(\d{1,2})\s*[.)\-–]?\s+)?[\s\-–+•*]*")
_INLINE_ITEM = re.compile(rf"\s[-–+•]\s+(?=[{_UPPER}])")
_INLINE_NUMBER = re.compile(rf"\s(\d{{1,2}})\s+(?=[{_UPPER}])")
_SENTENCE_END = re.compile(rf"(?<=[{_LOWER}\)”\"%][.!?])\s+(?=[{_UPPER}])")


def extract_tasks(document: Document) -> list[Task]:
    """Tasks in document order: each item under a month heading, and each sentence elsewhere
    that states a deadline. A task keeps its chunk, so an answer can cite where it came from."""
    m = document.metadata
    tasks: list[Task] = []
    for chunk in document.chunks:
        text = document.text[chunk.start:chunk.end]
        pieces = _month_items(text) if chunk.month else _sentences(text)
        for item in pieces:
            deadlines = find_deadlines(item, m.school_year, chunk.month, m.date)
            if not deadlines and not chunk.month:
                continue
            month = chunk.month or _month_of_deadline(deadlines[0])
            for d in deadlines or [None]:
                tasks.append(Task(
                    ordinal=len(tasks), chunk=chunk.ordinal, month=month, text=item,
                    deadline_start=(d.start or "") if d else "", deadline_end=(d.end or "") if d else "",
                    deadline_text=d.phrase if d else "", deadline_kind=d.kind if d else "",
                    recurring=d.recurring if d else "", year_conflict=bool(d and d.year_conflict)))
    return tasks


def _month_of_deadline(d: Deadline) -> str:
    return d.start[:7] if d.start and d.start[:1].isdigit() else ""


def _month_items(text: str) -> list[str]:
    """The items of a month block: table rows without their month and number cells, lines,
    and the items a cell joins inline ("- A - B", "1 A 2 B 3 C")."""
    items = []
    for line in text.split("\n"):
        cells = [c.strip() for c in line.split("\t") if c.strip()]
        if cells and (_TABLE_HEADER.match(cells[0]) or month_of(cells[0]) and len(cells) == 1):
            continue  # a repeated table header, or the month heading itself
        number = None
        if "\t" in line and month_of(line) is not None:
            cells = cells[1:]  # the table's month cell
        if cells and cells[0].isdigit():
            number = int(cells[0])
            cells = cells[1:]
        line = " ".join(cells)
        lead = _LEADING_MARK.match(line)
        if lead.group(1) and number is None:
            number = int(lead.group(1))
        for piece in _split_numbered(line[lead.end():], number):
            for part in _INLINE_ITEM.split(" " + piece):
                item = _tidy_item(part)
                if _is_item(item):
                    items.append(item)
    return items


def _split_numbered(text: str, number: int | None) -> list[str]:
    """Cut "1 Xét duyệt ... 2 Xây dựng ... 3 Tổng hợp" at each next number in sequence only, so
    "ít nhất 02 sản phẩm" or "Đề án 404" stay whole."""
    if number is None:
        return [text]
    pieces, start, expected = [], 0, number + 1
    for m in _INLINE_NUMBER.finditer(text):
        if int(m.group(1)) == expected:
            pieces.append(text[start:m.start()])
            start, expected = m.end(), expected + 1
    pieces.append(text[start:])
    return pieces


def _sentences(text: str) -> list[str]:
    out = []
    for line in text.split("\n"):
        line = _LEADING_MARK.sub("", line.replace("\t", " "), count=1) if line.lstrip()[:1] in "-–+•*" else line
        for sentence in _SENTENCE_END.split(line):
            item = _tidy_item(sentence)
            if _is_item(item):
                out.append(item)
    return out


def _tidy_item(text: str) -> str:
    text = " ".join(text.split())
    text = _LEADING_MARK.sub("", text, count=1) if text[:1] in "-–+•*" else text
    text = text.rstrip(" ;,")
    # A cell cut from "(... trước ngày 25/9)" keeps only the closing bracket: drop it.
    if text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].rstrip()
    return text




def _is_item(text: str) -> bool:
    # "Trên đây là kế hoạch ..." is no task: the schedule's last month runs into it.
    return sum(ch.isalpha() for ch in text) >= 6 and len(text.split()) >= 2 and not CLOSING.match(text)
