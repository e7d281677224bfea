"""Render an :class:`EvaluationReport`: rich terminal table, JSON, and HTML with inline SVG.

>>> svg = bar_chart("Recall", [("cashout", 0.5), ("farm", 1.0)], maximum=1.0)
>>> svg.startswith("<svg") and "cashout" in svg
True
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from riskline.sim.evaluate import EvaluationReport, TypologyResult

__all__ = ["bar_chart", "print_report", "render_html", "report_table", "write_report"]


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def report_table(report: EvaluationReport) -> Table:
    """A rich table with one row per typology and a footer of false-positive rates."""
    table = Table(title="Riskline evaluation", show_lines=False)
    for col in (
        "typology",
        "actors",
        "recall",
        "precision",
        "median h to detect",
        "credit at risk",
        "stopped",
    ):
        table.add_column(col, justify="left" if col == "typology" else "right")
    for r in report.typologies:
        hours = "—" if r.median_hours_to_detection is None else f"{r.median_hours_to_detection:.1f}"
        table.add_row(
            r.typology,
            str(r.actors),
            _pct(r.recall),
            _pct(r.precision),
            hours,
            f"{r.credit_at_risk:,.0f}",
            _pct(r.money_stopped_share),
        )
    table.caption = (
        f"overall precision {_pct(report.precision)} · FPR good persons {_pct(report.fpr_good)} "
        f"({report.good_persons}) · FPR hard negatives {_pct(report.fpr_hard_negative)} "
        f"({report.hard_negative_persons}) · credit declines (not flags): good "
        f"{_pct(report.credit_declined_good)}, hard negatives "
        f"{_pct(report.credit_declined_hard_negative)} · outcomes {report.outcomes}"
    )
    return table


def print_report(report: EvaluationReport, console: Console | None = None) -> None:
    """Print the table to the terminal."""
    (console or Console()).print(report_table(report))


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, float]],
    *,
    maximum: float | None = None,
    percent: bool = True,
) -> str:
    """A horizontal bar chart as standalone SVG text."""
    top = maximum if maximum is not None else max([v for _, v in bars] + [1e-9])
    width, row, left = 560, 24, 170
    height = 36 + row * len(bars)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{html.escape(title)}">',
        f'<text x="4" y="18" font-size="14" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, (name, value) in enumerate(bars):
        y = 30 + i * row
        length = 0 if top <= 0 else (width - left - 70) * min(value / top, 1.0)
        text = _pct(value) if percent else f"{value:,.0f}"
        parts += [
            f'<text x="{left - 6}" y="{y + 14}" font-size="12" text-anchor="end">'
            f"{html.escape(name)}</text>",
            f'<rect x="{left}" y="{y + 2}" width="{length:.1f}" height="{row - 8}" '
            'fill="#3b7dd8"/>',
            f'<text x="{left + length + 4:.1f}" y="{y + 14}" font-size="12">{text}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


_HEAD = ("typology", "actors", "detected", "recall", "precision", "median h", "at risk", "stopped")
_STYLE = (
    "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
)


def _charts(report: EvaluationReport) -> list[str]:
    rows = report.typologies
    fpr = [("good persons", report.fpr_good), ("hard negatives", report.fpr_hard_negative)]
    return [
        bar_chart("Recall by typology", [(r.typology, r.recall) for r in rows], maximum=1.0),
        bar_chart(
            "Money at risk stopped",
            [(r.typology, r.money_stopped_share) for r in rows],
            maximum=1.0,
        ),
        bar_chart("False-positive rate", [*fpr, *report.fpr_hard_negative_by_kind.items()]),
        bar_chart("Decision outcomes", list(report.outcomes.items()), percent=False),
    ]


def _row(r: TypologyResult) -> str:
    hours = "—" if r.median_hours_to_detection is None else r.median_hours_to_detection
    cells = (
        html.escape(r.typology),
        r.actors,
        r.detected,
        _pct(r.recall),
        _pct(r.precision),
        hours,
        f"{r.credit_at_risk:,.2f}",
        _pct(r.money_stopped_share),
    )
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def render_html(report: EvaluationReport) -> str:
    """A self-contained HTML report (tables and inline SVG charts, no scripts)."""
    head = "".join(f"<th>{h}</th>" for h in _HEAD)
    body = "".join(_row(r) for r in report.typologies)
    charts = "".join(f"<div>{c}</div>" for c in _charts(report))
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in report.notes)
    summary = (
        f"{report.events:,} events in {report.seconds} s · overall precision "
        f"{_pct(report.precision)} · FPR good {_pct(report.fpr_good)} · FPR hard negatives "
        f"{_pct(report.fpr_hard_negative)}"
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Riskline evaluation</title><style>{_STYLE}</style></head><body>"
        f"<h1>Riskline evaluation</h1><p>{summary}</p><table><tr>{head}</tr>{body}</table>"
        f"{charts}<ul>{notes}</ul></body></html>\n"
    )


def write_report(report: EvaluationReport, out_dir: Path) -> tuple[Path, Path]:
    """Write ``evaluation.json`` and ``evaluation.html`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    js, page = out_dir / "evaluation.json", out_dir / "evaluation.html"
    js.write_text(json.dumps(report.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    page.write_text(render_html(report), encoding="utf-8")
    return js, page
