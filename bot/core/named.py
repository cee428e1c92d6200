"""The documents a question names: a directive by its kind and number ("Nghị định 66", "công văn
1239", "KH số 36"), or a place or school by its name ("ở Hà Nội", "trường MN Ninh Lai").

A question that names them is about them, as a user who says where they work is about their
unit's directives: bot/core/scope.py ranks those documents first. A decree that quotes another
("Căn cứ Nghị định số 105/2020/NĐ-CP") is not that decree, so a directive is named by its own
number, not by the numbers it cites; a file whose first page is lost names itself only in its
file name ("nd-66-2025-....docx"), which is read as well.
"""
from __future__ import annotations

import re

from index.fold import folded_words
from index.units import places_in
from ingest.metadata import kind_of_number

# The words a directive's kind is written with, folded, in a question or a file name.
KINDS: dict[str, str] = {
    "nghi dinh": "nghị định", "nd": "nghị định",
    "nghi quyet": "nghị quyết", "nq": "nghị quyết",
    "quyet dinh": "quyết định", "qd": "quyết định",
    "thong tu": "thông tư", "tt": "thông tư",
    "cong van": "công văn", "cv": "công văn",
    "ke hoach": "kế hoạch", "kh": "kế hoạch",
    "chi thi": "chỉ thị", "ct": "chỉ thị",
    "huong dan": "hướng dẫn", "hd": "hướng dẫn",
    "van ban": "", "vb": "",  # a directive of any kind
}

# "Nghị định 66", "Quyết định số 4222", "công văn 1239", "số 21": the number of a directive.
REFERENCE = re.compile(r"(?i:\b(?:nghị định|nghị quyết|quyết định|thông tư|công văn|kế hoạch|chỉ thị|hướng dẫn"
                       r"|nghi dinh|nghi quyet|quyet dinh|thong tu|cong van|ke hoach|chi thi|huong dan"
                       r"|văn bản|van ban|vb|nđ|nd|qđ|qd|tt|cv|kh|nq|số|so))\s+(?:số\s+|so\s+)?(\d+)")


def references(question: str, bare_numbers: bool = True) -> list[tuple[str, str]]:
    """(kind or "", number without leading zeros) of each directive the question names. A number
    after "số" alone ("trường số 2", "số 36") may name one or count something else:
    `bare_numbers=False` leaves it out."""
    out = []
    for m in REFERENCE.finditer(question):
        word = " ".join(folded_words(m.group(0))[:-1])
        word = word.removesuffix(" so")
        if word == "so" and not bare_numbers:
            continue
        out.append((KINDS.get(word, ""), bare(m.group(1))))
    return out


def bare(number: str) -> str:
    return number.lstrip("0") or "0"


def directives(documents: list[dict]) -> dict[str, list[dict]]:
    """The documents by the numbers they may be named by (their own, else their file name's), so
    that naming one costs the same in a library of any size."""
    out: dict[str, list[dict]] = {}
    for d in documents:
        own = (d.get("number") or "").strip()
        if head := re.match(r"0*(\d+)\s*/", own):
            numbers = {head.group(1)}
        elif own:
            numbers = set()  # a number without digits first ("…/KH-"): named by none
        else:
            numbers = {bare(w) for w in folded_words(d.get("file_name") or "") if w.isdigit()}
        for number in numbers:
            out.setdefault(number, []).append(d)
    return out


def named_documents(question: str, numbered: dict[str, list[dict]], places: dict[str, frozenset[int]]) -> set[int]:
    """Ids of the documents the question names: the directives whose own number it asks about
    (`numbered`: from `directives`), and those of the places and schools (`places`: name →
    document ids, index.units.place_names) it writes, however typed ("ở ha noi")."""
    named: set[int] = set()
    for kind, number in references(question, bare_numbers=False):
        named.update(d["id"] for d in numbered.get(number, ()) if _is_directive(d, kind, number))
    for name in places_in(question, places):
        named.update(places[name])
    return named


def _is_directive(document: dict, kind: str, number: str) -> bool:
    """Whether a document is directive `number` (of `kind`, when the question says which)."""
    own = (document.get("number") or "").strip()
    head = re.match(r"0*(\d+)\s*/", own)
    if head and head.group(1) == number:
        return not kind or kind == (document.get("kind") or kind_of_number(own) or kind)
    if own:
        return False
    # No number read from the text (a lost first page): the file's name may still say it.
    words = folded_words(document.get("file_name") or "")
    for i, word in enumerate(words[:-1]):
        if bare(words[i + 1]) == number and words[i + 1].isdigit():
            written = KINDS.get(word) or (KINDS.get(f"{words[i - 1]} {word}") if i else None)
            if written and (not kind or written == kind):
                return True
    return False
