"""Read what a directive states about itself from its header: issuer, number, date, subject...

Only the header is read (the lines before the first legal basis "Căn cứ"/"Thực hiện", numbered
heading or "Điều 1"), plus the body's opening sentence for an issuer the header leaves out and
for the school year, so that body text is never taken for metadata. A field the text does not
state stays empty: nothing is inferred beyond the small display conventions below.

Display conventions for `issuer`: the lowest header line is the issuer (an upper line such as
"UBND HUYỆN AN LÃO" is its parent body); "Giáo dục và Đào tạo" is written "GD&ĐT"; a school type
is abbreviated ("Trường MN Sao Sáng", "Trường MG ...", "Trường TH ..."); place names are in title
case with the administrative unit in lower case ("Phòng GD&ĐT quận Long Biên", taking the
locality from the parent line when the issuer line has none). When the header has no issuer and
the body's opening sentence has a Phòng GD&ĐT issue the text, the place line supplies the
district: "Phòng GD&ĐT Hồng Bàng".
"""
from __future__ import annotations

import datetime
import re
import unicodedata

from .model import Metadata

_UPPER = "A-ZÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_CAPITALISED_WORD = rf"[{_UPPER}][\w.]*"

_MOTTO = re.compile(
    r"(?i:cộng\s+h(?:òa|oà)\s+xã\s+hội\s+chủ\s+nghĩa\s+việt\s+nam"
    r"|đ\s?ộc\s+lập\s*[-–—]\s*tự\s+do\s*[-–—]\s*hạnh\s+phúc)"
)
_NUMBER_LINE = re.compile(r"^(?:Số|SỐ)\s*(?::|(?=[\d./…_]))\s*(?P<rest>.*)$")
# "88 /KH-MNSS", "/GDĐT", "316/ PGDĐT", "12/2023/QĐ-UBND", "36/KH- Ntr": spaces may surround
# "/" and follow a "-", nowhere else.
_NUMBER_TOKEN = re.compile(r"[^\s/]*(?:\s*/\s*[^\s/]+)*(?:(?<=-)\s+[^\s/]+)?")
_SUBJECT_LINE = re.compile(r"^V/[vV]\b[\s:.]*(?P<text>.*)$")
_RECIPIENTS_LINE = re.compile(r"^(?i:kính\s+gửi)\s*:?\s*(?P<text>.*)$")
# Blanks left for a handwritten day/month are spaces, dots or underscores.
_DATE = re.compile(
    r"ngày[\s.…_]*(?P<d>\d{1,2})?[\s.…_]*tháng[\s.…_]*(?P<m>\d{1,2})?"
    r"[\s.…_]*năm[\s.…_]*(?P<y>\d{4})?"
)
_PLACE_BEFORE = re.compile(
    rf"(?:^|\s)(?P<place>(?:(?:Thành phố|Thị xã|Thị trấn)\s+)?{_CAPITALISED_WORD}"
    rf"(?:\s+{_CAPITALISED_WORD}){{0,4}})\s*,?\s*$"
)
_TITLE_WORDS = (
    "KẾ HOẠCH", "QUYẾT ĐỊNH", "HƯỚNG DẪN", "THÔNG BÁO", "BÁO CÁO", "CHỈ THỊ", "TỜ TRÌNH",
    "CHƯƠNG TRÌNH", "QUY CHẾ", "QUY ĐỊNH", "NGHỊ QUYẾT", "GIẤY MỜI", "CÔNG ĐIỆN", "BIÊN BẢN",
    "KẾT LUẬN", "ĐỀ ÁN", "PHƯƠNG ÁN",
)
_TITLE_LINE = re.compile(r"^(?P<word>" + "|".join(_TITLE_WORDS) + r")(?![\w])")
# The signing authority that a quyết định names between its title and its legal bases.
_AUTHORITY_LINE = re.compile(r"^(?:HIỆU TRƯỞNG|TRƯỞNG PHÒNG|GIÁM ĐỐC|CHỦ TỊCH|BỘ TRƯỞNG)\b")
# The kind code in a directive's number ("36/KH-Ntr", "66/2025/NĐ-CP", "4222/QĐ-BGDĐT").
_SYMBOL_KINDS = {
    "KH": "kế hoạch", "QĐ": "quyết định", "TB": "thông báo", "HD": "hướng dẫn",
    "BC": "báo cáo", "CT": "chỉ thị", "TTr": "tờ trình", "GM": "giấy mời", "NQ": "nghị quyết",
    "CTr": "chương trình", "NĐ": "nghị định", "TT": "thông tư",
}
_BASIS_START = re.compile(r"^(?:Căn cứ|CĂN CỨ|Thực hiện|THỰC HIỆN|Theo đề nghị|Xét đề nghị)\b")
# A basis line cites another document, by kind ("Thực hiện Công văn ...") or by number ("12/...").
_CITES_DOCUMENT = re.compile(
    r"^\S+\s+\S+\s+(?:các\s+)?(?i:luật|nghị định|nghị quyết|thông tư|quyết định|chỉ thị|công văn"
    r"|văn bản|kế hoạch|hướng dẫn|thông báo|điều lệ|quy chế|quy định|chương trình|công điện)\b"
    r"|\d+\s*/\s*[A-ZĐ]"
)
_HEADING = re.compile(r"^(?:[IVXL]+\s*[.)]|Điều\s+\d+|\d+(?:\.\d+)*\.\s)")
_BULLET = re.compile(r"^[-–+•*]\s*")
_SCHOOL_YEAR = re.compile(r"(?i:năm học)\s*(\d{4})\s*[-–—]\s*(\d{4})")

