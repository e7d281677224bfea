"""World simulator: a seeded, labeled world of events with fraud typologies, and its evaluation.

:func:`simulate` writes ``events.jsonl`` (wire events in time order, accepted by
:func:`riskline.events.parse_event`), ``events.parquet`` (the same events, one wide
table), ``labels.jsonl`` (records with ``level`` ring / account / person / merchant /
enterprise / hard_negative / event, each with typology, ring id and start time) and
``summary.json``. :func:`evaluate` streams a world through any decision function and
scores it against the labels; the decision function never sees them.
"""

from riskline.sim.audit import AuditReport, GroupAuc, TypeAudit, audit_world
from riskline.sim.audit_fields import FIELD_GROUPS, FieldGroup
from riskline.sim.baseline import NaiveRules
from riskline.sim.config import TYPOLOGIES, TypologySpec, WorldConfig
from riskline.sim.eod_baseline import (
    BaselinePoint,
    BaselineReport,
    BaselineRow,
    refuse_same_world,
    run_baseline,
)
from riskline.sim.evaluate import (
    HARMS,
    ActionLike,
    DecisionLike,
    EvaluationReport,
    HarmRow,
    PrCurve,
    ReviewCase,
    TypologyResult,
    evaluate,
)
from riskline.sim.labels import Labels
from riskline.sim.report import (
    baseline_table,
    harm_table,
    pr_chart,
    print_report,
    render_html,
    report_table,
    write_cases,
    write_report,
)
from riskline.sim.simulate import (
    LoadedWorld,
    WorldSummary,
    iter_events,
    load_world,
    prepare_world,
    simulate,
)

__all__ = [
    "FIELD_GROUPS",
    "HARMS",
    "TYPOLOGIES",
    "ActionLike",
    "AuditReport",
    "BaselinePoint",
    "BaselineReport",
    "BaselineRow",
    "DecisionLike",
    "EvaluationReport",
    "FieldGroup",
    "GroupAuc",
    "HarmRow",
    "Labels",
    "LoadedWorld",
    "NaiveRules",
    "PrCurve",
    "ReviewCase",
    "TypeAudit",
    "TypologyResult",
    "TypologySpec",
    "WorldConfig",
    "WorldSummary",
    "audit_world",
    "baseline_table",
    "evaluate",
    "harm_table",
    "iter_events",
    "load_world",
    "pr_chart",
    "prepare_world",
    "print_report",
    "refuse_same_world",
    "render_html",
    "report_table",
    "run_baseline",
    "simulate",
    "write_cases",
    "write_report",
]
