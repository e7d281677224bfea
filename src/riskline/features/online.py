"""Online feature engine: update per-entity state with each event, read features point in time.

Lateness: the watermark is the newest ``occurred_at`` seen. An event older than
``watermark - lateness`` is *too late*: it updates lifetime and identity state but not windowed
state, and its features are read at ``watermark - lateness``. Every other event is read at its
own ``occurred_at``, including itself and every event that arrived before it whose bucket is not
after its bucket (lifetime aggregates include every arrived event).

Step-up releases: an event with ``step_up`` set re-submits a held event (same payload, a derived
id, a later time) that was counted when it arrived. Its entities are read at its time and left
unchanged; the batch paths see its type as ``<type>:step_up``
(:func:`~riskline.features.fields.source_type`), which no feature matches.

>>> from datetime import datetime, timezone
>>> from decimal import Decimal
>>> from riskline.events import Payment
>>> from riskline.features.catalog import Catalog
>>> from riskline.features.definitions import Aggregate, FeatureDef
>>> cat = Catalog([FeatureDef("account.spend_1d", Aggregate.SUM, "Spend in a day.",
...                           events=("payment",), value="amount", window=86400)])
>>> online = OnlineFeatures(cat)
>>> t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
>>> for i, amt in enumerate(["10.00", "2.50"]):
...     out = online.process(Payment(event_id=f"e{i}", occurred_at=t0, account_id="a1",
...                                  merchant_id="m1", amount=Decimal(amt)))
>>> out["account.spend_1d"]
12.5
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from riskline.errors import InvalidConfig
from riskline.events import EVENT_TYPES
from riskline.events.types import Event
from riskline.features.catalog import Catalog
from riskline.features.compiler import compile_catalog
from riskline.features.fields import Value, direct_entities, fields_of
from riskline.features.fused import EventFn, cached_event
from riskline.features.plan import KindPlan, Read, Step, View
from riskline.features.state import EntityState
from riskline.features.stores import MemoryStore, StateStore
from riskline.features.views import build_entities, build_views
from riskline.features.windows import NEVER, native_module

__all__ = ["OnlineFeatures", "resolve_entities", "view_getters"]


def view_getters(
    catalog: Catalog,
) -> dict[str, tuple[tuple[str, Callable[[Any, int], Value]], ...]]:
    """Per event type, the field getters the catalog needs (computed once per event)."""
    used = {f for d in catalog for f in (d.value, *(w for w, _ in d.where)) if f}
    out = {}
    for etype in {e for d in catalog for e in d.events}:
        fields = fields_of(etype)
        out[etype] = tuple((f, fields[f].get) for f in sorted(used & set(fields)))
    return out


def resolve_entities(event: Event, store: StateStore) -> dict[str, str]:
    """The entities an event touches: its own, resolved identity links, and pairs."""
    return _resolve(dict(direct_entities(event)), store)


def _resolve(ents: dict[str, str], store: StateStore) -> dict[str, str]:
    """Add identity links and pairs to the direct entities ``ents`` (in place)."""
    acc, mer = ents.get("account"), ents.get("merchant")
    if acc is not None:
        ident = store.identity("account|" + acc)
        if ident:
            for kind, key in zip(("person", "phone", "id"), ident, strict=False):
                if key:
                    ents.setdefault(kind, key)
        dev = ents.get("device")
        if dev is not None:
            ents["account_device"] = acc + "|" + dev
        if mer is not None:
            ents["account_merchant"] = acc + "|" + mer
    if mer is not None:
        ident = store.identity("merchant|" + mer)
        if ident:
            if acc is None and ident[0]:
                ents.setdefault("person", ident[0])
            if ident[1]:
                ents.setdefault("card", ident[1])
    return ents


Route = dict[str, tuple[str, Step | None, Read, dict[str, float], Callable[[], EntityState]]]
"""Per entity kind: key prefix, this event type's step (or None), read, empty values, new."""


def _routes(plans: Mapping[str, KindPlan]) -> defaultdict[str, Route]:
    """Per event type, what to do with each entity kind (unknown event types: read only)."""
    etypes = {e for p in plans.values() for e in p.updates}

    def route(etype: str) -> Route:
        return {
            k: (k + "|", p.steps.get(etype), p.read, p.empty, p.new_state) for k, p in plans.items()
        }

    out: defaultdict[str, Route] = defaultdict(lambda: route(""))
    out.update({e: route(e) for e in etypes})
    return out


_LINKS = frozenset({"account_opened", "merchant_registered"})
_NO_VIEW: dict[str, Value] = {}


def link_identity(event: Event, store: StateStore) -> None:
    """Record account → person/phone/ID and merchant → owner/payout card links."""
    etype = event.type
    if etype == "account_opened":
        e: Any = event
        store.set_identity("account|" + e.account_id, [e.person_id, e.phone_hash, e.id_hash])
    elif etype == "merchant_registered":
        e = event
        store.set_identity("merchant|" + e.merchant_id, [e.owner_person_id, e.card_hash or ""])


