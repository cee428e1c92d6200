"""File in, Document out: read → normalise → metadata → sections → chunks → tasks, within the
limits and time budget of ingest.limits."""
from __future__ import annotations

import hashlib
from pathlib import Path

from .chunk import make_chunks
from .clean import normalize
from .deadlines import extract_tasks
from .errors import EmptyDocument, TooLarge
from .limits import Budget, Limits, number
from .metadata import read_metadata
from .model import Document, Source
from .readers import read_file
from .structure import parse_sections


def parse_file(path: Path, limits: Limits | None = None, budget: Budget | None = None) -> Document:
    """`limits` default to Limits(); `budget` to limits' time budget, starting now. The caller
    passes its own budget when later work on the file (embedding) shares it."""
    path = Path(path)
    limits = limits or Limits()
    budget = budget or limits.budget()
    reading = read_file(path, limits, budget)
    data = path.read_bytes()
    source = Source(name=path.name, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                    format=path.suffix.lower().lstrip("."), extraction=reading.method,
                    pages_without_text=reading.pages_without_text, ocr_pages=reading.ocr_pages)
    return parse_text(reading.text, source, limits, budget)


def parse_text(raw: str, source: Source, limits: Limits | None = None, budget: Budget | None = None) -> Document:
    limits = limits or Limits()
    budget = budget or limits.budget()
    budget.check("chuẩn hoá văn bản")
    text = normalize(raw)
    if not text.strip():
        raise EmptyDocument("Tệp rỗng: không có nội dung chữ")
    budget.check("đọc thông tin văn bản")
    metadata = read_metadata(text)
    budget.check("đọc mục lục")
    sections = parse_sections(text, metadata.school_year)
    budget.check("chia đoạn")
    chunks = make_chunks(text, sections)
    if not chunks:
        raise EmptyDocument("Không tìm thấy đoạn văn nào để trả lời câu hỏi")
    if len(chunks) > limits.passages:
        raise TooLarge(f"Văn bản chia ra quá nhiều đoạn ({number(len(chunks))}; tối đa {number(limits.passages)}, "
                       f"đặt bằng {limits.setting('passages')}), sẽ mất quá lâu để nạp. Hãy tách thành các tệp nhỏ hơn")
    document = Document(source=source, text=text, metadata=metadata, sections=sections, chunks=chunks)
    budget.check("tìm việc cần làm và hạn")
    document.tasks = extract_tasks(document)[:limits.tasks]
    return document
