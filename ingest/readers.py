"""Raw text of a directive file: one paragraph per line, a table row per line with its cells
joined by tabs, in document order. Normalising the text is a later step's job."""
from __future__ import annotations

import codecs
import email
import itertools
import os
import re
import shutil
import string
import subprocess
import tempfile
import unicodedata
import zipfile
from bisect import bisect_right
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import docx
import lxml.html
import pdfplumber
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from lxml import etree
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.pdftypes import PDFStream, resolve1
from PIL import Image

from ingest.errors import CorruptFile, EmptyDocument, IngestError, TooLarge, UnsupportedFile
from ingest.limits import Budget, Limits, number as _number
from ingest.vietnamese import is_syllable

SUPPORTED_EXTENSIONS = (".docx", ".doc", ".pdf", ".txt", ".md")
# Extensions whose files may hold text with or without markup (offices save Word's "web page"
# and plain text under a .doc name); a .docx or .pdf that turns out to be text is damaged.
_TEXT_EXTENSIONS = (".doc", ".txt", ".md")

# What a .docx may unpack to, judged from the sizes its zip declares (zipfile never reads past
# them). lxml holds an XML part at ~10x its size, and the document.xml of a 300-page directive is
# a few MB; pictures are kept in memory whole but not parsed. No real .docx comes near: these are
# not settings (the other limits are, in ingest.limits.Limits).
MAX_DOCX_XML_BYTES = 50 * 1024 * 1024
MAX_DOCX_BYTES = 200 * 1024 * 1024

# Word's Symbol-font bullet, left in the text by copy-paste and by catdoc.
_PRIVATE_BULLET = "\uf0b7"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TOOL_TIMEOUT = 600
_MB = 1024 * 1024


@dataclass
class Reading:
    """What a file's bytes gave: its raw text, how it was obtained, and for a PDF how much OCR
    read (the admin is told when OCR stopped at its page limit)."""
    text: str
    method: str
    pages_without_text: int = 0  # PDF pages whose text layer is (almost) empty: what OCR is for
    ocr_pages: int = 0  # of those, the pages OCR read (at most Limits.ocr_pages)


def read_text(path: Path, limits: Limits | None = None, budget: Budget | None = None) -> tuple[str, str]:
    """Return (raw_text, extraction_method) for a directive file: `read_file`'s text and method."""
    reading = read_file(path, limits, budget)
    return reading.text, reading.method


def read_file(path: Path, limits: Limits | None = None, budget: Budget | None = None) -> Reading:
    """Read a directive file by what its bytes are, whatever its extension says, within `limits`
    (default: Limits()) and `budget` (default: limits' time budget, from now).

    The method is "text", "html", "mhtml", "rtf", "docx", "pdfplumber", "antiword", "catdoc",
    "tesseract" (a scan), or "pdfplumber+tesseract" (a PDF with some scanned pages); OCR that
    stopped at the page limit adds the pages read: "tesseract 20/200".
    Raises an IngestError subclass whose message is a one-line Vietnamese reason.
    """
    path = Path(path)
    limits = limits or Limits()
    budget = budget or limits.budget()
    if path.name.startswith("~$"):
        raise UnsupportedFile(f"{path.name} là tệp khóa tạm của Word (tạo ra khi đang mở tệp), không phải văn bản")
    extension = path.suffix.lower()
    if extension not in SUPPORTED_EXTENSIONS:
        raise UnsupportedFile(
            f"Định dạng {extension or '(không có đuôi)'} chưa được hỗ trợ (chỉ nhận .docx, .doc, .pdf, .txt, .md)"
        )
    try:
        size = path.stat().st_size
        if size > limits.file_mb * _MB:
            raise TooLarge(f"Tệp quá lớn ({size / _MB:.0f} MB; nhận tối đa {limits.file_mb} MB, đặt bằng "
                           f"{limits.setting('file_mb')}). Hãy tách thành các tệp nhỏ hơn hoặc gửi bản không kèm ảnh")
        data = path.read_bytes()
    except OSError as error:
        raise IngestError(f"Không mở được tệp {path.name}: {error.strerror}") from error
    if not data:
        raise EmptyDocument("Tệp rỗng (0 byte)")

    reading = None
    if b"%PDF-" in data[:1024]:  # the PDF standard lets the header start anywhere in the first 1 KB
        reading = _read_pdf(path, limits, budget)
        text, method = reading.text, reading.method
    elif data.startswith(b"PK\x03\x04"):
        _check_unzipped_size(path, extension)
        text, method = _read_docx(path, extension, budget), "docx"
    elif data.startswith(_OLE_MAGIC):
        text, method = _read_doc(path, extension)
    elif data.lstrip().startswith(b"{\\rtf"):
        text, method = read_rtf(data), "rtf"
    elif extension not in _TEXT_EXTENSIONS:
        raise CorruptFile(f"Tệp {extension} bị hỏng hoặc không đúng định dạng")
    elif _MIME_HEADER.match(data[:4096]):
        text, method = read_mhtml(data), "mhtml"
    elif _HTML_START.match(data[:4096]):
        text, method = read_html(_decode_html(data, None)), "html"
    else:
        text, method = _without_scripts(_decode_text(data)), "text"

    # Windows-1258 and some converters write a tone as a combining mark after its letter.
    text = unicodedata.normalize("NFC", text.replace(_PRIVATE_BULLET, ""))
    if not any(ch.isalpha() for ch in text):
        raise EmptyDocument("Tệp rỗng: không có nội dung chữ")
    if len(text) > limits.chars:
        raise TooLarge(f"Văn bản quá dài ({_number(len(text))} ký tự; nhận tối đa {_number(limits.chars)}, "
                       f"đặt bằng {limits.setting('chars')}). Hãy tách thành các tệp nhỏ hơn")
    problem = text_problem(text)
    if problem:
        raise UnsupportedFile(f"Không nhận tệp này: {problem}")
    if method == "text" and extension == ".md":  # only once the text is known to be short enough
        text = read_markdown(text)
    if reading is None:
        return Reading(text, method)
    reading.text = text
    return reading


# --- is it text? ---------------------------------------------------------------------------
# A wrong guess of the encoding, a binary file or a broken font gives text that is no language:
# control characters, other scripts, letters no Vietnamese word has, letter runs that are not
# syllables. Such text must never become a document: it answers nothing, and could take the place
# of a real directive loaded under the same name.

_VIETNAMESE_LETTERS = frozenset(
    string.ascii_letters + "đĐ" + "".join(
        unicodedata.normalize("NFC", vowel + tone)
        for vowel in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
        for tone in ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
    )
)
# A Vietnamese syllable without its marks: onset, one to three vowels, coda.
_WORD = re.compile(r"[^\W\d_]+")
# Measured on the first characters: enough to judge, and a long file costs no more.
_SAMPLE_CHARS = 100_000
# Vietnamese directives score ~1.0 on letters and 0.92-0.97 on syllables; English text has
# ~0.2 of its letters in syllable-shaped words, random bytes read as Windows-1258 0.7 of their
# letters in the alphabet and ~0.2 in syllables, TCVN3 and VNI text read as Unicode ~0.85 in the alphabet.
_MIN_VIETNAMESE_LETTERS = 0.95
_MIN_SYLLABLE_LETTERS = 0.5
_MAX_CONTROL = 0.01


