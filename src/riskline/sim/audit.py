"""Leakage audit of a simulated world: can single events tell fraud from honest by artifacts?

For each event type with enough fraud events, a small LightGBM learns fraud versus honest
from one event's own fields only (no history, no ids), separately for each field group of
:data:`~riskline.sim.audit_fields.FIELD_GROUPS` and for all artifact groups together, and
the audit reports its held-out ROC AUC. The split is by group, so that a classifier cannot
memorise one ring's constants: fraud events are grouped by ring, honest events by their
subject (account, else merchant, enterprise or person), and groups go to one of two folds by
a seeded hash; each fold is scored by a model trained on the other. Artifact groups should
stay near 0.5 on a realistic world; behaviour groups are where fraud is meant to differ.
"""

from __future__ import annotations

import hashlib
import math
from array import array
from collections.abc import Collection, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from riskline.errors import NotFound
from riskline.sim.audit_fields import ARTIFACT_GROUPS, FIELD_GROUPS, Feature, Value, event_features
from riskline.sim.labels import json_lines

__all__ = ["ALL_ARTIFACTS", "AuditReport", "GroupAuc", "TypeAudit", "audit_world"]

ALL_ARTIFACTS = "all_artifacts"
"""The row of every artifact group together."""
_TREES = 100
_ONE_THREAD_BELOW = 50_000
_PARAMS = {
    "objective": "binary",
    "num_leaves": 15,
    "learning_rate": 0.1,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.7,
    "lambda_l2": 5.0,
    "deterministic": True,
    "force_col_wise": True,
    "verbosity": -1,
}
"""Small and regularised: with few rings per fold, a looser model memorises the training rings."""
_SUBJECTS = ("account_id", "merchant_id", "enterprise_id", "person_id", "owner_person_id")


@dataclass(frozen=True, slots=True)
class GroupAuc:
    """Held-out AUC of one field group on one event type (``None``: no features or folds)."""

    group: str
    artifact: bool
    features: int
    auc: float | None
    folds: tuple[float | None, float | None]
    top: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TypeAudit:
    """The audit of one event type: its sample sizes and one AUC per group."""

    event_type: str
    fraud_events: int
    fraud_rings: int
    honest_events: int
    honest_total: int
    groups: tuple[GroupAuc, ...]