_GDDT = r"(?:GD\s*&\s*ĐT|GD\s*-\s*ĐT|GDĐT|GD\s+và\s+ĐT|Giáo dục\s*(?:và|-)\s*Đào tạo)"
_UNIT = r"(?:thành phố|thị xã|thị trấn|quận|huyện|tỉnh|phường|xã|TP\.?)"
# An office or school named as the one acting in the opening sentence: "Phòng GDĐT hướng dẫn ...".
_ACTING_BODY = re.compile(
    rf"(?<!\w)(?:(?P<office>(?i:phòng|sở|bộ))\s+(?i:{_GDDT})"
    rf"(?P<where>(?:\s+(?i:{_UNIT}))?(?:\s+{_CAPITALISED_WORD})*)"
    rf"|(?i:trường)\s+(?P<school>(?i:mầm non|mẫu giáo|MN|MG))(?P<name>(?:\s+{_CAPITALISED_WORD})+))"
    r"\s+(?i:xây dựng|hướng dẫn|thông báo|ban hành|triển khai|yêu cầu|đề nghị|chỉ đạo)\b"
)

# Header lines as written (upper case) -> display pieces.
_OFFICE_LINE = re.compile(
    r"^(?P<office>PHÒNG|SỞ|BỘ)\s+(?:GIÁO DỤC\s*(?:VÀ|-)\s*ĐÀO TẠO|GD\s*&\s*ĐT|GD\s*-\s*ĐT|GDĐT"
    r"|GD VÀ ĐT)\s*(?P<rest>.*)$"
)
_SCHOOL_TYPES = {
    "MẦM NON": "MN", "MN": "MN", "MẪU GIÁO": "MG", "MG": "MG", "TIỂU HỌC": "TH",
    "TRUNG HỌC CƠ SỞ": "THCS", "THCS": "THCS", "TRUNG HỌC PHỔ THÔNG": "THPT", "THPT": "THPT",
}
_SCHOOL_LINE = re.compile(
    r"^TRƯỜNG\s+(?:(?P<type>" + "|".join(sorted(_SCHOOL_TYPES, key=len, reverse=True))
    + r")\s+)?(?P<name>.+)$"
)
_COUNCIL_LINE = re.compile(
    r"^(?:(?P<committee>UBND|UỶ BAN NHÂN DÂN|ỦY BAN NHÂN DÂN)|HĐND|HỘI ĐỒNG NHÂN DÂN)\s+(?P<rest>.+)$"
)
_UNIT_WORDS = (
    "THÀNH PHỐ", "THỊ XÃ", "THỊ TRẤN", "QUẬN", "HUYỆN", "TỈNH", "PHƯỜNG", "XÃ", "TP.", "TP",
)
_LOCALITY = re.compile(r"(?:^|\s)(?:" + "|".join(map(re.escape, _UNIT_WORDS)) + r")\s+.+$")
_BODY_HEADS = re.compile(
    r"^(?:PHÒNG|SỞ|BỘ|TRƯỜNG|UBND|HĐND|ỦY BAN|UỶ BAN|TRUNG TÂM|BAN|HỘI ĐỒNG|NHÓM|LỚP|CÔNG ĐOÀN"
    r"|CHÍNH PHỦ|QUỐC HỘI|VĂN PHÒNG|CỤC|TỔNG CỤC|ĐẠI HỌC)\b"
)
_NOT_ISSUER = {"DỰ THẢO", "KHẨN", "MẬT", "HỎA TỐC", "HOẢ TỐC", "THƯỢNG KHẨN"}
_MAX_HEADER_LINES = 40
# Words without a vowel ("GDĐT", "THCS", "TP.") are acronyms anyway; these few have one.
_ACRONYMS = {"UBND", "HĐND", "GDMN"}


