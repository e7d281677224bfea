"""SVG chart geometry and the dashboard figures computed from decision bodies."""

from __future__ import annotations

import math

import pytest

from riskline.ui.charts import hbar_chart, histogram_chart, stacked_columns
from riskline.ui.stats import reason_hits, score_histograms


def test_stacked_columns_are_proportional_and_stack() -> None:
    chart = stacked_columns(
        ("2026-03-01", "2026-03-02", "2026-03-03"),
        {"approve": [8, 2, 0], "review": [2, 0, 0], "decline": [0, 0, 0]},
        ("approve", "review", "decline"),
    )
    assert chart.max_value == 10
    day1 = [r for r in chart.rects if r.label == "2026-03-01"]
    assert [r.cls for r in day1] == ["approve", "review"]
    full = sum(r.h for r in day1)
    assert full == pytest.approx(160.0)  # the tallest column fills the plot height
    assert day1[1].y + day1[1].h == pytest.approx(day1[0].y)  # review sits on approve
    day2 = [r for r in chart.rects if r.label == "2026-03-02"]
    assert day2[0].h == pytest.approx(full * 2 / 10)
    assert not [r for r in chart.rects if r.label == "2026-03-03"]  # empty day: no bar
    assert "03-01" in {t.text for t in chart.ticks}


def test_hbars_and_histogram() -> None:
    bars = hbar_chart([("A", 50.0, "a"), ("B", 25.0, "b")], unit=" %")
    assert bars.rects[0].w == pytest.approx(2 * bars.rects[1].w)
    assert {"50 %", "25 %"} <= {t.text for t in bars.ticks}
    hist = histogram_chart(0.0, 1.0, [1, 0, 3])
    assert len(hist.rects) == 2 and hist.rects[1].h == pytest.approx(3 * hist.rects[0].h)
    assert hist.rects[1].title.startswith("0.6667 – 1")


def _body(codes: list[str], **scores: float | None) -> dict[str, object]:
    return {"reasons": [{"code": c, "text": c.lower()} for c in codes], "scores": scores}


def test_reason_hits_count_each_decision_once() -> None:
    sample = [
        ("review", _body(["X", "X", "Y"])),
        ("decline", _body(["X"])),
        ("approve", _body([])),
        ("approve", _body([])),
    ]
    hits = reason_hits(sample)
    assert [(h.code, h.count, h.share) for h in hits] == [("X", 2, 0.5), ("Y", 1, 0.25)]
    assert hits[0].by_outcome == (("decline", 1), ("review", 1))
    assert hits[0].text == "x"
    assert reason_hits([]) == []


def test_score_histograms_skip_missing_values() -> None:
    sample = [
        ("approve", _body([], fraud=0.0, credit=600.0)),
        ("approve", _body([], fraud=0.5, credit=None)),
        ("review", _body([], fraud=1.0, credit=math.nan)),
        ("review", _body([], fraud=0.95)),
    ]
    hists = {h.name: h for h in score_histograms(sample, bins=4)}
    fraud = hists["fraud"]
    assert (fraud.lo, fraud.hi, fraud.n) == (0.0, 1.0, 4)
    assert fraud.counts == (1, 0, 1, 2)  # 1.0 falls in the last bin
    assert fraud.mean == pytest.approx(2.45 / 4)
    assert hists["credit"].n == 1 and hists["credit"].counts == (1, 0, 0, 0)
