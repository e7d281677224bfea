"""The state of one entity: its windows, lifetime slots and value sets, JSON-serialisable.

Rings and sets are ``None`` until first written (most entities use only a few of them).

>>> st = EntityState([Ring.new([0.0]), None], [1.0], [{"x": 5}, Distinct(3)])
>>> s = EntityState.load(st.dump())
>>> s.life, s.rings[1], s.sets[0], type(s.sets[1]).__name__
([1.0], None, {'x': 5}, 'Distinct')
"""

from __future__ import annotations

from typing import Any

from riskline.features.windows import Distinct, Ring, distinct_class, ring_class  # noqa: F401 (doctest)

__all__ = ["EntityState"]


class EntityState:
    """Everything the engine keeps for one entity; the layout comes from the compiled catalog."""

    __slots__ = ("life", "rings", "sets")

    def __init__(self, rings: list[Ring | None], life: list[float], sets: list[Any]) -> None:
        self.rings = rings
        self.life = life
        self.sets = sets

    def dump(self) -> list[Any]:
        """Plain JSON-able form (``inf`` is written as ``Infinity``)."""
        sets = [
            None
            if s is None
            else {"s": s}
            if isinstance(s, dict)  # a lifetime set; else a windowed one on either core
            else {"d": s.seen, "h": s.head, "n": s.n}
            for s in self.sets
        ]
        return [[None if r is None else r.dump() for r in self.rings], self.life, sets]

    @classmethod
    def load(cls, plain: list[Any]) -> EntityState:
        """Inverse of :meth:`dump`."""
        rings, life, sets = plain
        return cls(
            [None if r is None else ring_class().load(r) for r in rings],
            [float(x) for x in life],
            [_load_set(s) for s in sets],
        )


def _load_set(s: Any) -> Any:
    if s is None:
        return None
    if "d" in s:
        return distinct_class()(int(s["n"]), s["d"], int(s["h"]))
    return dict(s["s"])
