"""Server-side SVG charts: geometry computed here, drawn by the ``charts.html`` macros.

No chart library and no build step: a chart is a list of rectangles with a CSS class and a
tooltip, plus axis ticks.

>>> c = stacked_columns(("d1", "d2"), {"approve": [3, 1], "review": [1, 0]}, ("approve", "review"))
>>> [(r.cls, r.h) for r in c.rects if r.label == "d1"]
[('approve', 120.0), ('review', 40.0)]
>>> c.max_value
4
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Chart", "Rect", "Tick", "hbar_chart", "histogram_chart", "stacked_columns"]

_W, _H, _PAD_L, _PAD_B = 720.0, 160.0, 40.0, 22.0


@dataclass(frozen=True, slots=True)
class Rect:
    """One bar (or bar segment)."""

    x: float
    y: float
    w: float
    h: float
    cls: str
    title: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class Tick:
    """An axis label at a position."""

    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True, slots=True)
class Chart:
    """A drawable chart: view box size, bars, ticks, the largest value shown."""

    width: float
    height: float
    rects: tuple[Rect, ...]
    ticks: tuple[Tick, ...]
    max_value: float


def _y_ticks(top: float) -> list[Tick]:
    return [Tick(_PAD_L - 4, _H - (_H * f) + 4, f"{top * f:.4g}", "end") for f in (0.0, 0.5, 1.0)]


def stacked_columns(
    labels: Sequence[str], series: Mapping[str, Sequence[int]], order: Sequence[str]
) -> Chart:
    """One column per label, stacked by series in ``order`` (e.g. outcomes per day)."""
    n = max(1, len(labels))
    totals = [sum(series.get(s, [0] * n)[i] for s in order) for i in range(len(labels))]
    top = max(totals, default=0) or 1
    slot = (_W - _PAD_L) / n
    rects: list[Rect] = []
    for i, label in enumerate(labels):
        y = _H
        for s in order:
            value = series.get(s, [0] * n)[i]
            if not value:
                continue
            h = _H * value / top
            y -= h
            rects.append(
                Rect(
                    _PAD_L + i * slot + 1,
                    y,
                    max(1.0, slot - 2),
                    h,
                    s,
                    f"{label} {s}: {value}",
                    label,
                )
            )
    step = max(1, n // 8)
    ticks = [Tick(_PAD_L + i * slot + slot / 2, _H + 14, labels[i][5:]) for i in range(0, n, step)]
    return Chart(
        _W, _H + _PAD_B, tuple(rects), tuple(ticks + _y_ticks(top)), max(totals, default=0)
    )


def hbar_chart(items: Sequence[tuple[str, float, str]], cls: str = "bar", unit: str = "") -> Chart:
    """Horizontal bars of (label, value, tooltip) in the order given; ``unit`` follows values."""
    row, label_w = 20.0, 230.0
    top = max((v for _, v, _ in items), default=0) or 1
    rects = [
        Rect(
            label_w, i * row + 3, max(1.0, (_W - label_w - 60) * v / top), row - 6, cls, tip, label
        )
        for i, (label, v, tip) in enumerate(items)
    ]
    ticks = [
        Tick(label_w - 6, i * row + row / 2 + 4, label, "end")
        for i, (label, _, _) in enumerate(items)
    ]
    ticks += [
        Tick(r.x + r.w + 6, r.y + row / 2 + 1, f"{v:.3g}{unit}", "start")
        for r, (_, v, _) in zip(rects, items, strict=True)
    ]
    return Chart(_W, max(row, row * len(items)), tuple(rects), tuple(ticks), top)


def histogram_chart(lo: float, hi: float, counts: Sequence[int], cls: str = "bar") -> Chart:
    """Columns of a histogram over [lo, hi] with equal-width bins."""
    n = max(1, len(counts))
    top = max(counts, default=0) or 1
    slot = (_W - _PAD_L) / n
    width = (hi - lo) / n if hi > lo else 0.0
    rects = [
        Rect(
            _PAD_L + i * slot + 1,
            _H - _H * c / top,
            max(1.0, slot - 2),
            _H * c / top,
            cls,
            f"{lo + i * width:.4g} – {lo + (i + 1) * width:.4g}: {c}",
        )
        for i, c in enumerate(counts)
        if c
    ]
    ticks = [Tick(_PAD_L, _H + 14, f"{lo:.4g}", "start"), Tick(_W, _H + 14, f"{hi:.4g}", "end")]
    return Chart(
        _W, _H + _PAD_B, tuple(rects), tuple(ticks + _y_ticks(top)), max(counts, default=0)
    )