def text_problem(text: str) -> str:
    """Why this does not read as Vietnamese text (in Vietnamese), or "" when it does or has no letters."""
    sample = text[:_SAMPLE_CHARS]
    control = sum(1 for ch in sample if ch == "\ufffd" or (
        unicodedata.category(ch) in ("Cc", "Co", "Cn", "Cs") and ch not in "\t\n\r\f\v"))
    if control > _MAX_CONTROL * len(sample):
        return "nội dung có nhiều ký tự điều khiển hoặc ký tự lạ (tệp nhị phân hoặc bảng mã không nhận ra)"
    letters = [ch for ch in sample if ch.isalpha()]
    if not letters:
        return ""  # nothing to judge: an empty text is refused as empty
    if sum(ch in _VIETNAMESE_LETTERS for ch in letters) < _MIN_VIETNAMESE_LETTERS * len(letters):
        return ("phần lớn ký tự không phải chữ tiếng Việt (tệp nhị phân, hoặc bảng mã cũ như TCVN3/VNI: "
                "hãy chuyển sang Unicode rồi gửi lại)")
    words = _WORD.findall(sample)
    syllables = sum(len(word) for word in words if is_syllable(word))
    if syllables < _MIN_SYLLABLE_LETTERS * sum(len(word) for word in words):
        return "không đọc ra tiếng Việt (tệp nhị phân, bảng mã không nhận ra, hoặc văn bản không phải tiếng Việt)"
    return ""


# --- plain text ----------------------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# Most characters of Vietnamese text are ASCII or in U+00xx-U+01xx/U+1Exx, so UTF-16 without a
# byte-order mark has a zero byte in at least this share of the units, always on the same side.
_UTF16_ZEROS = 0.3


def _decode_text(data: bytes) -> str:
    """Text of a file in UTF-8, UTF-16/32 (with or without a byte-order mark) or Windows-1258:
    the first reading that gives Vietnamese text (see text_problem)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            candidates = [(encoding, data[len(bom):])]
            break
    else:
        candidates = [("utf-8", data)]
        head = data[:200_000]
        even, odd, units = head[0::2].count(0), head[1::2].count(0), len(head) // 2
        if odd >= _UTF16_ZEROS * units and even < odd / 10:
            candidates.append(("utf-16-le", data))
        elif even >= _UTF16_ZEROS * units and odd < even / 10:
            candidates.append(("utf-16-be", data))
        # The code page of Vietnamese Windows; any other single-byte text decodes as it too.
        candidates.append(("cp1258", data))
    for encoding, body in candidates:
        try:
            text = unicodedata.normalize("NFC", body.decode(encoding))
        except UnicodeDecodeError:
            continue
        if not text_problem(text):
            return text.replace("\r\n", "\n").replace("\r", "\n")
    raise UnsupportedFile("Không đọc ra văn bản tiếng Việt ở bảng mã UTF-8, UTF-16 hay Windows-1258: có thể là "
                          "tệp nhị phân, hoặc bảng mã cũ như TCVN3/VNI (hãy chuyển sang Unicode rồi gửi lại)")


_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.I | re.S)


def _without_scripts(text: str) -> str:
    """Text with its <script> and <style> elements taken out: code, never the document's words."""
    return _SCRIPT.sub("", text)


# --- .docx -------------------------------------------------------------------------------

_W_P, _W_TBL, _W_TR, _W_TC, _W_SDT = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:sdt")
_W_T, _W_TXBX = qn("w:t"), qn("w:txbxContent")
_RUN_CHARACTERS = {qn("w:tab"): "\t", qn("w:br"): "\n", qn("w:cr"): "\n", qn("w:noBreakHyphen"): "-"}
# Properties hold no text; deleted and moved-away revisions are not the document's text; a
# Fallback repeats its AlternateContent's Choice (the same text box drawn the old way).
_NOT_TEXT = {
    qn("w:pPr"), qn("w:rPr"), qn("w:del"), qn("w:moveFrom"),
    "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback",
}


def _check_unzipped_size(path: Path, extension: str) -> None:
    """Refuse a zip that would unpack to more than any real .docx, before unpacking anything."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise CorruptFile(f"Tệp {extension} bị hỏng hoặc không đúng định dạng") from error
    xml = sum(m.file_size for m in members if m.filename.lower().endswith((".xml", ".rels")))
    total = sum(m.file_size for m in members)
    if xml > MAX_DOCX_XML_BYTES or total > MAX_DOCX_BYTES:
        raise TooLarge(f"Tệp {extension} giải nén ra tới {_number(total // _MB)} MB ({_number(xml // _MB)} MB văn bản), "
                       f"quá mức một văn bản Word thật (tối đa {MAX_DOCX_XML_BYTES // _MB} MB văn bản, "
                       f"{MAX_DOCX_BYTES // _MB} MB cả ảnh): có thể là tệp nén độc hại")


def _read_docx(path: Path, extension: str, budget: Budget) -> str:
    try:
        document = docx.Document(str(path))
        numbering = _Numbering(document.part)
        return "\n".join(_block_lines(document.element.body, numbering, budget))
    except IngestError:
        raise
    except Exception as error:  # zipfile, lxml and python-docx each fail their own way on a damaged file
        raise CorruptFile(f"Tệp {extension} bị hỏng hoặc không đúng định dạng") from error


def _block_lines(container, numbering: _Numbering, budget: Budget | None = None) -> list[str]:
    """The lines of a body or cell; `budget` is checked at each top-level paragraph or table."""
    lines: list[str] = []
    for child in container.iterchildren():
        if budget is not None:
            budget.check("đọc văn bản Word")
        if child.tag == _W_P:
            lines.extend(_paragraph_lines(child, numbering))
        elif child.tag == _W_TBL:
            lines.extend(_table_rows(child, numbering))
        elif child.tag == _W_SDT:
            for content in child.iterchildren(qn("w:sdtContent")):
                lines.extend(_block_lines(content, numbering))
    return lines


def _paragraph_lines(paragraph, numbering: _Numbering) -> list[str]:
    parts: list[str] = []
    text_boxes: list = []
    _collect_text(paragraph, parts, text_boxes)
    label, text = numbering.label(paragraph), "".join(parts)
    if label.strip() in _KEPT_BULLETS and text.lstrip()[:1] in _KEPT_BULLETS:
        label = ""  # the bullet is typed as well as numbered: "- - Lao động ..."
    lines = [label + text]
    for box in text_boxes:
        lines.extend(_block_lines(box, numbering))
    return lines


def _collect_text(element, parts: list[str], text_boxes: list) -> None:
    # Runs hide inside hyperlinks, insertions, fields, smart tags and content controls, which
    # python-docx's Paragraph.text skips, so walk the whole paragraph.
    for child in element.iterchildren():
        if child.tag == _W_T:
            parts.append(child.text or "")
        elif child.tag in _RUN_CHARACTERS:
            parts.append(_RUN_CHARACTERS[child.tag])
        elif child.tag == _W_TXBX:
            text_boxes.append(child)
        elif child.tag not in _NOT_TEXT:
            _collect_text(child, parts, text_boxes)


def _table_rows(table, numbering: _Numbering) -> list[str]:
    # A header table (issuer | motto, number | date) stacks separate header lines in one cell;
    # each of them must stay a line of its own, so there every paragraph becomes a cell.
    header = _is_header_table(table)
    rows = []
    for row in table.iterchildren(_W_TR):
        # Iterating w:tc (not python-docx's grid cells) gives a merged cell once; a vertically
        # merged cell's continuation is an empty w:tc, so the row keeps its column count.
        cells = []
        for cell in row.iterchildren(_W_TC):
            lines = [line for block in _block_lines(cell, numbering) for line in block.split("\n")]
            if header:
                cells.extend(line.replace("\t", " ") for line in lines if line.strip())
            else:
                cells.append(" ".join(line.replace("\t", " ") for line in lines if line))
        rows.append("\t".join(cells))
    return rows


_MOTTO = re.compile(r"CỘNG\s+H(?:ÒA|OÀ)\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA")


def _is_header_table(table) -> bool:
    """A table that holds the national motto is the layout of a directive's header."""
    paragraphs = ("".join(p.itertext()) for p in table.iter(_W_P))
    return any(_MOTTO.search(" ".join(text.split()).upper()) for text in paragraphs)


