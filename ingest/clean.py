"""Turn extracted text into the normalised text that every offset points into.

Extraction leaves HTML fragments, Markdown emphasis, Word bookmarks, private-use bullets and
NFD sequences. We keep one paragraph per line and table cells separated by tabs, because the
structure parser reads both.
"""
from __future__ import annotations

import html
import re
import unicodedata

_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
# Emphasis markers hug the words they wrap; a "* " that opens a line is a bullet and stays.
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_EMPH = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!])")
# Private-use bullets (Symbol font U+F0B7 and friends) and zero-width marks carry no text.
_INVISIBLE = re.compile("[\uf000-\uf0ff\u200b-\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[^\S\t\n]+")
# The short rule drawn under the issuer and under the motto ("-------", "___"), alone or left
# at the end of the cell it underlines.
_RULE = re.compile(r"(?:^|\s)[-_=–—.…]{3,}$")
# Text that is not the document's: the e-signature stamp ("Ký bởi: ...", "Thời gian ký: ...",
# "Cơ quan phát hành: ..."), a page number on its own line ("2", "- 2 -", "Trang 2"), and a
# letter or mark left alone on a line by OCR or a PDF-to-Word conversion.
_NOT_TEXT_LINE = re.compile(
    r"^(?:(?:Ký bởi|Người ký|Thời gian ký|Ngày ký|Cơ quan phát hành)\s*:.*"
    r"|(?:Trang\s+)?[-–]?\s*\d{1,3}\s*[-–]?|[^\W\d]|[\W_]+)$",
    re.I,
)


def normalize(raw: str) -> str:
    """NFC, markup removed, one paragraph a line, tab-separated table cells, no blank lines."""
    text = unicodedata.normalize("NFC", raw)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\v", "\n").replace("\f", "\n")
    text = _BOOKMARK.sub("", text)
    text = re.sub(r"<br\s*/?>|</p>|</li>|</h\d>|</tr>", "\n", text, flags=re.I)
    text = _HTML_TAG.sub("", text)
    text = html.unescape(text)
    text = _INVISIBLE.sub("", text)
    lines = (_tidy_line(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line and not _NOT_TEXT_LINE.match(line))


def _tidy_line(line: str) -> str:
    line = _MD_HEADING.sub("", line.strip(" "))
    line = _MD_STRONG.sub(r"\2", line)
    line = _MD_EMPH.sub(r"\1", line)
    line = _MD_ESCAPE.sub(r"\1", line)
    cells = [_RULE.sub("", _SPACES.sub(" ", cell).strip()).strip() for cell in line.split("\t")]
    while cells and not cells[-1]:
        cells.pop()
    filled = [c for c in cells if c]
    if len(filled) <= 1:
        # A lone cell is layout (an indent or a one-column box), not a table row.
        return filled[0] if filled else ""
    # Keep a blank leading cell: it marks a table row that continues the previous row's month.
    return "\t".join(cells)
