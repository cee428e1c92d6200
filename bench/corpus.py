"""Varied copies of the sample directives, for benchmarks on a corpus N times the samples' size.

    .venv/bin/python bench/corpus.py OUT_DIR --scale 10      # writes 5 originals + 45 copies

A copy is the same directive as another issuer would send it: every school, district and province
name is replaced by another plausible Vietnamese name (consistently, in title and upper case, and
in the number's unit initials: "KH-MNSS" of Sao Sáng becomes "KH-MNBM" of Bình Minh), the
document gets its own number and issue day, and every year from 2000 to 2039 is shifted back by
the same k (dates stay valid: 29/2 of a year that is no longer leap becomes 28/2). What a directive of
another year would still write stays: a cited document's number and date ("Thông tư số
13/2016/TT-BGDĐT ngày 12/5/2016"), a national programme's period ("giai đoạn 2021-2025") and
historical years (1946).

Copy j of a sample is the same at every scale, so a 100x corpus contains the 10x one, and half of
the copies keep the original's years (k = 0): directives of one school year from different
districts share most of their text, as real ones do, and congvan's embedding cache (keyed by
passage text) embeds those shared passages once. Copies are written NFC-normalised (one sample is
partly NFD; congvan normalises on ingest anyway). `.manifest.json` in the output folder says, for
every file, which sample it comes from and what was changed.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
MANIFEST = ".manifest.json"  # hidden, so `congvan ingest FOLDER` skips it

# Two syllables drawn from these make names like "Bình Minh", "Ngọc Lâm", "Tân Phú": 29 x 29
# pairs, enough for every copy of a sample to have its own name at 100x.
_FIRST = ("An", "Bình", "Cẩm", "Diên", "Đông", "Gia", "Hải", "Hòa", "Hương", "Kim", "Lạc", "Lâm",
          "Minh", "Ngọc", "Nghĩa", "Phú", "Phước", "Quang", "Quế", "Tân", "Thanh", "Thuận", "Tiên",
          "Trung", "Văn", "Vĩnh", "Xuân", "Yên", "Thái")
_SECOND = ("An", "Bình", "Châu", "Đức", "Giang", "Hà", "Hải", "Hòa", "Hưng", "Khánh", "Lâm", "Lộc",
           "Long", "Lợi", "Minh", "Mỹ", "Ninh", "Phong", "Phúc", "Sơn", "Tân", "Thành", "Thịnh",
           "Thủy", "Tiến", "Trung", "Tú", "Vinh", "Xuân")
NAME_POOL = tuple(f"{a} {b}" for a in _FIRST for b in _SECOND if a != b)

# A name follows one of these words. After a place word one to four title-case syllables
# ("quận Long Biên", "phường Bưởi"); after a school word two to four ("MN Quán Toan"), since a
# single capitalised word there is usually the next institution ("MN Sở ...").
_PLACE_WORDS = ("quận", "huyện", "thị xã", "thị trấn", "thành phố", "tỉnh", "phường", "xã")
_SCHOOL_WORDS = ("mầm non", "MN", "MG", "mẫu giáo")
# Capitalised words that start institutions and titles, not names.
_NOT_NAMES = {
    "Sở", "Phòng", "Bộ", "Ban", "Hội", "Tổ", "Trường", "Quận", "Huyện", "Phường", "Xã", "Thành",
    "Tỉnh", "Nhà", "Công", "Kế", "Giáo", "Mầm", "Ủy", "Uỷ", "Đảng", "Chi", "Liên", "Cục", "Vụ",
    "Viện", "Chủ", "Hiệu", "Phó", "Tổng", "Ngày", "Tháng", "Năm", "Thực", "Căn", "Kính", "Nơi",
    "Nhóm", "Lớp", "Các", "Hướng", "Quyết", "Thông", "Chương", "Đề", "Trung", "Mẫu",
}
# Words that end a run of capitalised words: "TRƯỜNG MẦM NON SAO SÁNG NĂM HỌC 2023-2024".
_NOT_IN_NAMES = {"Năm", "Học", "Tháng", "Ngày", "Về", "Và", "Của", "Thực", "Hiện", "Giáo", "Dục", "Quận",
                 "Huyện", "Phường", "Xã", "Tỉnh", "Trường", "Sở", "Bộ"}
_FAMOUS = {"Việt Nam", "Hồ Chí Minh", "Điện Biên Phủ"}
_YEAR = re.compile(r"(?<!\d)(20[0-3]\d)(?!\d)(?!/\s*[^\W\d_])")
# Years a later directive would still write: the date of a cited document ("Nghị định
# 80/NĐ-CP ngày 17/7/2017", "Công văn số 2179/SGDĐT-GDMN, ngày 16/8/2023") and a national
# programme's period ("giai đoạn 2021-2025").
_KEPT_YEARS = (
    re.compile(r"\d+\s*/\s*[^\s,;]*[^\W\d_][^\s,;]*\s*,?\s*(?:ban hành\s+)?ngày\s*"
               r"(?:\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{4}|\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4})"),
    re.compile(r"(?i:giai đoạn)\s*\d{4}\s*[-–]\s*\d{4}"),
)
_LEAP_DAY = re.compile(r"(?<!\d)29(/0?2/|\s+tháng\s+0?2\s+năm\s+)(\d{4})(?!\d)")
_NUMBER_LINE = re.compile(r"^(?P<lead>[ \t]*(?:Số|SỐ)\s*:[ \t]*)(?P<digits>\d*)(?P<sep>[ \t]*/[ \t]*)(?P<symbol>\S*)",
                          re.MULTILINE)
_ISSUE_DATE = re.compile(r"ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})")
_PLACE_LINE = re.compile(r"(?m)^[ \t]*((?:[^\W\d_]+[ \t]){0,3}[^\W\d_]+)[ \t]*,[ \t]*ngày")
_LIST_NEXT = re.compile(r",[ \t]*(?=[^\W\d_])")
_HEADER_CHARS = 1500


@dataclass
class Variation:
    original: str
    copy: int  # j: 1, 2, ... for the copies of one sample; 0 for the sample itself
    year_shift: int = 0
    names: dict[str, str] = field(default_factory=dict)
    number: str = ""
    issue_day: str = ""


def year_shift(copy: int) -> int:
    """Odd copies keep the original's years; even ones move back by 1, 2, ... 6, 1, 2, ...

    Only back: an archive gathers older directives, and congvan ranks the latest school year it
    holds as the current one, so a copy from a later year would change what the original
    questions are about rather than add distractors to them."""
    if copy % 2:
        return 0
    return -(1 + (copy // 2 - 1) % 6)


def find_names(text: str) -> list[str]:
    """School, district and province names in a directive, in order of first appearance.

    A name follows a place or school word, and so do the others of a list it opens:
    "các Phường: Cự Khối, Thạch Bàn, Việt Hưng", "MN Cự Khối, Gia Thượng, Hoa Phượng".
    """
    first: dict[str, int] = {}

    def add(name: str, at: int) -> None:
        if name and name not in _FAMOUS:
            first[name] = min(first.get(name, at), at)

    for words, lengths in ((_PLACE_WORDS, (1, 4)), (_SCHOOL_WORDS, (2, 4))):
        trigger = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        pattern = re.compile(rf"(?<![^\W\d_])(?i:{trigger})[ \t]*:?[ \t]+(?=[^\W\d_])")
        for m in pattern.finditer(text):
            at, shortest = m.end(), lengths[0]
            while True:
                name = _name_run(text[at:at + 80].split("\n")[0], shortest, lengths[1])
                if not name:
                    break
                add(name, at)
                at += len(name)
                more = _LIST_NEXT.match(text, at)
                if not more:
                    break
                at, shortest = more.end(), 2  # a one-word list item is too often not a name
    # The place of the place-and-date line ("Hồng Bàng, ngày ... tháng ... năm 2023").
    for m in _PLACE_LINE.finditer(text[:_HEADER_CHARS]):
        add(_name_run(m.group(1), 1, 4), m.start(1))
    return sorted(first, key=first.get)


def _name_run(words_text: str, shortest: int, longest: int) -> str:
    """The leading run of capitalised syllables, as written, if it is long enough to be a name."""
    words = re.match(r"[^\W\d_]+(?:[ \t][^\W\d_]+)*", words_text)
    words = words.group(0).split() if words else []
    caps = bool(words) and words[0].isupper() and len(words[0]) > 1
    run = []
    for word in words[:longest]:
        # A title-case name ("Long Biên") or an all-caps one in a header line ("LONG BIÊN"),
        # never a mix: "HƯỚNG DẪN Long Biên" is two things.
        fits = word.isupper() and len(word) > 1 if caps else word[0].isupper() and word[1:].islower()
        stop = _NOT_NAMES if not run else _NOT_IN_NAMES
        if not fits or not _has_vowel(word) or word.capitalize() in stop:
            break
        run.append(word)
    if len(run) < shortest:
        return ""
    return " ".join(w.capitalize() for w in run) if caps else " ".join(run)


def _has_vowel(word: str) -> bool:
    return any(c in "aeiouy" for c in _fold(word).lower())  # "ĐT" is an abbreviation, not a name


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _initials(name: str) -> str:
    return "".join(w[0] for w in _fold(name).upper().split())


def vary(text: str, original: str, copy: int) -> tuple[str, Variation]:
    """Copy `copy` (1, 2, ...) of the directive `text` whose file is named `original`."""
    text = unicodedata.normalize("NFC", text)
    shift = year_shift(copy)
    variation = Variation(original=original, copy=copy, year_shift=shift)
    names = find_names(text)
    used = set(names)
    for name in names:
        # One permutation of the pool per (sample, name): copy j takes its j-th entry, so the
        # copies of one sample never share a replacement for the same name.
        pool = list(NAME_POOL)
        random.Random(f"{original}|{name}").shuffle(pool)
        choice = next(pool[(copy + t) % len(pool)] for t in range(len(pool))
                      if pool[(copy + t) % len(pool)] not in used)
        used.add(choice)
        variation.names[name] = choice
    for name in sorted(variation.names, key=len, reverse=True):
        new = variation.names[name]
        for old_form, new_form in ((name, new), (name.upper(), new.upper())):
            text = re.sub(rf"(?<![^\W\d_]){re.escape(old_form)}(?![^\W\d_])", new_form, text)
    text = _shift_years(text, shift)
    text, variation.number = _renumber(text, original, copy, variation.names)
    text, variation.issue_day = _redate(text, original, copy)
    return text, variation


def _shift_years(text: str, shift: int) -> str:
    if not shift:
        return text
    kept = [m.span() for pattern in _KEPT_YEARS for m in pattern.finditer(text)]

    def move(m: re.Match) -> str:
        if any(start <= m.start() < end for start, end in kept):
            return m.group(0)
        return str(int(m.group(1)) + shift)
    text = _YEAR.sub(move, text)

    def leap(m: re.Match) -> str:
        year = int(m.group(2))
        is_leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return m.group(0) if is_leap else "28" + m.group(1) + m.group(2)
    return _LEAP_DAY.sub(leap, text)


def _renumber(text: str, original: str, copy: int, names: dict[str, str]) -> tuple[str, str]:
    """Give the copy its own number; the unit's initials in the symbol follow the renamed unit."""
    m = _NUMBER_LINE.search(text[:_HEADER_CHARS])
    if not m:
        return text, ""
    base = int(hashlib.sha256(original.encode()).hexdigest()[:6], 16)
    # 37 and 900 are coprime: the first 900 copies of a sample all get different numbers.
    digits = str(10 + (base + 37 * copy) % 900)
    symbol = m["symbol"]
    for old, new in names.items():
        old_initials, new_initials = _initials(old), _initials(new)
        if len(old.split()) > 1 and symbol.endswith(old_initials):
            symbol = symbol[: -len(old_initials)] + new_initials
            break
    sep = m["sep"] if m["digits"] else "/"
    number = f"{digits}{sep.strip() if not m['digits'] else sep}{symbol}"
    return text[: m.start()] + m["lead"] + number + text[m.end():], re.sub(r"\s+", "", number)


