"""Units: the school or office a directive comes from, the district it belongs to, and which
documents concern a user who says where they work.

A school's plan ("Trường MN Sao Sáng") binds that school; an office's directive ("Phòng GD&ĐT
quận Long Biên") binds the schools of its district. So a school's scope is its own documents plus
its district office's; an office's scope is its own documents. The district comes from the
header's parent line ("UBND HUYỆN AN LÃO"), else from the issuer ("Phòng GD&ĐT Hồng Bàng"),
else, for a school, from the place it dates its documents from.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from .fold import fold, folded_words

_COUNCIL = re.compile(
    r"^(?:UBND|ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN)\s+(?:QUẬN|HUYỆN|THỊ XÃ|THÀNH PHỐ|TP\.?)\s+(?P<name>.+)$", re.I)
_OFFICE = re.compile(
    r"^Phòng\s+GD&ĐT\s+(?:(?:quận|huyện|thị xã|thành phố|TP\.?)\s+)?(?P<name>.+)$", re.I)
# Words that say what kind of body a name is, not which one: left out when matching what a user typed.
_GENERIC = {
    "truong", "mam", "non", "mn", "mau", "giao", "mg", "phong", "gd", "dt", "gddt", "gd&dt", "pgd", "pgddt",
    "duc", "va", "dao", "tao", "quan", "huyen", "thi", "xa", "thanh", "pho", "tp", "ubnd", "so", "sgd",
    "sgddt", "cap", "don", "vi", "cua", "toi", "o", "tai",
}
_SCHOOL_WORDS = {"truong", "mn", "mg", "mam", "mau"}
_OFFICE_WORDS = {"phong", "pgd", "pgddt", "quan", "huyen"}


def describe(issuer: str, issuer_lines: list[str], place: str = "") -> tuple[str, str, str]:
    """(unit, kind "school" | "office", district) of a document from its metadata."""
    unit = " ".join(issuer.split())
    kind = "school" if fold(unit).startswith("truong") else "office"
    district = ""
    for line in issuer_lines:
        if m := _COUNCIL.match(" ".join(line.split())):
            district = _title(m["name"])
            break
    if not district and (m := _OFFICE.match(unit)):
        district = m["name"].strip()
    if not district and kind == "school":
        district = place.strip()
    return unit, kind, district


# A place or school is named after the word for its kind: "tỉnh Vĩnh Long", "UBND THÀNH PHỐ HÀ NỘI",
# "Trường Mầm non Ninh Lai". Its first two capitalised words: most Vietnamese place names have two
# syllables, one would catch ordinary words, and a longer run often reads on into the next
# capitalised words of a title ("tỉnh Bình Định Giai đoạn …").
_UPPER = "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_PLACE = re.compile(
    r"(?i:\b(?:tỉnh|thành phố|tp\.?|huyện|quận|thị xã|thị trấn|xã(?!\s+hội\b)|phường"
    r"|trường\s+(?:mầm non|mẫu giáo|tiểu học|trung học cơ sở|trung học phổ thông|mn|mg|th|thcs|thpt)))"
    rf"[ \t]+([{_UPPER}][^\W\d_]*[ \t]+[{_UPPER}][^\W\d_]*)")


def place_names(documents: list[dict]) -> dict[str, frozenset[int]]:
    """The places and schools the loaded directives come from or apply to, folded ("ha noi",
    "ninh lai"), each with the ids of the documents that name it in their issuer, unit, title,
    subject or district: the names a question may ask about, however typed."""
    names: dict[str, set[int]] = defaultdict(set)
    for d in documents:
        text = "\n".join(d.get(k) or "" for k in ("issuer", "unit", "title", "subject"))
        found = {" ".join(folded_words(m.group(1))) for m in _PLACE.finditer(text)}
        district = " ".join(folded_words(d.get("district") or ""))
        if len(district.split()) >= 2:
            found.add(district)
        for name in found:
            names[name].add(d["id"])
    return {name: frozenset(ids) for name, ids in names.items()}


def places_in(text: str, names: Iterable[str]) -> list[str]:
    """The names (folded, from `place_names`) that a text writes, however typed ("ở ha noi")."""
    written = " " + " ".join(folded_words(text)) + " "
    return [name for name in names if f" {name} " in written]


def list_units(documents: list[dict]) -> list[dict]:
    """Every unit the loaded documents come from: name, kind, district, documents (count) and
    document_ids. An office named two ways ("Phòng GD&ĐT Hồng Bàng", "... quận Hồng Bàng") is one."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for d in documents:
        if not d.get("unit"):
            continue
        groups[_key(d["unit"], d["unit_kind"], d["district"])].append(d)
    out = []
    for (kind, _), rows in groups.items():
        name = max((r["unit"] for r in rows), key=lambda n: (sum(r["unit"] == n for r in rows), len(n)))
        district = next((r["district"] for r in rows if r["district"]), "")
        out.append({"name": name, "kind": kind, "district": district, "documents": len(rows),
                    "document_ids": sorted(r["id"] for r in rows)})
    return sorted(out, key=lambda u: (u["kind"] != "office", fold(u["district"]), fold(u["name"])))


