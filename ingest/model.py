"""The parsed form of a directive: what ingest produces and the index stores."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Metadata:
    """Facts a directive states about itself. A field the text does not state stays empty."""

    issuer: str = ""  # display name, e.g. "Phòng GD&ĐT quận Long Biên"
    issuer_lines: list[str] = field(default_factory=list)  # the header lines as written
    number: str = ""  # "88/KH-MNSS"; "" when the number is blank ("Số: /GDĐT")
    place: str = ""  # "An Lão"
    date: str = ""  # ISO "2023-09-22" only when day, month and year are all stated
    date_text: str = ""  # the line as written: "An Lão, ngày 22 tháng 9 năm 2023"
    subject: str = ""  # the V/v line(s) without "V/v"
    kind: str = ""  # "công văn", "kế hoạch", "hướng dẫn", "quyết định", "thông báo", ...
    title: str = ""  # the title block: "KẾ HOẠCH Thực hiện nhiệm vụ năm học 2023 - 2024"
    school_year: str = ""  # "2023-2024"
    recipients: list[str] = field(default_factory=list)  # the "Kính gửi" lines


@dataclass
class Section:
    """A node of the document's own numbering tree (I. > 1. > 1.1. > a.) or a month block."""

    ordinal: int  # position in the document, 0-based; parent refers to it
    parent: int | None
    level: int
    label: str  # the numbering as written: "II.", "1.2.", "a)", "Tháng 9/2023", "Điều 3"
    heading: str  # the heading line's text after the label
    start: int  # character offsets in Document.text
    end: int
    month: str = ""  # "2023-09" when the section is a month of a schedule; "2021-01,2021-02" for several


@dataclass
class Chunk:
    """A retrievable piece of text: never spans two sections or two months."""

    ordinal: int
    section: int | None  # Section.ordinal of the innermost section holding it
    path: str  # "II. Mục tiêu... > 1.2. Chất lượng chăm sóc... > a. Chỉ tiêu"
    text: str  # exactly Document.text[start:end]
    start: int
    end: int
    month: str = ""


@dataclass
class Task:
    """Something the directive asks to be done: an item under a month heading, or a sentence
    that states a deadline. Dates are ISO; "--12-15" when the text gives no way to know the year."""

    ordinal: int  # position among the document's tasks
    chunk: int  # Chunk.ordinal of the passage holding it, for the citation
    month: str  # "2023-12" (the heading's months, "2024-06,2024-07"; else the deadline's month; else "")
    text: str  # the item itself, trimmed: not the whole chunk
    deadline_start: str = ""
    deadline_end: str = ""
    deadline_text: str = ""  # the phrase as written: "hoàn thành trước ngày 15/12"
    deadline_kind: str = ""  # before | on | range | from | week | month | recurring
    recurring: str = ""  # "monthly:25", "weekly:FR"
    year_conflict: bool = False  # the stated year disagrees with the heading or school year


@dataclass
class Source:
    """The original file, kept so the document can always be re-parsed."""

    name: str
    sha256: str
    size: int
    format: str  # "txt", "md", "docx", "doc", "pdf"
    extraction: str = ""  # how the text was obtained: "text", "python-docx", "pdfplumber", "antiword", "tesseract"
    pages_without_text: int = 0  # a PDF's pages with no text layer (scans): what OCR is for
    ocr_pages: int = 0  # of them, the pages OCR read; fewer when it stopped at its page limit


@dataclass
class Document:
    source: Source
    text: str  # normalised (NFC, tidied) full text; all offsets point into it
    metadata: Metadata
    sections: list[Section]
    chunks: list[Chunk]
    tasks: list[Task] = field(default_factory=list)
