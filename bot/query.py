"""How a question typed in chat becomes the text and the terms that are searched."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from index.fold import fold, folded_words as split_folded, word_tokens

from .lexicon import (ABBREVIATIONS, CHAT_WORDS, HOW_MANY_CUES, POLITE_PREFIXES, POLITE_SUFFIXES,
                      QUESTION_PHRASES, QUESTION_WORDS, WHEN_CUES, WHERE_CUES)

_ABBR_BY_FOLD = {fold(k): v for k, v in ABBREVIATIONS.items()}
_FULL_TO_ABBR = {fold(v): fold(k) for k, v in ABBREVIATIONS.items()}
_CHAT_BY_FOLD = {fold(k): v for k, v in CHAT_WORDS.items()}
_TOKEN = re.compile(r"[^\W_]+(?:[&/][^\W_]+)*|\d+(?:[/,\.]\d+)*%?", re.UNICODE)
_LETTERS_DIGITS = re.compile(r"^([^\W\d_]+)(\d+)$")


@dataclass
class Query:
    original: str
    text: str  # politeness removed, abbreviations spelled out: what is embedded and shown back
    terms: list[str]  # folded content words for keyword search
    phrases: list[str]  # folded adjacent word pairs: Vietnamese meaning lives in syllable pairs
    intent: str  # "when", "how_many", "where" or "fact"
    words: list[str] = field(default_factory=list)  # lower-case content words as typed, "" at gaps
    expansions: list[str] = field(default_factory=list)


def understand(question: str) -> Query:
    question = unicodedata.normalize("NFC", question).strip()
    words = _strip_politeness(_TOKEN.findall(question))
    expanded, expansions = _expand(words)
    text = " ".join(expanded)
    folded_words = split_folded(text)
    typed_words = word_tokens(text)
    content = _content_words(folded_words)
    terms = list(dict.fromkeys([w for w in content if w] + _abbreviations_of(folded_words)))
    phrases = list(dict.fromkeys(f"{a} {b}" for a, b in zip(content, content[1:]) if a and b))
    words = [typed if folded else "" for typed, folded in zip(typed_words, content)]
    return Query(original=question, text=text, terms=terms, phrases=phrases,
                 intent=_intent(" ".join(folded_words)), words=words, expansions=expansions)


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
