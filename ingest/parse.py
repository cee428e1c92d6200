"""File in, Document out: read → normalise → metadata → sections → chunks → tasks."""
from __future__ import annotations

import hashlib
from pathlib import Path

from .chunk import make_chunks
from .clean import normalize
from .deadlines import extract_tasks
from .errors import EmptyDocument, TooLarge
from .metadata import read_metadata
from .model import Document, Source
from .readers import read_text
from .structure import parse_sections

# A year's plan of a large school lists a few hundred tasks; thousands of dated lines (a log, an
# exported timetable) are not tasks anyone is to be reminded of, and would be as many rows to
# store and list. The text is bounded (readers.MAX_TEXT_CHARS), so finding them is bounded too.
MAX_TASKS = 3000
# Each passage costs an embedding (~0.1-0.4 s on a shared 2-core machine). Real directives within
# readers.MAX_TEXT_CHARS give under 1,000; 10,000 one-line articles would give 10,000.
MAX_CHUNKS = 2000

def parse_file(path: Path) -> Document:
    path = Path(path)
    raw, extraction = read_text(path)
    data = path.read_bytes()
    source = Source(name=path.name, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                    format=path.suffix.lower().lstrip("."), extraction=extraction)
    return parse_text(raw, source)


def parse_text(raw: str, source: Source) -> Document:
    text = normalize(raw)
    if not text.strip():
        raise EmptyDocument("Tệp rỗng: không có nội dung chữ")
    metadata = read_metadata(text)
    sections = parse_sections(text, metadata.school_year)
    chunks = make_chunks(text, sections)
    if not chunks:
        raise EmptyDocument("Không tìm thấy đoạn văn nào để trả lời câu hỏi")
    if len(chunks) > MAX_CHUNKS:
        raise TooLarge(f"Văn bản chia ra quá nhiều đoạn ({len(chunks)}; tối đa {MAX_CHUNKS}), sẽ mất quá lâu để "
                       "nạp. Hãy tách thành các tệp nhỏ hơn")
    document = Document(source=source, text=text, metadata=metadata, sections=sections, chunks=chunks)
    document.tasks = extract_tasks(document)[:MAX_TASKS]
    return document
