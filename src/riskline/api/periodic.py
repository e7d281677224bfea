"""Work the API process does on a timer, next to the single writer it needs.

Step-up releases that failed (the writer was busy or down, the process died
between the pass and the release) are retried by :meth:`riskline.identity.StepUp.release_due`,
which also follows the ledger into new challenges. It runs every ``every`` seconds for as long
as the app is served (started and stopped by the app's lifespan).

Monitoring: :func:`watch_alerts` evaluates the alert rules at start and every
``RISKLINE_MONITORING_EVERY_SECONDS`` (new alerts go to the outbox, which the serving process's
relay delivers as signed webhooks) and refreshes the monitoring gauges of ``/metrics``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from riskline.api.metrics import Metrics
from riskline.clock import Clock
from riskline.config import Settings
from riskline.identity import StepUp
from riskline.monitoring import AlertBook, AlertRules, Monitor, Report

__all__ = [
    "RELEASE_RETRY_SECONDS",
    "build_monitor",
    "monitoring_pass",
    "retry_releases",
    "watch_alerts",
]

log = logging.getLogger(__name__)

RELEASE_RETRY_SECONDS = 15.0
"""How often passed challenges without a release are retried (and new challenges created)."""


async def retry_releases(service: Callable[[], StepUp], every: float) -> None:
    """Call ``service().release_due()`` every ``every`` seconds until cancelled."""
    while True:
        await asyncio.sleep(every)
        try:
            released = await run_in_threadpool(lambda: service().release_due())
        except Exception:  # the next round tries again; serving goes on
            log.exception("step-up release retry failed")
            continue
        if released:
            log.info("step-up: %d held action(s) released on retry", released)


def build_monitor(settings: Settings, db: Engine, clock: Clock) -> Monitor:
    """The monitor of a process: its alert rules, the model registry, alerts to the outbox."""
    from riskline.stream.outbox import Outbox  # the stream package imports the runtime

    path = settings.monitoring.alerts_path
    rules = AlertRules.from_file(path) if path is not None else AlertRules.default()
    emit = Outbox(db, clock, stream_topics=frozenset()).emit
    return Monitor(db, clock, rules, AlertBook(db, clock, emit), settings.model_dir)


def monitoring_pass(monitor: Monitor, metrics: Metrics) -> Report:
    """Evaluate the alert rules once and set the monitoring gauges from the series."""
    report = monitor.run_once()
    metrics.observe_monitoring(report.series)
    return report


async def watch_alerts(monitor: Monitor, metrics: Metrics, every: float) -> None:
    """:func:`monitoring_pass` now and then every ``every`` seconds until cancelled."""
    while True:
        try:
            report = await run_in_threadpool(monitoring_pass, monitor, metrics)
        except Exception:  # the next round tries again; serving goes on
            log.exception("monitoring pass failed")
        else:
            for alert in report.fired:
                log.warning("monitoring alert %s: %s", alert.alert_id, alert.message)
        await asyncio.sleep(every)
