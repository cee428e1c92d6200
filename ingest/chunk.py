"""Cut a document into retrievable chunks that follow its structure.

A chunk holds consecutive lines owned by one section (so it never spans two sections or two
months), at most MAX_CHARS long; a single paragraph longer than that is cut at sentence ends.
Small enough that a citation points at the paragraph that answers, large enough that the
surrounding items give the embedding some context.
"""
from __future__ import annotations

import re

from .model import Chunk, Section
from .structure import Line, heading_path, inherited_month, split_lines

MAX_CHARS = 700
_BOUNDARIES = [re.compile(p) for p in (
    r"(?<=[\.;:!?…])\s+(?=\S)", r"\s(?=[-+•]\s)", r"(?<=,)\s", r"\s")]


def make_chunks(text: str, sections: list[Section]) -> list[Chunk]:
    chunks: list[Chunk] = []
    for owner, lines in _runs(split_lines(text), sections):
        if _only_a_heading(lines, owner, sections):
            continue  # its words live on in the heading paths of its subsections' chunks
        path = heading_path(sections, owner)
        month = inherited_month(sections, owner)
        for start, end in _pack(text, lines):
            chunks.append(Chunk(ordinal=len(chunks), section=owner, path=path,
                                text=text[start:end], start=start, end=end, month=month))
    return chunks


def _runs(lines: list[Line], sections: list[Section]):
    """Group consecutive lines by the innermost section that holds them."""
    run: list[Line] = []
    run_owner: int | None = None
    for line in lines:
        if not line.text.strip():
            continue
        owner = _owner(line.start, sections)
        if run and owner != run_owner:
            yield run_owner, run
            run = []
        run_owner = owner
        run.append(line)
    if run:
        yield run_owner, run


def _owner(pos: int, sections: list[Section]) -> int | None:
    owner = None
    for s in sections:
        if s.start > pos:
            break
        if pos < s.end:
            owner = s.ordinal  # later starts are deeper, since sections nest
    return owner


def _only_a_heading(lines: list[Line], owner: int | None, sections: list[Section]) -> bool:
    """A bare heading whose subsections follow; a section with no children is its own content."""
    if owner is None or len(lines) != 1 or lines[0].start != sections[owner].start:
        return False
    return any(s.parent == owner for s in sections[owner + 1:])


def _pack(text: str, lines: list[Line]):
    """(start, end) spans of at most MAX_CHARS, cut between lines, else between sentences."""
    pieces: list[tuple[int, int]] = []
    for line in lines:
        if line.end - line.start <= MAX_CHARS:
            pieces.append((line.start, line.end))
        else:
            pieces.extend(_split_long(text, line.start, line.end))
    start, end = pieces[0]
    for piece_start, piece_end in pieces[1:]:
        if piece_end - start > MAX_CHARS:
            yield start, end
            start = piece_start
        end = piece_end
    yield start, end


def _split_long(text: str, start: int, end: int):
    """Cut an over-long paragraph at the strongest boundary that keeps pieces short enough:
    sentence ends, then inline list markers (" - " joined items), then commas, then spaces."""
    for boundary in _BOUNDARIES:
        cuts = [m.start() for m in boundary.finditer(text, start, end)]
        spans = _greedy(start, end, cuts)
        if all(b - a <= MAX_CHARS for a, b in spans):
            return spans
    return spans


def _greedy(start: int, end: int, cuts: list[int]) -> list[tuple[int, int]]:
    spans, piece_start, last = [], start, None
    for cut in cuts:
        if cut - piece_start > MAX_CHARS and last is not None:
            spans.append((piece_start, last))
            piece_start = last + 1
        last = cut
    if end - piece_start > MAX_CHARS and last is not None and last > piece_start:
        spans.append((piece_start, last))
        piece_start = last + 1
    spans.append((piece_start, end))
    return spans
