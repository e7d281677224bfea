"""Score drift: a reference score distribution as quantile bins, and the PSI of new scores.

The reference of a model version is its training score distribution, kept in the registry as
``meta.extra["score_bins"]`` (:func:`record_training_bins`, for a trainer that scores the
population the engine scores: its scored event types, its feature values). A version without
one is compared with the first week of decisions carrying the score instead, and
:attr:`ScoreBins.source` says which reference was used.

>>> ref = bins_of([i / 100 for i in range(100)], source="training")
>>> len(ref.edges), ref.shares[0]
(9, 0.1)
>>> psi(ref, [i / 100 for i in range(100)])
0.0
>>> psi(ref, [0.95 + i / 2000 for i in range(100)]) > 0.25
True
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from riskline.errors import InvalidInput
from riskline.scoring import ModelNotFound, ModelRegistry

__all__ = [
    "SCORE_BINS",
    "ScoreBins",
    "bins_of",
    "psi",
    "record_training_bins",
    "served_model",
    "training_bins",
]

SCORE_BINS = "score_bins"
"""The key of a version's reference distribution in its ``meta.extra``."""

Scores = Sequence[float] | np.ndarray[Any, np.dtype[np.float64]]
"""Scores as a list or a NumPy array."""

_FLOOR = 1e-6
"""Shares are floored here before the logarithm (an empty bin is not an infinite drift)."""


@dataclass(frozen=True, slots=True)
class ScoreBins:
    """A score distribution as shares of quantile bins: ``edges`` split ``len(shares)`` bins."""

    edges: tuple[float, ...]
    shares: tuple[float, ...]
    n: int
    source: str
    """Where it comes from: ``training`` or ``first week of decisions (from .. to ..)``."""

    def as_json(self) -> dict[str, Any]:
        """For ``meta.extra``."""
        return {"edges": list(self.edges), "shares": list(self.shares), "n": self.n}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], source: str) -> ScoreBins:
        """Read what :meth:`as_json` wrote."""
        edges, shares = tuple(map(float, raw["edges"])), tuple(map(float, raw["shares"]))
        if len(shares) != len(edges) + 1:
            raise InvalidInput(f"{SCORE_BINS}: {len(edges)} edges need {len(edges) + 1} shares")
        return cls(edges, shares, int(raw["n"]), source)


def _finite(values: Scores) -> np.ndarray[Any, np.dtype[np.float64]]:
    xs = np.asarray(values, dtype=np.float64)
    return xs[np.isfinite(xs)]


def bins_of(values: Scores, *, source: str, bins: int = 10) -> ScoreBins:
    """Quantile bins of ``values`` (NaN left out); ties merge bins, as in ``scoring.psi``."""
    xs = _finite(values)
    if xs.size == 0:
        raise InvalidInput("no finite scores to build a reference distribution from")
    edges = np.unique(np.quantile(xs, np.linspace(0, 1, bins + 1))[1:-1])
    counts = np.bincount(np.searchsorted(edges, xs, side="right"), minlength=edges.size + 1)
    shares = counts / xs.size
    return ScoreBins(tuple(edges.tolist()), tuple(shares.tolist()), int(xs.size), source)


def psi(reference: ScoreBins, values: Scores) -> float:
    """Population stability index of ``values`` against ``reference`` (NaN when none)."""
    xs = _finite(values)
    if xs.size == 0:
        return math.nan
    edges = np.asarray(reference.edges, dtype=np.float64)
    counts = np.bincount(np.searchsorted(edges, xs, side="right"), minlength=edges.size + 1)
    pa = np.clip(counts / xs.size, _FLOOR, None)
    pe = np.clip(np.asarray(reference.shares, dtype=np.float64), _FLOOR, None)
    return round(float(np.sum((pa - pe) * np.log(pa / pe))), 12)


def served_model(role: str, served: str) -> tuple[str, str]:
    """A decision's ``versions["model.<role>"]`` as (registry name, version).

    >>> served_model("fraud", "v2"), served_model("fraud", "fraud-history:v3")
    (('fraud', 'v2'), ('fraud-history', 'v3'))
    """
    name, _, version = served.rpartition(":")
    return (name or role, version)


def training_bins(registry: ModelRegistry, name: str, version: str) -> ScoreBins | None:
    """The version's training score distribution, or None (no such model, none recorded)."""
    try:
        meta = registry.meta(name, version)
    except (ModelNotFound, InvalidInput):
        return None
    raw = meta.extra.get(SCORE_BINS)
    return ScoreBins.from_json(raw, "training") if raw else None


def record_training_bins(
    registry: ModelRegistry, name: str, version: str, scores: Scores
) -> ScoreBins:
    """Store the training scores' bins in the version's ``meta.extra`` unless already there;
    returns the bins the version keeps."""
    kept = training_bins(registry, name, version)
    if kept is not None:
        return kept
    registry.meta(name, version)  # names checked, version exists
    bins = bins_of(scores, source="training")
    path = registry.root / name / version / "meta.json"
    raw = json.loads(path.read_text())
    raw.setdefault("extra", {})[SCORE_BINS] = bins.as_json()
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(raw, indent=2))
    os.replace(tmp, path)
    return bins