class OnlineFeatures:
    """Per-entity feature state updated event by event; reads are point in time."""

    def __init__(
        self,
        catalog: Catalog,
        store: StateStore | None = None,
        lateness: timedelta = timedelta(hours=24),
        sweep_every: int = 250_000,
    ) -> None:
        self.catalog = catalog
        self.store: StateStore = MemoryStore() if store is None else store
        self.lateness = lateness
        self.sweep_every = sweep_every
        self.plans_: dict[str, KindPlan] = compile_catalog(catalog)
        self.views_ = build_views(catalog)
        self._entities = build_entities()
        self._routes = _routes(self.plans_)
        self._fused: dict[str, EventFn] = {}
        native = native_module()  # a dict sized for every feature: no resizing while filled
        self._new_out: Callable[[], dict[str, float]] = (
            dict if native is None else partial(native.new_out, len(catalog))
        )
        self._lat = int(lateness.total_seconds())
        meta = self.store.meta()
        fp = self._fp = catalog.fingerprint()
        if meta.get("catalog", fp) != fp:
            raise InvalidConfig("feature state was written by a different catalog; replay needed")
        self.watermark = int(meta.get("watermark", NEVER))
        self._meta: dict[str, str | int] = {"catalog": fp, "watermark": self.watermark}
        self._since_sweep = 0
        self._mem = self.store if isinstance(self.store, MemoryStore) else None
        if self._mem is not None:
            self._mem.save((), self._meta)
            self._meta = self._mem.live_meta()  # the watermark goes straight into the store
            for kind in self.plans_:
                self._mem.kind(kind)
            self._fused = {e: cached_event(fp, self.plans_, e) for e in EVENT_TYPES}

    def process(self, event: Event) -> Mapping[str, float]:
        """Fold ``event`` into state; return every feature of every entity it touches."""
        etype = event.type
        ts = int(event.occurred_at.timestamp())
        mem = self._mem
        if ts > self.watermark:
            self.watermark = self._meta["watermark"] = ts
        horizon = self.watermark - self._lat
        late = ts < horizon
        if etype in _LINKS:
            link_identity(event, self.store)
        out: dict[str, float] = self._new_out()
        held = event.step_up is not None  # released after a step-up: counted when it arrived
        if mem is not None:
            fused = None if held else self._fused.get(etype)
            if fused is None:
                fused = cached_event(self._fp, self.plans_, etype, update=not held)
                if not held:
                    self._fused[etype] = fused
            t = horizon if late else ts
            fused(event, ts, late, horizon, t, mem.kinds, mem.identities, out)
        else:
            direct = self._entities.get(etype)
            ents = _resolve({} if direct is None else direct(event), self.store)
            view_of = self.views_.get(etype)
            view = _NO_VIEW if view_of is None or held else view_of(event, ts)
            self._apply("" if held else etype, ents, view, ts, late, horizon, out)
        self._since_sweep += 1
        if self.sweep_every and self._since_sweep >= self.sweep_every:
            self.expire()
        return out

    def _apply(
        self,
        etype: str,
        ents: dict[str, str],
        view: View,
        ts: int,
        late: bool,
        hz: int,
        out: dict[str, float],
    ) -> None:
        """Load the touched entities, update and read them, save them back (shared stores)."""
        route = self._routes[etype]
        touched = [(route[k], v) for k, v in ents.items() if k in route]
        keys = [spec[0] + key for spec, key in touched]
        t = hz if late else ts
        items = []
        for ((_, step, read, empty, new_state), _), key, st in zip(
            touched, keys, self.store.load(keys), strict=True
        ):
            if step is not None:
                st = new_state() if st is None else st
                step(st, view, ts, late, hz, t, out)
            elif st is None:
                out.update(empty)
                continue
            else:
                read(st, t, hz, out)
            items.append((key, st))
        self.store.save(items, self._meta)

    def values(self, entity_kind: str, entity_id: str, at: datetime) -> Mapping[str, float]:
        """Features of one entity as of ``at`` (no earlier than the lateness horizon), read only."""
        plan = self.plans_.get(entity_kind)
        if plan is None:
            raise InvalidConfig(f"no features are keyed by entity kind {entity_kind!r}")
        horizon = self.watermark - self._lat
        st = self.store.load([f"{entity_kind}|{entity_id}"])[0] or plan.new_state()
        out: dict[str, float] = {}
        plan.read(st, max(int(at.timestamp()), horizon), horizon, out)
        return out

    def expire(self) -> int:
        """Drop windowed state no read can need any more, and empty entities; return drops."""
        self._since_sweep = 0
        horizon = self.watermark - self._lat
        dead: list[str] = []
        for key in self.store.keys():  # noqa: SIM118 (a store, not a dict)
            plan = self.plans_.get(key.split("|", 1)[0])
            st = self.store.load([key])[0]
            if plan is None or st is None:
                continue
            if _compact(plan, st, horizon):
                dead.append(key)
            else:
                self.store.save([(key, st)], {})
        self.store.delete(dead)
        return len(dead)


def _compact(plan: KindPlan, st: EntityState, horizon: int) -> bool:
    """Expire old buckets and values; True when nothing is left but initial values."""
    empty = st.life == plan.life
    for ring, (res, n, _) in zip(st.rings, plan.groups, strict=True):
        if ring is not None:
            ring.totals(horizon // res, n, horizon // res - n)
            empty = empty and not ring.keys
    for i, (res, n, _, _) in enumerate(plan.sets):
        s = st.sets[i]
        if n and s is not None:  # a windowed set (n buckets), on either core
            edge = horizon // res - n
            s.seen = {v: b for v, b in s.seen.items() if b[-1] > edge}
            s.rebuild()
            empty = empty and not s.seen
        else:
            empty = empty and not s
    return empty