def read_metadata(text: str) -> Metadata:
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    end = _header_end(lines)
    rows = [_cells(line) for line in lines[:end]]
    rows = [row for row in rows if row]
    meta = Metadata()
    opening = _opening_paragraph(lines, end)

    tags = [[_tag(cell) for cell in row] for row in rows]
    cells = [(r, cell, tag) for r, row in enumerate(rows) for cell, tag in zip(row, tags[r])]
    symbol, seen = "", set()
    for r, cell, tag in cells:
        if tag in seen:
            continue  # the first of each kind of header line is the document's own
        seen.add(tag)
        if tag == "number":
            meta.number, symbol = _number(cell)
        elif tag == "date":
            meta.place, meta.date, meta.date_text = _date(cell)
        elif tag == "subject":
            first = _SUBJECT_LINE.match(cell)["text"]
            subject = " ".join([first] + _continuation(rows, tags, r, _subject_goes_on))
            meta.subject = _tidy(subject).rstrip(" .;")
        elif tag == "title":
            # Under a bare "NGHỊ QUYẾT" the next line is the document's name, even one that
            # begins with a kind word itself ("QUY ĐỊNH MỨC HỌC PHÍ ...").
            name_follows = bool(_TITLE_LINE.fullmatch(cell))
            more = _continuation(rows, tags, r, _title_goes_on, name_follows)
            meta.title = _tidy(" ".join([cell] + more)).rstrip(" .")
        elif tag == "recipients":
            meta.recipients = _recipients(rows, r, cell)
            break  # "Kính gửi" closes the header: whatever follows is the body

    meta.issuer_lines = _issuer_lines(rows, tags)
    if not any(_BODY_HEADS.match(line.upper()) for line in meta.issuer_lines):
        meta.issuer_lines = []  # capitals that name no body are a heading, not an issuer
    if meta.issuer_lines:
        meta.issuer = _display_issuer(meta.issuer_lines)
    else:
        meta.issuer = _acting_body(opening, meta.place)
    meta.kind = _kind(meta.title, symbol, meta.subject)
    _take_properties(meta, lines[:_MAX_PROPERTY_LINES])
    meta.school_year = _school_year(meta.subject, meta.title, opening, lines[end:])
    return meta


# --- a crawled page's table of the document's properties ----------------------------------------

# Legal-text sites (vbpl.vn, thuvienphapluat.vn, vanban.chinhphu.vn) put a table of the
# document's properties above its text: "Số hiệu | 182/2026/NĐ-CP", "Ngày ban hành | 22/05/2026".
# Where a page has one it says what the header says, and often the header itself is further
# down or missing; a field the table states wins over one read from the text.
_PROPERTIES = {"số hiệu": "number", "số ký hiệu": "number", "ký hiệu": "number", "loại văn bản": "kind",
               "cơ quan ban hành": "issuer", "nơi ban hành": "place", "ngày ban hành": "date",
               "trích yếu": "subject"}