def resolve(text: str, units: list[dict]) -> dict | None:
    """The unit a user means by what they typed ("MN Sao Sáng", "sao sang", "Hồng Bàng",
    "phòng gd long biên"); None when nothing matches. Matching ignores diacritics, case and the
    words that only say what kind of body it is; "trường"/"MN" prefers a school, "phòng" an office."""
    words = _words(text)
    core = [w for w in words if w not in _GENERIC]
    if not core:
        return None
    wants = "school" if _SCHOOL_WORDS & set(words) else "office" if _OFFICE_WORDS & set(words) else ""
    best, best_score = None, 0.0
    for unit in units:
        # A district's name names its office, never a school that happens to lie in it.
        names = [unit["name"]] + ([unit["district"]] if unit["kind"] == "office" else [])
        for candidate in names:
            have = [w for w in _words(candidate) if w not in _GENERIC]
            if not have or not _contains(have, core):
                continue
            score = len(core) / len(have)  # "sao sang" fits "Sao Sáng" better than "Sao Sáng Mới"
            if wants:
                score += 1.0 if unit["kind"] == wants else -1.0
            if score > best_score:
                best, best_score = unit, score
    return best


def names_match(query: str, name: str) -> bool:
    """Whether a typed name ("PGD Hồng Bàng", "sao sang") names `name`, ignoring diacritics, case
    and kind-of-body words."""
    core = [w for w in _words(query) if w not in _GENERIC]
    return bool(core) and _contains([w for w in _words(name) if w not in _GENERIC], core)


def scope(unit: dict, units: list[dict]) -> list[int]:
    """Document ids that concern a unit: its own, and for a school its district office's too."""
    ids = set(unit["document_ids"])
    if unit["kind"] == "school" and unit["district"]:
        for other in units:
            if other["kind"] == "office" and fold(other["district"]) == fold(unit["district"]):
                ids.update(other["document_ids"])
    return sorted(ids)


def _key(unit: str, kind: str, district: str) -> tuple[str, str]:
    if kind == "office" and district and fold(unit).startswith("phong"):
        return kind, "phong " + fold(district)
    return kind, fold(unit)


def _words(text: str) -> list[str]:
    return re.findall(r"[0-9a-z&]+", fold(text))


def _contains(have: list[str], wanted: list[str]) -> bool:
    """Whether `wanted` appears in `have` as consecutive words."""
    n = len(wanted)
    return any(have[i:i + n] == wanted for i in range(len(have) - n + 1))


def _title(name: str) -> str:
    return " ".join(w[:1].upper() + w[1:].lower() for w in name.split())
