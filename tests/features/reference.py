"""Brute-force reference for feature values: recompute everything from the arrived events.

O(n^2) and written independently of the engine's state machinery; the semantics it encodes
are the documented ones (bucketed windows, lateness, arrival-order point in time).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from riskline.events.types import Event
from riskline.features.catalog import Catalog
from riskline.features.definitions import Aggregate as A  # noqa: N817
from riskline.features.definitions import FeatureDef, FeatureType
from riskline.features.fields import fields_of

NAN = float("nan")

_ATTRS = {
    "account": "account_id",
    "merchant": "merchant_id",
    "device": "device_id",
    "ip": "ip",
    "enterprise": "enterprise_id",
}


@dataclass
class Seen:
    """One arrived event as the reference sees it."""

    event: Event
    ts: int
    late: bool
    t: int
    ents: dict[str, str]
    view: dict[str, Any]


def _entities(
    e: Event, accounts: dict[str, tuple[str, ...]], merchants: dict[str, tuple[str, ...]]
) -> dict[str, str]:
    ents: dict[str, str] = {}
    for kind, attr in _ATTRS.items():
        v = getattr(e, attr, None)
        if v:
            ents[kind] = v
    extra = {
        "account_opened": {"person": "person_id", "phone": "phone_hash", "id": "id_hash"},
        "merchant_registered": {"person": "owner_person_id", "card": "card_hash"},
        "bureau_report": {"person": "person_id"},
        "transfer": {"card": "to_card_hash"},
        "merchant_payout": {"card": "card_hash"},
        "loan_drawdown": {"card": "card_hash"},
    }.get(e.type, {})
    for kind, attr in extra.items():
        if getattr(e, attr, None):
            ents[kind] = getattr(e, attr)
    acc, mer = ents.get("account"), ents.get("merchant")
    if acc in accounts:
        for kind, v in zip(("person", "phone", "id"), accounts[acc], strict=True):
            ents.setdefault(kind, v)
    if mer in merchants:
        owner, card = merchants[mer]
        if acc is None:
            ents.setdefault("person", owner)
        if card:
            ents.setdefault("card", card)
    if acc and "device" in ents:
        ents["account_device"] = acc + "|" + ents["device"]
    if acc and mer:
        ents["account_merchant"] = acc + "|" + mer
    return ents


def arrive(events: list[Event], lateness_s: int) -> list[Seen]:
    """Each event with its lateness, read time and resolved entities, in arrival order."""
    out, wm = [], -(10**18)
    accounts: dict[str, tuple[str, ...]] = {}
    merchants: dict[str, tuple[str, ...]] = {}
    for e in events:
        ts = int(e.occurred_at.timestamp())
        wm = max(wm, ts)
        late = ts < wm - lateness_s
        ev: Any = e
        if e.type == "account_opened":
            accounts[ev.account_id] = (ev.person_id, ev.phone_hash, ev.id_hash)
        if e.type == "merchant_registered":
            merchants[ev.merchant_id] = (ev.owner_person_id, ev.card_hash or "")
        view = {f: g.get(e, ts) for f, g in fields_of(e.type).items()}
        t = wm - lateness_s if late else ts
        out.append(Seen(e, ts, late, t, _entities(e, accounts, merchants), view))
    return out


def _value(d: FeatureDef, s: Seen) -> Any:
    return 1.0 if d.value is None else s.view[d.value]


def _matches(d: FeatureDef, s: Seen) -> bool:
    if s.event.type not in d.events:
        return False
    return all(s.view[f] in allowed for f, allowed in d.where)


def feature(
    d: FeatureDef, hist: list[Seen], i: int, done: dict[str, float], mine: list[int]
) -> float:
    """Value of ``d`` at arrival ``i`` for the entity of ``d``'s kind that event ``i`` touches."""
    if d.aggregate is A.RATIO:
        num, den = (done[n] for n in d.of or ())
        return _post(d, num / den if den else NAN)
    t = hist[i].t
    sc = fields_of(d.events[0])[d.value].scale if d.value else 1.0
    prior = [hist[j] for j in mine if j <= i and _matches(d, hist[j])]
    if d.window is not None:
        res, n = d.resolution or 1, d.buckets
        b = t // res
        win = [s for s in prior if not s.late and b - n < s.ts // res <= b]
        return _post(d, _agg(d, win, prior, t, sc))
    return _post(d, _agg(d, prior, prior, t, sc))


def _agg(d: FeatureDef, rows: list[Seen], prior: list[Seen], t: int, sc: float) -> float:
    agg = d.aggregate
    xs = [x for x in (_value(d, s) for s in rows) if x is not None]
    if agg is A.COUNT:
        return float(len(rows))
    if agg is A.SUM:
        return sum(xs) / sc
    if agg is A.MEAN:
        return sum(xs) / len(rows) / sc if rows else NAN
    if agg is A.MIN:
        return min(xs) / sc if xs else NAN
    if agg is A.MAX:
        return max(xs) / sc if xs else NAN
    if agg is A.DISTINCT:
        return float(len(set(xs)))
    if agg is A.COUNT_NEW:
        firsts = set()
        seen: set[Any] = set()
        for s in prior:
            v = _value(d, s)
            if v is not None and v not in seen:
                seen.add(v)
                firsts.add(id(s))
        return float(sum(1 for s in rows if id(s) in firsts))
    if not rows:
        return 0.0 if agg is A.DECAYED_SUM else NAN
    if agg is A.SINCE_FIRST:
        return max(0, t - min(s.ts for s in rows)) / d.unit
    if agg is A.SINCE_LAST:
        return max(0, t - max(s.ts for s in rows)) / d.unit
    if agg is A.LAST:
        best = max(range(len(rows)), key=lambda k: (rows[k].ts, k))
        return float(_value(d, rows[best])) / sc
    last = max(s.ts for s in rows)
    hl = d.half_life or 1
    return sum(_value(d, s) * 2.0 ** ((s.ts - max(t, last)) / hl) for s in rows) / sc


def _post(d: FeatureDef, x: float) -> float:
    if d.type is FeatureType.BOOL:
        return 1.0 if x > 0 else 0.0
    if d.default is not None and math.isnan(x):
        return d.default
    return x


def reference(catalog: Catalog, events: list[Event], lateness_s: int) -> list[dict[str, float]]:
    """Per event, every feature of every entity kind it touches."""
    hist = arrive(events, lateness_s)
    by_entity: dict[tuple[str, str], list[int]] = {}
    for i, s in enumerate(hist):
        for kind, key in s.ents.items():
            by_entity.setdefault((kind, key), []).append(i)
    rows = []
    for i, s in enumerate(hist):
        done: dict[str, float] = {}
        for d in catalog:
            if d.entity in s.ents:
                mine = by_entity[(d.entity, s.ents[d.entity])]
                done[d.name] = feature(d, hist, i, done, mine)
        rows.append(done)
    return rows


def same(a: float | None, b: float | None) -> bool:
    """Equal, both NaN, or within 1e-9 relative."""
    if a is None or b is None:
        return a is b
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def diff(expected: dict[str, float], got: dict[str, float]) -> dict[str, tuple[Any, Any]]:
    """Features whose values differ (or are missing on one side)."""
    names = set(expected) | set(got)
    return {
        n: (expected.get(n), got.get(n))
        for n in sorted(names)
        if not same(expected.get(n), got.get(n))
    }
