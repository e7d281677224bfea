"""Compile a catalog into per-entity-kind update and read plans (precomputed dispatch).

Each entity kind gets one :class:`KindPlan`: the windows (one ring per resolution × length),
lifetime slots and value sets its features need, shared between features that read the same
thing, plus per-event-type update steps and per-feature readers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from riskline.features.catalog import Catalog
from riskline.features.definitions import FeatureDef, FeatureType
from riskline.features.fields import Value, field_getter
from riskline.features.state import EntityState
from riskline.features.windows import ADD, MAX, MIN, Distinct, Ring, shrink_seen

__all__ = ["SET_CAP", "KindPlan", "Read", "Step", "compile_catalog", "passes", "source_of"]

INF = float("inf")
NAN = float("nan")
SET_CAP = 1024
"""Most distinct values one entity keeps per value set (memory bound)."""
View = dict[str, Value]
Step = Callable[[EntityState, View, int, bool, int, list[bool]], None]
Read = Callable[[EntityState, int, int, dict[str, float]], None]
_Where = tuple[tuple[str, frozenset[float | str]], ...]
Source = tuple[tuple[str, ...], _Where]


def source_of(d: FeatureDef) -> Source:
    """The (event types, filter) a definition reads; equal sources share state."""
    return tuple(sorted(d.events)), tuple((f, frozenset(vs)) for f, vs in d.where)


def passes(where: _Where, view: View) -> bool:
    for f, allowed in where:  # noqa: SIM110 (a loop beats all() here)
        if view.get(f) not in allowed:
            return False
    return True


def _unfinished(st: EntityState, t: int, horizon: int, out: dict[str, float]) -> None:
    raise RuntimeError("plan not finished")  # pragma: no cover


class KindPlan:
    """Slots, steps and readers of one entity kind."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.groups: list[tuple[int, int, list[float]]] = []
        self.group_ops: list[list[tuple[int, int, Source, str | None, int]]] = []
        self.life: list[float] = []
        self.sets: list[tuple[int, int]] = []  # (res, n) for windowed Distinct, (0, 0) for seen
        self.steps: dict[str, list[Step]] = {}
        self.readers: list[tuple[str, str]] = []  # (feature, expression) in dependency order
        self.read: Read = _unfinished
        self._slots: dict[tuple[Any, ...], int] = {}
        self._seen_src: list[tuple[Source, str]] = []
        self.life_steps: list[tuple[tuple[str, ...], Step]] = []

    def new_state(self) -> EntityState:
        """A fresh state with this plan's layout."""
        return EntityState(
            [Ring.new(t) for _, _, t in self.groups],
            self.life.copy(),
            [Distinct(n) if n else {} for _, n in self.sets],
        )

    def group(self, d: FeatureDef) -> int:
        """Index of the ring for ``d``'s window."""
        res, n = d.resolution or 0, d.buckets
        key = ("group", res, n)
        if key not in self._slots:
            self._slots[key] = len(self.groups)
            self.groups.append((res, n, []))
            self.group_ops.append([])
        return self._slots[key]

    def ring_slot(self, g: int, kind: int, src: Source, value: str | None, new: int = -1) -> int:
        """Index of a slot in ring ``g`` (shared); ``new``: count only values new to that set."""
        key = ("ring", g, kind, src, value, new)
        if key not in self._slots:
            self._slots[key] = len(self.groups[g][2])
            self.groups[g][2].append({ADD: 0.0, MIN: INF, MAX: -INF}[kind])
            self.group_ops[g].append((self._slots[key], kind, src, value, new))
        return self._slots[key]

    def life_slot(
        self,
        key: tuple[Any, ...],
        init: list[float],
        events: tuple[str, ...],
        make_step: Callable[[int], Step],
    ) -> int:
        """Index of the first of ``len(init)`` lifetime slots for ``key``, updated by a step."""
        if key not in self._slots:
            self._slots[key] = len(self.life)
            self.life.extend(init)
            self.life_steps.append((events, make_step(self._slots[key])))
        return self._slots[key]

    def value_set(self, src: Source, value: str, res: int = 0, n: int = 0) -> int:
        """Index of a distinct-value set (windowed when ``n``)."""
        key = ("set", src, value, res, n)
        if key not in self._slots:
            self._slots[key] = len(self.sets)
            self.sets.append((res, n))
            self._seen_src.append((src, value))
        return self._slots[key]

    def update(
        self, st: EntityState, etype: str, view: View, ts: int, late: bool, horizon: int
    ) -> None:
        """Fold one event into ``st``; ``late`` events skip windowed state."""
        steps = self.steps.get(etype)
        if steps:
            flags = [False] * len(self.sets)
            for step in steps:
                step(st, view, ts, late, horizon, flags)

    def local(self, name: str) -> str:
        """The local variable the generated reader keeps feature ``name`` in."""
        return f"v{[n for n, _ in self.readers].index(name)}"

    def finish(self) -> None:
        """Build the per-event-type steps once every feature has claimed its slots."""
        etypes = {e for ops in self.group_ops for _, _, (evs, _), _, _ in ops for e in evs}
        etypes |= {e for (evs, _), _ in self._seen_src for e in evs}
        etypes |= {e for evs, _ in self.life_steps for e in evs}
        for etype in sorted(etypes):
            steps = [s for s in (self._seen_step(i, etype) for i in range(len(self.sets))) if s]
            steps += [s for s in (self._ring_step(g, etype) for g in range(len(self.groups))) if s]
            steps += [fn for evs, fn in self.life_steps if etype in evs]
            self.steps[etype] = steps
        from riskline.features.codegen import build_reader

        self.read = build_reader(self)

    def _seen_step(self, i: int, etype: str) -> Step | None:
        (events, where), value = self._seen_src[i]
        if etype not in events:
            return None
        res, n = self.sets[i]
        if n:

            def distinct(
                st: EntityState, v: View, ts: int, late: bool, hz: int, fl: list[bool]
            ) -> None:
                x = v.get(value)
                if x is not None and not late and passes(where, v):
                    st.sets[i].add(x, ts // res, hz // res - n, SET_CAP)

            return distinct

        def seen(st: EntityState, v: View, ts: int, late: bool, hz: int, fl: list[bool]) -> None:
            x = v.get(value)
            if x is not None and passes(where, v):
                s = st.sets[i]
                if x not in s:
                    s[x] = ts
                    fl[i] = True
                    if len(s) > SET_CAP:
                        shrink_seen(s, SET_CAP)

        return seen

    def _ring_step(self, g: int, etype: str) -> Step | None:
        res, n, template = self.groups[g]
        specs = []
        for slot, kind, (events, where), value, new in self.group_ops[g]:
            if etype in events:
                specs.append((slot, kind, where, value, new))
        if not specs:
            return None
        spec_t = tuple(specs)

        def ring(st: EntityState, v: View, ts: int, late: bool, hz: int, fl: list[bool]) -> None:
            if late:
                return
            ops = []
            for slot, kind, where, value, flag in spec_t:
                if where and not passes(where, v):
                    continue
                if flag >= 0:
                    if fl[flag]:
                        ops.append((slot, ADD, 1.0))
                    continue
                x = 1.0 if value is None else v.get(value)
                if isinstance(x, float):
                    ops.append((slot, kind, x))
            if ops:
                st.rings[g].add(ts // res, n, hz // res - n, template, tuple(ops))

        return ring


def compile_catalog(catalog: Catalog) -> dict[str, KindPlan]:
    """One plan per entity kind used by ``catalog``."""
    from riskline.features.readers import add_feature

    plans: dict[str, KindPlan] = {}
    for d in catalog:
        add_feature(plans.setdefault(d.entity, KindPlan(d.entity)), d)
    for plan in plans.values():
        plan.finish()
    return plans


def post(d: FeatureDef, expr: str) -> str:
    """Apply the definition's type (bool) and NaN default to a reader expression."""
    if d.type is FeatureType.BOOL:
        return f"(1.0 if {expr} > 0 else 0.0)"
    if d.default is not None:
        return f"_default({expr}, {d.default!r})"
    return expr


def scale_of(d: FeatureDef) -> float:
    """What readers divide ``d``'s value by (100 for money in cents)."""
    return field_getter(d.events[0], d.value).scale if d.value and d.events else 1.0
