"""Prometheus metrics of one app (own registry, so several apps can live in one process)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from riskline.decisioning import Decision
from riskline.monitoring import OUTCOMES, Series

__all__ = ["Metrics", "RejectCounter"]

_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


class Metrics:
    """Events, decisions by outcome, decision latency; the monitoring series' latest day."""

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
        self.fast_path = Counter(
            "riskline_events_fast_path_total",
            "Event requests answered by the fast path (api.fastpath), not the route",
            registry=self.registry,
        )
        self.rejected = Counter(
            "riskline_rejected_total", "Requests rejected", ["reason"], registry=self.registry
        )
        self._monitoring()

    def _monitoring(self) -> None:
        """Gauges of the monitoring series (set by :meth:`observe_monitoring`)."""
        reg = self.registry
        self.check_hits = Gauge(
            "riskline_check_hits_today",
            "Decisions a check hit today (UTC)",
            ["check"],
            registry=reg,
        )
        self.check_precision = Gauge(
            "riskline_check_precision",
            "Confirmed / (confirmed + cleared) among a check's hits with a closed case "
            "(monitoring window)",
            ["check"],
            registry=reg,
        )
        self.check_closed = Gauge(
            "riskline_check_closed_cases",
            "A check's hits with a closed case (window)",
            ["check"],
            registry=reg,
        )
        self.score_psi = Gauge(
            "riskline_model_score_psi",
            "PSI of today's scores against the reference",
            ["score", "version"],
            registry=reg,
        )
        self.mix = Gauge(
            "riskline_decision_mix_today",
            "Share of today's decisions by outcome",
            ["outcome"],
            registry=reg,
        )
        self.freeze_rate = Gauge(
            "riskline_freeze_rate_today",
            "Share of today's decisions that froze a line",
            registry=reg,
        )

    def observe_monitoring(self, series: Series) -> None:
        """Set the monitoring gauges from the last day of ``series`` (checks and models gone
        from the window are dropped)."""
        for gauge in (self.check_hits, self.check_precision, self.check_closed, self.score_psi):
            gauge.clear()
        for c in series.checks:
            self.check_hits.labels(c.code).set(c.today)
            self.check_closed.labels(c.code).set(c.closed)
            if c.precision is not None:
                self.check_precision.labels(c.code).set(c.precision)
        for m in series.models:
            if not math.isnan(m.psi_today):
                self.score_psi.labels(m.score, m.version).set(m.psi_today)
        for outcome in OUTCOMES:
            self.mix.labels(outcome).set(series.mix.today_share(outcome))
        self.freeze_rate.set(series.mix.freeze_rate_today)

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


_CODE = re.compile(r"[a-z_]{1,40}")


def _reason(status: int, body: bytes) -> str:
    """The error code an error body names (``{"error": "rate_limited", ...}``), else the status."""
    try:
        code = orjson.loads(body).get("error")
    except (orjson.JSONDecodeError, AttributeError):
        code = None
    return code if isinstance(code, str) and _CODE.fullmatch(code) else f"http_{status}"


class RejectCounter:
    """Count every refused request (a 4xx or 5xx answer) in ``riskline_rejected_total``, by the
    error code of its body: the outermost middleware, so refusals of the body limit, the events
    fast path and the routes are all counted, once each. A 2xx answer costs one comparison."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif status >= 400 and message["type"] == "http.response.body":
                self.metrics.rejected.labels(_reason(status, message.get("body", b""))).inc()
                status = 0  # a body sent in several parts is one refusal
            await send(message)

        await self.app(scope, receive, watch)