class _Numbering:
    """Labels of Word's automatic numbering ("I.", "1.2.", "a)"), which the XML leaves out of the
    text: numbering.xml defines each level's format and the reader has to do the counting."""

    def __init__(self, part) -> None:
        styles = _related_root(part, RT.STYLES)
        self._styles = {style.get(qn("w:styleId")): style for style in styles.iter(qn("w:style"))}
        root = _related_root(part, RT.NUMBERING)
        self._abstracts = {a.get(qn("w:abstractNumId")): a for a in root.iterchildren(qn("w:abstractNum"))}
        self._nums = {num.get(qn("w:numId")): num for num in root.iterchildren(qn("w:num"))}
        self._counters: dict[str, dict[int, int]] = {}
        self._started: set[str] = set()

    def label(self, paragraph) -> str:
        num_id, ilvl, style_id = self._numbering_properties(paragraph)
        num = self._nums.get(num_id)
        if num is None:  # also numId 0, Word's way of switching inherited numbering off
            return ""
        abstract_id, levels = self._levels(num)
        if ilvl is None:
            ilvl = next((i for i, lvl in levels.items() if _val(lvl, "w:pStyle") == style_id), 0)
        level = levels.get(ilvl)
        if level is None:
            return ""
        # Word keeps one count per abstract list, shared by every w:num pointing at it, unless a
        # w:num restarts it with startOverride.
        counters = self._counters.setdefault(abstract_id, {})
        if num_id not in self._started:
            self._started.add(num_id)
            for override in num.iterchildren(qn("w:lvlOverride")):
                start = _val(override, "w:startOverride")
                if start is not None:
                    counters[int(override.get(qn("w:ilvl")))] = int(start) - 1
        counters[ilvl] = counters.get(ilvl, _start(level) - 1) + 1
        for deeper in [i for i in counters if i > ilvl]:
            del counters[deeper]
        label = _format_label(level, levels, counters)
        return f"{label} " if label else ""

    def _numbering_properties(self, paragraph) -> tuple[str | None, int | None, str | None]:
        """numId and level from the paragraph, else from its style and the styles that one is based on."""
        properties = paragraph.find(qn("w:pPr"))
        style_id = _val(properties, "w:pStyle")
        num_id, ilvl = _val(properties, "w:numPr/w:numId"), _val(properties, "w:numPr/w:ilvl")
        style, seen = style_id, set()
        while (num_id is None or ilvl is None) and style in self._styles and style not in seen:
            seen.add(style)
            style_properties = self._styles[style].find(qn("w:pPr"))
            num_id = num_id if num_id is not None else _val(style_properties, "w:numPr/w:numId")
            ilvl = ilvl if ilvl is not None else _val(style_properties, "w:numPr/w:ilvl")
            style = _val(self._styles[style], "w:basedOn")
        return num_id, None if ilvl is None else int(ilvl), style_id

    def _levels(self, num) -> tuple[str, dict[int, object]]:
        abstract_id = _val(num, "w:abstractNumId")
        abstract = self._abstracts.get(abstract_id)
        # A list style's abstractNum only points (numStyleLink) at the style whose list has the levels.
        link = _val(abstract, "w:numStyleLink")
        if link is not None and link in self._styles:
            linked = self._nums.get(_val(self._styles[link].find(qn("w:pPr")), "w:numPr/w:numId"))
            if linked is not None:
                abstract_id = _val(linked, "w:abstractNumId")
                abstract = self._abstracts.get(abstract_id)
        levels = {}
        if abstract is not None:
            levels = {int(lvl.get(qn("w:ilvl"))): lvl for lvl in abstract.iterchildren(qn("w:lvl"))}
        for override in num.iterchildren(qn("w:lvlOverride")):
            level = override.find(qn("w:lvl"))
            if level is not None:
                levels[int(override.get(qn("w:ilvl")))] = level
        return abstract_id, levels


def _related_root(part, relationship: str):
    try:
        return part.part_related_by(relationship).element
    except KeyError:
        return etree.Element(qn("w:root"))


def _val(element, path: str) -> str | None:
    """w:val of the child at path, if both exist."""
    if element is None:
        return None
    child = element.find("/".join(qn(step) for step in path.split("/")))
    return None if child is None else child.get(qn("w:val"))


def _start(level) -> int:
    # The spec says a missing w:start means 0, but Word and LibreOffice count from 1.
    start = _val(level, "w:start")
    return 1 if start is None else int(start)


_KEPT_BULLETS = {"-", "+", "*", "–"}


def _format_label(level, levels: dict[int, object], counters: dict[int, int]) -> str:
    text = _val(level, "w:lvlText") or ""
    if _val(level, "w:numFmt") == "bullet":
        # "-" and "+" mark list depth in Vietnamese directives; other bullets are Symbol or
        # Wingdings glyphs at private-use code points, or "o", "•": all plain list items.
        return text if text in _KEPT_BULLETS or not text else "-"
    legal = level.find(qn("w:isLgl")) is not None

    def number(match: re.Match) -> str:
        index = int(match.group(1)) - 1
        other = levels.get(index)
        value = counters.get(index, _start(other) if other is not None else 1)
        return _format_number(value, "decimal" if legal else _val(other, "w:numFmt") or "decimal")

    return re.sub(r"%([1-9])", number, text)


_ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def _format_number(value: int, number_format: str) -> str:
    if number_format == "none":
        return ""
    if value <= 0:
        return str(value)
    if number_format in ("upperRoman", "lowerRoman"):
        roman = ""
        for amount, letters in _ROMAN:
            count, value = divmod(value, amount)
            roman += letters * count
        return roman if number_format == "upperRoman" else roman.lower()
    if number_format in ("upperLetter", "lowerLetter"):
        # Word goes a..z, then aa..zz, then aaa..zzz.
        letter = "abcdefghijklmnopqrstuvwxyz"[(value - 1) % 26] * ((value - 1) // 26 + 1)
        return letter.upper() if number_format == "upperLetter" else letter
    if number_format == "decimalZero":
        return f"{value:02d}"
    return str(value)


# --- .md ---------------------------------------------------------------------------------
# Web crawls of legal-document sites: the page's HTML source was wrapped at ~80 columns, so a
# paragraph comes as several lines; table cells are flattened to their lines, each cell ended by
# a lone "|" line and each new row opened by one more; some crawlers write pipe tables instead.

_MD_RULE = re.compile(r"^(?:[-=_]\s*){3,}$")
_MD_RULE_IN_CELL = re.compile(r"(?:^|\s)[-=_]{3,}(?=\s|$)")
_MD_TABLE_SEPARATOR = re.compile(r"^\|?(?:\s*:?-+:?\s*\|)+\s*(?::?-+:?)?\s*$")
_MD_EMPTY_EMPHASIS = re.compile(r"^[*_\s]+$")
# "---", then "key: value" lines (and their indented or "- " list values), then "---" or "...".
_MD_FRONT_TITLE = re.compile(r"^title:[ \t]*[\"']?(.*?)[\"']?[ \t]*$", re.M)
_MD_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(?:[\w-]+:.*\n|[ \t]+.*\n|[ \t]*-.*\n|[ \t]*\n)*?(?:---|\.\.\.)[ \t]*(?:\n|\Z)")
# Lines that open a paragraph of their own: headings, list items, numbered clauses.
_MD_BLOCK_START = re.compile(
    r"^(?:#{1,6}\s|[-+•]\s|[-+•]$|\*\s|\d+(?:\.\d+)*[.)]\s|[a-zđ][)]\s|[IVXLC]+\.\s"
    r"|(?:Điều|Chương|Mục|Phần|Phụ lục|PHỤ LỤC|ĐIỀU|CHƯƠNG)\s)"
)
_SENTENCE_END = (".", ";", ":", "!", "?")
# A wrapped line filled the source's width; a shorter one ended its paragraph (or began it).
_FULL_LINE = 60


def read_markdown(text: str) -> str:
    """Markdown crawl -> one paragraph a line, table rows as tab-joined cells. A site's front
    matter (the YAML block between "---" lines that static-site pages start with) is the page's
    settings, not the directive, but for its title."""
    lines: list[str] = []
    row: list[list[str]] = []  # the cells ended so far in this row, each a list of paragraphs
    pending: list[str] = []  # paragraphs since the last "|"
    for item in _markdown_items(_without_front_matter(text).split("\n")):
        if isinstance(item, int):  # a run of lone "|" lines
            row.append(pending)
            pending = []
            if item > 1:  # the cell ended and a new row opened
                lines.extend(_row_lines(row))
                row = []
        else:
            pending.append(item)
    lines.extend(_row_lines(row))
    lines.extend(pending)  # after a table's last "|" comes ordinary text
    return "\n".join(_strip_emphasis(line) for line in lines)


def _without_front_matter(text: str) -> str:
    """The page without its settings, but with the title they give it: a crawled directive's
    title is its name ("Quy định về khai thác, sử dụng tài nguyên giáo dục mở …")."""
    match = _MD_FRONT_MATTER.match(text)
    if not match:
        return text
    title = _MD_FRONT_TITLE.search(match.group(0))
    return (title.group(1).strip() + "\n\n" if title else "") + text[match.end():]


def _row_lines(row: list[list[str]]) -> list[str]:
    # Only cells of one paragraph each are surely a row; a cell of several paragraphs may have
    # swallowed the text between two tables (the first one's closing "|" is a single one, so
    # its last row runs on into the text after it and the next table's caption). Runs of two
    # or more single cells are rows, the paragraphs between them lines of their own.
    lines: list[str] = []
    run: list[list[str]] = []
    for cell in [*row, ["", ""]]:  # a last cell of two paragraphs ends the last run
        if len(cell) <= 1:
            run.append(cell)
            continue
        if len(run) >= 2:
            lines.append("\t".join(c[0] if c else "" for c in run))
        else:
            lines.extend(paragraph for c in run for paragraph in c)
        lines.extend(paragraph for paragraph in cell if paragraph)
        run = []
    return lines


def _markdown_items(raw_lines: list[str]):
    """Paragraphs (wrapped lines joined back) and ints for runs of lone "|" lines."""
    block: list[str] = []
    pipes = 0
    for raw in raw_lines:
        line = raw.strip()
        if line == "|":
            if block:
                yield " ".join(block)
                block = []
            pipes += 1
            continue
        if pipes:
            yield pipes
            pipes = 0
        if not line or _MD_RULE.match(line) or _MD_EMPTY_EMPHASIS.match(line) or line.startswith("|"):
            if block:
                yield " ".join(block)
                block = []
            if line.startswith("|") and not _MD_TABLE_SEPARATOR.match(line):
                yield _pipe_row(line)
            continue
        if block and _continues(block, line):
            block.append(line)
        else:
            if block:
                yield " ".join(block)
            block = [line]
    if block:
        yield " ".join(block)
    if pipes:
        yield pipes


def _pipe_row(line: str) -> str:
    cells = line.strip().strip("|").split("|")
    # A "-------" under the issuer or the motto is the short rule drawn below them.
    return "\t".join(_MD_RULE_IN_CELL.sub(" ", cell).strip() for cell in cells)


def _continues(block: list[str], line: str) -> bool:
    """Whether a hard-wrapped line goes on with the paragraph of the lines before it."""
    text = " ".join(block)
    if _open_emphasis(text):
        return True
    if (text.startswith("*") and text.endswith("*")) or line.startswith("*"):
        # An emphasised paragraph ends where its emphasis closes; a bold label ("**Điều 2.**
        # Danh mục các khoản") only opens its line.
        return False
    if _MD_BLOCK_START.match(line):
        return False
    first = line[:1]
    if text.rstrip("*_ ").endswith(_SENTENCE_END):
        return first.islower()
    if not first.isupper():
        return True
    last = block[-1]
    both_capitals = not any(ch.islower() for ch in last + line)
    # A one-word first line ("Sở") is what the source's markup left room for, not a paragraph.
    lone_word = len(block) == 1 and " " not in last and not any(ch.isdigit() for ch in last)
    return len(last) >= _FULL_LINE or last in ("-", "+", "•") or both_capitals or lone_word


def _open_emphasis(text: str) -> bool:
    strong = text.count("**")
    single = text.count("*") - 2 * strong
    return strong % 2 == 1 or single % 2 == 1


def _strip_emphasis(line: str) -> str:
    line = line.replace("**", "")
    # A leading "* " is a bullet and "(*)" a footnote mark; every other "*" is emphasis.
    head = "* " if line.startswith("* ") else ""
    body = line[len(head):].replace("(*)", "\0")
    return head + body.replace("*", "").replace("\0", "(*)")


# --- Word "web page": HTML and MHTML -------------------------------------------------------

# Word writes <html xmlns:o=...> first, other tools a doctype, an XML declaration or a comment.
_HTML_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE\s+html|<html)",
                         re.I | re.S)
# A single-file web page (.mht) is a MIME message: its headers come first.
_MIME_HEADER = re.compile(rb"(?:[\w-]+:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*)*?(?:MIME-Version:|Content-Type:\s*multipart/)",
                          re.I)
_HTML_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.I)
# Elements whose text is not the document's: code, styles, the page's head, Word's XML islands.
_HTML_SKIP = {"script", "style", "head", "title", "noscript", "template", "xml", "object", "svg"}
_HTML_BLOCKS = {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
                "pre", "section", "article", "header", "footer", "center", "address", "hr", "body"}


def read_mhtml(data: bytes) -> str:
    """The text of the HTML part of a single-file web page."""
    message = email.message_from_bytes(data)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            body = part.get_payload(decode=True) or b""
            charset = part.get_content_charset()
            return read_html(_decode_html(body, charset))
    raise CorruptFile("Tệp trang web (MHTML) không có phần nội dung HTML")


def _decode_html(body: bytes, charset: str | None) -> str:
    """The page's text in the charset its headers or <meta> name; else UTF-8, else Windows-1258.
    Markup is no language, so the reading is judged on the extracted text, not here."""
    charset = charset or next((m.decode("ascii") for m in _HTML_CHARSET.findall(body[:4096])), None)
    for encoding in (charset, "utf-8-sig"):
        try:
            return body.decode(encoding) if encoding else body.decode("utf-8-sig")
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("cp1258", errors="replace")


def read_html(text: str) -> str:
    """HTML -> one paragraph a line, table rows as tab-joined cells; scripts and styles dropped."""
    # lxml refuses a str that still declares its encoding; the text is decoded already. NFC
    # first: Windows-1258 pages write tones as combining marks, and the motto is looked for below.
    text = unicodedata.normalize("NFC", re.sub(r"^\s*<\?xml[^>]*>", "", text))
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as error:
        raise CorruptFile("Tệp trang web (HTML) bị hỏng") from error
    parts: list[str] = []
    _html_walk(root, parts)
    return "\n".join(line.strip() for line in "".join(parts).split("\n") if line.strip())


