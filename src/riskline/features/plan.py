"""Compile a catalog into per-entity-kind plans: shared state slots and declarative ops.

Each entity kind gets one :class:`KindPlan`: the windows (one ring per resolution × length),
lifetime slots and value sets its features need, shared between features that read the same
thing; the update ops per slot; and one read expression per feature. :mod:`codegen` turns
them into one straight-line update function per event type and one reader;
:func:`riskline.features.compiler.compile_catalog` runs the three.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from riskline.features.definitions import FeatureDef
from riskline.features.fields import Value, field_getter
from riskline.features.state import EntityState
from riskline.features.windows import ADD, MAX, MIN

__all__ = [
    "SET_CAP",
    "KindPlan",
    "LifeOp",
    "Read",
    "RingOp",
    "Source",
    "Step",
    "Update",
    "View",
    "scale_of",
    "source_of",
]

INF = float("inf")
NAN = float("nan")
SET_CAP = 1024
"""Most distinct values one entity keeps per value set (memory bound)."""
View = dict[str, Value]
Update = Callable[[EntityState, View, int, bool, int], None]
Read = Callable[[EntityState, int, int, dict[str, float]], None]
Step = Callable[[EntityState, View, int, bool, int, int, dict[str, float]], None]
Where = tuple[tuple[str, frozenset[float | str]], ...]
Source = tuple[tuple[str, ...], Where]
RingOp = tuple[int, int, Source, str | None, int]
"""``(slot, ADD | MIN | MAX, source, value field or None to count, new-value set or -1)``."""
LifeOp = tuple[str, int, Source, str | None, int]
"""``(op, slot, source, value field, half-life or set index)``; op in codegen.LIFE_OPS."""


def source_of(d: FeatureDef) -> Source:
    """The (event types, filter) a definition reads; equal sources share state."""
    return tuple(sorted(d.events)), tuple((f, frozenset(vs)) for f, vs in d.where)


class KindPlan:
    """Slots, ops and read expressions of one entity kind."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.groups: list[tuple[int, int, list[float]]] = []
        self.ring_ops: list[list[RingOp]] = []
        self.life: list[float] = []
        self.life_ops: list[LifeOp] = []
        self.sets: list[tuple[int, int, Source, str]] = []  # (res, n, source, field); n=0: lifetime
        self.readers: list[tuple[str, str]] = []  # (feature, expression) in dependency order
        self.read_ops: list[tuple[int, int, int, int, int, float, int, float]] = []  # the same
        self.updates: dict[str, Update] = {}
        self.steps: dict[str, Step] = {}  # update then read, per event type
        self.read: Read = _unfinished
        self.empty: dict[str, float] = {}  # what an entity without state reads (time-free)
        self._slots: dict[tuple[Any, ...], int] = {}

    def new_state(self) -> EntityState:
        """A fresh state with this plan's layout (structures are created on first write)."""
        return EntityState([None] * len(self.groups), self.life.copy(), [None] * len(self.sets))

    def group(self, d: FeatureDef) -> int:
        """Index of the ring for ``d``'s window."""
        key = ("group", d.resolution or 0, d.buckets)
        if key not in self._slots:
            self._slots[key] = len(self.groups)
            self.groups.append((d.resolution or 0, d.buckets, []))
            self.ring_ops.append([])
        return self._slots[key]

    def ring_slot(self, g: int, kind: int, src: Source, value: str | None, new: int = -1) -> int:
        """Index of a slot in ring ``g`` (shared); ``new``: count only values new to that set."""
        key = ("ring", g, kind, src, value, new)
        if key not in self._slots:
            self._slots[key] = len(self.groups[g][2])
            self.groups[g][2].append({ADD: 0.0, MIN: INF, MAX: -INF}[kind])
            self.ring_ops[g].append((self._slots[key], kind, src, value, new))
        return self._slots[key]

    def life_slot(
        self, op: str, init: list[float], src: Source, value: str | None, extra: int = 0
    ) -> int:
        """Index of the first of ``len(init)`` lifetime slots updated by ``op``."""
        key = ("life", op, src, value, extra)
        if key not in self._slots:
            self._slots[key] = len(self.life)
            self.life.extend(init)
            self.life_ops.append((op, self._slots[key], src, value, extra))
        return self._slots[key]

    def value_set(self, src: Source, value: str, res: int = 0, n: int = 0) -> int:
        """Index of a distinct-value set (windowed when ``n``)."""
        key = ("set", src, value, res, n)
        if key not in self._slots:
            self._slots[key] = len(self.sets)
            self.sets.append((res, n, src, value))
        return self._slots[key]

    def local(self, name: str) -> str:
        """The local variable the generated reader keeps feature ``name`` in."""
        return f"v{[n for n, _ in self.readers].index(name)}"

    def update(self, st: EntityState, etype: str, view: View, ts: int, late: bool, hz: int) -> None:
        """Fold one event into ``st``; ``late`` events skip windowed state."""
        fn = self.updates.get(etype)
        if fn is not None:
            fn(st, view, ts, late, hz)

    def event_types(self) -> set[str]:
        """Event types that change this kind's state."""
        srcs = [op[2] for ops in self.ring_ops for op in ops] + [op[2] for op in self.life_ops]
        srcs += [s[2] for s in self.sets]
        return {e for evs, _ in srcs for e in evs}


def _unfinished(st: EntityState, t: int, horizon: int, out: dict[str, float]) -> None:
    raise RuntimeError("plan not finished")  # pragma: no cover


def scale_of(d: FeatureDef) -> float:
    """What readers divide ``d``'s value by (100 for money in cents)."""
    return field_getter(d.events[0], d.value).scale if d.value and d.events else 1.0