@dataclass(frozen=True, slots=True)
class AuditReport:
    """Every audited event type of a world, and the types with too few fraud events."""

    world: str
    seed: int
    max_honest: int
    min_fraud: int
    types: tuple[TypeAudit, ...]
    skipped: tuple[tuple[str, int], ...]

    def exceeding(self, cap: float) -> tuple[tuple[str, str, float], ...]:
        """(event type, group, AUC) of every artifact group whose AUC is above ``cap``."""
        return tuple(
            (t.event_type, g.group, g.auc)
            for t in self.types
            for g in t.groups
            if g.artifact and g.auc is not None and g.auc > cap
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return asdict(self) | {"skipped": dict(self.skipped)}


def audit_world(
    directory: Path, *, seed: int = 0, max_honest: int = 200_000, min_fraud: int = 50
) -> AuditReport:
    """Audit the world in ``directory`` (``events.jsonl`` and ``labels.jsonl``)."""
    events_path, labels_path = directory / "events.jsonl", directory / "labels.jsonl"
    for path in (events_path, labels_path):
        if not path.is_file():
            raise NotFound(f"not a simulated world: {path} is missing")
    fraud = _fraud_rings(labels_path)
    honest, fraud_counts = _census(events_path, fraud, seed)
    audited = sorted(t for t, n in fraud_counts.items() if n >= min_fraud)
    limits = {t: _threshold(honest.get(t, array("Q")), max_honest) for t in audited}
    tables = _collect(events_path, fraud, limits, seed)
    types = tuple(_audit_type(t, tables[t], len(honest.get(t, [])), seed) for t in audited)
    skipped = tuple((t, n) for t, n in sorted(fraud_counts.items()) if n < min_fraud)
    return AuditReport(str(directory), seed, max_honest, min_fraud, types, skipped)


def _hash(seed: int, salt: str, key: str) -> int:
    digest = hashlib.blake2b(f"{salt}|{seed}|{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    return (record for _, record in json_lines(path))


def _fraud_rings(path: Path) -> dict[str, str]:
    """Fraud event id -> its ring (or typology when it has no ring)."""
    rings: dict[str, str] = {}
    for record in _lines(path):
        if record.get("level") == "event":
            ring = record.get("ring_id") or f"typology:{record.get('typology')}"
            rings[str(record["id"])] = f"ring:{ring}"
    return rings


def _census(
    path: Path, fraud: Mapping[str, str], seed: int
) -> tuple[dict[str, array[int]], dict[str, int]]:
    """First pass: sampling hashes of honest events and the fraud count, per event type."""
    honest: dict[str, array[int]] = {}
    fraud_counts: dict[str, int] = {}
    for event in _lines(path):
        kind, event_id = str(event.get("type")), str(event.get("event_id"))
        if event_id in fraud:
            fraud_counts[kind] = fraud_counts.get(kind, 0) + 1
        else:
            honest.setdefault(kind, array("Q")).append(_hash(seed, "sample", event_id))
    return honest, fraud_counts


def _threshold(hashes: array[int], limit: int) -> int:
    """Largest sampling hash kept: the ``limit`` smallest hashes of the type's honest events."""
    if len(hashes) <= limit:
        return 2**64
    return int(np.partition(np.frombuffer(hashes, dtype=np.uint64), limit - 1)[limit - 1])


def _collect(
    path: Path, fraud: Mapping[str, str], limits: Mapping[str, int], seed: int
) -> dict[str, FeatureTable]:
    """Second pass: features of every fraud event and of the sampled honest events."""
    tables = {kind: FeatureTable() for kind in limits}
    folds: dict[str, int] = {}
    for event in _lines(path):
        table = tables.get(str(event.get("type")))
        event_id = str(event.get("event_id"))
        ring = fraud.get(event_id)
        if table is None:
            continue
        if ring is None and _hash(seed, "sample", event_id) > limits[str(event["type"])]:
            continue
        key = ring or _subject(event)
        fold = folds.get(key)
        if fold is None:
            fold = folds[key] = _hash(seed, "fold", key) & 1
        table.add(event_features(event), fraud=ring is not None, fold=fold, group=key)
    return tables


def _subject(event: Mapping[str, Any]) -> str:
    for field in _SUBJECTS:
        if event.get(field):
            return f"{field}:{event[field]}"
    return f"event:{event.get('event_id')}"


class FeatureTable:
    """Features of one event type's events as float columns (categories as integer codes)."""

    def __init__(self) -> None:
        self.rows = 0
        self.labels = array("d")
        self.folds = array("b")
        self.fraud_groups: set[str] = set()
        self._columns: dict[tuple[str, str], array[float]] = {}
        self._codes: dict[tuple[str, str], dict[str, int]] = {}

    def add(self, features: list[Feature], *, fraud: bool, fold: int, group: str) -> None:
        """Append one event: its features, whether it is fraud, its fold and its split group."""
        for group_name, name, value in features:
            key = (group_name, name)
            column = self._columns.get(key)
            if column is None:
                column = self._columns[key] = array("d", [math.nan]) * self.rows
                if isinstance(value, str):
                    self._codes[key] = {}
            if len(column) == self.rows:
                column.append(self._encode(key, value))
        self.rows += 1
        for column in self._columns.values():
            if len(column) < self.rows:
                column.append(math.nan)
        self.labels.append(float(fraud))
        self.folds.append(fold)
        if fraud:
            self.fraud_groups.add(group)

    def _encode(self, key: tuple[str, str], value: Value) -> float:
        codes = self._codes.get(key)
        if codes is None:
            return value if isinstance(value, float) else math.nan
        return float(codes.setdefault(str(value), len(codes)))

    def matrix(self, groups: Collection[str]) -> tuple[list[str], NDArray[np.float64], list[int]]:
        """Feature names, the matrix and the categorical column indexes of some field groups."""
        keys = sorted(k for k in self._columns if k[0] in groups)
        if not keys:
            return [], np.empty((self.rows, 0)), []
        x = np.column_stack([np.frombuffer(self._columns[k], dtype=np.float64) for k in keys])
        return [k[1] for k in keys], x, [i for i, k in enumerate(keys) if k in self._codes]


def _audit_type(kind: str, table: FeatureTable, honest_total: int, seed: int) -> TypeAudit:
    y = np.frombuffer(table.labels, dtype=np.float64)
    folds = np.frombuffer(table.folds, dtype=np.int8)
    rows: list[tuple[str, bool, tuple[str, ...]]] = [
        (name, spec.artifact, (name,)) for name, spec in FIELD_GROUPS.items()
    ]
    rows.insert(len(ARTIFACT_GROUPS), (ALL_ARTIFACTS, True, ARTIFACT_GROUPS))
    groups = tuple(
        _group_auc(name, artifact, table, members, y, folds, seed)
        for name, artifact, members in rows
    )
    fraud = int(y.sum())
    return TypeAudit(kind, fraud, len(table.fraud_groups), y.size - fraud, honest_total, groups)


def _group_auc(
    name: str,
    artifact: bool,
    table: FeatureTable,
    members: tuple[str, ...],
    y: NDArray[np.float64],
    folds: NDArray[np.int8],
    seed: int,
) -> GroupAuc:
    names, x, categorical = table.matrix(members)
    if not names:
        return GroupAuc(name, artifact, 0, None, (None, None), ())
    gain = np.zeros(len(names))
    aucs: list[float | None] = []
    for test_fold in (0, 1):
        auc, fold_gain = _fold_auc(x, y, folds == test_fold, categorical, seed)
        aucs.append(auc)
        gain += fold_gain
    known = [a for a in aucs if a is not None]
    mean = round(sum(known) / len(known), 4) if known else None
    order = np.argsort(-gain, kind="stable")
    top = tuple(names[i] for i in order[:3] if gain[i] > 0)
    return GroupAuc(name, artifact, len(names), mean, (aucs[0], aucs[1]), top)


def _fold_auc(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    test: NDArray[np.bool_],
    categorical: list[int],
    seed: int,
) -> tuple[float | None, NDArray[np.float64]]:
    """AUC on the ``test`` rows of a model trained on the others, and its feature gains."""
    import lightgbm as lgb

    from riskline.scoring import auc as roc_auc

    train = ~test
    if len(set(y[train].tolist())) < 2 or len(set(y[test].tolist())) < 2:
        return None, np.zeros(x.shape[1])
    threads = 1 if train.sum() < _ONE_THREAD_BELOW else 2  # OpenMP waits dwarf small fits
    params = {**_PARAMS, "seed": seed, "num_threads": threads}
    data = lgb.Dataset(x[train], y[train], categorical_feature=categorical)
    booster = lgb.train(params, data, num_boost_round=_TREES)
    scores = booster.predict(x[test])
    auc = round(roc_auc(y[test], scores), 4)
    return auc, np.asarray(booster.feature_importance("gain"), dtype=np.float64)
