"""Fit the answer's confidence model (bot/confidence.py) with cross-validation across the two
public question sets, and write the shipped model to bot/confidence_model.json.

    .venv/bin/python bench/confidence.py [--home DIR] [--write]

Each set's directives are loaded into their own folder (as `congvan eval --corpus` does); every
question in every variant is asked once with the current model, keeping the signals it computed.
A question is a positive when search ranked a gold passage in its first three; a `none`
question, or one whose gold search missed, is a negative: an answer there would mislead.

Three fits are reported on the same scorer: fitted on the samples and measured on dev, fitted on
dev and measured on the samples, and fitted on both (the shipped setting, measured on each).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.api import Congvan  # noqa: E402
from bot.confidence import FEATURES, MODEL_FILE  # noqa: E402
from bot.evaluate import first_hit_rank, load_questions  # noqa: E402

SHARED = ROOT.parent / "shared"
SETS = {"seed": (SHARED / "eval" / "seed_questions.jsonl", ROOT / "samples"),
        "dev": (SHARED / "eval" / "dev_questions.jsonl", SHARED / "corpus" / "dev")}
L2 = 1.0  # ridge on standardised features: few questions, correlated signals
PRECISION_HIGH = 0.9  # a "high" answer should have its source among the first three this often


def collect(home: Path) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    for name, (questions, corpus) in SETS.items():
        cv = Congvan(home / f"eval-{questions.stem}")
        cv.ingest([corpus])
        rows[name] = []
        for q in load_questions(questions):
            for text in [q["question"], *q["variants"]]:
                answer = cv.ask(text)
                rank = None if q["kind"] == "none" else first_hit_rank(answer.retrieved, q["gold"])
                rows[name].append({"id": q["id"], "kind": q["kind"], "signals": answer.signals,
                                   "label": int(rank is not None and rank <= 3)})
    return rows


def fit(rows: list[dict]) -> dict:
    x = np.array([[r["signals"][f] for f in FEATURES] for r in rows], dtype=float)
    y = np.array([r["label"] for r in rows], dtype=float)
    means, scales = x.mean(0), x.std(0) + 1e-6
    z = np.hstack([np.ones((len(x), 1)), (x - means) / scales])
    w = np.zeros(z.shape[1])
    penalty = np.diag([0.0] + [L2] * len(FEATURES))
    for _ in range(50):  # Newton's method on the penalised log-likelihood
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (p - y) + penalty @ w
        hessian = z.T @ (z * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    model = {"features": list(FEATURES), "intercept": float(w[0]), "weights": w[1:].tolist(),
             "means": means.tolist(), "scales": scales.tolist()}
    p = probabilities(model, rows)
    model["low"] = best_cut(p, rows)
    model["high"] = high_cut(p, y, model["low"])
    return model


def probabilities(model: dict, rows: list[dict]) -> np.ndarray:
    x = np.array([[r["signals"][f] for f in FEATURES] for r in rows], dtype=float)
    z = model["intercept"] + ((x - model["means"]) / np.array(model["scales"])) @ np.array(model["weights"])
    return 1 / (1 + np.exp(-z))


def best_cut(p: np.ndarray, rows: list[dict]) -> float:
    """The abstention threshold with the best balanced accuracy: the share of `none` questions
    abstained on and the share of answerable ones answered with a gold source count alike, since
    `none` questions are few and a plain count would let answering everything win."""
    none = np.array([r["kind"] == "none" for r in rows])
    found = np.array([r["label"] == 1 for r in rows])
    best, best_score = 0.5, -1.0
    for t in np.unique(np.concatenate([p, [0.0, 1.0]])):
        answered = p >= t
        abstained_on_none = (~answered[none]).mean() if none.any() else 1.0
        answered_found = answered[found].mean() if found.any() else 1.0
        score = (abstained_on_none + answered_found) / 2
        if score > best_score:
            best, best_score = float(t), score
    return best


def high_cut(p: np.ndarray, y: np.ndarray, low: float) -> float:
    for t in sorted(set(p[p >= low].tolist())):
        chosen = p >= t
        if chosen.any() and y[chosen].mean() >= PRECISION_HIGH:
            return max(float(t), low)
    return 1.0


def report(model: dict, rows: list[dict]) -> dict:
    p = probabilities(model, rows)
    none = np.array([r["kind"] == "none" for r in rows])
    labels = np.array([r["label"] for r in rows])
    answered = p >= model["low"]
    high = p >= model["high"]
    return {
        "abstains_on_none": round(float((~answered[none]).mean()), 3) if none.any() else None,
        "answers_when_found": round(float(answered[labels == 1].mean()), 3),
        "answered_with_source": round(float((answered & (labels == 1))[~none].mean()), 3),
        "high_precision": round(float(labels[high].mean()), 3) if high.any() else None,
        "low_share": round(float((answered & ~high).mean()), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=ROOT / ".bench" / "confidence")
    parser.add_argument("--write", action="store_true", help="write the model fitted on both sets")
    parser.add_argument("--rows", type=Path, help="reuse (or save) the collected signals in this file")
    args = parser.parse_args()
    if args.rows and args.rows.is_file():
        rows = json.loads(args.rows.read_text(encoding="utf-8"))
    else:
        rows = collect(args.home)
        if args.rows:
            args.rows.write_text(json.dumps(rows), encoding="utf-8")
    fits = {"fit seed": fit(rows["seed"]), "fit dev": fit(rows["dev"]),
            "fit both (shipped)": fit(rows["seed"] + rows["dev"])}
    results = {name: {s: report(model, rows[s]) for s in rows} for name, model in fits.items()}
    print(json.dumps(results, indent=2))
    shipped = fits["fit both (shipped)"]
    print("weights:", {f: round(w, 3) for f, w in zip(FEATURES, shipped["weights"])},
          "low", round(shipped["low"], 3), "high", round(shipped["high"], 3))
    if args.write:
        MODEL_FILE.write_text(json.dumps(shipped, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE}")


if __name__ == "__main__":
    main()
