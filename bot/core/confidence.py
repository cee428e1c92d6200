"""How sure an answer is: one probability from every signal search and reading give, and the
decision it leads to (answer, closest passages to check, or nothing found).

No single signal separates answerable questions from near-misses on directives nobody has tuned
for: lexical coverage abstains on paraphrases, cosine is compressed into a narrow band, BM25 is
only relative. A logistic model over all of them, fitted with cross-validation across the two
public question sets by bench/confidence.py, gives one calibrated number instead. The fitted
weights and the two thresholds live in confidence_model.json beside this file.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, islice
from pathlib import Path
import re
from collections.abc import Iterable

from index.fold import fold, folded_words
from index.units import places_in

from .copies import Distinct
from .lexicon import QUESTION_WORDS
from .named import bare, references as directive_references

MODEL_FILE = Path(__file__).with_name("confidence_model.json")
TOP = 5  # the passages whose signals are read: those an answer would cite
CLIP = 3.0
_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"[^\W\d_]+")

# Order matters: it is the order of the weights in the model file.
FEATURES = ("cosine", "cosine_lead", "coverage", "coverage_top", "keyword", "margin", "states_fact",
            "asks_fact", "unknown_words", "missing_rare", "numbers_missing", "names_missing", "named")


@dataclass
class Confidence:
    level: str  # "high", "low" or "none"
    probability: float
    signals: dict[str, float]


def signals(hits: list, states_fact: bool, asks_fact: bool, unknown_words: float, missing_rare: float,
            numbers_missing: float, names_missing: float, named: bool = False) -> dict[str, float]:
    """The signals of a ranked list of search hits (bot.core.search.Hit), best first.

    cosine: the lead passage's cosine; cosine_lead: how far the best cosine of the top passages
    stands above the typical cosine of the rest (the model's scale differs between corpora, its
    contrast less); coverage / coverage_top: the lead's and the best share of the question's
    weighted words; keyword: the best BM25 (relative to the best of all) among the first three, of
    which the lead was chosen; margin: the lead's fused score above the best passage of another
    document. Both contrasts are read against passages that are not near-copies of the lead
    (bot/core/copies.py), on past the hits into the passages search ranked after them when other
    districts' copies of the lead fill the list. states_fact: the lead's quoted sentence states
    the kind of fact asked (a date for "khi nào"); asks_fact: the question asks for a date,
    number or place at all; unknown_words: the share of the question's weight in words that no
    indexed passage contains; missing_rare: how rare the rarest word is that the corpus knows but
    the lead passage lacks; numbers_missing: the share of the question's numbers (a year, an age,
    a grade) the lead passage does not write; names_missing: the share of the places and names
    the question capitalises that the lead's whole document never mentions (a near-miss: another
    subject, year, province or age than the documents cover); named: the lead comes from a
    document the question names by its number or place (bot/core/named.py)."""
    top = hits[:TOP]
    lead = top[0]
    # Read as if the library held each passage once: other districts' copies of a passage are
    # that passage again, not other passages, and the ranked list goes on past them.
    later = lead.after or ()
    signatures = getattr(later, "signatures", None)
    distinct = list(islice(filter(Distinct(signatures).new, chain(hits, later)), len(hits)))
    rest = sorted(h.dense for h in distinct[TOP:]) or [lead.dense]
    typical = rest[len(rest) // 2]
    own = Distinct(signatures)
    own.new(lead)
    other = next((h.score for h in chain(hits[1:], later)
                  if h.row["document_id"] != lead.row["document_id"] and own.new(h)), 0.0)
    return {
        "cosine": lead.dense,
        "cosine_lead": max(h.dense for h in distinct[:TOP]) - typical,
        "coverage": lead.coverage,
        "coverage_top": max(h.coverage for h in top),
        "keyword": max(h.keyword for h in top[:3]),
        "margin": lead.score - other,
        "states_fact": float(states_fact),
        "asks_fact": float(asks_fact),
        "unknown_words": unknown_words,
        "missing_rare": missing_rare,
        "numbers_missing": numbers_missing,
        "names_missing": names_missing,
        "named": float(named),
    }


def numbers_missing(question: str, passage: str, document_text: str = "") -> float:
    """Share of the numbers in the question that are not written where they should be: "2026"
    against a passage about 2025. A number that says which children or grade ("4 tuổi", "24
    tháng", "lớp 12") must be written with that word somewhere in the document
    (a schedule row does not repeat the grade its whole document is about, and a "4" elsewhere is
    not "4 tuổi"); the number of a directive the question names ("Nghị định 66") anywhere in it (a
    decree cites itself in any article, or only on a first page the file lacks); any other number
    in the passage, with its heading path and how its document names itself. A level of schooling
    ("tiểu học", "THPT") counts as such a number, written in the passage or how it is named."""
    words = _number_words(question)
    # "bn 1 tháng", "bao nhiêu 1 tiết": one of a unit is a rate asked for, not a number to find.
    asked = [i for i, w in enumerate(words)
             if w.isdigit() and not (w == "1" and i + 1 < len(words) and words[i + 1] in _PER_UNIT)]
    padded = " " + " ".join(words) + " "
    levels = [level for level in _LEVELS if f" {level} " in padded]
    if not asked and not levels:
        return 0.0
    references = {number for _, number in directive_references(question)}
    in_passage = " " + " ".join(_number_words(passage)) + " "
    # The level of schooling asked ("tiểu học") says which children too, and is written where the
    # passage, its heading or its document's title says whom it is for: a decree names every level
    # somewhere, so its whole text would not tell.
    levels_missing = sum(not any(f" {form} " in in_passage for form in _LEVELS[level]) for level in levels)
    if not asked:
        return levels_missing / len(levels)
    whole: list[str] = []  # the document's words, read only when a number needs them

    def in_document(phrase: str) -> bool:
        if not whole:
            whole.append(" " + " ".join(_number_words(document_text)) + " " if document_text else in_passage)
        return phrase in whole[0]

    # A school year ("năm học 2025-2026") is one number: a plan for 2024-2025 writes "2025" in
    # its dates but is not for 2025-2026. It is its whole document's, so it is looked for there.
    years = [i for i in asked if i + 1 in asked and len(words[i]) == 4 and words[i + 1] == str(int(words[i]) + 1)]
    asked = [i for i in asked if i not in years and i - 1 not in years]
    missing = sum(not in_document(f" {words[i]} {words[i + 1]} ") for i in years)
    for i in asked:
        number = words[i]
        qualified = ([f" {words[i - 1]} {number} "] if i and words[i - 1] in _QUALIFIES_NEXT else []) + \
                    ([f" {number} {words[i + 1]} "] if i + 1 < len(words) and words[i + 1] in _QUALIFIES_PREVIOUS else [])
        if number in references:
            written = f" {number} " in in_passage or in_document(f" {number} ")
        elif qualified:
            written = any(q in in_passage or in_document(q) for q in qualified)
        else:
            written = f" {number} " in in_passage
        missing += not written
    return (missing + levels_missing) / (len(asked) + len(years) + len(levels))


# The words that say what a number counts in a question about children, classes and years.
# A year is not among them: "năm 2024" is in the date of any directive signed that year, so a
# year asked must be in the passage, its heading or its document's title and school year.
_QUALIFIES_NEXT = {"lop", "khoi"}  # "lớp 12", "khối 5"
_QUALIFIES_PREVIOUS = {"tuoi", "thang"}  # "4 tuổi", "24 tháng" (an age; "tháng 12" is a month)
# The levels of schooling above preschool, folded, each with the ways directives write it.
# Preschool is left out: it is what the users and their library are about, so a preschool plan's
# schedule row need not say "mầm non" for a question that does.
_LEVELS = {"tieu hoc": ("tieu hoc", "gdth"),
           "trung hoc co so": ("trung hoc co so", "thcs"), "thcs": ("trung hoc co so", "thcs"),
           "trung hoc pho thong": ("trung hoc pho thong", "thpt"), "thpt": ("trung hoc pho thong", "thpt"),
           "dai hoc": ("dai hoc",), "cao dang": ("cao dang",)}
_PER_UNIT = {"thang", "ngay", "nam", "tuan", "tiet", "buoi", "gio", "km", "lan", "suat", "tre", "nguoi"}
_NUMBER_WORD = re.compile(r"\d+|[a-z]+")


def _number_words(text: str) -> list[str]:
    """Folded words and numbers apart ("20m" → "20", "m"), numbers without leading zeros."""
    return [bare(w) if w[0].isdigit() else w for w in _NUMBER_WORD.findall(fold(text))]


def names_missing(question: str, document_text: str, known: Iterable[str] = ()) -> float:
    """Share of the names the question asks about that the document never writes, compared
    without diacritics: the names it capitalises after its first word ("Hà Nội", "Ninh Lai"), the
    `known` place and school names (index.units.place_names) however it writes them ("ở ha noi"),
    and the school subjects it types in lower case ("môn địa")."""
    names = list(dict.fromkeys(_names(question) + sorted(places_in(question, known))))
    subjects = _subjects(question, lower_case_only=True)
    if not names and not subjects:
        return 0.0
    # Words, not whitespace-split text: "Ninh Lai," must count as writing "ninh lai".
    text = " " + " ".join(folded_words(document_text)) + " "
    missing = sum(f" {name} " not in text for name in names)
    if subjects:
        # Chat shortens a subject to one of its words ("địa" for "Địa lí", "sử" for "Lịch sử"):
        # it is written when it is one of the words after a "môn" of the document.
        written = {w for phrase in _subjects(document_text, _SUBJECT_WORDS) for w in phrase.split()}
        missing += sum(word not in written for word in subjects)
    return missing / (len(names) + len(subjects))


def _subjects(text: str, length: int = 1, lower_case_only: bool = False) -> list[str]:
    """The subjects a text names after "môn" (not the "môn" of "chuyên môn", "môn học"), folded,
    their first `length` words. A question's are those written in lower case, as chat does
    ("môn địa", "mon toan"): a capitalised one ("môn Địa lí") is one of `_names`."""
    out = []
    for clause in _CLAUSE.split(text):
        if "mon" in fold(clause):
            out += _clause_subjects(clause, length, lower_case_only)
    return list(dict.fromkeys(out))


def _clause_subjects(clause: str, length: int, lower_case_only: bool) -> list[str]:
    tokens = re.findall(r"\w+", clause)
    words = [fold(t) for t in tokens]
    out = []
    for i, word in enumerate(words):
        if word != "mon" or (i and words[i - 1] == "chuyen"):
            continue
        start = i + 1  # past "thi", "học": "các môn thi: Toán, Văn"
        while start < len(words) and words[start] in _BEFORE_SUBJECTS:
            start += 1
        if start < len(words) and words[start] not in QUESTION_WORDS \
                and not (lower_case_only and tokens[start][:1].isupper()):
            out.append(" ".join(words[start:start + length]))
    return out


_SUBJECT_WORDS = 6  # "môn Giáo dục công dân", "các môn Toán, Văn, Tiếng Anh"
_BEFORE_SUBJECTS = {"hoc", "thi", "mon"}
_CLAUSE = re.compile(r"[.;()\n]")


def _names(question: str) -> list[str]:
    words = _WORD.findall(question)
    names, run = [], []
    for i, word in enumerate(words + [""]):
        # Capitalised, not the first word, not an all-capital code ("THPT", "GDĐT").
        if i > 0 and word[:1].isupper() and not word.isupper():
            run.append(word)
            continue
        if run:
            names.append(fold(" ".join(run)))
        run = []
    return list(dict.fromkeys(names))


def decide(values: dict[str, float]) -> Confidence:
    model = _model()
    z = model["intercept"] + sum(w * _standard(values[name], mean, scale) for name, w, mean, scale
                                 in zip(FEATURES, model["weights"], model["means"], model["scales"]))
    p = 1 / (1 + math.exp(-z))
    level = "high" if p >= model["high"] else "low" if p >= model["low"] else "none"
    return Confidence(level, round(p, 4), {k: round(v, 4) for k, v in values.items()})


def _standard(value: float, mean: float, scale: float) -> float:
    """Standardised and held to ±CLIP: a signal that barely varied in the fitted questions (the
    lead's relative BM25 is nearly always 1) must not swing the decision on a corpus where it
    does."""
    return max(-CLIP, min(CLIP, (value - mean) / scale))


@lru_cache(maxsize=1)
def _model() -> dict:
    model = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    if model["features"] != list(FEATURES):
        raise ValueError(f"{MODEL_FILE.name} was fitted on other features; rerun bench/confidence.py")
    return model
