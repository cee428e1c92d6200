"""Scores answers against a question file (format and rules: /work/shared/eval/README.md).

Decisions where the README leaves room:
- Text is normalised as NFC with every whitespace run collapsed to one space. A citation hits a
  gold item when its file name equals the gold `doc` and its quote contains the gold quote, or
  when the longest common subsequence of words between the two quotes is at least 80% of the gold
  quote's words. Words for that comparison are case-folded and stripped of punctuation at their
  ends, so "(hoàn thành" and "hoàn" match but "15/12" keeps its slash; a token with no letter or
  digit is not a word, so the "|" between a crawled table's cells neither counts nor blocks.
- A question with several gold items hits when any one of them is hit.
- `none` questions have no hit@k or MRR; they are answered correctly when the answer abstains and
  cites nothing. An answerable question whose answer abstains is answered wrongly, whatever it says.
- Recall@k is measured on the ranked passages search returned (the response's `retrieved`, when
  the asker supplies it), before any answer logic: whether a gold passage was found at all,
  apart from whether the answer then used it.
- `confidence` (high / low / none) is counted as given; a low-confidence answer is scored like
  any other answer (it cites and states what it found), and only `none` is an abstention.
- Latency percentiles use the nearest-rank method: the smallest latency with at least p% of the
  latencies at or below it, so the value is always one that was observed.
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path


from index.fold import fold, word_tokens

Ask = Callable[[str], dict]
Restore = Callable[[str], str]

MIN_WORD_COVERAGE = 0.8
HIT_KS = (1, 3, 5)
RECALL_KS = (5, 10, 20)
MRR_DEPTH = 10
_FIELDS = {"id": str, "kind": str, "question": str, "variants": list, "gold": list, "answer_any": list}


def load_questions(path: str | Path) -> list[dict]:
    """Read a JSONL question file; a malformed line raises ValueError naming its line number."""
    questions = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                question = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}: line {lineno}: invalid JSON: {e.msg}") from None
            problem = _question_problem(question)
            if problem:
                raise ValueError(f"{path}: line {lineno}: {problem}")
            questions.append(question)
    return questions


def _question_problem(question) -> str:
    if not isinstance(question, dict):
        return "expected a JSON object"
    for name, kind in _FIELDS.items():
        if not isinstance(question.get(name), kind):
            return f"field {name!r} is missing or not a {kind.__name__}"
    for gold in question["gold"]:
        if not (isinstance(gold, dict) and isinstance(gold.get("doc"), str) and isinstance(gold.get("quote"), str)):
            return "each gold item needs string 'doc' and 'quote'"
    return ""


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def _words(text: str) -> list[str]:
    # "|" separates crawled table cells, with or without spaces ("ngày |17,000"): a cell border,
    # never part of a word.
    stripped = (_strip_punctuation(w) for w in normalise(text).casefold().replace("|", " ").split())
    # A token with no letter or digit ("–") is not a word.
    return [w for w in stripped if any(ch.isalnum() for ch in w)]


def _strip_punctuation(word: str) -> str:
    start, end = 0, len(word)
    while start < end and unicodedata.category(word[start]).startswith("P"):
        start += 1
    while end > start and unicodedata.category(word[end - 1]).startswith("P"):
        end -= 1
    return word[start:end]


def _lcs_length(a: list[str], b: list[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def citation_hits(citation: dict, gold: dict) -> bool:
    if normalise(Path(citation.get("file", "")).name) != normalise(Path(gold["doc"]).name):
        return False
    quote, gold_quote = normalise(citation.get("quote", "")), normalise(gold["quote"])
    if gold_quote in quote:
        return True
    gold_words = _words(gold_quote)
    return _lcs_length(gold_words, _words(quote)) >= MIN_WORD_COVERAGE * len(gold_words)


def first_hit_rank(citations: list[dict], golds: list[dict]) -> int | None:
    """1-based position of the first citation that hits any gold item."""
    for rank, citation in enumerate(citations, 1):
        if any(citation_hits(citation, gold) for gold in golds):
            return rank
    return None


def _mentions_answer(answer: str, answer_any: list[str]) -> bool:
    text = normalise(answer).casefold()
    return any(normalise(expected).casefold() in text for expected in answer_any)


def percentile(values: Iterable[float], p: float) -> float | None:
    """Nearest-rank percentile, p in (0, 100]."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def _variants(question: dict) -> list[tuple[str, str]]:
    texts = [question["question"], *question["variants"]]
    types = ["accented", "unaccented"] + ["chat"] * (len(texts) - 2)
    return list(zip(types, texts))


