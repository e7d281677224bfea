"""Compile a catalog: one finished :class:`~riskline.features.plan.KindPlan` per entity kind.

The three steps, each in its own module and each depending only on the ones before it:
:mod:`plan` (the types and the shared slots), :mod:`readers` (each feature's slots and read
op) and :mod:`codegen` (the generated update, step and read functions).
"""

from __future__ import annotations

from riskline.features.catalog import Catalog
from riskline.features.codegen import build_reader, build_step, build_update
from riskline.features.plan import KindPlan
from riskline.features.readers import add_feature

__all__ = ["compile_catalog"]


def compile_catalog(catalog: Catalog) -> dict[str, KindPlan]:
    """One finished plan per entity kind used by ``catalog``."""
    plans: dict[str, KindPlan] = {}
    for d in catalog:
        add_feature(plans.setdefault(d.entity, KindPlan(d.entity)), d)
    for plan in plans.values():
        plan.updates = {e: build_update(plan, e) for e in sorted(plan.event_types())}
        plan.steps = {e: build_step(plan, e) for e in plan.updates}
        plan.read = build_reader(plan)
        plan.read(plan.new_state(), 0, 0, plan.empty)
    return plans
