"""Deadlines stated in a directive, as dates, and the tasks they belong to.

`find_deadlines` reads the ways Vietnamese administrative text states when something is due:
"trước ngày 15/12", "hoàn thành trước 10/5", "chậm nhất ngày 05/01/2023", "hạn cuối 15/12",
"trước ngày 15 tháng 12 năm 2023", "vào ngày 20/11", "ngày 01/12 và 02/12/2022",
"từ ngày 07/9 đến hết ngày 31/12/2020", "từ 15/9 đến 30/9", "vào tuần 4 tháng 9",
"tuần 2, 3 tháng 10", "(Tuần 3)" under a month heading, "trong tháng 9 và tháng 10",
"cuối tháng 10 và đầu tháng 11/2023", "ngày 25 hàng tháng", "thứ Sáu hằng tuần".

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

import calendar
import re
from dataclasses import dataclass

from .model import Document, Task
from .structure import month_of

_UPPER = "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_LOWER = _UPPER.lower()

# 15/12, 15/12/2023, 15 / 12 / 2023; never part of "12/2023/QĐ" or "1/6/7".
_NUM_DATE = r"(?<![\d/])\d{1,2}\s*/\s*\d{1,2}(?:\s*/\s*\d{4})?(?![\d/])"
_LONG_DATE = r"\d{1,2}\s+tháng\s+\d{1,2}(?:\s*năm\s+\d{4})?(?![\d/])"
_ANY_DATE = rf"(?:{_NUM_DATE}|{_LONG_DATE})"
_MONTH_NUM = r"(?:0?[1-9]|1[0-2])(?!\d)(?!\s*tuổi)(?:\s*/\s*\d{4}|\s*năm\s+\d{4})?"
_PART = r"(?:đầu|giữa|cuối)"
_SEP = r"\s*(?:,|và|đến|tới|-|–)\s*"
_W = r"(?<![\w])"  # a word starts here

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [(kind, re.compile(p, re.I)) for kind, p in [
    # "từ ngày 07/9/2020 đến hết ngày 31/12/2020", "từ 15/9 - 30/9"
    ("range", rf"{_W}(?:bắt đầu\s+)?từ\s+(?:ngày\s+)?{_ANY_DATE}\s*(?:đến|tới|-|–)\s*(?:hết\s+)?(?:ngày\s+)?{_ANY_DATE}"),
    # "ngày 01/12 và 02/12/2022", "ngày 15/9 - 20/9"
    ("range", rf"{_W}(?:vào\s+)?ngày\s+{_NUM_DATE}\s*(?:-|–|đến|tới|và)\s*(?:hết\s+)?(?:ngày\s+)?{_NUM_DATE}"),
    ("from", rf"{_W}(?:bắt đầu\s+)?từ\s+(?:ngày\s+)?{_ANY_DATE}"),
    # "hoàn thành trước ngày 30/9", "chậm nhất là ngày 5/1/2024", "hạn nộp: 15/12", "đến hết ngày 31/12"
    ("before", rf"{_W}(?:hoàn thành\s+)?(?:trước|chậm nhất|muộn nhất|không quá|hạn(?:\s+(?:cuối|chót|nộp))?"
               rf"|(?:đến|tới)(?:\s+hết)?)\s*(?:là\s+)?(?:vào\s+)?:?\s*(?:ngày\s+)?{_ANY_DATE}"),
    # "trước ngày 25" under a month heading: the heading supplies the month
    ("before_day", rf"{_W}(?:hoàn thành\s+)?(?:trước|chậm nhất|muộn nhất|hạn(?:\s+(?:cuối|chót|nộp))?)\s*(?:là\s+)?"
                   r"(?:vào\s+)?ngày\s+\d{1,2}(?![\d/])(?!\s*(?:tháng|hàng|hằng|mỗi))"),
    ("on", rf"{_W}vào\s+(?:ngày\s+)?{_ANY_DATE}"),
    ("on", rf"{_W}ngày\s+{_NUM_DATE}"),
    # "vào tuần 4 tháng 9", "tuần 2, 3 tháng 10/2023"
    ("week", rf"{_W}(?:vào\s+)?tuần\s+[1-5](?:{_SEP}(?:tuần\s+)?[1-5])*\s+(?:của\s+)?tháng\s+{_MONTH_NUM}"),
    ("week_hint", r"\(\s*tuần\s+[1-5](?:\s*(?:,|và|-|–)\s*[1-5])*\s*\)"),
    # "trong tháng 9 và tháng 10", "cuối tháng 10 và đầu tháng 11/2023", "từ tháng 9 đến tháng 12"
    ("month", rf"{_W}(?:(?:trong|vào|từ)\s+(?:{_PART}\s+)?|{_PART}\s+)tháng\s+{_MONTH_NUM}"
              rf"(?:{_SEP}(?:{_PART}\s+)?(?:tháng\s+)?{_MONTH_NUM})*"),
    ("month_hint", rf"{_W}{_PART}\s+tháng(?!\s*\d)(?!\s+(?:này|sau|trước|tới))"),
    # "ngày 25 hàng tháng", "hằng tháng, trước ngày 5"
    ("monthly", r"(?<![\w])(?:(?:trước|vào)\s+)?ngày\s+\d{1,2}\s+(?:hàng|hằng|mỗi)\s+tháng"),
    ("monthly", r"(?<![\w])(?:hàng|hằng|mỗi)\s+tháng\s*,?\s*(?:vào\s+)?(?:trước\s+)?ngày\s+\d{1,2}(?![\d/])"),
    ("weekly", r"(?<![\w])(?:vào\s+)?(?:(?:buổi\s+)?(?:sáng|chiều)\s+)?thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])\s+"
               r"(?:hàng|hằng|mỗi)\s+tuần"),
    ("weekly", r"(?<![\w])(?:hàng|hằng|mỗi)\s+tuần\s*,?\s*vào\s+(?:(?:buổi\s+)?(?:sáng|chiều)\s+)?thứ\s+"
               r"(?:hai|ba|tư|năm|sáu|bảy|[2-7])(?![\w])"),
]]

# What stands right before the date of a cited document: its number ("12/PGD", "50/2020/TT-BGDĐT,")
# or its kind and number ("HD 06", "Công văn số 316").
_CITED_BEFORE = re.compile(
    r"(?:\d+\s*/\s*[^\s,;()]*[^\W\d_][^\s,;()]*"
    r"|(?i:số|HD|CV|KH|QĐ|TB|TT|NĐ|CT|NQ|công văn|kế hoạch|hướng dẫn|quyết định|thông tư|nghị định|chỉ thị"
    r"|nghị quyết|thông báo|văn bản|công điện)\s+(?:số\s*)?\d+[^\s,;()]*)\s*,?\s*$")
_CITED_AFTER = re.compile(
    r"^\s*,?\s*(?:của|do)\s+(?:Bộ|Sở|Phòng|UBND|Ủy ban|Uỷ ban|Chính phủ|Thủ tướng|HĐND|Hội đồng|Quốc hội"
    r"|Ban|Quận|Huyện|Tỉnh|Thành)")
_COMMEMORATES = re.compile(r"(?i:kỷ niệm|kỉ niệm|chào mừng|mừng|hưởng ứng|lễ|tết|nhân dịp)\s*$")
_WEEKDAYS = {"hai": "MO", "2": "MO", "ba": "TU", "3": "TU", "tư": "WE", "4": "WE", "năm": "TH", "5": "TH",
             "sáu": "FR", "6": "FR", "bảy": "SA", "7": "SA"}
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
    found: list[tuple[int, int, str, re.Match]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            found.append((m.start(), m.end(), kind, m))
    # Where phrases overlap the longest one says most ("từ ngày 7/9 đến hết ngày 31/12" over "ngày 7/9").
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    out: list[Deadline] = []
    taken = -1
    for start, end, kind, m in found:
        if start < taken:
            continue
        deadline = _read(kind, m, text, ctx)
        if deadline is None:
            continue
        taken = end
        out.append(deadline)
    return out


# --- reading one phrase -----------------------------------------------------------------------

def _read(kind: str, m: re.Match, text: str, ctx: _Context) -> Deadline | None:
    phrase = m.group(0).strip()
    if _cites_document(text, m) or (kind == "on" and _commemorates(text, m)):
        return None
    if kind in ("range", "from", "before", "on"):
        dates = [_date(d, ctx) for d in _borrow_years(_dates_in(phrase), ctx)]
        if not dates or any(d is None for d in dates):
            return None
        first, last = dates[0], dates[-1]
        if kind == "range" and len(dates) < 2:
            return None
        return _deadline(m, phrase, first[0], last[1], kind, first[2] or last[2])
    if kind == "before_day":
        if len(ctx.hint) != 1:
            return None
        year, month = ctx.hint[0]
        day = int(re.findall(r"\d{1,2}", phrase)[-1])
        iso = _iso(year, month, day)
        return _deadline(m, phrase, iso, iso, "before", False) if iso else None
    if kind in ("week", "week_hint"):
        return _read_week(kind, m, phrase, ctx)
    if kind in ("month", "month_hint"):
        return _read_months(kind, m, phrase, ctx)
    if kind == "monthly":
        day = int(re.search(r"ngày\s+(\d{1,2})", phrase, re.I).group(1))
        if not 1 <= day <= 31:
            return None
        return Deadline(phrase, None, None, "recurring", f"monthly:{day}", offset=m.start())
    if kind == "weekly":
        word = re.search(r"thứ\s+(\S+)", phrase, re.I).group(1).lower().rstrip(",.;")
        return Deadline(phrase, None, None, "recurring", f"weekly:{_WEEKDAYS[word]}", offset=m.start())
    return None


def _deadline(m: re.Match, phrase: str, start: str, end: str, kind: str, conflict: bool) -> Deadline | None:
    if kind == "from":
        end = start
    if start[:1].isdigit() and end[:1].isdigit() and start > end:
        return None  # "từ 30/9 đến 1/9": not a period
    return Deadline(phrase, start, end, kind, "", conflict, m.start())


def _read_week(kind: str, m: re.Match, phrase: str, ctx: _Context) -> Deadline | None:
    if kind == "week_hint":
        if len(ctx.hint) != 1:
            return None
        weeks = [int(w) for w in re.findall(r"\d", phrase)]
        (year, month), conflict = ctx.hint[0], False
    else:
        head, _, tail = phrase.lower().rpartition("tháng")
        weeks = [int(w) for w in re.findall(r"\d", head)]
        month, stated = _month_and_year(tail)
        if month is None:
            return None
        year, conflict = _year(month, stated, ctx)
    start = _iso(year, month, 7 * min(weeks) - 6)
    end = _iso(year, month, min(7 * max(weeks), _last_day(year, month)))
    return Deadline(phrase, start, end, "week", "", conflict, m.start()) if start and end else None


def _read_months(kind: str, m: re.Match, phrase: str, ctx: _Context) -> Deadline | None:
    if kind == "month_hint":
        if len(ctx.hint) != 1:
            return None
        (year, month), part = ctx.hint[0], phrase.split()[0].lower()
        days = _PART_DAYS[part]
        return Deadline(phrase, _iso(year, month, days[0]),
                        _iso(year, month, min(days[1], _last_day(year, month))), "month", offset=m.start())
    # Each piece is "[part] [tháng] M[/YYYY]"; a stated year belongs to its own piece, and
    # pieces without one take the year the school year gives.
    body = re.sub(r"^(?:trong|vào|từ)\s+", "", phrase.lower())
    pieces = re.findall(rf"(?:({_PART})\s+)?(?:tháng\s+)?({_MONTH_NUM})", body)
    if not pieces:
        return None
    spans, conflict = [], False
    for part, text in pieces:
        month, stated = _month_and_year(text)
        if month is None:
            return None
        year, clash = _year(month, stated, ctx)
        conflict |= clash
        first, last = _PART_DAYS.get(part, (1, 31))
        spans.append((_iso(year, month, first), _iso(year, month, min(last, _last_day(year, month)))))
    start, end = spans[0][0], spans[-1][1]
    if not start or not end:
        return None
    if start[:1].isdigit() and end[:1].isdigit() and start > end:
        return None
    return Deadline(phrase, start, end, "month", "", conflict, m.start())


def _month_and_year(text: str) -> tuple[int | None, int | None]:
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if not numbers or not 1 <= numbers[0] <= 12:
        return None, None
    return numbers[0], (numbers[1] if len(numbers) > 1 else None)


def _dates_in(phrase: str) -> list[tuple[int, int, int | None]]:
    out = []
    for m in re.finditer(rf"(?P<num>{_NUM_DATE})|(?P<long>{_LONG_DATE})", phrase, re.I):
        numbers = [int(n) for n in re.findall(r"\d+", m.group(0))]
        out.append((numbers[0], numbers[1], numbers[2] if len(numbers) > 2 else None))
    return out


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
    last = _last_day(year if year else 2000, month)  # 2000 is a leap year: "29/2" stays possible
    if not 1 <= day <= last:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


def _last_day(year: int | None, month: int) -> int:
    return calendar.monthrange(year or 2000, month)[1]


def _cites_document(text: str, m: re.Match) -> bool:
    line_start = text.rfind("\n", 0, m.start()) + 1
    before = text[max(line_start, m.start() - 80):m.start()]
    if _CITED_BEFORE.search(before):
        return True
    return bool(re.match(r"(?i:vào\s+)?ngày", m.group(0))) and bool(_CITED_AFTER.match(text[m.end():m.end() + 40]))


def _commemorates(text: str, m: re.Match) -> bool:
    return bool(_COMMEMORATES.search(text[max(0, m.start() - 30):m.start()]))


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


# "Trên đây là kế hoạch ..." closes a directive: the schedule's last month runs into it.
_CLOSING = re.compile(r"^(?:Trên đây là|Trên đây là)\b", re.I)


def _is_item(text: str) -> bool:
    return sum(ch.isalpha() for ch in text) >= 6 and len(text.split()) >= 2 and not _CLOSING.match(text)
