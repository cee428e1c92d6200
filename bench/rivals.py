"""The rival answers ("Các văn bản trả lời khác nhau") of a question set, each with the share of
the lead's coverage its passage holds, listed with the share rule off: what
bot/core/answer.py's RIVAL_COVERAGE_SHARE was read from (by hand: does each rival answer the
same question?).

    .venv/bin/python bench/rivals.py HOME QUESTIONS.jsonl

HOME holds the set's directives (e.g. the folder `congvan eval --corpus` fills for it).
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import bot.core.answer as answer  # noqa: E402
from bench.common import open_set  # noqa: E402


def main() -> None:
    cv, questions, _ = open_set(__doc__)
    answer.RIVAL_COVERAGE_SHARE = 0.0
    listed: list[tuple[float, str]] = []
    leads_of = answer._leads

    def leads(query, evidence, citations, *rest):
        # Each lead's passage coverage against the first passage's, which the rule compares to.
        out = leads_of(query, evidence, citations, *rest)
        top = evidence[0].coverage or 1.0
        listed[:] = [(evidence[lead.citation].coverage / top, f"{lead.issuer or citations[lead.citation].file}: "
                      f"{lead.sentence[:90]}") for lead in out]
        return out

    answer._leads = leads
    for q in questions:
        cv.ask(q["question"])
        if len(listed) > 1:
            print(f"{q['id']} {q['kind']}: {q['question']}")
            for share, what in listed:
                print(f"   {share:.2f}  {what}")


if __name__ == "__main__":
    main()