def _html_tag(element) -> str | None:
    """The local name ("p", and "p" for Word's "o:p"), None for comments and processing instructions."""
    if not isinstance(element.tag, str):
        return None
    return element.tag.rsplit(":", 1)[-1].rsplit("}", 1)[-1].lower()


def _html_walk(element, parts: list[str]) -> None:
    tag = _html_tag(element)
    if tag is None or tag in _HTML_SKIP:
        pass
    elif tag == "br":
        parts.append("\n")
    elif tag == "table":
        parts.append("\n" + "\n".join(_html_rows(element)) + "\n")
    else:
        block = tag in _HTML_BLOCKS
        parts.append("\n" if block else "")
        parts.append(_html_space(element.text))
        for child in element:
            _html_walk(child, parts)
        parts.append("\n" if block else "")
    parts.append(_html_space(element.tail))


def _html_space(text: str | None) -> str:
    # Source line breaks and indents are spaces in HTML; &nbsp; stays a space too.
    return re.sub(r"[ \t\r\n\xa0]+", " ", text or "")


def _html_rows(table) -> list[str]:
    # As in a .docx: the header table keeps each of its stacked lines as a cell of its own.
    header = any(_MOTTO.search(" ".join(text.split()).upper()) for text in table.itertext())
    rows = []
    for row in table.iter():
        if _html_tag(row) != "tr" or _nearest_table(row) is not table:
            continue
        cells = []
        for cell in row:
            if _html_tag(cell) not in ("td", "th"):
                continue
            parts = [_html_space(cell.text)]
            for child in cell:
                _html_walk(child, parts)
            lines = [line.strip() for line in "".join(parts).split("\n") if line.strip()]
            if header:
                cells.extend(line.replace("\t", " ") for line in lines)
            else:
                cells.append(" ".join(line.replace("\t", " ") for line in lines))
        rows.append("\t".join(cells))
    return rows


def _nearest_table(element):
    parent = element.getparent()
    while parent is not None and _html_tag(parent) != "table":
        parent = parent.getparent()
    return parent


# --- RTF -----------------------------------------------------------------------------------
# Word's RTF is 7-bit: a character outside ASCII is \uN (with its stand-in for old readers after
# it) or \'hh, a byte in the code page \ansicpgN names. A dozen control words carry the layout.

_RTF_TOKEN = re.compile(r"\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|[\r\n]+|([^\\{}\r\n]+)", re.S)
# Groups whose text is not the document's: tables of fonts, colours, styles and lists, document
# info, pictures, embedded objects, page headers and footers, field instructions.
_RTF_SKIP = {"fonttbl", "colortbl", "stylesheet", "info", "pict", "object", "header", "headerl", "headerr",
             "headerf", "footer", "footerl", "footerr", "footerf", "listtable", "listoverridetable", "rsidtbl",
             "generator", "xmlnstbl", "themedata", "colorschememapping", "datastore", "latentstyles",
             "fldinst", "revtbl", "pgdsctbl", "filetbl", "mmathPr", "footnote", "bkmkstart", "bkmkend"}
_RTF_CHARACTERS = {"par": "\n", "line": "\n", "sect": "\n", "page": "\n", "row": "\n", "tab": "\t", "cell": "\t",
                   "emdash": "—", "endash": "–", "bullet": "•", "lquote": "‘", "rquote": "’",
                   "ldblquote": "“", "rdblquote": "”", "nestcell": "\t",
                   # symbols: a non-breaking space and hyphen, an optional hyphen, an escaped line end
                   "~": " ", "_": "-", "-": "", "\n": "\n", "\r": "\n"}


def read_rtf(data: bytes) -> str:
    text = data.decode("latin-1")
    codepage = re.search(r"\\ansicpg(\d+)", text[:4096])
    encoding = f"cp{codepage.group(1)}" if codepage else "cp1252"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "cp1252"
    out: list[str] = []
    pending = bytearray()  # \'hh bytes, decoded together: a code page may need two for a character
    stack: list[tuple[bool, int, bool]] = []
    # Inside a skipped group; stand-in characters after a \uN; inside a list item's number, whose
    # \tab only parts the number from the text (a tab would make the line a table row).
    skip, uc, numbering = False, 1, False
    to_drop = 0  # stand-ins still to drop
    in_table = False  # a \par inside a table cell must not end the row
    first_in_group = False
    position = 0
    while position < len(text):
        match = _RTF_TOKEN.match(text, position)
        if match is None:  # a lone backslash at the very end
            break
        position = match.end()
        word, number, hexa, symbol, brace, plain = match.groups()
        if hexa is None and pending:
            out.append(pending.decode(encoding, errors="replace"))
            pending.clear()
        if brace == "{":
            stack.append((skip, uc, numbering))
            first_in_group = True
            continue
        if brace == "}":
            skip, uc, numbering = stack.pop() if stack else (skip, uc, numbering)
            to_drop = 0
            continue
        starts_group, first_in_group = first_in_group, False
        if word is not None:
            if word == "bin" and number:  # raw bytes follow
                position += int(number)
                continue
            skip = skip or word in _RTF_SKIP
            if skip:
                continue
            if word == "uc":
                uc = int(number or 1)
            elif word == "u":
                out.append(chr(int(number) % 65536))
                to_drop = uc
            elif to_drop:
                to_drop -= 1
            elif word == "pard":
                in_table = False
            elif word == "intbl":
                in_table = True
            elif word in ("listtext", "pntext"):
                numbering = True
            elif (word == "par" and in_table) or (word == "tab" and numbering):
                out.append(" ")
            elif word in _RTF_CHARACTERS:
                out.append(_RTF_CHARACTERS[word])
        elif symbol is not None:
            if symbol == "*":
                skip = skip or starts_group
            elif skip:
                continue
            elif to_drop:
                to_drop -= 1
            elif symbol in _RTF_CHARACTERS:
                out.append(_RTF_CHARACTERS[symbol])
            elif symbol in "\\{}":
                out.append(symbol)
        elif skip:
            continue
        elif hexa is not None:
            if to_drop:
                to_drop -= 1
            else:
                pending.append(int(hexa, 16))
        elif plain is not None:
            dropped = min(to_drop, len(plain))
            to_drop -= dropped
            out.append(plain[dropped:])
    if pending:
        out.append(pending.decode(encoding, errors="replace"))
    return unicodedata.normalize("NFC", "".join(out))


# --- .doc --------------------------------------------------------------------------------

def _read_doc(path: Path, extension: str) -> tuple[str, str]:
    antiword, catdoc = shutil.which("antiword"), shutil.which("catdoc")
    if not (antiword or catdoc):
        raise IngestError("Không đọc được tệp Word 97-2003: máy chủ thiếu gói Debian antiword")
    if antiword:
        text = _antiword(path)
        if text is not None:
            return text, "antiword"
    if catdoc:
        # antiword gives up on some files (e.g. LibreOffice-saved ones with pictures) that catdoc reads.
        output = _run(["catdoc", "-w", "-d", "utf-8", str(path)])
        if output is not None:
            return output.decode("utf-8", errors="replace"), "catdoc"
    raise CorruptFile(f"Tệp {extension} bị hỏng hoặc không đúng định dạng Word")


