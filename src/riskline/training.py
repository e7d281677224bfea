"""Train the engine's fraud and anomaly models on a labeled world, point in time.

Wiring, like ``runtime``: it joins the simulator's labels, the feature engine's batch
path and the scoring package. Features come from ``compute_batch`` (what the online
path would have seen at each event, never later); labels mark an account's events from
the start of its ring's activity. The split is temporal: oldest 60 % train, next 10 %
calibrate, newest 30 % test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from riskline.errors import InvalidInput
from riskline.events import (
    AccountOpened,
    BillOverdue,
    Channel,
    Event,
    LoanApplication,
    PiiHasher,
    parse_event,
)
from riskline.features import default_catalog
from riskline.features.batch import compute_batch
from riskline.scoring import (
    AnomalyModel,
    GbdtModel,
    ModelRegistry,
    Scorecard,
    binary_metrics,
    time_split,
)

__all__ = [
    "TrainedModels",
    "TrainedScorecard",
    "credit_frame",
    "fraud_labels",
    "load_world_frame",
    "train_on_world",
    "train_scorecard_on_world",
    "world_frame",
]

_SECRET = b"training-only-secret"


@dataclass(frozen=True, slots=True)
class TrainedModels:
    """What a training run registered and how the fraud model did on the newest 30 %."""

    fraud_version: str
    anomaly_version: str
    metrics: Mapping[str, float]
    rows: int
    positives: int


def fraud_labels(labels: Any) -> tuple[dict[str, float], dict[str, float]]:
    """Epoch seconds from which events count as fraud, by account and by person."""
    starts: dict[str, dict[str, float]] = {"account": {}, "person": {}}
    for records in labels.entities.values():
        for r in records:
            side = starts.get(r["level"])
            if side is not None:
                side[r["id"]] = min(side.get(r["id"], np.inf), float(r["start_ts"]))
    return starts["account"], starts["person"]


def world_frame(
    events: Iterable[dict[str, Any]],
    labels: Any,
    starts: tuple[Mapping[str, float], Mapping[str, float]] | None = None,
    leave_out: Mapping[str, float] | None = None,
) -> pl.DataFrame:
    """Point-in-time features of every account event, with ``label`` and ``ts``.

    Labels come from the world's ground truth, or from ``starts`` (from when events count as
    fraud, by account and by person: :func:`riskline.known_labels.known_starts`) when given.
    An account's events from its ``leave_out`` time on are left out, unless its person's
    events count as fraud by then.
    """
    hasher = PiiHasher(_SECRET)
    parsed: list[Event] = [parse_event(w, hasher) for w in events]
    frame = compute_batch(default_catalog(), parsed)
    starts_, persons = fraud_labels(labels) if starts is None else starts
    owner = _account_person(parsed)
    ts, y, keep = [], [], []
    for i, e in enumerate(parsed):
        account = getattr(e, "account_id", None)
        if not isinstance(account, str):
            continue
        t = e.occurred_at.timestamp()
        person = persons.get(owner.get(account, ""), np.inf)
        if leave_out is not None and leave_out.get(account, np.inf) <= t < person:
            continue
        begin = min(starts_.get(account, np.inf), person)
        keep.append(i)
        ts.append(t)
        y.append(1.0 if t >= begin else 0.0)
    return frame[keep].with_columns(pl.Series("ts", ts), pl.Series("label", y))


def _account_person(events: list[Event]) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in events:
        person = getattr(e, "person_id", None)
        account = getattr(e, "account_id", None)
        if e.type == "account_opened" and isinstance(person, str) and isinstance(account, str):
            out[account] = person
    return out


def train_on_world(
    frame: pl.DataFrame, registry: ModelRegistry, *, activate: bool = True
) -> TrainedModels:
    """Fit, evaluate and register a fraud model and an anomaly model from ``world_frame``."""
    features = [c for c in frame.columns if c not in ("event_id", "ts", "label")]
    x = frame.select(features).to_numpy().astype(np.float64)
    y = frame["label"].to_numpy().astype(np.float64)
    ts = frame["ts"].to_numpy()
    if y.sum() < 20:
        raise InvalidInput(f"only {int(y.sum())} fraud-labeled events; simulate a larger world")
    train, calib, test = time_split(ts, [0.6, 0.1, 0.3])
    model = GbdtModel(num_boost_round=300).fit(
        x[train], y[train], features=features, calib_x=x[calib], calib_y=y[calib]
    )
    metrics = binary_metrics(y[test], model.predict_proba(x[test]))
    scores = metrics.as_dict()
    window = (_iso(ts[train].min()), _iso(ts[train].max()))
    fraud = registry.register(
        "fraud", model, kind="lightgbm", features=features, data_window=window, metrics=scores
    )
    anomaly_model = AnomalyModel().fit(x[train][y[train] == 0], features=features)
    anomaly = registry.register(
        "anomaly",
        anomaly_model,
        kind="isolation_forest",
        features=features,
        data_window=window,
        metrics={},
    )
    if activate:
        registry.set_active("fraud", fraud.version)
        registry.set_active("anomaly", anomaly.version)
    return TrainedModels(fraud.version, anomaly.version, scores, int(y.size), int(y.sum()))


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(float(ts)).isoformat()


def load_world_frame(
    world_dir: Path,
    starts: tuple[Mapping[str, float], Mapping[str, float]] | None = None,
    leave_out: Mapping[str, float] | None = None,
) -> pl.DataFrame:
    """``world_frame`` of a world folder written by ``riskline simulate``: its ground truth,
    or ``starts`` and ``leave_out`` (labels the platform knew) when given, whose
    ``labels.jsonl`` is then not read."""
    from riskline.sim import load_world

    world = load_world(world_dir)
    if starts is not None:
        return world_frame(world.events(), None, starts, leave_out)
    return world_frame(world.events(), world.labels)


OVERDUE_DAYS = 1
HORIZON_DAYS = 90


def credit_frame(events: Iterable[dict[str, Any]]) -> pl.DataFrame:
    """Point-in-time features at each credit request (account opening, internal application),
    labeled 1 when the account has an overdue bill within the next 90 days."""
    hasher = PiiHasher(_SECRET)
    parsed: list[Event] = [parse_event(w, hasher) for w in events]
    frame = compute_batch(default_catalog(), parsed)
    overdue: dict[str, list[float]] = {}
    for e in parsed:
        if isinstance(e, BillOverdue) and e.days_overdue >= OVERDUE_DAYS:
            overdue.setdefault(e.account_id, []).append(e.occurred_at.timestamp())
    keep, ts, y = [], [], []
    horizon = HORIZON_DAYS * 86400.0
    for i, e in enumerate(parsed):
        asks = isinstance(e, AccountOpened) or (
            isinstance(e, LoanApplication) and e.channel is Channel.INTERNAL
        )
        if not asks:
            continue
        t = e.occurred_at.timestamp()
        later = overdue.get(getattr(e, "account_id", ""), [])
        keep.append(i)
        ts.append(t)
        y.append(1.0 if any(t < o <= t + horizon for o in later) else 0.0)
    return frame[keep].with_columns(pl.Series("ts", ts), pl.Series("label", y))


def train_scorecard_on_world(frame: pl.DataFrame, registry: ModelRegistry) -> TrainedScorecard:
    """Fit a WOE scorecard (oldest 70 %), report on the newest 30 %, register and activate it.

    Columns that never vary at credit requests (always missing or constant) are left out.
    """
    y = frame["label"].to_numpy().astype(np.int_)
    if y.sum() < 20:
        raise InvalidInput(f"only {int(y.sum())} credit requests went overdue; need 20")
    train, test = time_split(frame["ts"].to_numpy(), [0.7, 0.3])
    fit = frame[train]
    candidates = [c for c in frame.columns if c not in ("event_id", "ts", "label")]
    features = [c for c in candidates if fit[c].fill_nan(None).drop_nulls().n_unique() > 1]
    x = frame.select(features)
    card = Scorecard().fit(x[train], y[train])
    report = card.report(x[train], y[train], x[test], y[test])
    metrics = {**report.test.as_dict(), "psi": report.psi}
    ts = frame["ts"].to_numpy()
    window = (_iso(ts[train].min()), _iso(ts[train].max()))
    meta = registry.register(
        "scorecard",
        card,
        kind="scorecard",
        features=card.features,
        data_window=window,
        metrics=metrics,
    )
    registry.set_active("scorecard", meta.version)
    return TrainedScorecard(meta.version, metrics, int(y.size), int(y.sum()))


@dataclass(frozen=True, slots=True)
class TrainedScorecard:
    """A registered, active scorecard and its test figures."""

    version: str
    metrics: Mapping[str, float]
    rows: int
    positives: int
