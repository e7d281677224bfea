"""In-process engine throughput: group-committed batches against a commit-per-event baseline.

Two pipelines are measured. ``full`` is what ``riskline serve`` runs: the 75-feature
catalog, the link graph, the analyst rule set, the default policy and the registry's
models. ``core`` is the decision loop alone (durable ledger, idempotency checks, a
context-only policy, credit lines, group commit), to show what the loop itself costs.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from riskline.bench.common import percentiles, temp_settings
from riskline.config import Settings
from riskline.decisioning import ModelSignals
from riskline.events import Event
from riskline.runtime import Runtime, build_runtime

__all__ = ["CORE_POLICY", "NoFeatures", "bench_engine", "core_runtime"]

CORE_POLICY = {
    "version": "bench-core",
    "checks": [
        {
            "id": "maxout_round_night",
            "events": ["payment"],
            "when": "line.amount_to_available >= 0.9 and event.round_amount and event.hour < 6",
            "outcome": "review",
            "reason": {"code": "CASHOUT_PATTERN", "text": "Unusual purchase."},
            "actions": [{"kind": "freeze", "product": "revolving", "days": 30}],
        },
        {
            "id": "maxout_drawdown",
            "events": ["loan_drawdown"],
            "when": "line.amount_to_available >= 0.95 and event.hour < 6",
            "outcome": "challenge",
            "reason": {"code": "NEW_DEVICE_DRAWDOWN", "text": "Please confirm it is you."},
            "actions": [{"kind": "freeze", "product": "cash_loan", "days": 3, "review_days": 1}],
        },
    ],
}
"""A context-only policy for the ``core`` pipeline."""


class NoFeatures:
    """A feature source with no features (the ``core`` pipeline)."""

    def process(self, event: Event) -> Mapping[str, float]:
        """Nothing."""
        return {}

    def schema(self) -> Mapping[str, str]:
        """No names."""
        return {}

    def reset(self) -> None:
        """Nothing to reset."""


def _runtime(pipeline: str) -> Runtime:
    settings, _ = temp_settings()
    return build_runtime(settings) if pipeline == "full" else core_runtime(settings)


def core_runtime(settings: Settings) -> Runtime:
    """A runtime with the decision-loop core only (context policy, no detectors)."""
    policy_path = Path(tempfile.mkdtemp(prefix="riskline-core-")) / "core-policy.yaml"
    policy_path.write_text(yaml.safe_dump(CORE_POLICY))
    core = settings.model_copy(update={"policy_path": policy_path})
    return build_runtime(
        core, features=NoFeatures(), models=ModelSignals(), graph=_NoGraph(), analyst_rules=False
    )


class _NoGraph:
    """Graph port with nothing in it (``core``)."""

    def observe(self, event: Event) -> None:
        return None

    def features_for(self, event: Event) -> Mapping[str, float]:
        return {}

    def schema(self) -> Mapping[str, str]:
        return {}

    def flag(self, kind: str, key: str, reason: str) -> None:
        return None

    def enterprises_linked_to(self, person_id: str) -> Sequence[Any]:
        return ()

    def controllers_of(self, enterprise_id: str) -> Sequence[Any]:
        return ()

    def reset(self) -> None:
        return None


class _NoAudit:
    """The audit chain switched off, to price the seal of each ledger transaction."""

    def begin_ledger(self, conn: Any) -> tuple[int, int]:
        return (0, 0)

    def seal_ledger(self, conn: Any, before: tuple[int, int], actor: str) -> None:
        return None


def _run(events: Sequence[Event], batch: int, pipeline: str, audit: bool = True) -> dict[str, Any]:
    runtime = _runtime(pipeline)
    if not audit:
        runtime.store.audit = _NoAudit()  # type: ignore[assignment]
    try:
        engine = runtime.engine
        lat: list[float] = []
        cpu0, started = time.thread_time(), time.perf_counter()
        for i in range(0, len(events), batch):
            result = engine.process_batch(events[i : i + batch])
            lat.extend(d.latency_us for d in result.decisions)
        elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu0
        return {
            "pipeline": pipeline,
            "audit_chain": audit,
            "events": len(events),
            "batch": batch,
            "events_per_s": round(len(events) / elapsed),
            "events_per_cpu_s": round(len(events) / cpu),
            "decision_us": percentiles(lat),
        }
    finally:
        runtime.close()


def bench_engine(
    events: Sequence[Event], batch: int = 1024, baseline_events: int = 2000
) -> dict[str, Any]:
    """Durable SQLite (WAL, fsync on commit) for every run.

    ``decision_us`` is the engine's own time per decision; ``events_per_s`` includes the
    idempotency check and the durable commit. The baseline commits after every event.
    """
    return {
        "full_group_commit": _run(events, batch, "full"),
        "core_group_commit": _run(events, batch, "core"),
        "core_group_commit_without_audit_chain": _run(events, batch, "core", audit=False),
        "core_commit_per_event_baseline": _run(events[:baseline_events], 1, "core"),
    }