_MAX_PROPERTY_LINES = 80
_PROPERTY_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def _take_properties(meta: Metadata, lines: list[str]) -> None:
    found: dict[str, str] = {}
    values: set[str] = set()  # every value the table holds, whatever its label
    for line in lines:
        cells = [_tidy(cell) for cell in line.split("\t")]
        if len(cells) == 2 and cells[1]:
            label = unicodedata.normalize("NFC", cells[0]).lower().replace(":", " ")
            field = _PROPERTIES.get(" ".join(label.split()))
            values.add(cells[1])
            if field and field not in found:
                found[field] = cells[1]
    if len(found) < 2:  # one matching row is a table about something else
        return
    # The table's cells read as header lines are not its issuer ("Cơ quan chủ trì | Bộ …" is the
    # drafting ministry of a government decree).
    kept = [line for line in meta.issuer_lines if line not in values]
    if kept != meta.issuer_lines:
        meta.issuer_lines = kept if any(_BODY_HEADS.match(line.upper()) for line in kept) else []
        meta.issuer = _display_issuer(meta.issuer_lines) if meta.issuer_lines else ""
    if number := found.get("number", ""):
        if re.match(r"^\d+\s*/\s*\S", number):
            meta.number = re.sub(r"\s+", "", number)
    if date := _PROPERTY_DATE.match(found.get("date", "")):
        day, month, year = (int(g) for g in date.groups())
        if 1 <= month <= 12 and 1 <= day <= 31:
            meta.date, meta.date_text = f"{year:04d}-{month:02d}-{day:02d}", found["date"]
    if place := found.get("place", ""):
        meta.place = place
    if issuer := found.get("issuer", ""):
        meta.issuer_lines = [issuer.upper()]
        meta.issuer = _display_issuer(meta.issuer_lines)
    if subject := found.get("subject", ""):
        meta.subject = subject.rstrip(" .;")
    kind = _TITLE_LINE.match(found.get("kind", "").upper())
    meta.kind = kind["word"].lower() if kind else (kind_of_number(meta.number) or meta.kind)


# --- finding the header ---------------------------------------------------------------------

def _header_end(lines: list[str]) -> int:
    after_title = False
    for i, line in enumerate(lines[:_MAX_HEADER_LINES]):
        first = next((c.strip() for c in line.split("\t") if c.strip()), "")
        if _HEADING.match(first):
            return i
        # Header cells are short; a paragraph-long line is already the body.
        goes_on_title = after_title and _title_goes_on(first)
        if len(first) > 200 and not (_SUBJECT_LINE.match(first) or _RECIPIENTS_LINE.match(first) or goes_on_title):
            return i
        if _BASIS_START.match(first) and not goes_on_title:
            return i
        # An opening sentence with no basis before it still ends the header ("... như sau:").
        if first.endswith(":") and len(first) > 40 and not _RECIPIENTS_LINE.match(first):
            return i
        after_title = bool(_TITLE_LINE.match(first)) or goes_on_title
    return min(len(lines), _MAX_HEADER_LINES)


def _cells(line: str) -> list[str]:
    """Split a header line into the pieces that a Word table or a flattened PDF put side by side."""
    cells: list[str] = []
    for piece in line.split("\t"):
        for part in re.split(f"({_MOTTO.pattern})", piece):
            part = _tidy(part)
            if _NUMBER_LINE.match(part):
                # "Số: 12/PGDĐT Long Biên, ngày ..." when the two columns were flattened.
                m = _NUMBER_TOKEN.match(_NUMBER_LINE.match(part)["rest"])
                cut = part.find(m.group(0)) + len(m.group(0)) if m.group(0) else len(part)
                cells.extend(p for p in (part[:cut].strip(), part[cut:].strip()) if p)
            elif any(ch.isalnum() for ch in part):
                cells.append(part)
    return cells


def _tag(cell: str) -> str:
    if _MOTTO.fullmatch(cell):
        return "motto"
    if _NUMBER_LINE.match(cell):
        return "number"
    if _SUBJECT_LINE.match(cell):
        return "subject"
    if _RECIPIENTS_LINE.match(cell):
        return "recipients"
    if _TITLE_LINE.match(cell):
        return "title"
    if _place_date(cell):
        return "date"
    return ""


