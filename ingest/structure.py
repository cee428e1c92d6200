"""The section tree and month schedules of a directive, from its own numbering.

Each line of the normalised text is either a heading (its label says its rank: Phần/Chương/Phụ
lục > I. > Điều > month > 1. > 1.1. > 1.1.1. > a.) or body text of the innermost open section.
Ranks are fixed rather than learnt per document because Vietnamese administrative writing
(Nghị định 30/2020 on văn bản hành chính) orders them this way; bullets (-, +, *) are list items
inside a section, not sections, so a section's items can be cited together.

A heading's name may continue on the following lines: "Chương II" over "CHÍNH SÁCH ĐẦU TƯ ...",
an ALL-CAPS heading wrapped by the page width, an appendix's caption under "Phụ lục I". Those
lines name the section they continue instead of opening sections of their own (which, as
top-rank titles, would close every section above them).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Section

_ROMAN = r"(?:X{0,3})(?:IX|IV|V?I{1,3}|V)"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("appendix", re.compile(
        r"^((?:PHỤ LỤC|Phụ lục)(?:\s+(?:SỐ\s+|số\s+)?(?:[IVXL]+|\d{1,2}[a-z]?))?)\s*(?:[\.:\-–]\s*(.*)|$)")),
    ("part", re.compile(r"^((?:PHẦN|Phần)\s+(?:" + _ROMAN + r"|\d+|THỨ \S+|thứ \S+))\s*[\.:\-]?\s*(.*)$")),
    ("chapter", re.compile(r"^((?:CHƯƠNG|Chương)\s+(?:" + _ROMAN + r"|\d+))\s*[\.:\-]?\s*(.*)$")),
    ("roman", re.compile(r"^(" + _ROMAN + r"\s*[\.\)])\s*(?!\d)(.*)$")),
    # A line that a page width wrapped before "Điều 5 Nghị định số 136/2013..." or "Điều 4 của
    # Luật ..." cites an article of another text; it does not open one.
    # "Điều 2. Quy định mức học phí" (with its full stop) is an article's own title.
    ("article", re.compile(r"^((?:Điều|ĐIỀU)\s+\d+[a-z]?)(?!\d)(?:\s*[\.:]|(?!\s*(?:của|này|Nghị định|Nghị quyết|"
                           r"Thông tư|Luật|Bộ luật|Quyết định|Pháp lệnh|Quy chế|Quy định|Điều lệ)\b))\s*(.*)$")),
    ("dotted", re.compile(r"^(\d{1,2}(?:\.\d{1,2})+\.?)\s+(.*)$")),
    ("decimal", re.compile(r"^(\d{1,2}\s*[\.\)])\s*(?!\d)(.*)$")),
    ("letter", re.compile(r"^([a-zđ]\s*[\.\)])\s+(.*)$")),
]
_RANK = {"title": 0, "appendix": 0, "part": 0, "chapter": 1, "roman": 2, "article": 3, "month": 4,
         "decimal": 5, "letter": 9}

# "* Tháng 9/2023", "THÁNG 01, 02/2021:", "Tháng 3/ 2024", "6+7 /2024", "8/2023" (a table's month cell)
_MONTHS = r"(\d{1,2}(?:\s*(?:,|\+|-|và)\s*\d{1,2})*)"
_MONTH_LINE = re.compile(
    r"^[\*\-•]?\s*(?:THÁNG|Tháng|tháng)\s+" + _MONTHS + r"\s*(?:(?:/|năm)\s*(\d{4}))?\s*[:\.]?\s*$"
)
_MONTH_CELL = re.compile(r"^(?:(?:THÁNG|Tháng|tháng)\s+)?" + _MONTHS + r"\s*/\s*(\d{4})\s*:?$")
_TAIL = re.compile(r"^(?:Nơi nhận|NƠI NHẬN)\b")
# "Trên đây là kế hoạch ..." closes a directive.
CLOSING = re.compile(r"^(?:Trên đây là|Trên đây là)\b", re.I)
_SCHOOL_YEAR = re.compile(r"năm học\s+(\d{4})\s*[-–]\s*(\d{4})", re.I)


@dataclass
class Line:
    start: int
    end: int
    text: str


def split_lines(text: str) -> list[Line]:
    lines, pos = [], 0
    for raw in text.split("\n"):
        lines.append(Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return lines


def month_of(line: str, school_year: str = "") -> list[str] | None:
    """The months a month heading or month table cell names, as "YYYY-MM"; None if it is not one."""
    first_cell = line.split("\t")[0].strip() if "\t" in line else None
    m = _MONTH_LINE.match(line.strip()) or (first_cell and _MONTH_CELL.match(first_cell))
    if not m:
        return None
    months = [int(x) for x in re.findall(r"\d{1,2}", m.group(1))]
    if not months or any(not 1 <= x <= 12 for x in months):
        return None
    year = int(m.group(2)) if m.group(2) else None
    if year is None:
        start = _start_year(school_year)
        if start is None:
            return None
        # A school year runs August to July, so months before August fall in its second year.
        return [f"{start + (mo < 8):04d}-{mo:02d}" for mo in months]
    # "THÁNG 01, 02/2021": the stated year belongs to the last month; a list that wraps past
    # December ("12, 01/2021") puts the earlier months in the year before.
    out, y, later = [], year, 13
    for mo in reversed(months):
        if mo > later:
            y -= 1
        out.append(f"{y:04d}-{mo:02d}")
        later = mo
    return list(reversed(out))


def _start_year(school_year: str) -> int | None:
    m = re.match(r"(\d{4})", school_year or "")
    return int(m.group(1)) if m else None


def school_year_of(text: str) -> str:
    m = _SCHOOL_YEAR.search(text)
    return f"{m.group(1)}-{m.group(2)}" if m else ""


def heading_of(line: str) -> tuple[str, str, str] | None:
    """(kind, label, heading) when a line opens a section."""
    if "\t" in line:
        return None
    for kind, pattern in _PATTERNS:
        m = pattern.match(line)
        if m:
            label = re.sub(r"\s+", "", m.group(1)) if kind not in ("appendix", "part", "chapter", "article") else m.group(1)
            return kind, label, (m.group(2) or "").strip()
    if _is_title(line):
        return "title", "", line
    return None


def _is_title(line: str) -> bool:
    # A short ALL-CAPS line with no numbering: a title block or an appendix heading
    # ("KẾ HOẠCH TRỌNG TÂM THÁNG").
    return len(line) <= 200 and len(line.split()) >= 2 and _is_caps(line)


def _is_caps(line: str) -> bool:
    # The national motto and an issuing body's name are header, not a section's name.
    letters = [c for c in line if c.isalpha()]
    if len(letters) < 6 or "\t" in line:
        return False
    if "CỘNG HÒA" in line or "CỘNG HOÀ" in line or line.startswith(("UBND", "SỞ ", "PHÒNG ", "TRƯỜNG ", "BỘ ", "Số")):
        return False
    return sum(c.isupper() for c in letters) / len(letters) > 0.9


def _continues_name(section: Section, kind: str, line: str) -> bool:
    """Whether a line goes on naming the section whose heading line (or name) came just before."""
    if month_of(line) or _TAIL.match(line):
        return False
    found = heading_of(line)
    if found and found[0] != "title":
        return False
    if _is_caps(line):
        # An ALL-CAPS name wraps onto ALL-CAPS lines; a named chapter or appendix gets a caption.
        return not section.heading or _is_caps(section.heading)
    # "Chương II" over its name in plain case.
    return kind in ("part", "chapter") and not section.heading and len(line) <= 200


def parse_sections(text: str, school_year: str = "") -> list[Section]:
    """Sections in document order; a section ends where the next one of equal or higher rank starts."""
    school_year = school_year or school_year_of(text)
    sections: list[Section] = []
    open_stack: list[tuple[int, int]] = []  # (rank, ordinal)
    lines = split_lines(text)

    def close_to(rank: int, at: int) -> None:
        while open_stack and open_stack[-1][0] >= rank:
            _, ordinal = open_stack.pop()
            sections[ordinal].end = at

    naming: tuple[int, str] | None = None  # (ordinal, kind) of the heading the next line may continue
    for line in lines:
        if not line.text.strip():
            continue
        if naming and _continues_name(sections[naming[0]], naming[1], line.text):
            named = sections[naming[0]]
            named.heading = f"{named.heading} {line.text.strip()}".strip()
            continue
        naming = None
        months = month_of(line.text, school_year)
        if months:
            label = line.text.split("\t")[0].strip().lstrip("*-• ").rstrip(":. ")
            if not label.lower().startswith("tháng"):
                label = f"Tháng {label}"
            kind, heading = "month", ""
        elif _TAIL.match(line.text):
            kind, label, heading, months = "title", "Nơi nhận", "", None
        else:
            found = heading_of(line.text)
            if not found:
                continue
            kind, label, heading = found
            if kind == "title" and not sections:
                # Title lines above the body ("KẾ HOẠCH", its subject) are header, not structure.
                continue
            if kind == "roman" and set(label.rstrip(".)")) == {"I"} and any(r == _RANK["article"] for r, _ in open_stack):
                # Legal drafting never numbers inside an Điều with Roman numerals: "I." there is
                # a scan's "1." (a khoản), and must not lift the Điều's remaining khoản out of it.
                kind, label = "decimal", label.replace("I", "1")
        # "4.2.1." sits under "4.2." which sits under "4.": depth decides the rank.
        rank = 5 + label.count(".") - label.endswith(".") if kind == "dotted" else _RANK[kind]
        close_to(rank, line.start)
        parent = open_stack[-1][1] if open_stack else None
        ordinal = len(sections)
        sections.append(Section(
            ordinal=ordinal, parent=parent, level=len(open_stack), label=label, heading=heading,
            start=line.start, end=len(text), month=",".join(months or []),
        ))
        open_stack.append((rank, ordinal))
        if kind not in ("month", "dotted", "decimal", "letter") and label != "Nơi nhận":
            naming = (ordinal, kind)
    close_to(-1, len(text))
    return sections


def inherited_month(sections: list[Section], ordinal: int | None) -> str:
    while ordinal is not None:
        if sections[ordinal].month:
            return sections[ordinal].month
        ordinal = sections[ordinal].parent
    return ""


# A division's title names what it is about, however long ("Điều 10 Chính sách đối với giáo
# viên mầm non làm việc tại cơ sở giáo dục mầm non thuộc loại hình dân lập, tư thục ở địa bàn
# có khu công nghiệp": cut at 70 characters it lost the words a question asks by), so it is kept
# to TITLE_WIDTH; a numbered item's "heading" may be its whole sentence, so it is cut shorter.
_TITLED = re.compile(r"^(?:Điều|ĐIỀU|Chương|CHƯƠNG|Phần|PHẦN|Phụ lục|PHỤ LỤC)\b")
TITLE_WIDTH = 200


def heading_path(sections: list[Section], ordinal: int | None, width: int = 70) -> str:
    parts = []
    while ordinal is not None:
        s = sections[ordinal]
        title = f"{s.label} {s.heading}".strip()
        cut = TITLE_WIDTH if _TITLED.match(s.label) else width
        parts.append(title if len(title) <= cut else title[: cut - 1].rstrip() + "…")
        ordinal = s.parent
    return " > ".join(reversed(parts))


def is_framing(text: str, path: str = "") -> bool:
    """Whether a passage frames its directive rather than saying anything: the recipients and
    signature ("Nơi nhận"), the closing ("Trên đây là kế hoạch ... đề nghị ... thực hiện"), or a
    lone sentence announcing what follows ("... xây dựng kế hoạch ... như sau:"). They repeat the
    directive's title and issuer, so they match any question about it and answer none."""
    body = text.strip()
    return (path.endswith("Nơi nhận") or bool(_TAIL.match(body)) or bool(CLOSING.match(body))
            or ("\n" not in body and body.endswith(":")))
