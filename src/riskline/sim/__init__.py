"""World simulator: a seeded, labeled world of events with fraud typologies, and its evaluation."""

from riskline.sim.config import TYPOLOGIES, TypologySpec, WorldConfig
from riskline.sim.labels import Labels
from riskline.sim.simulate import (
    LoadedWorld,
    WorldSummary,
    iter_events,
    load_world,
    prepare_world,
    simulate,
)

__all__ = [
    "TYPOLOGIES",
    "Labels",
    "LoadedWorld",
    "TypologySpec",
    "WorldConfig",
    "WorldSummary",
    "iter_events",
    "load_world",
    "prepare_world",
    "simulate",
]
