"""What a Vietnamese syllable can be: an onset, one to three vowels, a coda. Text whose words are
mostly not syllables is not Vietnamese (a binary file, an unknown encoding: ingest/readers.py);
a chat word that is not one is an acronym ("atgt", "pccc": bot/core/query.py)."""
from __future__ import annotations

import re
import unicodedata

_SYLLABLE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?")


def is_syllable(word: str) -> bool:
    if not (word.islower() or word.isupper() or word.istitle()):
        return False  # "xÂy" is a run of letters, not a word
    bare = unicodedata.normalize("NFD", word.lower().replace("đ", "d"))
    return bool(_SYLLABLE.fullmatch("".join(ch for ch in bare if not unicodedata.combining(ch))))
