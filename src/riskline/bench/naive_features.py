"""The naive way, for comparison only: every feature re-computed by SQL over an event table.

Each event is inserted into an SQLite table (with its resolved entities and the fields the
catalog reads), then every feature of every entity it touches is one SQL query. Same
semantics as the online engine (bucketed windows, lateness), none of its state.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from riskline.events.types import Event
from riskline.features.catalog import Catalog
from riskline.features.definitions import Aggregate as A  # noqa: N817
from riskline.features.definitions import FeatureDef, FeatureType
from riskline.features.fields import ENTITY_KINDS, fields_of, source_type
from riskline.features.online import link_identity, resolve_entities
from riskline.features.plan import scale_of
from riskline.features.stores import MemoryStore

__all__ = ["NaiveSqlFeatures"]

NAN = float("nan")


def _col(name: str) -> str:
    return f'"{name}"'


def _fcol(name: str) -> str:
    return f'"f_{name}"'


class NaiveSqlFeatures:
    """Per-event SQL over an SQLite table; slow on purpose, used to check and to compare."""

    def __init__(self, catalog: Catalog, lateness_seconds: int = 24 * 3600) -> None:
        self.catalog = catalog
        self.lateness = lateness_seconds
        self.fields = sorted({f for d in catalog for f in (d.value, *(w for w, _ in d.where)) if f})
        self.db = sqlite3.connect(":memory:")
        cols = ", ".join([*(_col(c) for c in ENTITY_KINDS), *(_fcol(f) for f in self.fields)])
        self.db.execute(
            f"CREATE TABLE ev (seq INTEGER PRIMARY KEY, ts INTEGER, type TEXT, "
            f"late INTEGER, {cols})"
        )
        for kind in ENTITY_KINDS:
            self.db.execute(f"CREATE INDEX ix_{kind} ON ev ({_col(kind)}, ts)")
        self._ids = MemoryStore()
        self._watermark = -(1 << 62)
        self._seq = 0
        self._sql = {d.name: self._query(d) for d in catalog if d.aggregate is not A.RATIO}

    def _query(self, d: FeatureDef) -> str:
        kind, f = _col(d.entity), _fcol(d.value) if d.value else "NULL"
        cond = [f"{kind} = :key", f"type IN ({', '.join(repr(e) for e in d.events)})"]
        for i, (field, allowed) in enumerate(d.where):
            cond.append(
                f"{_fcol(field)} IN ({', '.join(f':w{i}_{j}' for j in range(len(allowed)))})"
            )
        if d.window is not None:
            cond.append(
                f"late = 0 AND ts / {d.resolution} > :b - {d.buckets} AND ts / {d.resolution} <= :b"
            )
        where = " AND ".join(cond)
        agg = d.aggregate
        if agg is A.COUNT_NEW:
            first = (
                f"NOT EXISTS (SELECT 1 FROM ev e2 WHERE e2.{kind} = ev.{kind} AND e2.{f} = ev.{f}"
                f" AND e2.seq < ev.seq AND e2.type IN ({', '.join(repr(e) for e in d.events)})"
                + "".join(f" AND e2.{_fcol(fl)} = ev.{_fcol(fl)}" for fl, _ in d.where)
                + ")"
            )
            return f"SELECT COUNT(*) FROM ev WHERE {where} AND {f} IS NOT NULL AND {first}"
        if agg is A.LAST:
            return f"SELECT {f} FROM ev WHERE {where} ORDER BY ts DESC, seq DESC LIMIT 1"
        if agg is A.DECAYED_SUM:
            top = f"MAX(:t, (SELECT MAX(ts) FROM ev WHERE {where}))"
            weight = f"pow(2.0, (ts - {top}) * 1.0 / {d.half_life})"
            return f"SELECT SUM({f} * {weight}) FROM ev WHERE {where}"
        select = {
            A.COUNT: "COUNT(*)",
            A.SUM: f"SUM({f})",
            A.MEAN: f"SUM({f}) * 1.0 / COUNT(*)",
            A.MIN: f"MIN({f})",
            A.MAX: f"MAX({f})",
            A.DISTINCT: f"COUNT(DISTINCT {f})",
            A.SINCE_FIRST: "MIN(ts)",
            A.SINCE_LAST: "MAX(ts)",
        }[agg]
        return f"SELECT {select} FROM ev WHERE {where}"

    def process(self, event: Event) -> dict[str, float]:
        """Insert ``event``, then query every feature of every entity it touches."""
        ts = int(event.occurred_at.timestamp())
        self._watermark = max(self._watermark, ts)
        horizon = self._watermark - self.lateness
        late = ts < horizon
        link_identity(event, self._ids)
        ents = resolve_entities(event, self._ids)
        fields = fields_of(event.type)
        row: dict[str, Any] = {_col(k): ents.get(k) for k in ENTITY_KINDS}
        row.update(
            {_fcol(f): fields[f].get(event, ts) if f in fields else None for f in self.fields}
        )
        self._seq += 1
        names = ", ".join(row)
        marks = ", ".join(["?"] * len(row))
        self.db.execute(
            f"INSERT INTO ev (seq, ts, type, late, {names}) VALUES (?, ?, ?, ?, {marks})",
            (self._seq, ts, source_type(event), int(late), *row.values()),
        )
        t = horizon if late else ts
        return self._read(ents, t)

    def _read(self, ents: dict[str, str], t: int) -> dict[str, float]:
        out: dict[str, float] = {}
        for d in self.catalog:
            if d.entity in ents:
                out[d.name] = self._value(d, ents[d.entity], t, out)
        return out

    def _value(self, d: FeatureDef, key: str, t: int, out: dict[str, float]) -> float:
        if d.aggregate is A.RATIO:
            num, den = (out[n] for n in d.of or ())
            x = num / den if den else NAN
        else:
            params: dict[str, Any] = {"key": key, "t": t, "b": t // (d.resolution or 1)}
            for i, (_, allowed) in enumerate(d.where):
                params.update({f"w{i}_{j}": v for j, v in enumerate(allowed)})
            raw = self.db.execute(self._sql[d.name], params).fetchone()
            x = _finish(d, None if raw is None else raw[0], t)
        if d.type is FeatureType.BOOL:
            return 1.0 if x > 0 else 0.0
        return d.default if d.default is not None and x != x else x


def _finish(d: FeatureDef, raw: Any, t: int) -> float:
    agg = d.aggregate
    if agg in (A.COUNT, A.DISTINCT, A.COUNT_NEW):
        return float(raw or 0)
    if raw is None:
        return 0.0 if agg in (A.SUM, A.DECAYED_SUM) else NAN
    if agg is A.SINCE_FIRST or agg is A.SINCE_LAST:
        return max(0, t - int(raw)) / d.unit
    return float(raw) / scale_of(d)
