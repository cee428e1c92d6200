"""The eval report as a rich table: the terminal's view of bot/core/evaluate.py's numbers."""
from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from bot.core.evaluate import HIT_KS, MRR_DEPTH, RECALL_KS


_COLUMNS = {
    "n": "n", **{f"recall@{k}": f"R@{k}" for k in RECALL_KS}, **{f"hit@{k}": f"hit@{k}" for k in HIT_KS},
    f"mrr@{MRR_DEPTH}": "mrr", "answered_correctly": "correct", "fact_first": "fact first",
    "abstains_on_none": "none✓",
    "low_confidence_rate": "low", "latency_p95_ms": "p95 ms",
}


def format_report(reports: dict[str, dict] | dict) -> Group:
    """One table for one or several question sets (name → report), each set's rows together:
    overall, by variant, by kind. Recall is of search before the answer; hit@k of the answer's
    citations; "fact first" correct with the fact in the answer's own lines, not only in a source
    cited below them; "none✓" the share of `none` questions abstained on; "low" the share answered
    with low confidence."""
    if "overall" in reports:
        reports = {"": reports}
    table = Table(title=" · ".join(f"{name or 'questions'}: {r['questions']}" for name, r in reports.items()))
    table.add_column("")
    for label in _COLUMNS.values():
        table.add_column(label, justify="right")
    lines = []
    for name, report in reports.items():
        prefix = f"{name} · " if name else ""

        def add(label: str, metrics: dict) -> None:
            table.add_row(prefix + label, *(_cell(metrics.get(column), 0 if column.startswith("latency") else 2)
                                            for column in _COLUMNS))

        add("overall", report["overall"])
        for variant, metrics in report["by_variant"].items():
            add(variant, metrics)
        for kind, metrics in report["by_kind"].items():
            add(kind, metrics)
        table.add_section()
        latency = report["latency_ms"]
        lines.append(f"{prefix}latency p50 {_cell(latency['p50'], 0)} ms, p95 {_cell(latency['p95'], 0)} ms")
        restoration = report.get("restoration")
        if restoration and restoration["syllables"]:
            lines.append(f"{prefix}diacritic restoration of the unaccented variants: {restoration['syllables_right']}"
                         f"/{restoration['syllables']} syllables right ({restoration['accuracy']:.1%})")
    return Group(table, Text("\n".join(lines)))


def _cell(value: float | int | None, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"
