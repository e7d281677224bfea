"""World simulator: a seeded, labeled world of events with fraud typologies, and its evaluation."""

from riskline.sim.bench import bench_simulator
from riskline.sim.config import TYPOLOGIES, TypologySpec, WorldConfig
from riskline.sim.evaluate import (
    ActionLike,
    DecisionLike,
    EvaluationReport,
    TypologyResult,
    evaluate,
)
from riskline.sim.labels import Labels
from riskline.sim.report import print_report, render_html, report_table, write_report
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
    "ActionLike",
    "DecisionLike",
    "EvaluationReport",
    "Labels",
    "LoadedWorld",
    "TypologyResult",
    "TypologySpec",
    "WorldConfig",
    "WorldSummary",
    "bench_simulator",
    "evaluate",
    "iter_events",
    "load_world",
    "prepare_world",
    "print_report",
    "render_html",
    "report_table",
    "simulate",
    "write_report",
]
