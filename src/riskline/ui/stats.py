"""Dashboard figures from a sample of stored decision bodies.

>>> sample = [("review", {"reasons": [{"code": "X", "text": "t"}], "scores": {"s": 0.5}}),
...           ("approve", {"reasons": [], "scores": {"s": 1.0}})]
>>> [(h.code, h.count, h.share) for h in reason_hits(sample)]
[('X', 1, 0.5)]
>>> h = score_histograms(sample, bins=2)[0]
>>> h.name, h.lo, h.hi, h.counts
('s', 0.5, 1.0, (1, 1))
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Histogram", "ReasonHit", "reason_hits", "score_histograms"]

Sample = Sequence[tuple[str, dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class ReasonHit:
    """How often a reason code fired in the sample, overall and by outcome."""

    code: str
    text: str
    count: int
    share: float
    by_outcome: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Histogram:
    """Equal-width bins of one score over the sample (missing values left out)."""

    name: str
    lo: float
    hi: float
    counts: tuple[int, ...]
    n: int
    mean: float


def reason_hits(sample: Sample) -> list[ReasonHit]:
    """Reason codes by how many sampled decisions carry them (a decision counts once per code)."""
    counts: Counter[str] = Counter()
    by_outcome: dict[str, Counter[str]] = {}
    texts: dict[str, str] = {}
    for outcome, body in sample:
        for code in {r["code"] for r in body.get("reasons", ())}:
            counts[code] += 1
            by_outcome.setdefault(code, Counter())[outcome] += 1
        for r in body.get("reasons", ()):
            texts.setdefault(r["code"], r.get("text", ""))
    total = max(1, len(sample))
    return [
        ReasonHit(code, texts[code], n, n / total, tuple(sorted(by_outcome[code].items())))
        for code, n in counts.most_common()
    ]


def score_histograms(sample: Sample, bins: int = 20) -> list[Histogram]:
    """A histogram per score name seen in the sample, by name."""
    values: dict[str, list[float]] = {}
    for _, body in sample:
        for name, v in (body.get("scores") or {}).items():
            if isinstance(v, int | float) and math.isfinite(v):
                values.setdefault(name, []).append(float(v))
    out = []
    for name in sorted(values):
        xs = values[name]
        lo, hi = min(xs), max(xs)
        counts = [0] * bins
        span = hi - lo
        for x in xs:
            i = 0 if span == 0 else min(bins - 1, int((x - lo) / span * bins))
            counts[i] += 1
        out.append(Histogram(name, lo, hi, tuple(counts), len(xs), sum(xs) / len(xs)))
    return out
