"""The report's charts: matplotlib on the Agg backend, one PNG file per chart.

Each function draws one figure into ``path`` and returns the file name, so the report links it
relatively (``<img src="roc.png">``). Nothing here reads a model: callers pass the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import NDArray

__all__ = [
    "bins_chart",
    "gain_chart",
    "importance_chart",
    "ks_chart",
    "lift_chart",
    "roc_chart",
    "score_chart",
]

_BAD = "#c0392b"
_GOOD = "#2471a3"
_GREY = "#7f8c8d"


def _save(
    fig: Any, path: Path, *, bottom: float = 0.13, left: float = 0.14, right: float = 0.96
) -> str:
    # fixed margins: a layout engine measures every label and costs more than drawing
    fig.subplots_adjust(left=left, right=right, top=0.91, bottom=bottom)
    fig.savefig(path, format="png", dpi=96)
    plt.close(fig)
    return path.name


def _sorted_rates(
    y: NDArray[np.int_], risk: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Share of rows, cumulative share of bads and of goods, riskiest rows first."""
    order = np.argsort(-risk, kind="stable")
    ys = y[order].astype(np.float64)
    n = np.arange(1, ys.size + 1) / ys.size
    bads = np.cumsum(ys) / max(ys.sum(), 1.0)
    goods = np.cumsum(1 - ys) / max((1 - ys).sum(), 1.0)
    return n, bads, goods


def roc_chart(
    curves: Sequence[tuple[str, NDArray[np.int_], NDArray[np.float64]]], path: Path
) -> str:
    """ROC curves of (label, y, raw score) samples; higher raw = riskier."""
    from sklearn.metrics import roc_curve  # type: ignore[import-untyped]

    fig, ax = plt.subplots(figsize=(5, 4))
    for (label, y, risk), color in zip(curves, (_GREY, _GOOD), strict=False):
        fpr, tpr, _ = roc_curve(y, risk)
        ax.plot(fpr, tpr, color=color, label=label)
    ax.plot([0, 1], [0, 1], linestyle=":", color="black", linewidth=0.8)
    ax.set(xlabel="false-positive rate", ylabel="true-positive rate", title="ROC")
    ax.legend(loc="lower right")
    return _save(fig, path)


def ks_chart(y: NDArray[np.int_], risk: NDArray[np.float64], path: Path) -> str:
    """Cumulative bad and good shares by share of rows (riskiest first) and the KS gap."""
    n, bads, goods = _sorted_rates(y, risk)
    at = int(np.argmax(bads - goods))
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(n, bads, color=_BAD, label="bads")
    ax.plot(n, goods, color=_GOOD, label="goods")
    ax.vlines(n[at], goods[at], bads[at], color="black", linestyle="--")
    ax.set(
        xlabel="share of rows, riskiest first",
        ylabel="cumulative share",
        title=f"KS = {bads[at] - goods[at]:.3f}",
    )
    ax.legend(loc="lower right")
    return _save(fig, path)


def gain_chart(y: NDArray[np.int_], risk: NDArray[np.float64], path: Path) -> str:
    """Cumulative share of bads caught by share of rows declined (riskiest first)."""
    n, bads, _ = _sorted_rates(y, risk)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(n, bads, color=_BAD, label="model")
    ax.plot([0, 1], [0, 1], linestyle=":", color="black", linewidth=0.8, label="random")
    ax.set(xlabel="share of rows, riskiest first", ylabel="share of bads", title="Gain")
    ax.legend(loc="lower right")
    return _save(fig, path)


def lift_chart(labels: Sequence[str], lift: Sequence[float], path: Path) -> str:
    """Lift of each score band (its bad rate over the overall bad rate)."""
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.bar(range(len(lift)), lift, color=_BAD)
    ax.axhline(1.0, color="black", linestyle=":", linewidth=0.8)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=7)
    ax.set(ylabel="lift", title="Lift by score band (test)")
    return _save(fig, path, bottom=0.3)


def bins_chart(
    title: str, labels: Sequence[str], bar: Sequence[float], bad_rate: Sequence[float], path: Path
) -> str:
    """One feature's bins: WoE bars (or row shares) and the bad-rate line on a second axis."""
    fig, ax = plt.subplots(figsize=(6, 3.2))
    x = np.arange(len(labels))
    ax.bar(x, bar, color=[_GOOD if v >= 0 else _BAD for v in bar])
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.set_ylabel("WoE")
    ax.set_xticks(x, [_short(t) for t in labels], rotation=30, ha="right", fontsize=7)
    rate = ax.twinx()
    rate.plot(x, bad_rate, color="black", marker="o")
    rate.set_ylabel("bad rate")
    rate.set_ylim(bottom=0)
    ax.set_title(title)
    return _save(fig, path, bottom=0.33, left=0.11, right=0.88)


def importance_chart(names: Sequence[str], gains: Sequence[float], path: Path) -> str:
    """Horizontal bars of each feature's share of the total split gain, largest on top."""
    fig, ax = plt.subplots(figsize=(6, 0.3 * len(names) + 1.2))
    y = np.arange(len(names))[::-1]
    ax.barh(y, gains, color=_GOOD)
    ax.set_yticks(y, [_short(n) for n in names], fontsize=7)
    ax.set(xlabel="share of split gain", title="Feature importance")
    return _save(fig, path, left=0.32, bottom=min(0.4, 0.5 / (0.3 * len(names) + 1.2)))


def score_chart(
    labels: Sequence[str],
    train: Sequence[float],
    test: Sequence[float],
    path: Path,
    *,
    names: tuple[str, str] = ("train", "test"),
    title: str = "Score distribution",
) -> str:
    """Row share per band, train beside test (the picture of a PSI)."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    x = np.arange(len(labels))
    ax.bar(x - 0.2, train, width=0.4, color=_GREY, label=names[0])
    ax.bar(x + 0.2, test, width=0.4, color=_GOOD, label=names[1])
    ax.set_xticks(x, [_short(t) for t in labels], rotation=45, ha="right", fontsize=7)
    ax.set(ylabel="share of rows", title=title)
    ax.legend()
    return _save(fig, path, bottom=0.3)


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
