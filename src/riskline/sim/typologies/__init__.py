"""Fraud typologies, one module each, and the runner that places their rings in a world."""

from __future__ import annotations

from collections.abc import Callable

from riskline.sim.config import TYPOLOGIES
from riskline.sim.typologies import (
    bustout,
    cashout,
    enterprise,
    farm,
    inflation,
    multilend,
    takeover,
)
from riskline.sim.typologies.base import Ring
from riskline.sim.world import World

__all__ = ["GENERATORS", "place_rings"]

GENERATORS: dict[str, Callable[[World, Ring, int], None]] = {
    "cashout": cashout.generate,
    "inflation": inflation.generate,
    "farm": farm.generate,
    "takeover": takeover.generate,
    "multilend": multilend.generate,
    "bustout": bustout.generate,
    "enterprise": enterprise.generate,
}
"""Ring generator of each typology."""


def place_rings(world: World) -> None:
    """Generate every configured ring of every typology, in a fixed order."""
    for key, name in enumerate(TYPOLOGIES):
        spec = world.config.spec(name)
        for number in range(spec.ring_count(world.config.persons)):
            ring = Ring(world, name, number, key)
            size = int(ring.rng.integers(spec.size_min, spec.size_max + 1))
            GENERATORS[name](world, ring, size)
            ring.finish()
