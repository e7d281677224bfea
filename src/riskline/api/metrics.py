"""Prometheus metrics of one app (own registry, so several apps can live in one process)."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from riskline.decisioning import Decision

__all__ = ["Metrics"]

_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


class Metrics:
    """Events, decisions by outcome, decision latency."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.events = Counter(
            "riskline_events_total", "Events accepted", ["type"], registry=self.registry
        )
        self.replays = Counter(
            "riskline_replays_total", "Events replayed (already known)", registry=self.registry
        )
        self.decisions = Counter(
            "riskline_decisions_total", "Decisions by outcome", ["outcome"], registry=self.registry
        )
        self.latency = Histogram(
            "riskline_decision_latency_seconds",
            "Engine time per decision",
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.rejected = Counter(
            "riskline_rejected_total", "Requests rejected", ["reason"], registry=self.registry
        )

    def observe(self, decisions: Sequence[Decision], replayed: Sequence[bool]) -> None:
        """Count a processed batch."""
        for d, again in zip(decisions, replayed, strict=True):
            if again:
                self.replays.inc()
                continue
            self.events.labels(d.event_type).inc()
            self.decisions.labels(d.outcome.value).inc()
            self.latency.observe(d.latency_us / 1e6)

    def render(self) -> bytes:
        """The text exposition format."""
        return bytes(generate_latest(self.registry))
