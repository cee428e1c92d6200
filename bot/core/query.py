"""How a question typed in chat becomes the text and the terms that are searched."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable

from index.fold import fold, folded_words as split_folded, has_diacritics, word_tokens
from index.restore import ACRONYM_LETTERS, Restoration, Restorer
from ingest.vietnamese import is_syllable

from .lexicon import (ABBREVIATIONS, AGENDA_CUES, AGENDA_WORDS, CHAT_WORDS, HOW_MANY_CUES, POLITE_PREFIXES,
                      POLITE_SUFFIXES,
                      QUESTION_PHRASES, QUESTION_WORDS, STAFF_WORDS, WHEN_CUES, WHERE_CUES)

_ABBR_BY_FOLD = {fold(k): v for k, v in ABBREVIATIONS.items()}
_FULL_TO_ABBR = {fold(v): fold(k) for k, v in ABBREVIATIONS.items()}
_CHAT_BY_FOLD = {fold(k): v for k, v in CHAT_WORDS.items()}
_STAFF_BY_WORDS = {k.lower(): v for k, v in STAFF_WORDS.items()}
_TOKEN = re.compile(r"[^\W_]+(?:[&/][^\W_]+)*|\d+(?:[/,\.]\d+)*%?", re.UNICODE)
_LETTERS_DIGITS = re.compile(r"^([^\W\d_]+)(\d+)$")
# "trẻ 5t", "lớp 4t": a preschool age in chat (children are 1 to 6), as directives write it.
_AGE = re.compile(r"^([1-6])t$", re.I)
_VOWEL = re.compile(r"[aeiouy]")
# "sáu tháng", "ba ngày": a count in words, as directives write it ("6 tháng"). Only with its
# diacritics and before a unit: typed plain, "sau ngày" is "after the day".
_NUMBER_WORDS = {"một": "1", "hai": "2", "ba": "3", "bốn": "4", "năm": "5", "sáu": "6", "bảy": "7", "tám": "8",
                 "chín": "9", "mười": "10"}
_COUNTED = re.compile(r"(?i)(?<!\w)(" + "|".join(_NUMBER_WORDS) + r")(?=\s+(?:tháng|ngày|tuần|buổi|giờ|tiết|lần|tuổi"
                      r"|người|trẻ|lớp|giáo viên)(?!\w))")
# "năm học 25-26", "nh 25-26": a school year in chat, as directives write it ("2025-2026").
_SHORT_SCHOOL_YEAR = re.compile(r"(?i)\b(năm học|nam hoc|nh)\s*(\d{2})\s*[-–/]\s*(\d{2})\b")


def _full_school_year(m: re.Match) -> str:
    first, second = int(m.group(2)), int(m.group(3))
    if second != (first + 1) % 100:
        return m.group(0)
    return f"{m.group(1)} 20{m.group(2)}-20{m.group(3)}"


# Accented, so "ưu tiên" and "đầu tiên" are not money; "đồng" alone is left out ("hội đồng").
_MONEY_WORDS = re.compile(r"(?<!\w)(?:tiền|(?:học|kinh|chi|lệ)\s+phí|phí|mức\s+thu|khoản\s+thu|lương|phụ\s+cấp"
                          r"|trợ\s+cấp|mức\s+hỗ\s+trợ)(?!\w)", re.I)
_SHARE_CUES = ("phan tram", "ty le", "ti le")
# "thu bao nhiêu", "đóng bn", "được hỗ trợ thêm bao nhiêu": what is collected, paid or granted is
# money even when the question never says "tiền" (folded: "dong" is also "đông", which no one
# asks "bao nhiêu" of).
_PAY_CUES = re.compile(r" (?:thu|dong|tra|chi|ho tro)(?: them)? bao nhieu ")

@dataclass
class Query:
    original: str
    text: str  # politeness removed, abbreviations spelled out, diacritics restored: embedded and shown back
    terms: list[str]  # folded content words for keyword search
    phrases: list[str]  # folded adjacent word pairs: Vietnamese meaning lives in syllable pairs
    intent: str  # "when", "how_many", "how_much" (money), "where", "fact" or "agenda"
    words: list[str] = field(default_factory=list)  # lower-case content words as typed, "" at gaps
    synonym_words: list[str] = field(default_factory=list)  # the same with staff-room words in directive terms
    expansions: list[str] = field(default_factory=list)  # abbreviations spelled out: "bc → báo cáo"
    synonyms: list[str] = field(default_factory=list)  # staff-room words also searched as: "cô → giáo viên"
    form: str = "accented"  # how the question was typed: "accented", "unaccented" or "mixed"
    readings: list[str] = field(default_factory=list)  # `text`, in directive terms, another restoration
    stripped: list[str] = field(default_factory=list)  # greeting and politeness words set aside
    restoration: Restoration | None = None
    month: str = ""  # for intent "agenda": "12", "12/2023", or "this"/"next" month


def understand(question: str, restorer: Restorer | None = None, names: Iterable[str] = ()) -> Query:
    """`names`: the places and schools the loaded documents name, folded, for acronyms ("hn")."""
    question = unicodedata.normalize("NFC", question).strip()
    tokens = _TOKEN.findall(_COUNTED.sub(lambda m: _NUMBER_WORDS[m.group(1).lower()],
                                         _SHORT_SCHOOL_YEAR.sub(_full_school_year, question)))
    kept = _strip_politeness(tokens)
    expanded, expansions = _expand(kept)
    acronyms: list[str] = []
    if restorer:
        expanded, expansions, acronyms = _spell_out_acronyms(expanded, expansions, restorer, names)
    typed = " ".join(expanded).split()
    # Spelled-out abbreviations bring diacritics of their own: how the person typed is read from
    # their own words.
    restoration = restorer.restore(typed, None if any(map(has_diacritics, kept)) else "unaccented"
                                   ) if restorer else None
    if restoration:
        readings = [r for r in restoration.readings()]
        # Coverage judges passages by the words as typed: a wrong restoration must not hide an answer.
        as_typed = [t.lower() if changed else r
                    for t, r, changed in zip(typed, restoration.words, restoration.restored)]
    else:
        readings = [[t.lower() for t in typed]]
        as_typed = readings[0]
    # Staff-room words are searched in the directives' terms too, never instead: "Hội thi bé khỏe
    # bé ngoan" is a name that a document writes with "bé".
    spans = _staff_word_spans(readings[0])
    synonyms = [f"{' '.join(readings[0][i:i + n])} → {full}" for i, n, full in spans]
    texts = [_recase(r, typed) for r in readings]
    if spans:
        texts.insert(1, _recase(_replace(readings[0], spans), _replace(typed, spans)))
    text = texts[0]
    folded_words = split_folded(text)
    content = _content_words(folded_words)
    words = [w if folded else "" for w, folded in zip(word_tokens(" ".join(as_typed)), content)]
    # An acronym is searched as typed too: a document may write "TN THPT" itself.
    terms = [w for w in content if w] + _abbreviations_of(folded_words) + acronyms
    phrases = [f"{a} {b}" for a, b in zip(content, content[1:]) if a and b]
    synonym_words: list[str] = []
    if spans:
        folded_synonyms = split_folded(texts[1])
        synonym_content = _content_words(folded_synonyms)
        synonym_words = [w if f else "" for w, f in zip(word_tokens(" ".join(_replace(as_typed, spans))),
                                                          synonym_content)]
        terms += [w for w in synonym_content if w] + _abbreviations_of(folded_synonyms)
        phrases += [f"{a} {b}" for a, b in zip(synonym_content, synonym_content[1:]) if a and b]
    month = _agenda_month(folded_words)
    return Query(original=question, text=text, terms=list(dict.fromkeys(terms)),
                 phrases=list(dict.fromkeys(phrases)),
                 intent="agenda" if month else _intent(text, folded_words), month=month,
                 words=words, synonym_words=synonym_words, expansions=expansions, synonyms=synonyms,
                 form=restoration.form if restoration else "accented", readings=list(dict.fromkeys(texts)),
                 stripped=_removed(tokens, kept), restoration=restoration)


def _staff_word_spans(words: list[str]) -> list[tuple[int, int, str]]:
    """(start, length, directive wording) of each staff-room word, matched with its diacritics,
    so "mấy cô" means teachers while "có" stays "có"."""
    spans, i = [], 0
    while i < len(words):
        for n in (3, 2, 1):
            full = _STAFF_BY_WORDS.get(" ".join(words[i:i + n]))
            if full and i + n <= len(words):
                spans.append((i, n, full))
                i += n
                break
        else:
            i += 1
    return spans


def _replace(words: list[str], spans: list[tuple[int, int, str]]) -> list[str]:
    out, last = [], 0
    for i, n, full in spans:
        out += words[last:i] + full.split()
        last = i + n
    return out + words[last:]


def _recase(words: list[str], typed: list[str]) -> str:
    """Restored words in the case they were typed in ("Khi nao" → "Khi nào", "MN" stays)."""
    out = []
    for word, as_typed in zip(words, typed):
        if as_typed.isupper() and len(as_typed) > 1:
            out.append(word.upper())
        elif as_typed[:1].isupper():
            out.append(word[:1].upper() + word[1:])
        else:
            out.append(word)
    return " ".join(out)


def _removed(tokens: list[str], kept: list[str]) -> list[str]:
    """The politeness words cut from either end of `tokens`."""
    for start in range(len(tokens) - len(kept) + 1):
        if tokens[start:start + len(kept)] == kept:
            return tokens[:start] + tokens[start + len(kept):]
    return []


def _content_words(folded_words: list[str]) -> list[str]:
    """The words with question phrases blanked out ("" keeps them from pairing across the gap)."""
    words = list(folded_words)
    for phrase in sorted(QUESTION_PHRASES, key=len, reverse=True):
        n = len(phrase.split())
        for i in range(len(words) - n + 1):
            if " ".join(words[i:i + n]) == phrase:
                words[i:i + n] = [""] * n
    return ["" if w in QUESTION_WORDS else w for w in words]


def _strip_politeness(words: list[str]) -> list[str]:
    folded = [fold(w) for w in words]
    changed = True
    while changed and words:
        changed = False
        for phrase in sorted(POLITE_PREFIXES, key=len, reverse=True):
            n = len(phrase.split())
            if len(words) > n and " ".join(folded[:n]) == phrase:
                words, folded, changed = words[n:], folded[n:], True
                break
        for phrase in sorted(POLITE_SUFFIXES, key=len, reverse=True):
            n = len(phrase.split())
            if len(words) > n and " ".join(folded[-n:]) == phrase:
                words, folded, changed = words[:-n], folded[:-n], True
                break
    return words


def _expand(words: list[str]) -> tuple[list[str], list[str]]:
    out, expansions = [], []
    for word in words:
        parts = [word]
        m = _LETTERS_DIGITS.match(word)
        if m and fold(m.group(1)) in _ABBR_BY_FOLD:  # "hk1" → "hk 1"
            parts = [m.group(1), m.group(2)]
        if age := _AGE.match(word):
            expansions.append(f"{word} → {age.group(1)} tuổi")
            out += [age.group(1), "tuổi"]
            continue
        for part in parts:
            key = fold(part)
            full = _ABBR_BY_FOLD.get(key) if (part.isupper() or len(key) > 1) else None
            full = full or (_CHAT_BY_FOLD.get(key) if part.islower() else None)
            if full and full != part:
                expansions.append(f"{part} → {full}")
                out.append(full)
            else:
                out.append(part)
    return out, expansions


def _spell_out_acronyms(words: list[str], expansions: list[str], restorer: Restorer,
                        names: Iterable[str]) -> tuple[list[str], list[str], list[str]]:
    """Chat acronyms that no list holds ("thi tn", "ở hn", "đoàn kt", "atgt"), spelled out as the
    documents write the phrase they stand for (index.restore.Restorer.spell_out). A Vietnamese
    syllable always has a vowel, so a short word without one is an acronym or a code; one with a
    vowel that no syllable could be ("atgt") is one too unless the documents write it ("stem")."""
    out, spelled = list(words), []
    for i, word in enumerate(words):
        if not (2 <= len(word) <= ACRONYM_LETTERS and word.isalpha()
                and (not _VOWEL.search(fold(word)) or not (is_syllable(word) or restorer.writes(word)))):
            continue
        before = split_folded(out[i - 1])[-1:] if i else []
        after = split_folded(words[i + 1])[:1] if i + 1 < len(words) else []
        full = restorer.spell_out(word, before[0] if before else "", after[0] if after else "", names)
        if full:
            expansions = expansions + [f"{word} → {full}"]
            out[i] = full
            spelled.append(fold(word))
    return out, expansions, spelled


def _abbreviations_of(folded_words: list[str]) -> list[str]:
    """The abbreviation of every spelled-out phrase, so "giáo dục mầm non" also finds "GDMN"."""
    text = " " + " ".join(folded_words) + " "
    return [abbr for full, abbr in _FULL_TO_ABBR.items() if f" {full} " in text]


def _agenda_month(folded_words: list[str]) -> str:
    """The month a question asks the list of tasks of ("tháng 12 có việc gì?"), or ""."""
    text = " ".join(folded_words)
    m = re.search(r"\bthang (\d{1,2})(?: (\d{4}))?\b|\bthang (nay|sau|toi)\b", text)
    if not m or not any(f" {cue} " in f" {text} " for cue in AGENDA_CUES):
        return ""
    rest = (text[:m.start()] + " " + text[m.end():]).split()
    if any(w not in AGENDA_WORDS and w not in QUESTION_WORDS for w in rest):
        return ""  # "tháng 12 nộp báo cáo gì" asks about one task, not the month's list
    if m.group(3):
        return "this" if m.group(3) == "nay" else "next"
    if not 1 <= int(m.group(1)) <= 12:
        return ""
    return f"{int(m.group(1))}/{m.group(2)}" if m.group(2) else str(int(m.group(1)))


def _intent(text: str, folded_words: list[str]) -> str:
    padded = f" {' '.join(folded_words)} "
    for intent, cues in (("when", WHEN_CUES), ("where", WHERE_CUES), ("how_many", HOW_MANY_CUES)):
        if any(f" {cue} " in padded for cue in cues):
            # "bao nhiêu" about fees, support or pay asks for an amount of money, not a count:
            # "mỗi nhóm … được hỗ trợ kinh phí bao nhiêu" is answered by "700.000 đồng", not "15 trẻ".
            # "bao nhiêu phần trăm tiền sữa" still asks for a share.
            money = ((_MONEY_WORDS.search(text) or _PAY_CUES.search(padded))
                     and not any(f" {cue} " in padded for cue in _SHARE_CUES))
            return "how_much" if intent == "how_many" and money else intent
    return "fact"
