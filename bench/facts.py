"""A folder's metadata against a fact table a person read from its files: right, empty or wrong,
per field. The 18 public documents have theirs in tests/test_document_facts.py; this checks any
other folder (directives not in the repo).

    .venv/bin/python bench/facts.py FACTS.json FOLDER

FACTS.json: {"file name": {"issuer": …, "number": …, "date": "YYYY-MM-DD", "kind": …,
"school_year": …}, …}, "" where the document does not state the field; keys starting with "_" are
notes. An issuer is right when it names the same body ("Bộ Giáo dục và Đào tạo" = "Bộ GD&ĐT").
"""
from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest.metadata import read_metadata  # noqa: E402
from ingest.readers import read_file  # noqa: E402

FIELDS = ("issuer", "number", "date", "kind", "school_year")
_SHORT = {"bộ giáo dục và đào tạo": "bộ gd&đt", "sở giáo dục và đào tạo": "sở gd&đt"}


def _plain(value: str) -> str:
    text = " ".join(unicodedata.normalize("NFC", value or "").lower().split())
    return _SHORT.get(text, text)


def verdict(field: str, got: str, want: str) -> str:
    if _plain(got) == _plain(want):
        return "right"
    if not got:
        return "empty"
    if field == "issuer" and want and (_plain(want) in _plain(got) or _plain(got) in _plain(want)):
        return "right"  # "UBND tỉnh Tuyên Quang" for "Ủy ban nhân dân tỉnh Tuyên Quang" is not this
    return "wrong"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("facts", type=Path)
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    facts = {name: f for name, f in json.loads(args.facts.read_text(encoding="utf-8")).items()
             if not name.startswith("_")}
    totals = {field: Counter() for field in FIELDS}
    for name, want in facts.items():
        meta = read_metadata(read_file(args.folder / name).text)
        for field in FIELDS:
            got = getattr(meta, field)
            result = verdict(field, got, want.get(field, ""))
            totals[field][result] += 1
            if result != "right":
                print(f"{name}: {field} {result}: {got!r}, want {want.get(field, '')!r}")
    for field in FIELDS:
        counts = totals[field]
        print(f"{field:12} right {counts['right']}, empty {counts['empty']}, wrong {counts['wrong']} of {len(facts)}")


if __name__ == "__main__":
    main()
