"""A trained model's report, as risk teams read one, and the profile its monitoring needs.

:func:`publish` writes into the model's registry folder::

    <model_dir>/report/index.html   one self-contained page (inline CSS, no script)
    <model_dir>/report/*.png        its charts, linked relatively
    <model_dir>/profile.json        bins and training shares of the score and each feature
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, FileSystemLoader, select_autoescape
from numpy.typing import NDArray

from riskline.lab import charts
from riskline.lab.profile import Bins, psi, to_score
from riskline.lab.run import LabRun
from riskline.lab.tables import (
    BandRow,
    FeatureBins,
    feature_bins,
    feature_rows,
    sample_metrics,
    score_bands,
)
from riskline.scoring.gbdt import GbdtModel
from riskline.scoring.scorecard import Scorecard

__all__ = ["PROFILE", "REPORT", "publish", "render"]

REPORT = Path("report") / "index.html"
"""Where the report lands inside a model version's folder."""
PROFILE = "profile.json"
"""The profile monitoring reads, inside a model version's folder."""

_TEMPLATES = Path(__file__).parent / "templates"


def render(template: str, **context: Any) -> str:
    """Render one of the lab's Jinja2 templates (HTML-escaped)."""
    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: "" if v is None else f"{100 * v:.1f} %"
    env.filters["num"] = lambda v, d=4: "" if v is None else f"{v:.{d}f}"
    env.filters["int"] = lambda v: f"{int(v):,}"
    env.globals["zip"] = zip
    return env.get_template(template).render(**context)


def publish(run: LabRun) -> Path:
    """Write the report, its charts and ``profile.json`` into ``run.model_dir``; the HTML path."""
    out = Path(run.model_dir) / REPORT.parent
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):  # a report written again keeps no chart of the last one
        old.unlink()
    bins = {name: feature_bins(run, name) for name in run.x_train.columns}
    kept = [bins[f] for f in run.features if f in bins]
    band_bins, bands = score_bands(run)
    score = _score_shares(run, band_bins)
    is_card = isinstance(run.model, Scorecard)
    context: dict[str, Any] = {
        "run": run,
        "train": sample_metrics(np.asarray(run.y_train), np.asarray(run.raw_train)),
        "test": sample_metrics(np.asarray(run.y_test), np.asarray(run.raw_test)),
        "selection": feature_rows(run, bins),
        "features": [(fb, _feature_chart(fb, i, out)) for i, fb in enumerate(kept)],
        "bands": bands,
        "score_psi": psi(*score),
        "score_name": "points (higher = safer)" if is_card else "raw margin (higher = riskier)",
        "scorecard": run.model if isinstance(run.model, Scorecard) else None,
        "importance": _importance(run, out),
        "charts": _charts(run, bands, out),
    }
    html = out / REPORT.name
    html.write_text(render("report.html", **context), encoding="utf-8")
    profile = {
        "model": run.name,
        "version": run.version,
        "kind": run.kind,
        "score": {
            "name": "points" if is_card else "margin",
            "bins": band_bins.as_json(),
            "train": list(map(float, score[0])),
            "test": list(map(float, score[1])),
        },
        "features": {
            fb.name: {"bins": fb.bins.as_json(), "train": list(fb.train), "test": list(fb.test)}
            for fb in kept
        },
    }
    (Path(run.model_dir) / PROFILE).write_text(json.dumps(profile, indent=2), encoding="utf-8")
    return html


def _score_shares(run: LabRun, bins: Bins) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Shares of the train and test scores in the score's bins."""
    s_train = to_score(run.model, np.asarray(run.raw_train, dtype=np.float64))
    s_test = to_score(run.model, np.asarray(run.raw_test, dtype=np.float64))
    return bins.shares(s_train), bins.shares(s_test)


def _charts(run: LabRun, bands: list[BandRow], out: Path) -> dict[str, str]:
    """The performance and score charts of the test sample (ROC with train beside it)."""
    y_train, y_test = np.asarray(run.y_train), np.asarray(run.y_test)
    raw_train = np.asarray(run.raw_train, dtype=np.float64)
    raw_test = np.asarray(run.raw_test, dtype=np.float64)
    labels = [b.label for b in bands]
    return {
        "roc": charts.roc_chart(
            [("train", y_train, raw_train), ("test", y_test, raw_test)], out / "roc.png"
        ),
        "ks": charts.ks_chart(y_test, raw_test, out / "ks.png"),
        "gain": charts.gain_chart(y_test, raw_test, out / "gain.png"),
        "lift": charts.lift_chart(labels, [b.lift for b in bands], out / "lift.png"),
        "score": charts.score_chart(
            labels, [b.train_share for b in bands], [b.test_share for b in bands], out / "score.png"
        ),
    }


def _feature_chart(fb: FeatureBins, i: int, out: Path) -> str:
    """The bins chart of one feature; bins no training row fell in are left out of it."""
    title = fb.name + ("" if fb.from_model else " (deciles, WoE on train)")
    rows = [r for r in fb.rows if r.count]
    return charts.bins_chart(
        title,
        [r.label for r in rows],
        [r.woe for r in rows],
        [r.bad_rate for r in rows],
        out / f"feature-{i:02d}.png",
    )


def _importance(run: LabRun, out: Path) -> dict[str, Any] | None:
    """LightGBM's gain shares, largest first, and their chart."""
    if not isinstance(run.model, GbdtModel):
        return None
    gains = run.model.feature_importance()
    total = sum(gains.values()) or 1.0
    ranked = sorted(((n, g / total) for n, g in gains.items()), key=lambda t: -t[1])
    chart = charts.importance_chart(
        [n for n, _ in ranked], [g for _, g in ranked], out / "importance.png"
    )
    return {"rows": ranked, "chart": chart}