def _continuation(rows, tags, r: int, goes_on, name_follows: bool = False) -> list[str]:
    """Lines that continue a subject or title block: the first cell of each following row."""
    more = []
    for row, row_tags in zip(rows[r + 1 : r + 5], tags[r + 1 : r + 5]):
        is_name = name_follows and not more and row_tags[0] == "title"
        if (row_tags[0] and not is_name) or not goes_on(row[0]):
            break
        more.append(row[0])
    return more


def _subject_goes_on(cell: str) -> bool:
    return len(cell) <= 100 and not cell.endswith(":") and not _is_all_caps(cell)


def _title_goes_on(cell: str) -> bool:
    # A title's lines, joined back by a reader, can reach a few hundred characters.
    return (
        len(cell) <= 400
        and not cell.endswith((";", ":"))
        and not _AUTHORITY_LINE.match(cell)
        and not (_BASIS_START.match(cell) and _CITES_DOCUMENT.search(cell))
    )


def _is_all_caps(cell: str) -> bool:
    words = [w for w in cell.split() if any(ch.isalpha() for ch in w)]
    return len(words) >= 2 and not any(ch.islower() for ch in cell)


def _opening_paragraph(lines: list[str], end: int) -> str:
    """The sentence in which the issuer says what the directive does ("... như sau:")."""
    preamble = []
    for line in lines[end : end + 15]:
        if _HEADING.match(line):
            break
        preamble.append(line)
    for line in preamble:
        if line.rstrip().endswith(":"):
            return line
    for line in preamble:
        if not (_BASIS_START.match(line) and _CITES_DOCUMENT.search(line)):
            return line
    return ""


# --- fields ---------------------------------------------------------------------------------

def _number(cell: str) -> tuple[str, str]:
    """(number as stated or "", the symbol after the first "/")."""
    token = re.sub(r"\s+", "", _NUMBER_TOKEN.match(_NUMBER_LINE.match(cell)["rest"]).group(0))
    serial, _, symbol = token.partition("/")
    return (token if any(ch.isdigit() for ch in serial) else ""), symbol


def _place_date(cell: str):
    m = _DATE.search(cell)
    if not m:
        return None
    before = cell[: m.start()]
    place = _PLACE_BEFORE.search(before)
    if place is None and before.strip():
        return None
    return place, m


def _date(cell: str) -> tuple[str, str, str]:
    place, m = _place_date(cell)
    start = place.start("place") if place else m.start()
    iso = ""
    if m["d"] and m["m"] and m["y"]:
        try:
            iso = datetime.date(int(m["y"]), int(m["m"]), int(m["d"])).isoformat()
        except ValueError:
            pass  # "ngày 31 tháng 2": the source is wrong, so no date rather than a guess
    return (place["place"] if place else ""), iso, _tidy(cell[start : m.end()])


def _recipients(rows, r: int, cell: str) -> list[str]:
    row = rows[r]
    items = [_RECIPIENTS_LINE.match(cell)["text"]] + row[row.index(cell) + 1 :]
    items = [item for item in items if item]
    for row in rows[r + 1 :]:
        first = row[0]
        # An unbulleted line is a recipient only while the one before it ends in ";".
        follows_list = not items or items[-1].endswith((";", ","))
        unbulleted_ok = follows_list and _tag(first) == "" and len(first) <= 200
        if not (_BULLET.match(first) or unbulleted_ok):
            break
        items.append(first)
    parts = (part for item in items for part in item.split(";"))
    cleaned = (_BULLET.sub("", part).strip().rstrip(".,").strip() for part in parts)
    return [part for part in cleaned if part]


def _issuer_lines(rows, tags) -> list[str]:
    lines = []
    for row, row_tags in zip(rows, tags):
        for cell, tag in zip(row, row_tags):
            if tag in ("number", "subject", "date", "title", "recipients"):
                return lines
            if tag == "" and _looks_like_issuer(cell):
                lines.append(cell)
    return lines


def _looks_like_issuer(cell: str) -> bool:
    if cell.upper() in _NOT_ISSUER or len(cell) > 100:
        return False
    return not any(ch.islower() for ch in cell) or bool(_BODY_HEADS.match(cell.upper()))


def _kind(title: str, symbol: str, subject: str) -> str:
    m = _TITLE_LINE.match(title)
    if m:
        return m["word"].lower()
    return kind_of_number(symbol) or ("công văn" if subject else "")


