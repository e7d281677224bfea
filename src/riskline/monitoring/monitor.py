"""The monitor: read the window, build the series, evaluate the rules, fire new alerts.

Run by the API process on a timer (``RISKLINE_MONITORING_EVERY_SECONDS``) and by
``riskline watch run`` (cron); both fire an alert at most once per rule, subject and day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from riskline.clock import Clock
from riskline.monitoring.alerts import Alert, AlertBook, evaluate
from riskline.monitoring.drift import ScoreBins, bins_of, served_model, training_bins
from riskline.monitoring.facts import Fact, first_decision_at, read_facts, read_labels
from riskline.monitoring.rules import AlertRules
from riskline.monitoring.series import Series, build_series, model_role
from riskline.scoring import ModelRegistry

__all__ = ["REFERENCE_DAYS", "Monitor", "Report"]

REFERENCE_DAYS = 7
"""Without a training distribution, a score is compared with its first week of decisions."""


@dataclass(frozen=True, slots=True)
class Report:
    """One pass: the series and the alerts it fired (only the new ones)."""

    series: Series
    alerts: tuple[Alert, ...]
    fired: tuple[Alert, ...]


class Monitor:
    """Series and alerts over the ledger, the case outcomes and the model registry."""

    def __init__(
        self,
        db: Engine,
        clock: Clock,
        rules: AlertRules,
        book: AlertBook,
        model_dir: Path | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.rules = rules
        self.book = book
        self.model_dir = model_dir
        self._first_week_bins: dict[tuple[str, str], ScoreBins | None] = {}
        """First-week references by (score, version): the ledger's first week does not change."""

    def series(self, as_of: datetime | None = None) -> Series:
        """The series of the rules' window ending at ``as_of`` (default: now)."""
        as_of = as_of or self.clock.now()
        days = self.rules.window_days
        start = datetime.combine(as_of.date() - timedelta(days=days - 1), datetime.min.time())
        start = start.replace(tzinfo=as_of.tzinfo)
        facts = read_facts(self.db, start, as_of + timedelta(microseconds=1))
        labels = read_labels(self.db, start)
        return build_series(
            facts, labels, as_of=as_of, days=days, references=self._references(facts)
        )

    def run_once(self, as_of: datetime | None = None) -> Report:
        """Evaluate the rules on the window ending ``as_of``; store and emit the new alerts."""
        series = self.series(as_of)
        alerts = evaluate(series, self.rules)
        return Report(series, tuple(alerts), tuple(self.book.fire(alerts)))

    def _references(self, facts: list[Fact]) -> dict[tuple[str, str], ScoreBins]:
        wanted = {
            (s, f.versions.get(model_role(s), ""))
            for f in facts
            for s in f.scores
            if s.startswith("score.")
        }
        registry = ModelRegistry(self.model_dir) if self.model_dir is not None else None
        out: dict[tuple[str, str], ScoreBins] = {}
        for score, version in sorted(wanted):
            role = model_role(score).removeprefix("model.").split(".")[0]
            found = None
            if registry is not None and version:
                found = training_bins(registry, *served_model(role, version))
            if found is None:
                found = self._first_week_reference(score, version)
            if found is not None:
                out[(score, version)] = found
        return out

    def _first_week_reference(self, score: str, version: str) -> ScoreBins | None:
        """Bins of the first week of decisions carrying ``score``; kept once that week (and a
        day of late events) is over."""
        if (score, version) in self._first_week_bins:
            return self._first_week_bins[(score, version)]
        week = self._first_scored_week(score)
        found = _first_week_bins(week, score, version)
        sealed = timedelta(days=REFERENCE_DAYS + 1)
        if week and week[0].at + sealed < self.clock.now():
            self._first_week_bins[(score, version)] = found
        return found

    def _first_scored_week(self, score: str) -> list[Fact]:
        """The decisions with ``score`` of the week from the first one (a week at a time from
        the ledger's start, skipping gaps: old history without scores does not count)."""
        start, week, now = (
            first_decision_at(self.db),
            timedelta(days=REFERENCE_DAYS),
            self.clock.now(),
        )
        while start is not None and start <= now:
            scored = [f for f in read_facts(self.db, start, start + week) if score in f.scores]
            if scored:
                begin = scored[0].at
                return [f for f in read_facts(self.db, begin, begin + week) if score in f.scores]
            start = first_decision_at(self.db, start + week)
        return []


def _first_week_bins(facts: list[Fact], score: str, version: str) -> ScoreBins | None:
    """The score's bins over the ledger's first week (the same version's scores when it has
    any there, else all of them), saying so in ``source``."""
    role = model_role(score)
    same = [
        f.scores[score] for f in facts if score in f.scores and f.versions.get(role, "") == version
    ]
    values = same or [f.scores[score] for f in facts if score in f.scores]
    if not values:
        return None
    lo, hi = facts[0].at.date(), facts[-1].at.date()
    return bins_of(values, source=f"first week of decisions ({lo} to {hi}, n={len(values)})")
