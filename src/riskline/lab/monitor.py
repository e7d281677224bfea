"""Has the population moved? A new period's score and features against the training profile.

The score's PSI and each feature's CSI are computed on the bins :func:`riskline.lab.report.publish`
recorded in ``profile.json``, with the training shares as expected. Each line is ``ok`` below
``warn``, ``warn`` below ``alert``, else ``alert`` (the usual 0.1 / 0.25).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from riskline.errors import InvalidInput
from riskline.lab import charts
from riskline.lab.prepare import features_for_scoring
from riskline.lab.profile import Bins, psi, raw_scores, to_score
from riskline.lab.report import PROFILE, render
from riskline.scoring.registry import ModelMeta

__all__ = ["DriftLine", "Monitoring", "drift", "load_profile", "status_of", "write_report"]


def status_of(value: float, warn: float, alert: float) -> str:
    """``ok``, ``warn`` or ``alert`` for a PSI value.

    >>> [status_of(v, 0.1, 0.25) for v in (0.02, 0.1, 0.3)]
    ['ok', 'warn', 'alert']
    """
    if value >= alert:
        return "alert"
    return "warn" if value >= warn else "ok"


@dataclass(frozen=True, slots=True)
class DriftLine:
    """The PSI of the score, or the CSI of one feature, with the shares it compares."""

    name: str
    measure: str  # "PSI" | "CSI"
    value: float
    status: str
    labels: tuple[str, ...]
    expected: tuple[float, ...]
    actual: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Monitoring:
    """One new period against a model's training profile."""

    model: str
    version: str
    source: str
    rows: int
    warn: float
    alert: float
    lines: tuple[DriftLine, ...]

    @property
    def status(self) -> str:
        """The worst status of any line."""
        found = {line.status for line in self.lines}
        return next((s for s in ("alert", "warn") if s in found), "ok")


def load_profile(model_dir: Path, meta: ModelMeta) -> dict[str, Any]:
    """``profile.json`` of a model version; names the fix when the model has none."""
    path = Path(model_dir) / PROFILE
    if not path.is_file():
        raise InvalidInput(
            f"{meta.name} {meta.version} has no training profile ({path.name}): only models "
            "trained from a file by the model lab have one; retrain with `riskline train "
            "scorecard FILE --target COL` to monitor it"
        )
    raw: dict[str, Any] = json.loads(path.read_text())
    return raw


def _line(
    name: str, measure: str, entry: Mapping[str, Any], values: Any, warn: float, alert: float
) -> DriftLine:
    bins = Bins.from_json(entry["bins"])
    expected = np.asarray(entry["train"], dtype=np.float64)
    actual = bins.shares(values)
    value = psi(expected, actual)
    return DriftLine(
        name=name,
        measure=measure,
        value=value,
        status=status_of(value, warn, alert),
        labels=bins.labels(),
        expected=tuple(map(float, expected)),
        actual=tuple(map(float, actual)),
    )


def drift(
    model: object,
    meta: ModelMeta,
    profile: Mapping[str, Any],
    df: pl.DataFrame,
    *,
    source: str,
    warn: float = 0.1,
    alert: float = 0.25,
) -> Monitoring:
    """PSI of the score and CSI of every profiled feature of ``df`` (a user's new table)."""
    if not 0 < warn < alert:
        raise InvalidInput(f"thresholds must satisfy 0 < --warn < --alert; got {warn}, {alert}")
    if df.height == 0:
        raise InvalidInput(f"{source} has no rows to monitor")
    x = features_for_scoring(df, meta)
    score = to_score(model, raw_scores(model, x))
    lines = [_line("score", "PSI", profile["score"], score, warn, alert)]
    for name, entry in profile["features"].items():
        if name in x.columns:
            lines.append(_line(name, "CSI", entry, x[name], warn, alert))
    return Monitoring(meta.name, meta.version, source, df.height, warn, alert, tuple(lines))


def write_report(result: Monitoring, out: Path) -> Path:
    """The monitoring page and its score chart in ``out``; the HTML path."""
    out.mkdir(parents=True, exist_ok=True)
    score = result.lines[0]
    chart = charts.score_chart(
        list(score.labels[:-1]),
        score.expected[:-1],
        score.actual[:-1],
        out / "score.png",
        names=("training", "new period"),
        title="Score distribution: training vs new period",
    )
    html = out / "index.html"
    html.write_text(render("monitor.html", result=result, chart=chart), encoding="utf-8")
    return html
