"""Putting diacritics back on words typed without them, from the indexed documents' own usage.

Every run of 1-4 syllables in the corpus is counted under its folded key ("can do" → {"cân đo": 7,
"cần đó": 1}). Those counts make a smoothed 4-gram model of how the documents write, and a
question is read as the sequence of forms the model finds likeliest (a beam search), so a short
run seen hundreds of times outweighs a long one seen once. How the person typed decides which
forms each word may take: in a question typed without any diacritics every form of a word
competes on the counts alone; in an accented question a plain word is most likely a word that has
no diacritics ("bao", "cho", "xa"), so a form with diacritics must beat it by a wide margin, a
capitalised one is a name ("Cà Mau"), and an accented word stays as typed unless the corpus never
writes it so and does write it with another tone mark ("nhiêm vụ" → "nhiệm vụ"). Words are
counted and compared with one tone placement ("hoà" is "hòa"). Forms seen nearly as often are
kept as alternatives rather than bet against.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from .fold import fold, has_diacritics, tone_normalized, without_tone, word_tokens

MAX_SYLLABLES = 4
# A phrase of the general lexicon (question and chat words no directive contains) counts as if
# the corpus used it this often: enough to win over rare accidents, not over real usage.
LEXICON_COUNT = 3
# Another form is worth searching too when it is seen at least this share as often as the best.
ALTERNATIVE_SHARE = 0.35
# Taken off each count of a run after its context (and given to what shorter contexts predict): a
# run seen once keeps a quarter of its weight, one seen hundreds of times nearly all.
DISCOUNT = 0.75
# Count given to a word the corpus never uses, so it keeps a small probability of its own.
UNSEEN_COUNT = 0.1
# The chance that someone who types diacritics left them off a word the corpus also writes
# without them: an accented question's "bao" is read "bảo" only on overwhelming evidence.
DROPPED = 1e-3
# The same once the question shows its writer leaves diacritics off (another of its plain words
# had to be restored).
DROPPED_OFTEN = 0.5
# How many times likelier a plain word lost its diacritics when the corpus never writes it plain:
# a small corpus lacks many plain words ("lau", "chi"), so this is evidence, not proof.
UNSEEN_PLAIN = 30
# The chance that an accented word the corpus never writes is a slip of the tone mark: only a form
# the corpus uses in that very context makes up for it ("nhiêm vụ" → "nhiệm vụ").
TONE_SLIP = 1e-4
BEAM = 12
# An acronym is spelled out only by a phrase written at least this often, and this many times
# more often (beside the question's words, else anywhere) than the next phrase that fits.
ACRONYM_LETTERS = MAX_SYLLABLES  # "pccc": phòng cháy chữa cháy; a phrase is at most MAX_SYLLABLES long
ACRONYM_MIN_COUNT = 2
ACRONYM_LEAD = 3
START, END = "<s>", "</s>"  # where a phrase begins and ends: no word is written so

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
        self.total = 0  # syllables counted: the unigram model's denominator
        # How many different words follow each run of 1-3 syllables: a run followed by many words
        # ("các") leaves more room for an unseen follower than one followed by few ("bao").
        self.followers: Counter[str] = Counter()
        self._initials: tuple[int, dict[str, list[str]]] | None = None  # (total when built, index)
        for text in texts:
            self.add(text)
        for phrase in lexicon:
            self._count(word_tokens(phrase), LEXICON_COUNT)

    def __getstate__(self) -> dict:
        # The index of syllables by initial is rebuilt on demand, not saved with the counts.
        return {k: v for k, v in self.__dict__.items() if k != "_initials"}

    def add(self, text: str, weight: int = 1) -> None:
        for phrase in _PHRASE_BREAK.split(text):
            self._count(word_tokens(phrase), weight)

    def remove(self, text: str) -> None:
        self.add(text, -1)

    def _count(self, words: list[str], weight: int = 1) -> None:
        if not words:
            return
        # One tone placement for all: "hoà" and "hòa" are the same word, counted together. The
        # marks around the phrase let the model learn which words begin and end phrases ("từ"
        # before a number, "hè" at the end of one).
        words = [START] + [tone_normalized(w) for w in words] + [END]
        folded = fold(" ".join(words)).split(" ")
        self.total += weight * len(words)
        for n in range(1, MAX_SYLLABLES + 1):
            for i in range(len(words) - n + 1):
                key, form = " ".join(folded[i:i + n]), " ".join(words[i:i + n])
                forms = self.forms[key]
                new = form not in forms
                forms[form] += weight
                if new and n > 1:
                    self.followers[form.rsplit(" ", 1)[0]] += 1
                if weight < 0 and forms[form] <= 0:
                    del forms[form]
                    if not forms:
                        del self.forms[key]
                    if n > 1:
                        self.followers[form.rsplit(" ", 1)[0]] -= 1

    def restore(self, words: list[str], form: str | None = None) -> Restoration:
        """`words`: the words as typed (the result is in lower case). `form`: "unaccented" when the
        person typed no diacritics at all (the words may have gained some since, from spelled-out
        abbreviations); otherwise how they typed is read from the words themselves."""
        unaccented = form == "unaccented" or not any(has_diacritics(w) for w in words)
        typed, words = words, [w.lower() for w in words]
        options = self._options(typed, unaccented)
        best = self._read(words, options)
        if not unaccented and any(b != w and not has_diacritics(w) for b, w in zip(best, words)):
            # One word surely lost its diacritics: its writer may have left them off others too.
            options = self._options(typed, unaccented, sloppy=True)
            best = self._read(words, options)
        out = [read if read != tone_normalized(word) else word for read, word in zip(best, words)]
        restored = [a != b for a, b in zip(out, words)]
        if unaccented:
            form = "unaccented" if any(len(o) > 1 for o in options) else "accented"
        else:
            form = "mixed" if any(r and not has_diacritics(w) for r, w in zip(restored, words)) else "accented"
        return Restoration(form, list(words), out, restored, self._alternatives(best, options))

    def _options(self, words: list[str], unaccented: bool, sloppy: bool = False) -> list[dict[str, float]]:
        """Each word's possible forms with the log-chance that it was typed as typed meaning that form.
        `sloppy`: the accented question already shows its writer leaves diacritics off."""
        options: list[dict[str, float]] = []
        for i, typed in enumerate(words):
            word = typed.lower()
            known = self.forms.get(fold(word), {}) if _is_word(word) else {}
            seen = [f for f in known if has_diacritics(f)]
            if has_diacritics(word):
                # A capitalised word the corpus never writes is a name ("Mỹ Tú"), not a slip.
                word = tone_normalized(word)
                base = without_tone(word)
                slips = [f for f in seen if f != word and without_tone(f) == base] if word not in known else []
                options.append({word: 0.0} | {f: math.log(TONE_SLIP) for f in slips if not i or typed.islower()})
            elif unaccented:
                options.append({word: 0.0} | {f: 0.0 for f in seen})
            elif not seen or len(word) == 1 or (i and not typed.islower()):
                # In an accented question a capital past the first word marks a name or a code
                # ("Cà Mau", "Sơn La"), and a lone letter a list mark or an initial: as spelled.
                options.append({word: 0.0})
            else:
                # A plain word in an accented question: most likely a word written without diacritics,
                # less surely so when the corpus never writes it plain.
                dropped = (DROPPED_OFTEN if sloppy else DROPPED) * (UNSEEN_PLAIN if word not in known else 1)
                options.append({word: 0.0} | {f: math.log(min(dropped, 1.0)) for f in seen})
        return options

    def _read(self, words: list[str], options: list[dict[str, float]]) -> list[str]:
        """The likeliest forms of each run of words between numbers and codes, read as the corpus's
        phrases are counted; numbers and codes stay as typed."""
        out = list(words)
        for start, end in _runs(words):
            out[start:end] = self._search(options[start:end])
        return out

    def _search(self, options: list[dict[str, float]]) -> list[str]:
        """A beam search over the 4-gram model; hypotheses ending in the same three words merged."""
        beam: list[tuple[float, tuple[str, ...]]] = [(0.0, (START,))]
        for option in options + [{END: 0.0}]:
            merged: dict[tuple[str, ...], tuple[float, tuple[str, ...]]] = {}
            for score, forms in beam:
                context = forms[-(MAX_SYLLABLES - 1):]
                for form, penalty in option.items():
                    new = score + penalty + math.log(self._probability(context, form))
                    state = context[1:] + (form,) if len(context) == MAX_SYLLABLES - 1 else context + (form,)
                    if state not in merged or merged[state][0] < new:
                        merged[state] = (new, forms + (form,))
            beam = sorted(merged.values(), key=lambda h: h[0], reverse=True)[:BEAM]
        return list(beam[0][1][1:-1])

    def _probability(self, context: tuple[str, ...], word: str) -> float:
        """P(word | context): each longer context's counts, less a discount, interpolated with the
        shorter one's estimate; the discount of every word seen after the context goes to the
        shorter estimate (absolute discounting), so a context seen once decides little."""
        p = (self._seen(word) + UNSEEN_COUNT) / (self.total + 1)
        for n in range(1, len(context) + 1):
            history = " ".join(context[-n:])
            before = self._seen(history)
            if not before:
                break  # a longer context containing an unseen one is unseen too
            variety = max(self.followers.get(history, 0), 1)
            p = (max(self._seen(history + " " + word) - DISCOUNT, 0) + DISCOUNT * variety * p) / before
        return p

    def _seen(self, form: str) -> int:
        forms = self.forms.get(fold(form))
        return forms.get(form, 0) if forms else 0

    def spell_out(self, letters: str, before: str = "", after: str = "",
                  names: Iterable[str] = ()) -> str | None:
        """The phrase a chat acronym stands for ("tn" in "thi tn thpt" → "tốt nghiệp", "hn" →
        "hà nội", "atgt" → "an toàn giao thông"), read from how the documents write: a phrase of
        2-4 syllables whose initials the letters are. A place the documents name (`names`, folded)
        is taken when it alone fits; otherwise the phrase the corpus writes next to the question's
        neighbouring words (`before`, `after`, folded), else one written far more often than any
        other that fits.
        None when nothing fits clearly: an acronym read wrong misleads more than one left alone."""
        letters = fold(letters)
        if not 2 <= len(letters) <= ACRONYM_LETTERS or not letters.isalpha():
            return None
        places = [n for n in names if "".join(w[0] for w in n.split()) == letters]
        if len(places) == 1:
            return self._best_form(places[0])
        found: dict[str, int] = {}
        for key in self._phrases_with_initials(letters):
            found[key] = sum(self.forms[key].values())
        if not found:
            return None

        def beside(key: str) -> int:
            return sum(sum(self.forms.get(f"{a} {key} {b}".strip(), {}).values())
                       for a, b in ((before, ""), ("", after)) if a or b)

        ranked = sorted(found, key=lambda k: (beside(k), found[k]), reverse=True)
        best = ranked[0]
        runner_up = ranked[1] if len(ranked) > 1 else None
        if beside(best) >= ACRONYM_MIN_COUNT and (runner_up is None or beside(best) >= ACRONYM_LEAD * beside(runner_up)):
            return self._best_form(best)
        by_count = sorted(found.values(), reverse=True)
        if found[best] >= ACRONYM_MIN_COUNT and (len(by_count) < 2 or found[best] >= ACRONYM_LEAD * by_count[1]) \
                and found[best] == by_count[0]:
            return self._best_form(best)
        return None

    def writes(self, word: str) -> bool:
        """Whether the documents write this word (however accented)."""
        return fold(word) in self.forms

    def _phrases_with_initials(self, letters: str) -> list[str]:
        """Folded phrases the corpus writes whose syllables begin with these letters, one each."""
        firsts = self._syllables_by_initial()
        keys = [w for w in firsts.get(letters[0], ())]
        for letter in letters[1:]:
            keys = [f"{k} {w}" for k in keys for w in firsts.get(letter, ()) if f"{k} {w}" in self.forms]
        return keys

    def _syllables_by_initial(self) -> dict[str, list[str]]:
        """Every syllable the corpus writes, folded, by its first letter (computed again when the
        counts changed)."""
        if getattr(self, "_initials", None) is None or self._initials[0] != self.total:
            index: dict[str, list[str]] = defaultdict(list)
            for key in self.forms:
                if " " not in key and key.isalpha():
                    index[key[0]].append(key)
            self._initials = (self.total, index)
        return self._initials[1]

    def _best_form(self, key: str) -> str | None:
        forms = self.forms.get(key)
        return max(forms, key=forms.get) if forms else None

    def _alternatives(self, best: list[str], options: list[dict[str, float]]) -> list[tuple[int, list[str]]]:
        """Other forms of a word nearly as likely as the chosen one in the chosen reading."""
        out = []
        for start, end in _runs(best):
            run = [START] + best[start:end] + [END]
            for i in range(1, len(run) - 1):
                option = options[start + i - 1]
                if len(option) < 2:
                    continue
                chosen = self._local_score(run, i, run[i], option)
                close = sorted(((self._local_score(run, i, f, option) - chosen, f) for f in option if f != run[i]),
                               reverse=True)
                others = [f for diff, f in close if diff >= math.log(ALTERNATIVE_SHARE)]
                if others:
                    out.append((start + i - 1, others))
        return out

    def _local_score(self, run: list[str], i: int, form: str, option: dict[str, float]) -> float:
        """The log-chance of the n-grams that hold word i of `run`, with that word read as `form`."""
        forms = run[:i] + [form] + run[i + 1:]
        return option[form] + sum(math.log(self._probability(tuple(forms[max(0, j - MAX_SYLLABLES + 1):j]), forms[j]))
                                  for j in range(i, min(i + MAX_SYLLABLES, len(forms))))


def _runs(words: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each run of words between numbers and codes."""
    runs, start = [], None
    for i, word in enumerate(words + ["0"]):
        if _is_word(word) and start is None:
            start = i
        elif not _is_word(word) and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _is_word(token: str) -> bool:
    return token.isalpha()