def kind_of_number(number: str) -> str:
    """The kind a directive's number says by its code ("66/2025/NĐ-CP" → "nghị định"), or ""."""
    for part in number.split("/"):
        code = part.split("-")[0].strip()
        if code in _SYMBOL_KINDS:
            return _SYMBOL_KINDS[code]
    return ""


def _school_year(subject: str, title: str, opening: str, body: list[str]) -> str:
    for text in (subject, title, opening):
        m = _SCHOOL_YEAR.search(text)
        if m:
            return f"{m[1]}-{m[2]}"
    # Last resort: the basis lines, and only when they all cite the same school year.
    years = set()
    for line in body[:15]:
        if not _BASIS_START.match(line):
            break
        years.update(f"{a}-{b}" for a, b in _SCHOOL_YEAR.findall(line))
    return years.pop() if len(years) == 1 else ""


# --- issuer display ---------------------------------------------------------------------------

def _display_issuer(lines: list[str]) -> str:
    upper = [_tidy(line).upper() for line in lines]
    # The issuer is the lowest line naming a body; lines below it are its name wrapped.
    k = max((i for i, line in enumerate(upper) if _BODY_HEADS.match(line)), default=len(upper) - 1)
    own, parents = " ".join(upper[k:]), upper[:k]
    parent_locality = next((_locality(p) for p in reversed(parents) if _locality(p)), "")

    if m := _OFFICE_LINE.match(own):
        office = m["office"].capitalize() + " GD&ĐT"
        where = _place_name(m["rest"]) if m["rest"] else parent_locality
        if m["office"] == "BỘ":
            where = ""  # a ministry's parent line, if any, is the government, not a place
        return f"{office} {where}".strip()
    if m := _SCHOOL_LINE.match(own):
        school_type = _SCHOOL_TYPES.get(m["type"] or "", "")
        return " ".join(p for p in ("Trường", school_type, _place_name(m["name"])) if p)
    if m := _COUNCIL_LINE.match(own):
        return f"{'UBND' if m['committee'] else 'HĐND'} {_place_name(m['rest'])}"
    return _sentence_case(own)


def _locality(line: str) -> str:
    m = _LOCALITY.search(line)
    return _place_name(m.group(0).strip()) if m else ""


def _place_name(text: str) -> str:
    """"QUẬN LONG BIÊN" -> "quận Long Biên"; "SAO SÁNG" -> "Sao Sáng"."""
    for unit in _UNIT_WORDS:
        if text.startswith(unit + " "):
            unit_text = unit if unit.startswith("TP") else unit.lower()
            return f"{unit_text} {_place_name(text[len(unit) + 1 :])}"
    return " ".join(_case_word(w, title=True) for w in text.split())


def _sentence_case(text: str) -> str:
    m = _LOCALITY.search(text)
    head, tail = (text[: m.start()], m.group(0).strip()) if m else (text, "")
    words = [_case_word(w, title=False) for w in head.split()]
    if words:
        words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words + ([_place_name(tail)] if tail else []))


def _case_word(word: str, title: bool) -> str:
    if word.upper() in _ACRONYMS or not _has_vowel(word):
        return word
    return word[:1].upper() + word[1:].lower() if title else word.lower()


def _has_vowel(word: str) -> bool:
    return any(unicodedata.normalize("NFD", ch)[0].lower() in "aeiouy" for ch in word)


def _acting_body(opening: str, place: str) -> str:
    for m in _ACTING_BODY.finditer(opening):
        # "... của Sở GD&ĐT hướng dẫn ..." names the author of a cited document, not this one.
        if opening[: m.start()].rstrip().lower().endswith("của"):
            continue
        if m["school"]:
            school_type = _SCHOOL_TYPES.get(m["school"].upper(), m["school"])
            return f"Trường {school_type} {_tidy(m['name'])}"
        office = m["office"].capitalize() + " GD&ĐT"
        where = _tidy(m["where"])
        if not where and m["office"].lower() == "phòng":
            where = place  # a Phòng dates its directives from its own district
        return f"{office} {where}".strip()
    return ""


def _tidy(text: str) -> str:
    return " ".join(text.split())
