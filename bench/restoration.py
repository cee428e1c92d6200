"""How well diacritics come back on text the restorer has not seen.

For each sample directive, the restorer learns from the other four (plus the general lexicon) and
restores every line of the held-out one after its diacritics are stripped; a syllable counts as
right when it comes back exactly as written (lower-cased). Words that never carry diacritics count
too, as they must survive restoration unchanged.

    .venv/bin/python bench/restoration.py [--json]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.lexicon import GENERAL_WORDS  # noqa: E402
from index.fold import fold, word_tokens  # noqa: E402
from index.restore import Restorer  # noqa: E402
from ingest.parse import parse_file  # noqa: E402


def held_out_accuracy(documents: list) -> list[dict]:
    results = []
    for i, held_out in enumerate(documents):
        restorer = Restorer([c.text for j, d in enumerate(documents) if j != i for c in d.chunks], GENERAL_WORDS)
        right = total = 0
        for line in held_out.text.splitlines():
            words = [w for w in word_tokens(line) if w.isalpha()]
            if not words:
                continue
            restored = restorer.restore([fold(w) for w in words], "unaccented").words
            right += sum(r == w for r, w in zip(restored, words))
            total += len(words)
        results.append({"document": held_out.source.name, "syllables": total, "right": right,
                        "accuracy": round(right / total, 4)})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    documents = [parse_file(p) for p in sorted((ROOT / "samples").iterdir())]
    results = held_out_accuracy(documents)
    right, total = sum(r["right"] for r in results), sum(r["syllables"] for r in results)
    if args.json:
        print(json.dumps({"documents": results, "right": right, "syllables": total}, ensure_ascii=False, indent=2))
        return
    for r in results:
        print(f"{r['document']}: {r['right']}/{r['syllables']} syllables right ({r['accuracy']:.1%})")
    print(f"all held-out text: {right}/{total} ({right / total:.1%})")


if __name__ == "__main__":
    main()
