"""Fit the answer's confidence model (bot/core/confidence.py) with cross-validation across the two
public question sets, and write the shipped model to bot/core/confidence_model.json.

    .venv/bin/python bench/confidence.py [--home DIR] [--write]

Each set's directives are loaded into their own folder (as `congvan eval --corpus` does); every
question in every variant is asked once with the current model, keeping the signals it computed.
A question is a positive when search ranked a gold passage in its first three, a negative when
it is a `none` question; answerable questions whose gold search missed are left out of the fit
(their signals describe a good question badly searched, not a question the documents cannot
answer) but counted in the report. The two classes weigh alike, and every signal keeps the
direction it must have (more coverage never lowers confidence, more unknown words never raise
it): a signal whose fitted weight points the wrong way is dropped and the rest refitted.

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

from bot.core.api import Congvan  # noqa: E402
from bot.core.confidence import CLIP, FEATURES, MODEL_FILE  # noqa: E402
from bot.core.evaluate import first_hit_rank, load_questions  # noqa: E402

SHARED = ROOT.parent / "shared"
SETS = {"seed": (SHARED / "eval" / "seed_questions.jsonl", ROOT / "samples"),
        "dev": (SHARED / "eval" / "dev_questions.jsonl", SHARED / "corpus" / "dev")}
L2 = 1.0  # ridge on standardised features: few questions, correlated signals
PLATEAU = 0.02  # balanced accuracy this close to the best counts as just as good
PRECISION_HIGH = 0.85  # a "high" answer should have its source among the first three this often


def collect(home: Path) -> dict[str, list[dict]]:
    """Each set's questions asked of its own directives, and, as off-topic negatives (kind
    "other"), the other set's questions asked of them: the `none` questions are all near misses
    (another year, province, age), and a model fitted on those alone learns to trust any passage
    whose names and numbers match, however little of the question it holds."""
    rows: dict[str, list[dict]] = {}
    for name, (questions, corpus) in SETS.items():
        cv = Congvan(home / f"eval-{questions.stem}")
        cv.ingest([corpus])
        rows[name] = []
        for other, (other_questions, _) in SETS.items():
            for q in load_questions(other_questions):
                for text in [q["question"], *q["variants"]]:
                    answer = cv.ask(text)
                    if other != name:
                        rows[name].append({"id": q["id"], "kind": "other", "signals": answer.signals, "label": 0})
                        continue
                    rank = None if q["kind"] == "none" else first_hit_rank(answer.retrieved, q["gold"])
                    rows[name].append({"id": q["id"], "kind": q["kind"], "signals": answer.signals,
                                       "label": int(rank is not None and rank <= 3)})
    return rows


def _negative(row: dict) -> bool:
    return row["kind"] in ("none", "other")


# +1: more of it means more likely answerable; -1: less likely; 0: either.
DIRECTION = {"cosine": 1, "cosine_lead": 1, "coverage": 1, "coverage_top": 1, "keyword": 1, "margin": 1,
             "states_fact": 1, "asks_fact": 0, "unknown_words": -1, "missing_rare": -1,
             "numbers_missing": -1, "names_missing": -1, "named": 1}
# The lead's own coverage is left out: the lead is picked among the first three for stating the
# asked fact, so its coverage says more about that choice than about the question, and the best
# coverage of the top passages (coverage_top) carries the signal. With both, the two correlated
# weights traded places between fits and the cut moved with them (measured by the three fits).
# Relative BM25 is near 1 by construction once search also ranks by the asked kind of fact, and
# the lead's absolute cosine has a scale that differs between corpora.
UNUSED = {"coverage", "keyword", "cosine"}


def fit(rows: list[dict]) -> dict:
    train = [r for r in rows if _negative(r) or r["label"] == 1]
    x = np.array([[r["signals"][f] for f in FEATURES] for r in train], dtype=float)
    y = np.array([r["label"] for r in train], dtype=float)
    means, scales = x.mean(0), x.std(0) + 1e-6
    z = np.hstack([np.ones((len(x), 1)), np.clip((x - means) / scales, -CLIP, CLIP)])
    # Answerable questions weigh half, near misses and off-topic questions a quarter each.
    kinds = np.array([r["kind"] for r in train])
    share = {k: max((kinds == k).sum(), 1) for k in ("none", "other")}
    weight = np.where(y == 1, len(y) / (2 * max(y.sum(), 1)),
                      np.where(kinds == "other", len(y) / (4 * share["other"]), len(y) / (4 * share["none"])))
    kept = np.array([f not in UNUSED for f in FEATURES])
    while True:
        w = _logistic(z[:, np.concatenate([[True], kept])], y, weight)
        full = np.zeros(len(FEATURES))
        full[kept] = w[1:]
        wrong = [i for i, f in enumerate(FEATURES) if kept[i] and DIRECTION[f] * full[i] < 0]
        if not wrong:
            break
        kept[max(wrong, key=lambda i: abs(full[i]))] = False
    model = {"features": list(FEATURES), "intercept": float(w[0]), "weights": full.tolist(),
             "means": means.tolist(), "scales": scales.tolist()}
    p = probabilities(model, rows)
    model["low"] = best_cut(p, rows)
    model["high"] = high_cut(p, np.array([r["label"] for r in rows], dtype=float), model["low"])
    return model


def _logistic(z: np.ndarray, y: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Weighted, ridge-penalised logistic regression by Newton's method."""
    w = np.zeros(z.shape[1])
    penalty = np.diag([0.0] + [L2] * (z.shape[1] - 1))
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (weight * (p - y)) + penalty @ w
        hessian = z.T @ (z * (weight * p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def probabilities(model: dict, rows: list[dict]) -> np.ndarray:
    x = np.array([[r["signals"][f] for f in FEATURES] for r in rows], dtype=float)
    standard = np.clip((x - model["means"]) / np.array(model["scales"]), -CLIP, CLIP)
    z = model["intercept"] + standard @ np.array(model["weights"])
    return 1 / (1 + np.exp(-z))


def best_cut(p: np.ndarray, rows: list[dict]) -> float:
    """The abstention threshold with the best balanced accuracy: the share of questions without
    an answer abstained on (near misses and off-topic ones alike) and the share of answerable
    ones answered with a gold source count alike, since `none` questions are few and a plain
    count would let answering everything win."""
    none = np.array([r["kind"] == "none" for r in rows])
    other = np.array([r["kind"] == "other" for r in rows])
    found = np.array([r["label"] == 1 for r in rows])
    cuts = np.unique(np.concatenate([p, [0.0, 1.0]]))
    scores = []
    for t in cuts:
        answered = p >= t
        abstained_on_none = np.mean([(~answered[m]).mean() for m in (none, other) if m.any()] or [1.0])
        answered_found = answered[found].mean() if found.any() else 1.0
        scores.append((abstained_on_none + answered_found) / 2)
    # The curve is flat near its top with so few `none` questions: take the middle of the
    # thresholds within PLATEAU of the best rather than whichever one happens to peak.
    near = cuts[np.array(scores) >= max(scores) - PLATEAU]
    return float(np.median(near))


def high_cut(p: np.ndarray, y: np.ndarray, low: float) -> float:
    for t in sorted(set(p[p >= low].tolist())):
        chosen = p >= t
        if chosen.any() and y[chosen].mean() >= PRECISION_HIGH:
            return max(float(t), low)
    return 1.0


def report(model: dict, rows: list[dict]) -> dict:
    p = probabilities(model, rows)
    none = np.array([r["kind"] == "none" for r in rows])
    other = np.array([r["kind"] == "other" for r in rows])
    labels = np.array([r["label"] for r in rows])
    answered = p >= model["low"]
    high = p >= model["high"]
    return {
        "abstains_on_none": round(float((~answered[none]).mean()), 3) if none.any() else None,
        "abstains_off_topic": round(float((~answered[other]).mean()), 3) if other.any() else None,
        "answers_when_found": round(float(answered[labels == 1].mean()), 3),
        "answered_with_source": round(float((answered & (labels == 1))[~(none | other)].mean()), 3),
        "high_precision": round(float(labels[high].mean()), 3) if high.any() else None,
        "low_share": round(float((answered & ~high).mean()), 3),
    }


def _cell(value) -> str:
    return "–" if value is None else f"{value:.2f}"


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
    print(f"{'':22}{'set':6}{'none abstained':>16}{'off-topic abst.':>17}{'answers when found':>20}"
          f"{'answered with source':>22}{'high precise':>14}{'low share':>11}")
    for name, model in fits.items():
        for s, result in ((s, report(model, rows[s])) for s in rows):
            print(f"{name:22}{s:6}" + "".join(f"{_cell(result[k]):>{width}}" for k, width in (
                ("abstains_on_none", 16), ("abstains_off_topic", 17), ("answers_when_found", 20),
                ("answered_with_source", 22), ("high_precision", 14), ("low_share", 11))))
    shipped = fits["fit both (shipped)"]
    print("weights:", {f: round(w, 3) for f, w in zip(FEATURES, shipped["weights"])},
          "low", round(shipped["low"], 3), "high", round(shipped["high"], 3))
    if args.write:
        MODEL_FILE.write_text(json.dumps(shipped, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE}")


if __name__ == "__main__":
    main()
