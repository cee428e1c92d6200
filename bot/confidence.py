"""How sure an answer is: one probability from every signal search and reading give, and the
decision it leads to (answer, closest passages to check, or nothing found).

No single signal separates answerable questions from near-misses on directives nobody has tuned
for: lexical coverage abstains on paraphrases, cosine is compressed into a narrow band, BM25 is
only relative. A logistic model over all of them, fitted with cross-validation across the two
public question sets by bench/confidence.py, gives one calibrated number instead. The fitted
weights and the two thresholds live in confidence_model.json beside this file.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("confidence_model.json")
TOP = 5  # the passages whose signals are read: those an answer would cite

# Order matters: it is the order of the weights in the model file.
FEATURES = ("cosine", "cosine_lead", "coverage", "coverage_top", "keyword", "margin", "states_fact",
            "asks_fact", "unknown_words", "missing_rare")


@dataclass
class Confidence:
    level: str  # "high", "low" or "none"
    probability: float
    signals: dict[str, float]


def signals(hits: list, states_fact: bool, asks_fact: bool, unknown_words: float,
            missing_rare: float) -> dict[str, float]:
    """The signals of a ranked list of search hits (bot.search.Hit), best first.

    cosine: the lead passage's cosine; cosine_lead: how far the best cosine of the top passages
    stands above the typical cosine of the rest (the model's scale differs between corpora, its
    contrast less); coverage / coverage_top: the lead's and the best share of the question's
    weighted words; keyword: the lead's BM25 relative to the best; margin: the lead's fused score
    above the best passage of another document; states_fact: the lead's quoted sentence states
    the kind of fact asked (a date for "khi nào"); asks_fact: the question asks for a date,
    number or place at all; unknown_words: the share of the question's weight in words that no
    indexed passage contains; missing_rare: how rare the rarest word is that the corpus knows but
    the lead passage lacks (a near-miss: another subject, province or age)."""
    top = hits[:TOP]
    lead = top[0]
    rest = sorted(h.dense for h in hits[TOP:]) or [lead.dense]
    typical = rest[len(rest) // 2]
    other = next((h.score for h in hits[1:] if h.row["document_id"] != lead.row["document_id"]), 0.0)
    return {
        "cosine": lead.dense,
        "cosine_lead": max(h.dense for h in top) - typical,
        "coverage": lead.coverage,
        "coverage_top": max(h.coverage for h in top),
        "keyword": lead.keyword,
        "margin": lead.score - other,
        "states_fact": float(states_fact),
        "asks_fact": float(asks_fact),
        "unknown_words": unknown_words,
        "missing_rare": missing_rare,
    }


def decide(values: dict[str, float]) -> Confidence:
    model = _model()
    z = model["intercept"] + sum(w * (values[name] - mean) / scale for name, w, mean, scale
                                 in zip(FEATURES, model["weights"], model["means"], model["scales"]))
    p = 1 / (1 + math.exp(-z))
    level = "high" if p >= model["high"] else "low" if p >= model["low"] else "none"
    return Confidence(level, round(p, 4), {k: round(v, 4) for k, v in values.items()})


@lru_cache(maxsize=1)
def _model() -> dict:
    model = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    if model["features"] != list(FEATURES):
        raise ValueError(f"{MODEL_FILE.name} was fitted on other features; rerun bench/confidence.py")
    return model
