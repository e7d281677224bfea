"""Render an :class:`EvaluationReport`: rich terminal tables, JSON, and HTML with inline SVG.

>>> svg = bar_chart("Recall", [("cashout", 0.5), ("farm", 1.0)], maximum=1.0)
>>> svg.startswith("<svg") and "cashout" in svg
True
>>> pr = pr_chart(PrCurve("farm", ((3.0, 0.5, 1.0), (1.0, 1.0, 0.5)), 0.75))
>>> pr.count("<circle"), "AP 0.75" in pr
(2, True)
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from riskline.sim.eod_baseline import BaselineReport
from riskline.sim.evaluate import HARMS, EvaluationReport, HarmRow, PrCurve, TypologyResult

__all__ = [
    "bar_chart",
    "baseline_table",
    "harm_table",
    "pr_chart",
    "print_report",
    "render_html",
    "report_table",
    "write_cases",
    "write_report",
]


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _hours(h: float | None) -> str:
    return "—" if h is None else f"{h:.1f}"


def report_table(report: EvaluationReport) -> Table:
    """A rich table with one row per typology and a footer of false-positive rates."""
    table = Table(title="Riskline evaluation", show_lines=False)
    for col in (
        "typology",
        "actors",
        "recall",
        "precision (by reason)",
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
        f"{report.events:,} events, {report.days} days · "
        f"overall precision {_pct(report.precision)} · FPR good persons {_pct(report.fpr_good)} "
        f"({report.good_persons}) · FPR hard negatives {_pct(report.fpr_hard_negative)} "
        f"({report.hard_negative_persons}) · credit declines (not flags): good "
        f"{_pct(report.credit_declined_good)}, hard negatives "
        f"{_pct(report.credit_declined_hard_negative)} · outcomes {report.outcomes}"
    )
    return table


_HARM_HEAD = (
    "challenge",
    "hold",
    "review",
    "risk decl.",
    "credit decl.",
    "cut",
    "freeze",
    "close",
)


def harm_table(report: EvaluationReport) -> Table:
    """Shares of honest persons the engine did each thing to, by group, and their review load."""
    table = Table(
        title="Harm: % of honest persons the engine did each thing to over the run",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
    )
    table.add_column("group", no_wrap=True)
    for col in ("persons", *_HARM_HEAD, "any risk", "cases /10k/day"):
        table.add_column(col, justify="right")
    for row in _harm_rows(report):
        table.add_row(
            row.group,
            f"{row.persons:,}",
            *(f"{100 * row.rates[h]:.1f}" for h in HARMS),
            f"{100 * row.any_risk:.1f}",
            f"{row.cases_per_10k_day:.2f}",
        )
    table.caption = (
        f"new review cases, all customers: {report.review_cases_per_10k_day:.2f} per 10,000 "
        "per day · hold = freeze under a challenge · any risk = challenge, hold, review, risk "
        "decline, cut, freeze or close"
    )
    return table


def baseline_table(report: EvaluationReport) -> Table | None:
    """Riskline against the end-of-day baseline, per typology (None without a baseline)."""
    base = report.baseline
    if base is None:
        return None
    table = Table(title="Riskline vs end-of-day LightGBM baseline (recall / credit stopped)")
    table.add_column("typology")
    table.add_column("actors", justify="right")
    table.add_column("Riskline", justify="right")
    for point in base.points:
        table.add_column(f"baseline @ {point.name}", justify="right")
    rows = {p.name: {r.typology: r for r in p.rows} for p in base.points}
    for r in report.typologies:
        cells = [f"{_pct(r.recall)} / {_pct(r.money_stopped_share)}"]
        for point in base.points:
            b = rows[point.name].get(r.typology)
            cells.append("—" if b is None else f"{_pct(b.recall)} / {_pct(b.money_stopped_share)}")
        table.add_row(r.typology, str(r.actors), *cells)
    table.caption = _baseline_caption(report, base)
    return table


def _baseline_caption(report: EvaluationReport, base: BaselineReport) -> str:
    parts = [
        f"Riskline: FPR good {_pct(report.fpr_good)}, hard negatives "
        f"{_pct(report.fpr_hard_negative)}, precision {_pct(report.precision_persons)}"
    ]
    parts += [
        f"baseline @ {p.name}: FPR good {_pct(p.fpr_good)}, hard negatives "
        f"{_pct(p.fpr_hard_negative)}, precision {_pct(p.precision)}"
        for p in base.points
    ]
    parts.append(
        f"trained on {base.train_world} ({base.train_rows:,} account-days, "
        f"{base.train_positives:,} fraud); enterprises: no account rows"
    )
    return " · ".join(parts)


def print_report(report: EvaluationReport, console: Console | None = None) -> None:
    """Print the tables to the terminal."""
    out = console or Console()
    out.print(report_table(report))
    if report.harm:
        out.print(harm_table(report))
    versus = baseline_table(report)
    if versus is not None:
        out.print(versus)


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


_HEAD = (
    "typology",
    "actors",
    "detected",
    "recall",
    "precision (by reason)",
    "median h to detect",
    "at risk",
    "stopped",
    "honest flagged by its reasons",
    "reasons charged",
)
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
        f"{r.honest_flagged_by_its_reasons:,}",
        html.escape(", ".join(r.reasons)),
    )
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def pr_chart(curve: PrCurve) -> str:
    """A typology's precision-recall curve as standalone SVG text (recall across, precision up)."""
    size, pad = 200, 34
    title = f"{curve.typology} · AP {curve.average_precision:.2f}"

    def at(recall: float, precision: float) -> tuple[float, float]:
        return pad + recall * size, pad - 14 + (1 - precision) * size

    dots = [at(r, p) for _, r, p in curve.points]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in dots)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size + 2 * pad}" '
        f'height="{size + 2 * pad}" role="img" aria-label="{html.escape(title)}">',
        f'<text x="4" y="14" font-size="13" font-weight="bold">{html.escape(title)}</text>',
        f'<rect x="{pad}" y="{pad - 14}" width="{size}" height="{size}" fill="none" '
        'stroke="#999"/>',
        f'<text x="{pad + size / 2}" y="{size + pad + 14}" font-size="11" '
        'text-anchor="middle">recall</text>',
        f'<text x="10" y="{pad + size / 2}" font-size="11" text-anchor="middle" '
        f'transform="rotate(-90 10 {pad + size / 2})">precision</text>',
    ]
    for tick in (0.0, 0.5, 1.0):
        x, y = at(tick, tick)
        parts += [
            f'<text x="{x:.1f}" y="{size + pad}" font-size="10" text-anchor="middle">{tick}</text>',
            f'<text x="{pad - 3}" y="{y + 3:.1f}" font-size="10" text-anchor="end">{tick}</text>',
        ]
    if dots:
        parts.append(f'<polyline points="{line}" fill="none" stroke="#3b7dd8" stroke-width="2"/>')
    for (threshold, recall, precision), (x, y) in zip(curve.points, dots, strict=True):
        tip = f"score ≥ {threshold}: recall {_pct(recall)}, precision {_pct(precision)}"
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#3b7dd8">'
            f"<title>{html.escape(tip)}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _html_table(head: Sequence[str], rows: Sequence[Sequence[object]], caption: str = "") -> str:
    top = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<tr>{top}</tr>{body}</table>"


