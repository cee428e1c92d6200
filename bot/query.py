"""How a question typed in chat becomes the text and the terms that are searched."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from index.fold import fold, folded_words as split_folded, word_tokens
from index.restore import Restoration, Restorer

from .lexicon import (ABBREVIATIONS, CHAT_WORDS, HOW_MANY_CUES, POLITE_PREFIXES, POLITE_SUFFIXES,
                      QUESTION_PHRASES, QUESTION_WORDS, STAFF_WORDS, WHEN_CUES, WHERE_CUES)

_ABBR_BY_FOLD = {fold(k): v for k, v in ABBREVIATIONS.items()}
_FULL_TO_ABBR = {fold(v): fold(k) for k, v in ABBREVIATIONS.items()}
_CHAT_BY_FOLD = {fold(k): v for k, v in CHAT_WORDS.items()}
_STAFF_BY_WORDS = {k.lower(): v for k, v in STAFF_WORDS.items()}
_TOKEN = re.compile(r"[^\W_]+(?:[&/][^\W_]+)*|\d+(?:[/,\.]\d+)*%?", re.UNICODE)
_LETTERS_DIGITS = re.compile(r"^([^\W\d_]+)(\d+)$")


@dataclass
class Query:
    original: str
    text: str  # politeness removed, abbreviations spelled out, diacritics restored: embedded and shown back
    terms: list[str]  # folded content words for keyword search
    phrases: list[str]  # folded adjacent word pairs: Vietnamese meaning lives in syllable pairs
    intent: str  # "when", "how_many", "where" or "fact"
    words: list[str] = field(default_factory=list)  # lower-case content words as typed, "" at gaps
    expansions: list[str] = field(default_factory=list)
    form: str = "accented"  # how the question was typed: "accented", "unaccented" or "mixed"
    readings: list[str] = field(default_factory=list)  # `text` and its likeliest other restoration
    stripped: list[str] = field(default_factory=list)  # greeting and politeness words set aside
    restoration: Restoration | None = None


def understand(question: str, restorer: Restorer | None = None) -> Query:
    question = unicodedata.normalize("NFC", question).strip()
    tokens = _TOKEN.findall(question)
    kept = _strip_politeness(tokens)
    expanded, expansions = _expand(kept)
    typed = " ".join(expanded).split()
    restoration = restorer.restore([t.lower() for t in typed], restorer.written_form([t.lower() for t in kept])
                                   ) if restorer else None
    if restoration:
        readings = [r for r in restoration.readings()]
        # Coverage judges passages by the words as typed: a wrong restoration must not hide an answer.
        as_typed = [t.lower() if changed else r for t, r, changed in zip(typed, restoration.words, restoration.restored)]
    else:
        readings = [[t.lower() for t in typed]]
        as_typed = readings[0]
    spans = _staff_word_spans(readings[0])
    expansions += [f"{' '.join(readings[0][i:i + n])} → {full}" for i, n, full in spans]
    readings = [_recase(_replace(r, spans), typed, spans) for r in readings]
    text = readings[0]
    folded_words = split_folded(text)
    content = _content_words(folded_words)
    terms = list(dict.fromkeys([w for w in content if w] + _abbreviations_of(folded_words)))
    phrases = list(dict.fromkeys(f"{a} {b}" for a, b in zip(content, content[1:]) if a and b))
    words = [w if folded else "" for w, folded in zip(word_tokens(" ".join(_replace(as_typed, spans))), content)]
    return Query(original=question, text=text, terms=terms, phrases=phrases,
                 intent=_intent(" ".join(folded_words)), words=words, expansions=expansions,
                 form=restoration.form if restoration else "accented", readings=list(dict.fromkeys(readings)),
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


def _recase(words: list[str], typed: list[str], spans: list[tuple[int, int, str]]) -> str:
    """Restored words in the case they were typed in ("Khi nao" → "Khi nào", "MN" stays)."""
    typed = _replace(typed, spans)
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


def _abbreviations_of(folded_words: list[str]) -> list[str]:
    """The abbreviation of every spelled-out phrase, so "giáo dục mầm non" also finds "GDMN"."""
    text = " " + " ".join(folded_words) + " "
    return [abbr for full, abbr in _FULL_TO_ABBR.items() if f" {full} " in text]


def _intent(folded: str) -> str:
    padded = f" {folded} "
    for intent, cues in (("when", WHEN_CUES), ("where", WHERE_CUES), ("how_many", HOW_MANY_CUES)):
        if any(f" {cue} " in padded for cue in cues):
            return intent
    return "fact"
