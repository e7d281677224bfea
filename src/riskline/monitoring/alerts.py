"""Alerts: rules evaluated on the series, stored once per period, published as webhooks.

:func:`evaluate` is pure (series and rules in, alerts out). :class:`AlertBook` stores new
alerts and, in the same transaction, hands each to ``emit`` (``Outbox.emit``: a signed
``monitoring.alert`` webhook to every endpoint subscribed to that topic); an alert already
stored for its rule, subject and period is neither stored nor emitted again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from riskline.clock import Clock
from riskline.monitoring.rules import (
    AlertRule,
    AlertRules,
    PrecisionRule,
    PsiRule,
    RateRule,
    SpikeRule,
)
from riskline.monitoring.series import CheckSeries, Series
from riskline.monitoring.tables import monitoring_alerts

__all__ = ["ALERT_TOPIC", "Alert", "AlertBook", "Emit", "evaluate"]

ALERT_TOPIC = "monitoring.alert"
"""The webhook topic of alerts (``riskline webhooks add URL --topic monitoring.alert``)."""

Emit = Callable[[Any, str, str, Mapping[str, Any]], object]
"""Publishes an effect in the caller's transaction: ``Outbox.emit(conn, topic, key, data)``."""


@dataclass(frozen=True, slots=True)
class Alert:
    """One fired alert: which rule, on what (a check, a model score, the decision mix), when."""

    rule: str
    kind: str
    subject: str
    period: str
    """The day it is about (``2026-03-02``): it fires once per rule, subject and period."""
    value: float
    threshold: float
    message: str
    details: Mapping[str, Any]

    @property
    def alert_id(self) -> str:
        """``<rule>:<subject>:<period>``, the deduplication key."""
        return f"{self.rule}:{self.subject}:{self.period}"

    def as_json(self) -> dict[str, Any]:
        """The webhook's ``data`` and the API's view."""
        return {"alert_id": self.alert_id, **asdict(self), "details": dict(self.details)}


def evaluate(series: Series, rules: AlertRules) -> list[Alert]:
    """Every alert the rules raise on the series' last day."""
    period = series.days[-1].isoformat()
    out: list[Alert] = []
    for rule in rules.rules:
        out += _RULES[rule.kind](rule, series, period)
    return out


def _psi(rule: AlertRule, s: Series, period: str) -> list[Alert]:
    assert isinstance(rule, PsiRule)
    out = []
    for m in s.models:
        value = m.psi_today
        if m.n[-1] < rule.min_scores or math.isnan(value) or value <= rule.above:
            continue
        ref = m.reference
        source = ref.source if ref is not None else ""
        out.append(
            Alert(
                rule.name, rule.kind, m.score, period, value, rule.above,
                f"{m.score} ({m.version or 'unversioned'}) PSI {value:.3f} > {rule.above} "
                f"against {source}",
                {"version": m.version, "reference": source, "scores_today": m.n[-1],
                 "mean_today": m.means[-1]},
            )
        )  # fmt: skip
    return out


def _spike(rule: AlertRule, s: Series, period: str) -> list[Alert]:
    assert isinstance(rule, SpikeRule)
    hour = s.as_of.hour
    if rule.per == "hour":
        period = f"{period}T{hour:02d}"
    out = []
    for c in s.checks:
        hits, median = c.hour_spike(hour) if rule.per == "hour" else (c.today, c.trailing_median)
        if hits < rule.min_hits or hits <= rule.factor * median:
            continue
        when = f"in hour {hour:02d}" if rule.per == "hour" else "today"
        out.append(
            Alert(
                rule.name, rule.kind, c.code, period, float(hits), rule.factor * median,
                f"{c.code}: {hits} hits {when}, more than {rule.factor:g} x the 14-day median "
                f"{median:g}",
                {"hits": hits, "trailing_median": median, "factor": rule.factor,
                 "per": rule.per},
            )
        )  # fmt: skip
    return out


def _rate(rule: AlertRule, s: Series, period: str) -> list[Alert]:
    assert isinstance(rule, RateRule)
    total = s.mix.totals[-1]
    value = s.mix.today_share(rule.of)
    if total < rule.min_decisions or value <= rule.above:
        return []
    return [
        Alert(
            rule.name, rule.kind, rule.of, period, value, rule.above,
            f"{rule.of} rate {value:.1%} of {total} decisions today > {rule.above:.1%}",
            {"decisions_today": total},
        )
    ]  # fmt: skip


def _precision(rule: AlertRule, s: Series, period: str) -> list[Alert]:
    assert isinstance(rule, PrecisionRule)
    return [_low(rule, c, period, len(s.days)) for c in s.checks if _is_low(rule, c)]


def _is_low(rule: PrecisionRule, c: CheckSeries) -> bool:
    return c.closed >= rule.min_closed and c.precision is not None and c.precision < rule.below


def _low(rule: PrecisionRule, c: CheckSeries, period: str, days: int) -> Alert:
    value = c.precision or 0.0
    return Alert(
        rule.name, rule.kind, c.code, period, value, rule.below,
        f"{c.code}: precision {value:.1%} over {c.closed} closed cases in {days} days "
        f"< {rule.below:.1%}",
        {"confirmed": sum(c.confirmed), "cleared": sum(c.cleared), "window_days": days},
    )  # fmt: skip


_RULES: dict[str, Callable[[AlertRule, Series, str], list[Alert]]] = {
    "psi": _psi,
    "spike": _spike,
    "rate": _rate,
    "precision": _precision,
}


class AlertBook:
    """The stored alerts: new ones inserted and emitted in one transaction."""

    def __init__(self, db: Engine, clock: Clock, emit: Emit | None = None) -> None:
        self.db = db
        self.clock = clock
        self.emit = emit

    def fire(self, alerts: Sequence[Alert]) -> list[Alert]:
        """Store the alerts not stored yet and emit them; returns those (the new ones)."""
        if not alerts:
            return []
        now = self.clock.now()
        new = []
        with self.db.begin() as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            for x in {x.alert_id: x for x in alerts}.values():
                q = dialect.insert(monitoring_alerts).on_conflict_do_nothing()
                q = q.returning(monitoring_alerts.c.alert_id)
                if conn.execute(q, _row(x, now)).first() is None:
                    continue  # fired before in this period (or by another process just now)
                new.append(x)
                if self.emit is not None:
                    self.emit(conn, ALERT_TOPIC, x.alert_id, {**x.as_json(), "fired_at": now})
        return new

    def recent(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest stored alerts, newest first."""
        a = monitoring_alerts.c
        q = select(monitoring_alerts).order_by(a.fired_at.desc(), a.alert_id).limit(limit)
        with self.db.connect() as conn:
            rows = [dict(r) for r in conn.execute(q).mappings()]
        for r in rows:
            r["details"] = orjson.loads(r["details"])
        return rows


def _row(x: Alert, now: datetime) -> dict[str, Any]:
    return {
        "alert_id": x.alert_id,
        "rule": x.rule,
        "kind": x.kind,
        "subject": x.subject[:128],
        "period": x.period,
        "value": x.value,
        "threshold": x.threshold,
        "message": x.message,
        "details": orjson.dumps(x.details, default=str, option=orjson.OPT_SERIALIZE_NUMPY).decode(),
        "fired_at": now,
    }