def _harm_rows(report: EvaluationReport) -> tuple[HarmRow, ...]:
    """The persons' rows, then the honest enterprises' (the "persons" column counts them)."""
    extra = (report.enterprise_harm,) if report.enterprise_harm is not None else ()
    return (*report.harm, *extra)


def _harm_html(report: EvaluationReport) -> str:
    rows = [
        [
            r.group,
            r.persons,
            *(_pct(r.rates[h]) for h in HARMS),
            _pct(r.any_risk),
            f"{r.cases_per_10k_day:.2f}",
        ]
        for r in _harm_rows(report)
    ]
    head = ("group", "persons", *_HARM_HEAD, "any risk", "cases/10k/day")
    cases = f"new review cases, all customers: {report.review_cases_per_10k_day:.2f}/10k/day"
    return "<h2>Harm to honest customers</h2>" + _html_table(head, rows, cases)


def _baseline_html(report: EvaluationReport) -> str:
    base = report.baseline
    if base is None:
        return ""
    rows = []
    by = {p.name: {r.typology: r for r in p.rows} for p in base.points}
    for r in report.typologies:
        row: list[object] = [r.typology, r.actors, _pct(r.recall), _pct(r.money_stopped_share)]
        for p in base.points:
            b = by[p.name].get(r.typology)
            row += ["—", "—"] if b is None else [_pct(b.recall), _pct(b.money_stopped_share)]
        rows.append(row)
    head = ["typology", "actors", "Riskline recall", "Riskline stopped"]
    for p in base.points:
        head += [f"baseline @ {p.name} recall", "stopped"]
    title = "<h2>Riskline vs end-of-day LightGBM baseline</h2>"
    return title + _html_table(head, rows, _baseline_caption(report, base))


def render_html(report: EvaluationReport) -> str:
    """A self-contained HTML report (tables and inline SVG charts, no scripts)."""
    head = "".join(f"<th>{h}</th>" for h in _HEAD)
    body = "".join(_row(r) for r in report.typologies)
    charts = "".join(f"<div>{c}</div>" for c in _charts(report))
    curves = "".join(pr_chart(c) for c in report.curves)
    if curves:
        curves = f"<h2>Precision–recall by typology</h2><div>{curves}</div>"
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
        f"{_harm_html(report) if report.harm else ''}{_baseline_html(report)}"
        f"{curves}{charts}<ul>{notes}</ul></body></html>\n"
    )


def write_report(report: EvaluationReport, out_dir: Path) -> tuple[Path, Path]:
    """Write ``evaluation.json`` and ``evaluation.html`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    js, page = out_dir / "evaluation.json", out_dir / "evaluation.html"
    js.write_text(json.dumps(report.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    page.write_text(render_html(report), encoding="utf-8")
    return js, page


def write_cases(report: EvaluationReport, out_dir: Path) -> Path:
    """Write the run's review cases, one JSON object a line, to ``out_dir/cases.jsonl``
    (what `riskline labels analysts` hands to the simulated analysts)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "cases.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for case in report.review_cases:
            fh.write(json.dumps(case.to_dict(), sort_keys=True) + "\n")
    return path
