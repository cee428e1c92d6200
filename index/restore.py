"""Putting diacritics back on words typed without them, from the indexed documents' own usage.

Every run of 1-4 syllables in the corpus is counted under its folded key ("can do" → {"cân đo": 7,
"cần đó": 1}). An unaccented question is cut into the fewest runs the corpus knows, each read as
its most frequent accented form: longer runs carry the context that decides between "cân" and
"cần". Forms seen nearly as often are kept as alternatives rather than bet against.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from .fold import fold, has_diacritics, word_tokens

MAX_SYLLABLES = 4
# A phrase of the general lexicon (question and chat words no directive contains) counts as if
# the corpus used it this often: enough to win over rare accidents, not over real usage.
LEXICON_COUNT = 3
# Another form is worth searching too when it is seen at least this share as often as the best.
ALTERNATIVE_SHARE = 0.35
# An unaccented word in an otherwise accented question is left alone when the corpus writes it
# without diacritics at least this share of the time ("cho", "tin", "con").
PLAIN_SHARE = 0.5

# n-grams never cross punctuation, line breaks or numbers: "15/12. Cân đo" holds no "12 cân".
_PHRASE_BREAK = re.compile(r"[\n\r\t.,;:!?()\[\]{}\"“”'‘’«»/\\|–—-]+|\d+")


@dataclass
class Restoration:
    form: str  # "accented", "unaccented" or "mixed": how the words were typed
    typed: list[str]  # the input words
    words: list[str]  # one per input word: restored where it was restored, else as typed
    restored: list[bool]  # which words were changed
    alternatives: list[tuple[int, list[str]]] = field(default_factory=list)  # (word index, other forms)

    def readings(self, limit: int = 2) -> list[list[str]]:
        """The restored words, then the same with one word's best alternative, up to `limit`."""
        out = [self.words]
        for i, others in self.alternatives[: limit - 1]:
            out.append(self.words[:i] + [others[0]] + self.words[i + 1:])
        return out


class Restorer:
    def __init__(self, texts: Iterable[str], lexicon: Iterable[str] = ()):
        self.forms: dict[str, Counter[str]] = defaultdict(Counter)
        for text in texts:
            self.add(text)
        for phrase in lexicon:
            self._count(word_tokens(phrase), LEXICON_COUNT)

    def add(self, text: str, weight: int = 1) -> None:
        for phrase in _PHRASE_BREAK.split(text):
            self._count(word_tokens(phrase), weight)

    def remove(self, text: str) -> None:
        self.add(text, -1)

    def _count(self, words: list[str], weight: int = 1) -> None:
        if not words:
            return
        folded = fold(" ".join(words)).split(" ")
        for n in range(1, MAX_SYLLABLES + 1):
            for i in range(len(words) - n + 1):
                key, form = " ".join(folded[i:i + n]), " ".join(words[i:i + n])
                forms = self.forms[key]
                forms[form] += weight
                if weight < 0 and forms[form] <= 0:
                    del forms[form]
                    if not forms:
                        del self.forms[key]

    def restore(self, words: list[str], form: str | None = None) -> Restoration:
        """`words`: lower-case words as typed. Words with diacritics are kept and constrain their
        neighbours; words without are restored when the question is unaccented, or when it is
        mixed and the corpus rarely writes that word plain.

        Each free word takes the form that the longest runs around it agree on: every run of the
        greatest length the corpus knows that holds the word votes with its counts. `form` is how
        the person typed, when words were added since (spelled-out abbreviations)."""
        form = form or self.written_form(words)
        free = [not has_diacritics(w) and (form == "unaccented" or
                                            (form == "mixed" and self._plain_share(w) < PLAIN_SHARE))
                for w in words]
        out, alternatives = list(words), []
        for i in (i for i, f in enumerate(free) if f and _is_word(words[i])):
            votes = self._votes(words, free, i)
            if not votes:
                continue
            ranked = votes.most_common()
            out[i] = ranked[0][0]
            others = [w for w, c in ranked[1:] if c >= ALTERNATIVE_SHARE * ranked[0][1]]
            if others:
                alternatives.append((i, others))
        return Restoration(form, list(words), out, [a != b for a, b in zip(out, words)], alternatives)

    def _votes(self, words: list[str], free: list[bool], i: int) -> Counter[str]:
        for n in range(min(MAX_SYLLABLES, len(words)), 0, -1):
            votes: Counter[str] = Counter()
            for start in range(max(0, i - n + 1), min(i, len(words) - n) + 1):
                run, run_free = words[start:start + n], free[start:start + n]
                if not all(map(_is_word, run)):
                    continue  # numbers and codes break runs, as they do in the corpus counts
                for f, count in self.forms.get(" ".join(fold(w) for w in run), {}).items():
                    form_words = f.split()
                    if all(ok or fw == w for fw, w, ok in zip(form_words, run, run_free)):
                        votes[form_words[i - start]] += count
            if votes:
                return votes
        return Counter()

    def written_form(self, words: list[str]) -> str:
        """"accented" when nothing needs restoring, "unaccented" when no word carries diacritics
        (and some should), "mixed" when some do and some words lack theirs."""
        letters = [w for w in words if _is_word(w)]
        accented = [w for w in letters if has_diacritics(w)]
        missing = [w for w in letters if not has_diacritics(w) and self._plain_share(w) < PLAIN_SHARE]
        if not missing:
            return "accented"
        return "mixed" if accented else "unaccented"

    def _plain_share(self, word: str) -> float:
        forms = self.forms.get(fold(word))
        if not forms:
            return 1.0  # a word the corpus never uses: nothing to restore it from
        return forms.get(word, 0) / sum(forms.values())


def _is_word(token: str) -> bool:
    return token.isalpha()