def _antiword(path: Path) -> str | None:
    # -m UTF-8.txt: otherwise antiword follows the locale, and under LANG=C writes "?" for most
    # Vietnamese letters. -w 0: no line wrapping.
    output = _run(["antiword", "-m", "UTF-8.txt", "-w", "0", str(path)])
    if output is None:
        return None
    lines = output.decode("utf-8", errors="replace").splitlines()
    # Text mode draws tables as "|cell |cell |" wrapped inside each column, so a wrapped cell and
    # a new row look alike. The DocBook mode keeps rows and cells apart: take tables from there.
    tables: list[list[str]] = []
    if any(line.lstrip().startswith("|") for line in lines):
        docbook = _run(["antiword", "-x", "db", str(path)])
        tables = _docbook_tables(docbook) if docbook else []
    next_tables = iter(tables)
    result: list[str] = []
    for is_table, group in itertools.groupby(lines, key=lambda line: line.lstrip().startswith("|")):
        if is_table:
            result.extend(next(next_tables, None) or group)
        else:
            # antiword puts a blank line after every paragraph, and draws tab stops as runs of
            # spaces: a wide gap inside a line separates columns (issuer | motto, number | date).
            result.extend(_WIDE_GAP.sub(_column_gap, line) for line in group if line)
    return "\n".join(result)


# A column starts with a capital or a digit; spaces typed before a lower-case word are a
# sentence's own ("... hiệu quả;        vệ sinh ...").
_WIDE_GAP = re.compile(r"(?<=\S) {4,}(?=(\S))")


def _column_gap(match: re.Match) -> str:
    return " " if match.group(1).islower() else "\t"