def score_response(question: dict, response: dict) -> dict:
    citations = response.get("citations") or []
    abstained = bool(response.get("abstained"))
    retrieved = response.get("retrieved")
    if question["kind"] == "none":
        rank, retrieved_rank, correct = None, None, abstained and not citations
        first = correct
    else:
        rank = first_hit_rank(citations, question["gold"])
        retrieved_rank = first_hit_rank(retrieved, question["gold"]) if retrieved is not None else None
        correct = not abstained and rank is not None and _mentions_answer(response.get("answer", ""), question["answer_any"])
        # Stricter: the answer's own lines (its leads: the facts and the sentences stating them)
        # say it, not only a source cited below them.
        leads = " ".join(" ".join([*lead.get("facts", []), lead.get("sentence", "")]) for lead in response.get("leads") or [])
        first = correct and _mentions_answer(leads, question["answer_any"])
    return {"hit_rank": rank, "retrieved_rank": retrieved_rank, "retrieval_measured": retrieved is not None,
            "answered_correctly": correct, "fact_first": first, "abstained": abstained,
            "confidence": response.get("confidence") or ("none" if abstained else "high")}


def restoration_accuracy(restore: Restore, questions: list[dict]) -> dict:
    """Syllables right / total when each unaccented variant is restored, over the variants that
    are exactly their question with the diacritics taken off (word for word)."""
    right = total = 0
    for question in questions:
        accented = word_tokens(question["question"])
        unaccented = word_tokens(question["variants"][0]) if question["variants"] else []
        if not accented or [fold(w) for w in accented] != unaccented:
            continue
        restored = restore(" ".join(unaccented)).split()
        syllables = [(r, a) for r, a in zip(restored, accented) if a.isalpha()]
        right += sum(r == a for r, a in syllables)
        total += len(syllables)
    return {"syllables_right": right, "syllables": total, "accuracy": right / total if total else None}


def run_eval(ask: Ask, questions: list[dict], restore: Restore | None = None) -> dict:
    """Ask every question in every variant and score the answers."""
    items = []
    for question in questions:
        for variant, text in _variants(question):
            response = ask(text)
            items.append({
                "id": question["id"],
                "kind": question["kind"],
                "variant": variant,
                "text": text,
                **score_response(question, response),
                "latency_ms": response["latency_ms"],
                "question": question["question"],
                "answer": response.get("answer", ""),
                "citations": response.get("citations") or [],
            })
    by_kind_variant: dict[str, dict] = {}
    for kind, kind_items in _group(items, "kind").items():
        by_kind_variant[kind] = {v: _metrics(group) for v, group in _group(kind_items, "variant").items()}
    latencies = [item["latency_ms"] for item in items]
    return {
        "questions": len(questions),
        "restoration": restoration_accuracy(restore, questions) if restore else None,
        "overall": _metrics(items),
        "by_variant": {v: _metrics(group) for v, group in _group(items, "variant").items()},
        "by_kind": {k: _metrics(group) for k, group in _group(items, "kind").items()},
        "by_kind_variant": by_kind_variant,
        "latency_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95)},
        "items": items,
    }


def _group(items: list[dict], key: str) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for item in items:
        groups.setdefault(item[key], []).append(item)
    return groups


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _metrics(items: list[dict]) -> dict:
    answerable = [item for item in items if item["kind"] != "none"]
    ranks = [item["hit_rank"] for item in answerable]
    metrics = {"n": len(items), "answerable": len(ranks)}
    measured = [item["retrieved_rank"] for item in answerable if item.get("retrieval_measured")]
    for k in RECALL_KS:
        metrics[f"recall@{k}"] = _mean([rank is not None and rank <= k for rank in measured])
    for k in HIT_KS:
        metrics[f"hit@{k}"] = _mean([rank is not None and rank <= k for rank in ranks])
    metrics[f"mrr@{MRR_DEPTH}"] = _mean([1 / rank if rank and rank <= MRR_DEPTH else 0.0 for rank in ranks])
    metrics["answered_correctly"] = _mean([item["answered_correctly"] for item in items])
    metrics["fact_first"] = _mean([item["fact_first"] for item in items])
    none = [item for item in items if item["kind"] == "none"]
    metrics["abstains_on_none"] = _mean([item["answered_correctly"] for item in none])
    metrics["abstention_rate"] = _mean([item["abstained"] for item in items])
    metrics["low_confidence_rate"] = _mean([item.get("confidence") == "low" for item in items])
    latencies = [item["latency_ms"] for item in items]
    metrics["latency_p95_ms"] = percentile(latencies, 95)
    return metrics


def evaluate_file(ask: Ask, path: str | Path, with_items: bool = False,
                  restore: Restore | None = None) -> dict:
    report = run_eval(ask, load_questions(path), restore)
    return report if with_items else _without_items(report)


def _without_items(report: dict) -> dict:
    return {key: value for key, value in report.items() if key != "items"}


def report_json(report: dict, with_items: bool = False) -> str:
    return json.dumps(report if with_items else _without_items(report), ensure_ascii=False, indent=2)
