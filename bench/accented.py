"""How often a correctly accented question is re-read by the diacritic restorer.

A question typed with its diacritics must come through `understand()` as typed: a plain word in it
("bao nhiêu", "không bao gồm", "học xa") is a word that has no diacritics, not one to restore.
The questions: the accented `question` of each eval question (read against the corpus it asks
about), and sentences of one corpus's documents read against the other corpus (samples/ against
the dev corpus and back), cut to question length. Each is counted as changed when restoration
changed any of its words (spelled-out abbreviations do not count).

Two more lines show what the restorer must still do: the same sentences with a third of their
words typed without diacritics ("mixed"), and the syllables those words get right.

    .venv/bin/python bench/accented.py [--show N] [--json]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.lexicon import GENERAL_WORDS  # noqa: E402
from bot.core.query import understand  # noqa: E402
from index.fold import fold, has_diacritics, tone_normalized, word_tokens  # noqa: E402
from index.restore import Restorer  # noqa: E402
from ingest.parse import parse_file  # noqa: E402

CORPORA = {"samples": ROOT / "samples", "dev": ROOT.parent / "shared" / "corpus" / "dev"}
QUESTIONS = {"samples": ROOT.parent / "shared" / "eval" / "seed_questions.jsonl",
             "dev": ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"}
MAX_WORDS = 16  # about as long as a question typed in chat
MIN_WORDS = 4
_SENTENCE = re.compile(r"[\n.;:?!…]+")


def sentences(text: str) -> list[str]:
    """Pieces of a document that read like a question's words: accented prose of 4-16 words."""
    out = []
    for piece in _SENTENCE.split(text):
        words = piece.split()[:MAX_WORDS]
        letters = [w for w in word_tokens(" ".join(words)) if w.isalpha()]
        if len(letters) >= MIN_WORDS and sum(map(has_diacritics, letters)) >= 0.4 * len(letters):
            out.append(" ".join(words))
    return list(dict.fromkeys(out))


def changed(question: str, restorer: Restorer) -> list[str]:
    """"typed → read" for each word restoration changed."""
    r = understand(question, restorer).restoration
    return [f"{t} → {w}" for t, w, c in zip(r.typed, r.words, r.restored) if c]


def mixed_accuracy(sentence: str, restorer: Restorer, rng: random.Random) -> tuple[int, int]:
    """Syllables right among the words typed without their diacritics when a third of them are."""
    words = [w for w in word_tokens(sentence) if w.isalpha()]
    stripped = {i for i, w in enumerate(words) if has_diacritics(w) and rng.random() < 1 / 3}
    if not stripped or len(stripped) == sum(map(has_diacritics, words)):
        return 0, 0
    typed = [fold(w) if i in stripped else w for i, w in enumerate(words)]
    restored = restorer.restore(typed).words
    return sum(tone_normalized(restored[i]) == tone_normalized(words[i]) for i in stripped), len(stripped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=0, help="print this many changed questions")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    documents = {name: [parse_file(p) for p in sorted(path.iterdir())] for name, path in CORPORA.items()}
    restorers = {name: Restorer([c.text for d in docs for c in d.chunks], GENERAL_WORDS)
                 for name, docs in documents.items()}
    rng = random.Random(10)
    report, examples = {}, []
    for name, restorer in restorers.items():
        other = next(n for n in CORPORA if n != name)
        sets = {
            f"eval questions ({name})": [json.loads(line)["question"]
                                         for line in QUESTIONS[name].read_text(encoding="utf-8").splitlines()
                                         if line.strip()],
            f"{other} sentences read against {name}": [s for d in documents[other] for s in sentences(d.text)],
        }
        for label, questions in sets.items():
            changes = [(q, changed(q, restorer)) for q in questions]
            changes = [(q, c) for q, c in changes if c]
            report[label] = {"questions": len(questions), "changed": len(changes)}
            examples += changes
        right = total = 0
        for s in sets[f"{other} sentences read against {name}"]:
            r, t = mixed_accuracy(s, restorer, rng)
            right, total = right + r, total + t
        report[f"mixed {other} sentences against {name}"] = {"syllables_right": right, "syllables": total}
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for label, r in report.items():
            if "changed" in r:
                print(f"{label}: {r['changed']}/{r['questions']} accented questions changed")
            else:
                print(f"{label}: {r['syllables_right']}/{r['syllables']} unaccented syllables restored right")
        changed_all = sum(r.get("changed", 0) for r in report.values())
        asked = sum(r.get("questions", 0) for r in report.values())
        print(f"all: {changed_all}/{asked} accented questions changed")
    for question, change in examples[:args.show]:
        print(f"  {question}  [{', '.join(change)}]", file=sys.stderr)


if __name__ == "__main__":
    main()
