"""The state of one entity: its windows, lifetime slots and value sets, JSON-serialisable.

>>> s = EntityState.load(EntityState([Ring.new([0.0])], [1.0], [{"x": 5}, Distinct(3)]).dump())
>>> s.life, s.sets[0], type(s.sets[1]).__name__
([1.0], {'x': 5}, 'Distinct')
"""

from __future__ import annotations

from typing import Any

from riskline.features.windows import Distinct, Ring

__all__ = ["EntityState"]


class EntityState:
    """Everything the engine keeps for one entity; the layout comes from the compiled catalog."""

    __slots__ = ("life", "rings", "sets")

    def __init__(self, rings: list[Ring], life: list[float], sets: list[Any]) -> None:
        self.rings = rings
        self.life = life
        self.sets = sets

    def dump(self) -> list[Any]:
        """Plain JSON-able form (``inf`` is written as ``Infinity``)."""
        sets = [
            {"d": s.seen, "h": s.head, "n": s.n} if isinstance(s, Distinct) else {"s": s}
            for s in self.sets
        ]
        return [[r.dump() for r in self.rings], self.life, sets]

    @classmethod
    def load(cls, plain: list[Any]) -> EntityState:
        """Inverse of :meth:`dump`."""
        rings, life, sets = plain
        return cls(
            [Ring.load(r) for r in rings],
            [float(x) for x in life],
            [
                Distinct(int(s["n"]), s["d"], int(s["h"])) if "d" in s else dict(s["s"])
                for s in sets
            ],
        )