def _redate(text: str, original: str, copy: int) -> tuple[str, str]:
    """A different issue day in the place-and-date line, when the header states one."""
    m = _ISSUE_DATE.search(text[:_HEADER_CHARS])
    if not m:
        return text, ""
    day = 1 + (int(m["d"]) - 1 + 3 * copy) % 28  # days 1-28 exist in every month
    new = f"ngày {day:02d} tháng {m['m']} năm {m['y']}"
    return text[: m.start()] + new + text[m.end():], f"{day:02d}/{m['m']}/{m['y']}"


def copy_name(sample_index: int, samples: int, copy: int, text: str) -> str:
    """A file name like the samples' ("012_<16 hex>.txt"), fixed for a given copy at any scale."""
    return f"{samples + (copy - 1) * samples + sample_index:03d}_{hashlib.sha256(text.encode()).hexdigest()[:16]}.txt"


def build(out_dir: Path, scale: int, samples_dir: Path = SAMPLES) -> dict[str, dict]:
    """Write the samples and (scale - 1) copies of each into out_dir; return the manifest."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    originals = sorted(p for p in Path(samples_dir).iterdir() if p.is_file() and not p.name.startswith("."))
    manifest: dict[str, dict] = {}
    for i, path in enumerate(originals):
        shutil.copyfile(path, out_dir / path.name)
        manifest[path.name] = asdict(Variation(original=path.name, copy=0))
    for copy in range(1, scale):
        for i, path in enumerate(originals):
            text, variation = vary(path.read_text(encoding="utf-8"), path.name, copy)
            name = copy_name(i, len(originals), copy, text)
            (out_dir / name).write_text(text, encoding="utf-8")
            manifest[name] = asdict(variation)
    (out_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--scale", type=int, default=10, help="corpus size in multiples of the samples")
    args = parser.parse_args()
    manifest = build(args.out_dir, args.scale)
    print(f"{len(manifest)} files in {args.out_dir}")


if __name__ == "__main__":
    main()
