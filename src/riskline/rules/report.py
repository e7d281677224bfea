"""Backtest report: per-rule figures, overlaps, decision mix; rendered as rich tables or JSON.

>>> s = RuleStats("r1", "active", "review", hits=4, true_positives=3, positives=6, negatives=10)
>>> s.precision, s.recall, s.false_positive_rate
(0.75, 0.5, 0.1)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from rich.console import Console, Group
from rich.table import Table

__all__ = ["BacktestReport", "DecisionStats", "Overlap", "RuleStats"]


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


@dataclass(frozen=True, slots=True)
class RuleStats:
    """Confusion figures of one rule against the label (hits = rows where it fired)."""

    rule_id: str
    mode: str
    outcome: str | None
    hits: int
    true_positives: int
    positives: int
    negatives: int

    @property
    def precision(self) -> float | None:
        """Share of hits that are labelled positive (None without hits)."""
        return _ratio(self.true_positives, self.hits)

    @property
    def recall(self) -> float | None:
        """Share of positives hit (None without positives)."""
        return _ratio(self.true_positives, self.positives)

    @property
    def false_positive_rate(self) -> float | None:
        """Share of negatives hit (None without negatives)."""
        return _ratio(self.hits - self.true_positives, self.negatives)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures including the derived rates."""
        rates = {"precision": self.precision, "recall": self.recall}
        return {**asdict(self), **rates, "false_positive_rate": self.false_positive_rate}


@dataclass(frozen=True, slots=True)
class Overlap:
    """Two rules that fired on the same rows."""

    a: str
    b: str
    shared: int
    jaccard: float


@dataclass(frozen=True, slots=True)
class DecisionStats:
    """Outcome counts of a whole rule set, and how its non-approve decisions match the label."""

    version: str
    mix: Mapping[str, int]
    flagged: int
    true_positives: int
    positives: int
    negatives: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        fp = self.flagged - self.true_positives
        return {
            **asdict(self),
            "mix": dict(self.mix),
            "precision": _ratio(self.true_positives, self.flagged),
            "recall": _ratio(self.true_positives, self.positives),
            "false_positive_rate": _ratio(fp, self.negatives),
        }


@dataclass(frozen=True, slots=True)
class BacktestReport:
    """Everything a backtest found; ``transitions`` counts (baseline, candidate) changes."""

    rows: int
    positives: int
    rules: tuple[RuleStats, ...]
    overlaps: tuple[Overlap, ...]
    candidate: DecisionStats
    baseline: DecisionStats | None
    transitions: Mapping[tuple[str, str], int]
    missing_columns: tuple[str, ...]
    vectorised_rules: int
    row_rules: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        return {
            "rows": self.rows,
            "positives": self.positives,
            "rules": [r.to_dict() for r in self.rules],
            "overlaps": [asdict(o) for o in self.overlaps],
            "candidate": self.candidate.to_dict(),
            "baseline": self.baseline.to_dict() if self.baseline else None,
            "transitions": [
                {"from": a, "to": b, "rows": n} for (a, b), n in self.transitions.items()
            ],
            "missing_columns": list(self.missing_columns),
            "evaluation": {
                "vectorised_rules": self.vectorised_rules,
                "row_rules": self.row_rules,
                "seconds": self.seconds,
            },
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), indent=indent)

    def renderable(self) -> Group:
        """Rich tables: per rule, overlaps, decision mix."""
        tables = [_rules_table(self), _overlap_table(self), _mix_table(self)]
        if self.baseline is not None:
            tables.append(_transition_table(self))
        return Group(*tables)

    def render(self, console: Console | None = None) -> None:
        """Print the tables to ``console`` (stdout by default)."""
        (console or Console()).print(self.renderable())


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _rules_table(report: BacktestReport) -> Table:
    title = f"Rules on {report.rows} rows ({report.positives} positive)"
    table = Table(title=title)
    for name in ("rule", "mode", "outcome", "hits", "precision", "recall", "FPR"):
        table.add_column(name, justify="left" if name in ("rule", "mode", "outcome") else "right")
    for r in report.rules:
        table.add_row(
            r.rule_id,
            r.mode,
            r.outcome or "score",
            str(r.hits),
            _pct(r.precision),
            _pct(r.recall),
            _pct(r.false_positive_rate),
        )
    return table


def _overlap_table(report: BacktestReport) -> Table:
    table = Table(title="Overlapping rules")
    for name in ("rule", "rule", "shared hits", "Jaccard"):
        table.add_column(name, justify="right" if name[0] in "sJ" else "left")
    for o in report.overlaps:
        table.add_row(o.a, o.b, str(o.shared), f"{o.jaccard:.2f}")
    return table


def _mix_table(report: BacktestReport) -> Table:
    base = report.baseline
    table = Table(title="Decision mix")
    table.add_column("outcome")
    if base is not None:
        table.add_column(f"baseline {base.version}", justify="right")
    table.add_column(f"candidate {report.candidate.version}", justify="right")
    for outcome, count in report.candidate.mix.items():
        cells = [str(base.mix.get(outcome, 0))] if base is not None else []
        table.add_row(outcome, *cells, str(count))
    table.rows[-1].end_section = True
    figures = [base.to_dict()] if base is not None else []
    figures.append(report.candidate.to_dict())
    for key, label in _QUALITY:
        table.add_row(label, *(_pct(f[key]) for f in figures))
    return table


_QUALITY = (
    ("precision", "non-approve precision"),
    ("recall", "non-approve recall"),
    ("false_positive_rate", "non-approve FPR"),
)


def _transition_table(report: BacktestReport) -> Table:
    changed = sum(report.transitions.values())
    table = Table(title=f"Changed decisions: {changed} of {report.rows}")
    for name in ("baseline", "candidate", "rows"):
        table.add_column(name, justify="right" if name == "rows" else "left")
    for (before, after), count in report.transitions.items():
        table.add_row(before, after, str(count))
    return table