def _docbook_tables(xml: bytes) -> list[list[str]]:
    # recover: antiword's XML is not always well-formed.
    root = etree.fromstring(xml, etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    if root is None:
        return []

    def cell(entry) -> str:
        # Entries are pretty-printed one paragraph a line between indented tags.
        return " ".join(line.strip() for line in "".join(entry.itertext()).splitlines() if line.strip())

    return [
        ["\t".join(cell(entry) for entry in row.iter("entry")) for row in table.iter("row")]
        for table in root.iter("informaltable")
    ]


def _run(command: list[str], env: dict[str, str] | None = None, timeout: float = _TOOL_TIMEOUT) -> bytes | None:
    """stdout of a successful run, None if the tool failed or hung (ran past `timeout` seconds)."""
    try:
        result = subprocess.run(command, capture_output=True, timeout=min(timeout, _TOOL_TIMEOUT), env=env,
                                check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


# --- .pdf --------------------------------------------------------------------------------

def _read_pdf(path: Path, limits: Limits, budget: Budget) -> Reading:
    """The text layer of each page; pages without one (scans) read by OCR, at most
    limits.ocr_pages of them."""
    try:
        with pdfplumber.open(path) as pdf:
            count = len(pdf.pages)
            if count > limits.pages:
                raise TooLarge(f"PDF có quá nhiều trang ({_number(count)}; nhận tối đa {_number(limits.pages)}, "
                               f"đặt bằng {limits.setting('pages')}). Hãy tách thành các tệp nhỏ hơn")
            pages = []
            for page in pdf.pages:
                budget.check(f"đọc trang {page.page_number}/{count}")
                _draw_annotation_appearances(page)  # before the page's characters are first read
                pages.append(_without_covered_blanks(page))
            furniture = _page_furniture(pages, budget)
            per_page, header, scans = [], None, []
            for page, boxes in zip(pages, furniture):
                budget.check(f"đọc trang {page.page_number}/{count}")
                if _is_scan(page):
                    scans.append(page.page_number)
                body = page.filter(lambda obj, boxes=boxes: not any(_centre_inside(obj, box) for box in boxes))
                page_items, header = _page_items(body, header)
                per_page.append(page_items)
    except IngestError:
        raise
    except Exception as error:  # pdfminer raises its own and plain Python errors on damaged files
        if any(isinstance(arg, PDFPasswordIncorrect) for arg in error.args):
            raise UnsupportedFile("PDF được đặt mật khẩu; hãy gỡ mật khẩu rồi gửi lại") from error
        raise CorruptFile("Tệp .pdf bị hỏng hoặc không đúng định dạng") from error
    _join_split_rows(per_page)
    text = _join_wrapped([item for items in per_page for item in items])
    # No text layer at all: every page is for OCR (a scan, or text drawn as shapes); blank ones
    # are skipped once rendered. Otherwise only the scanned pages among the typed ones.
    without_text = list(range(1, count + 1)) if not re.search(r"\w\w", text) else scans
    if not without_text:
        return Reading(text, "pdfplumber")
    read = without_text[:limits.ocr_pages]
    # The rendered page shows everything its text layer holds (a signing stamp on a scan), so
    # OCR's reading takes the place of that layer's few words.
    for number, page_text in zip(read, _ocr_pdf(path, read, budget) if read else []):
        per_page[number - 1] = [line for line in unwrap_lines(page_text).splitlines() if line.strip()]
    text = _join_wrapped([item for items in per_page for item in items])
    if not re.search(r"\w\w", text):
        if not read:
            raise EmptyDocument(f"PDF không có lớp chữ, và OCR đang tắt ({limits.setting('ocr_pages')}=0)")
        where = (f"{len(read)} trang" if len(read) == count else
                 f"{len(read)} trang đầu (trong {count} trang)" if len(without_text) == count else
                 f"{len(read)} trang quét (trong {len(without_text)} trang không có lớp chữ)")
        raise EmptyDocument(f"PDF không có lớp chữ và OCR không đọc được nội dung ở {where}")
    method = "tesseract" if len(without_text) == count else "pdfplumber+tesseract"
    if len(read) < len(without_text):
        method += f" {len(read)}/{len(without_text)}"
    return Reading(text, method, pages_without_text=len(without_text), ocr_pages=len(read))


# A scanned page among typed ones: a picture covers most of it and its text layer holds at most
# a few lines (a signing stamp's words laid over the scan). A typed page holds 1,500-3,000
# letters; a short last page ("Nơi nhận", a signature) has no page-sized picture.
_STAMP_LETTERS = 300
_SCAN_COVER = 0.5


def _is_scan(page) -> bool:
    if sum(1 for char in page.chars if char["text"].isalpha()) >= _STAMP_LETTERS:
        return False
    area = float(page.width * page.height) or 1.0
    covered = sum(max(0.0, min(float(image["x1"]), float(page.width)) - max(float(image["x0"]), 0.0))
                  * max(0.0, min(float(image["bottom"]), float(page.height)) - max(float(image["top"]), 0.0))
                  for image in page.images)
    return covered >= _SCAN_COVER * area


# Page furniture lives in the top and bottom strips of a page: page numbers ("2", "- 2 -",
# "Trang 2/5") and running headers or footers, which repeat from page to page.
_MARGIN = 0.08
_PAGE_NUMBER = re.compile(r"^(?:Trang\s+)?[-–]?\s*\d{1,4}\s*[-–]?(?:\s*/\s*\d{1,4})?$", re.I)


def _page_furniture(pages, budget: Budget | None = None) -> list[list[tuple[float, float, float, float]]]:
    """For each page, the boxes of its page number and running header or footer lines."""
    margin_lines = []
    for page in pages:
        if budget is not None:
            budget.check(f"đọc lề trang {page.page_number}/{len(pages)}")
        margin_lines.append(_margin_lines(page))
    counts: dict[str, int] = {}
    for lines in margin_lines:
        for key in {re.sub(r"\d+", "#", text) for text, _ in lines}:
            counts[key] = counts.get(key, 0) + 1
    return [
        [box for text, box in lines if _PAGE_NUMBER.match(text) or counts[re.sub(r"\d+", "#", text)] > 1]
        for lines in margin_lines
    ]


def _margin_lines(page) -> list[tuple[str, tuple[float, float, float, float]]]:
    lines: dict[int, list[dict]] = {}
    for word in page.extract_words():
        if word["bottom"] < page.height * _MARGIN or word["top"] > page.height * (1 - _MARGIN):
            lines.setdefault(round(word["top"] / 3), []).append(word)
    return [
        (
            " ".join(word["text"] for word in sorted(words, key=lambda word: word["x0"])),
            (min(w["x0"] for w in words), min(w["top"] for w in words),
             max(w["x1"] for w in words), max(w["bottom"] for w in words)),
        )
        for words in lines.values()
    ]


def _draw_annotation_appearances(page) -> None:
    """Add the visible annotations' appearance streams to the page's content.

    Vietnamese signing software stamps a directive's number and date into signature fields,
    so their text lives only in the fields' appearance streams, which pdfminer does not draw.
    """
    page_obj = page.page_obj
    forms, calls = {}, []
    for annotation in resolve1(page_obj.annots) or []:
        annotation = resolve1(annotation)
        if not isinstance(annotation, dict) or int(resolve1(annotation.get("F", 0)) or 0) & _HIDDEN_FLAGS:
            continue
        appearance = resolve1(annotation.get("AP"))
        normal = resolve1(appearance.get("N")) if isinstance(appearance, dict) else None
        if not isinstance(normal, PDFStream) or "BBox" not in normal:
            continue
        try:
            placement = _appearance_matrix(normal, [float(resolve1(v)) for v in resolve1(annotation["Rect"])])
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            continue
        name = f"CongvanAnnotation{len(forms)}"
        forms[name] = normal
        calls.append("q {} cm /{} Do Q".format(" ".join(f"{v:.4f}" for v in placement), name))
    if not forms:
        return
    resources = dict(page_obj.resources or {})
    resources["XObject"] = {**(resolve1(resources.get("XObject")) or {}), **forms}
    page_obj.resources = resources
    stream = PDFStream({}, "\n".join(calls).encode())
    # pdfminer only runs content streams with an object number; no real object has a negative one.
    stream.set_objid(-page.page_number, 0)
    page_obj.contents = [*page_obj.contents, stream]


# Invisible, Hidden, NoView: annotation flags of things a reader does not see.
_HIDDEN_FLAGS = 1 | 2 | 32


def _appearance_matrix(form, rect: list[float]) -> tuple[float, ...]:
    """PDF 32000 §12.5.5: the form's bounding box, transformed by its Matrix, is fitted to Rect."""
    a, b, c, d, e, f = (float(resolve1(v)) for v in resolve1(form.get("Matrix", [1, 0, 0, 1, 0, 0])))
    x0, y0, x1, y1 = (float(resolve1(v)) for v in resolve1(form["BBox"]))
    corners = [(a * x + c * y + e, b * x + d * y + f) for x in (x0, x1) for y in (y0, y1)]
    bx0, bx1 = min(x for x, _ in corners), max(x for x, _ in corners)
    by0, by1 = min(y for _, y in corners), max(y for _, y in corners)
    rx0, rx1 = sorted(rect[0::2])
    ry0, ry1 = sorted(rect[1::2])
    sx, sy = (rx1 - rx0) / (bx1 - bx0), (ry1 - ry0) / (by1 - by0)
    return sx, 0.0, 0.0, sy, rx0 - sx * bx0, ry0 - sy * by0


def _without_covered_blanks(page):
    """Drop blank characters that a visible glyph covers.

    A form's blank ("Số:      /BGDĐT") stays in the page text under the number stamped over it
    later; sorted by position, the blanks would split "1239" into "1 2 3 9".
    """
    glyphs: dict[int, list[tuple[float, float]]] = {}
    for char in page.chars:
        if char["text"].strip():
            glyphs.setdefault(round(char["top"] / 4), []).append((char["x0"], char["x1"]))

    def covered(obj) -> bool:
        if obj.get("object_type") != "char" or obj["text"].strip():
            return False
        middle = (obj["x0"] + obj["x1"]) / 2
        line = round(obj["top"] / 4)
        return any(x0 <= middle <= x1 for row in (line - 1, line, line + 1) for x0, x1 in glyphs.get(row, ()))

    return page.filter(lambda obj: not covered(obj))


def _page_items(page, previous_header: list | None) -> tuple[list, list | None]:
    """The page's visual text lines (dicts with text, x0, x1 and the page's width) and table
    rows (strings, cells joined by tabs) in reading order, and the header row of its last table.

    A table that goes on from the previous page repeats its header row at the top of the page;
    the repeat is dropped.
    """
    tables = sorted(page.find_tables(), key=lambda table: table.bbox[1])
    if not tables:
        return _text_lines(page), previous_header
    boxes = [table.bbox for table in tables]
    outside = page.filter(lambda obj: not any(_centre_inside(obj, box) for box in boxes))
    tops = [box[1] for box in boxes]
    items: list = []
    # Text is placed before the first table whose top lies below it, so text beside a table
    # comes after the table.
    for index in range(len(tables) + 1):
        band = outside.filter(lambda obj, index=index: bisect_right(tops, obj["top"]) == index)
        items.extend(_text_lines(band))
        if index < len(tables):
            rows = [[re.sub(r"[\t\n]", " ", cell or "") for cell in row] for row in _logical_rows(tables[index])]
            if index == 0 and not items and rows and rows[0] == previous_header:
                rows = rows[1:]
            elif rows:
                previous_header = rows[0]
            items.extend("\t".join(row) for row in rows)
    return items, previous_header


def _text_lines(page) -> list[dict]:
    return [{"text": line["text"], "x0": line["x0"], "x1": line["x1"], "width": round(page.width)}
            for line in page.extract_text_lines(return_chars=False) if line["text"].strip()]


# A line that opens a list item or a numbered section starts a paragraph wherever it stands.
_ITEM_START = re.compile(
    r"^(?:[-+•*–]\s|[a-zđ][\.\)]\s|\d{1,2}(?:\.\d{1,2})*[\.\)]\s|[IVXLC]+[\.\)]\s|(?:Điều|Chương|Mục|Phần|Phụ lục)\s)")
# How far short of the right margin a line wrapped by the page width may stop: a printer's
# rounding, not a word.
_MARGIN_SLACK = 2.0


def _join_wrapped(items: list) -> str:
    """The document's paragraphs: visual lines joined where the page width, not the writer,
    broke them; table rows as they are.

    A PDF has no paragraphs, only lines. A line goes on from the one above when that one stops
    mid-sentence (no closing punctuation, not an ALL-CAPS heading or header line) and either
    this one starts in lower case (".. nộp về phòng trước" / "ngày 15/12/2024;"), or the line
    above ran to the right margin - this line's first word would not have fitted on it - and
    this one is not indented further than it, so it is not a new indented paragraph
    ("... đã tiếp nhận phòng" / "STEM của PETROVIETNAM ..."). A page's last line goes on
    into the next page's first the same way.
    """
    right = _right_margins([item for item in items if isinstance(item, dict)])
    out: list[str] = []
    previous: dict | None = None
    for item in items:
        if not isinstance(item, dict):
            out.append(item)
            previous = None
            continue
        text = item["text"].strip()
        if previous is not None and _goes_on(previous, item, right.get(previous["width"], 0.0)):
            joiner = "" if re.search(r"\w-$", out[-1]) else " "  # "1849/BGDĐT-" / "GDPT"
            out[-1] = out[-1].rstrip() + joiner + text
        else:
            out.append(item["text"])
        previous = item
    return "\n".join(out)


def _join_split_rows(per_page: list[list]) -> None:
    """Put back together a table row that a page break cut in two.

    Word carries a tall row over onto the next page: the part there is the table's first row
    on that page (after its repeated header, already dropped), with an empty number cell and
    the rest of each cell that did not fit ("Thu nhận hồ sơ và lập danh sách giáo viên dự thi
    của" / "các trường trong huyện."). It goes on from the last row of the page before when a
    cell of it carries on a sentence that cell left open (it starts in lower case after no
    closing punctuation). A row with its own task under the same number starts a new sentence
    ("- Thông tin kết quả học tập") and stays a row.
    """
    for before, page in zip(per_page, per_page[1:]):
        if not before or not page or not isinstance(before[-1], str) or not isinstance(page[0], str):
            continue
        above, below = before[-1].split("\t"), page[0].split("\t")
        if len(above) != len(below) or len(below) < 2 or below[0].strip():
            continue
        if not any(b.strip()[:1].islower() and a.strip() and not a.rstrip().endswith(_SENTENCE_END)
                   for a, b in zip(above, below)):
            continue
        before[-1] = "\t".join(" ".join(part for part in (a.strip(), b.strip()) if part) for a, b in zip(above, below))
        del page[0]


def _right_margins(lines: list[dict]) -> dict[int, float]:
    """Where the text column ends on pages of each width: the right edge most lines reach
    (the 90th percentile, so a header cell that sticks out does not count)."""
    by_width: dict[int, list[float]] = {}
    for line in lines:
        by_width.setdefault(line["width"], []).append(line["x1"])
    return {width: sorted(ends)[int(0.9 * (len(ends) - 1))] for width, ends in by_width.items()}


def _goes_on(previous: dict, line: dict, right: float) -> bool:
    above, text = previous["text"].rstrip(), line["text"].strip()
    if not above or above.endswith(_SENTENCE_END) or _ITEM_START.match(text):
        return False
    if text[:1].islower():
        return True
    if _is_caps_line(above) or line["x0"] > previous["x0"] + _MARGIN_SLACK:
        return False  # indented: a new paragraph
    first_word = text.split(" ", 1)[0]
    char_width = (line["x1"] - line["x0"]) / max(len(line["text"]), 1)
    return previous["x1"] + char_width * (len(first_word) + 1) > right + _MARGIN_SLACK


def _is_caps_line(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 4 and sum(ch.isupper() for ch in letters) > 0.8 * len(letters)


def _logical_rows(table) -> list[list[str | None]]:
    """A table's rows, each with its cells together.

    Where a row's cells are drawn with rules between their lines (a Word table exported to PDF
    whose row holds several paragraphs), the table finder sees one row per strip: the number
    and date cells span the strips, while the task's lines land one strip each ("Thu nhận đơn
    phúc khảo và lập danh" / "sách phúc khảo."), apart from their row's number and date. A
    strip whose first and last cells are both covered by cells from the row above belongs to
    that row; its cells are appended column by column.

    A sub-row with a last cell of its own (an item with its own deadline) stays a row, and the
    cells that span down onto it from above (who leads, who takes part) are repeated in it,
    as Word shows a merged cell on each row, so the row says all its cells say. Its first
    cell stays empty: a row continuing the group above, as a month table's rows under their
    month.
    """
    rows = table.extract()
    columns = [column.bbox for column in table.columns]
    places = {cell: (i, j) for i, row in enumerate(table.rows) for j, cell in enumerate(row.cells) if cell}

    def cover(r: int, c: int) -> tuple[int, int] | None:
        """The row and column of the cell from above that spans down over this empty place."""
        row = table.rows[r]
        if c >= len(columns) or c >= len(row.cells) or row.cells[c] is not None or row.bbox is None:
            return None
        x, top = (columns[c][0] + columns[c][2]) / 2, row.bbox[1]
        y = (top + row.bbox[3]) / 2
        for cell in table.cells:
            x0, t, x1, b = cell
            if x0 <= x <= x1 and t <= y <= b and t < top - 0.5 and cell in places:
                return places[cell]
        return None

    out: list[list[str | None]] = []
    for r, row in enumerate(rows):
        if out and len(row) > 1 and cover(r, 0) and cover(r, len(row) - 1):
            merged = out[-1]
            for column, cell in enumerate(row):
                if cell and column < len(merged):
                    merged[column] = f"{merged[column]}\n{cell}" if merged[column] else cell
            continue
        filled = list(row)
        for column in range(1, len(row)):
            above = cover(r, column)
            if above and above[0] < len(rows) and above[1] < len(rows[above[0]]):
                filled[column] = rows[above[0]][above[1]]
        out.append(filled)
    return out


def unwrap_lines(text: str) -> str:
    """Join the visual lines of a PDF page back into paragraphs.

    A PDF has no paragraphs, only lines; a line that continues a sentence starts in lower case
    ("… nộp về phòng trước" / "ngày 15/12/2024;"), while items and headings start with a
    marker, a number or a capital.
    """
    out: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if out and out[-1] and stripped[:1].islower() and not out[-1].rstrip().endswith((".", ":", ";", "!", "?")):
            out[-1] = out[-1].rstrip() + " " + stripped
        else:
            out.append(line)
    return "\n".join(out)


def _centre_inside(obj, box) -> bool:
    x0, top, x1, bottom = box
    return x0 <= (obj["x0"] + obj["x1"]) / 2 <= x1 and top <= (obj["top"] + obj["bottom"]) / 2 <= bottom


def _ocr_pdf(path: Path, numbers: list[int], budget: Budget) -> list[str]:
    """OCR text of the given pages (1-based); blank pages are not given to tesseract."""
    _check_ocr_tools()
    # One tesseract per core: each is held to one thread, which is much faster on small machines.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    with tempfile.TemporaryDirectory(prefix="congvan-ocr-") as folder:
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            pages = list(pool.map(lambda number: _ocr_page(path, number, folder, env, budget), numbers))
    return [page.decode("utf-8", errors="replace").replace("\f", "") for page in pages]


def _ocr_page(path: Path, number: int, folder: str, env: dict[str, str], budget: Budget) -> bytes:
    doing = f"nhận dạng chữ (OCR) trang {number}"
    budget.check(doing)
    # Uncompressed grey pages, rendered one at a time: PNG compression took longer than the
    # rendering, and only the pages being read are on disk.
    prefix = f"{folder}/page{number}"
    if _run(["pdftoppm", "-r", "300", "-gray", "-f", str(number), "-l", str(number), "-singlefile",
             str(path), prefix], timeout=budget.remaining()) is None:
        budget.check(doing)  # stopped by the budget, not a broken page
        raise CorruptFile("PDF không có lớp chữ và không chuyển được thành ảnh để OCR")
    image = Path(f"{prefix}.pgm")
    try:
        if _is_blank(image):
            return b""
        text = _run(["tesseract", str(image), "stdout", "-l", "vie"], env, timeout=budget.remaining())
    finally:
        image.unlink(missing_ok=True)
    if text is None:
        budget.check(doing)
        raise IngestError("PDF không có lớp chữ và tesseract lỗi khi OCR")
    return text


def _is_blank(image: Path) -> bool:
    """A page with no ink: nothing darker than light grey (scanner noise, a tinted background)."""
    with Image.open(image) as picture:
        darkest, _ = picture.getextrema()
    return darkest > 160


def _check_ocr_tools() -> None:
    if not shutil.which("pdftoppm"):
        raise IngestError("PDF không có lớp chữ; cần gói Debian poppler-utils (pdftoppm) để OCR")
    if not shutil.which("tesseract"):
        raise IngestError("PDF không có lớp chữ; cần gói Debian tesseract-ocr để OCR")
    # Older tesseract versions list the languages on stderr.
    try:
        listing = subprocess.run(["tesseract", "--list-langs"], capture_output=True, timeout=60, check=False)
        languages = (listing.stdout + listing.stderr).decode(errors="replace").split()
    except (OSError, subprocess.TimeoutExpired):
        languages = []
    if "vie" not in languages:
        raise IngestError("PDF không có lớp chữ; cần gói Debian tesseract-ocr-vie (tiếng Việt cho tesseract) để OCR")
