"""A plain end-of-day baseline: per-account LightGBM on simple daily aggregates.

What a risk team without Riskline would run: at the end of each day, for each account that had
any event that day, ~30 aggregates computed from the events alone (:data:`FEATURES`: counts,
sums and shares of payments, logins, loan applications and drawdowns, transfers out and in,
repayments, overdue bills, identity-check failures, new devices, accounts per device, account
age; each for the day and cumulated since the account opened). Quiet days change nothing but
the account's age, so they get no row.

Training (on a *training* world, never the report world): one row per account-day. An account
is positive when it is a labeled fraud actor; its days before the actor's fraud began are
dropped (a taken-over account is honest until taken over; calling those days fraud would teach
the model that honest behaviour is fraud). Accounts of persons in a ring that are not actors
(organisers, victims' other accounts) are left out; everything else is negative.

Scoring: each account-day of the report world gets a score; a person is flagged at the end of
the first day one of their accounts' scores crosses the threshold. The threshold is set on the
report world's good persons so that the share of them ever flagged equals a target false-positive
rate (Riskline's good-person flag rate in the same run, and 1 %): the comparison a risk team
makes, "at the same friction, what would each catch?". Recall counts an account actor detected
when its person is flagged before the ring's last fraud event; credit stopped is labeled credit
made by the actor's person after the flag. Enterprise actors have no account rows: the baseline
cannot flag them and its rows leave them out.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import polars.selectors as cs

from riskline.errors import InvalidInput
from riskline.sim.labels import Labels
from riskline.sim.simulate import load_world

__all__ = [
    "FEATURES",
    "BaselinePoint",
    "BaselineReport",
    "BaselineRow",
    "EodBaseline",
    "account_days",
    "refuse_same_world",
    "run_baseline",
    "threshold_for",
]

_COUNTS = {
    "pay": "payment",
    "login": "login",
    "app": "loan_application",
    "draw": "loan_drawdown",
    "xfer": "transfer",
    "repay": "repayment",
    "overdue": "bill_overdue",
}
_DAILY = ("pay", "login", "app", "draw", "xfer")
FEATURES = (
    *(f"{k}_n_1d" for k in _DAILY),
    *(f"{k}_sum_1d" for k in ("pay", "draw", "xfer")),
    *(f"{k}_n_cum" for k in _COUNTS),
    *(f"{k}_sum_cum" for k in ("pay", "app", "draw", "xfer", "repay")),
    "xfer_in_n_cum",
    "xfer_in_sum_cum",
    "pay_credit_share",
    "draw_to_repay",
    "overdue_days_max",
    "verify_fail_cum",
    "new_devices_1d",
    "devices_cum",
    "ips_cum",
    "merchants_cum",
    "accounts_per_device",
    "account_age_days",
)
"""The baseline's features, as of the end of an account's day."""


@dataclass(frozen=True, slots=True)
class BaselineRow:
    """The baseline on one typology at one threshold."""

    typology: str
    actors: int
    detected: int
    recall: float
    credit_at_risk: float
    credit_stopped: float
    money_stopped_share: float
    median_hours_to_detection: float | None


@dataclass(frozen=True, slots=True)
class BaselinePoint:
    """The baseline at one threshold: its false-positive rates, precision and rows."""

    name: str
    target_fpr_good: float
    threshold: float
    fpr_good: float
    fpr_hard_negative: float
    precision: float
    rows: tuple[BaselineRow, ...]


@dataclass(frozen=True, slots=True)
class BaselineReport:
    """The baseline trained on one world and scored on another."""

    train_world: str
    train_rows: int
    train_positives: int
    features: tuple[str, ...]
    points: tuple[BaselinePoint, ...]
    seconds: float


def account_days(events: pl.DataFrame) -> pl.DataFrame:
    """One row per account and day with activity: :data:`FEATURES` as of the end of that day.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
    >>> ev = pl.DataFrame({"type": ["account_opened", "payment"], "occurred_at": [t, t],
    ...     "account_id": ["a", "a"], "device_id": ["d", "d"], "amount": [None, 12.5]})
    >>> account_days(ev).select("pay_n_1d", "pay_sum_cum", "accounts_per_device").row(0)
    (1, 12.5, 1)
    """
    ev = _normalised(events).filter(pl.col("account_id").is_not_null())
    daily = ev.group_by("account_id", "day").agg(*_daily_aggregates())
    incoming = (
        ev.filter((pl.col("type") == "transfer") & pl.col("to_account_id").is_not_null())
        .group_by(pl.col("to_account_id").alias("account_id"), "day")
        .agg(xfer_in_n=pl.len(), xfer_in_sum=pl.col("amount").sum())
    )
    frame = daily.join(incoming, on=["account_id", "day"], how="full", coalesce=True)
    for key in ("devices", "ips", "merchants"):
        frame = frame.join(_new_per_day(ev, key), on=["account_id", "day"], how="left")
    frame = frame.join(_accounts_per_device(ev, frame), on=["account_id", "day"], how="left")
    return _cumulated(frame.with_columns(cs.numeric().fill_null(0)))


def _normalised(events: pl.DataFrame) -> pl.DataFrame:
    cols = ("to_account_id", "merchant_id", "device_id", "ip", "funding", "days_overdue", "passed")
    kinds = (pl.String, pl.String, pl.String, pl.String, pl.String, pl.Int64, pl.Boolean)
    ev = events.with_columns(
        pl.lit(None, dtype=k).alias(c) for c, k in zip(cols, kinds, strict=True) if c not in events
    )
    return ev.with_columns(
        day=pl.col("occurred_at").dt.date(), amount=pl.col("amount").fill_null(0.0)
    )


def _daily_aggregates() -> list[pl.Expr]:
    kind, amount = pl.col("type"), pl.col("amount")
    out: list[pl.Expr] = []
    for short, name in _COUNTS.items():
        out.append((kind == name).sum().alias(f"{short}_n"))
        out.append(pl.when(kind == name).then(amount).otherwise(0.0).sum().alias(f"{short}_sum"))
    credit = (kind == "payment") & (pl.col("funding") == "revolving")
    out.append(pl.when(credit).then(amount).otherwise(0.0).sum().alias("pay_credit"))
    out.append(pl.col("days_overdue").max().fill_null(0).alias("overdue_days"))
    failed = (kind == "identity_verified") & (pl.col("passed") == False)  # noqa: E712
    out.append(failed.sum().alias("verify_fail"))
    return out


def _new_per_day(ev: pl.DataFrame, key: str) -> pl.DataFrame:
    """How many devices / IPs / merchants an account used for the first time each day."""
    column = {"devices": "device_id", "ips": "ip", "merchants": "merchant_id"}[key]
    first = (
        ev.filter(pl.col(column).is_not_null())
        .group_by("account_id", column)
        .agg(pl.col("day").min())
    )
    return first.group_by("account_id", "day").agg(pl.len().alias(f"new_{key}"))


def _accounts_per_device(ev: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    """The most accounts seen so far on any device the account has used, per account-day."""
    pairs = (
        ev.filter(pl.col("device_id").is_not_null())
        .group_by("account_id", "device_id")
        .agg(first=pl.col("day").min())
    )
    counts = (
        pairs.group_by("device_id", "first")
        .agg(new=pl.len())
        .sort("device_id", "first")
        .with_columns(seen=pl.col("new").cum_sum().over("device_id"))
        .select("device_id", pl.col("first").alias("day"), "seen")
        .sort("day")
    )
    grid = (
        frame.select("account_id", "day")
        .join(pairs, on="account_id")
        .filter(pl.col("day") >= pl.col("first"))
        .sort("day")
    )
    joined = grid.join_asof(
        counts, on="day", by="device_id", strategy="backward", check_sortedness=False
    )  # both sides are sorted by day above
    return joined.group_by("account_id", "day").agg(accounts_per_device=pl.col("seen").max())


def _cumulated(frame: pl.DataFrame) -> pl.DataFrame:
    opened = frame.group_by("account_id").agg(opened=pl.col("day").min())
    per = "account_id"
    cum = {
        f"{k}_{m}_cum": pl.col(f"{k}_{m}").cum_sum().over(per)
        for k in _COUNTS
        for m in ("n", "sum")
    }
    frame = frame.sort(per, "day").with_columns(
        **cum,
        xfer_in_n_cum=pl.col("xfer_in_n").cum_sum().over(per),
        xfer_in_sum_cum=pl.col("xfer_in_sum").cum_sum().over(per),
        pay_credit_cum=pl.col("pay_credit").cum_sum().over(per),
        overdue_days_max=pl.col("overdue_days").cum_max().over(per),
        verify_fail_cum=pl.col("verify_fail").cum_sum().over(per),
        devices_cum=pl.col("new_devices").cum_sum().over(per),
        ips_cum=pl.col("new_ips").cum_sum().over(per),
        merchants_cum=pl.col("new_merchants").cum_sum().over(per),
        accounts_per_device=pl.col("accounts_per_device").cum_max().over(per),
    )
    daily = {f"{k}_n_1d": pl.col(f"{k}_n") for k in _DAILY}
    daily |= {f"{k}_sum_1d": pl.col(f"{k}_sum") for k in ("pay", "draw", "xfer")}
    return frame.join(opened, on=per, how="left").with_columns(
        **daily,
        new_devices_1d=pl.col("new_devices"),
        pay_credit_share=pl.col("pay_credit_cum") / (pl.col("pay_sum_cum") + 1.0),
        draw_to_repay=pl.col("draw_sum_cum") / (pl.col("repay_sum_cum") + 1.0),
        account_age_days=(pl.col("day") - pl.col("opened")).dt.total_days(),
    )


def threshold_for(scores: np.ndarray[Any, Any], rate: float) -> float:
    """The threshold that flags the share of ``scores`` (at or above it) closest to ``rate``.

    >>> threshold_for(np.array([0.9, 0.8, 0.1, 0.0]), 0.5)
    0.8
    >>> threshold_for(np.array([0.9, 0.8, 0.1, 0.0]), 0.0) > 0.9
    True
    """
    if scores.size == 0:
        return float("inf")
    values = np.unique(scores)[::-1]  # descending distinct scores
    flagged = np.searchsorted(np.sort(-scores), -values, side="right")  # how many are >= each
    want = rate * scores.size
    best = int(np.argmin(np.abs(flagged - want)))
    if abs(want) < abs(flagged[best] - want):
        return float(np.nextafter(values[0], np.inf))
    return float(values[best])


class _Population:
    """Who is who in a world: accounts' persons, good persons, hard negatives, actors."""

    def __init__(self, events: pl.DataFrame, labels: Labels) -> None:
        opened = events.filter(pl.col("type") == "account_opened")
        self.person_of = dict(zip(opened["account_id"], opened["person_id"], strict=True))
        ring = labels.fraud_persons() | set(labels.entities)
        persons = set(self.person_of.values())
        self.hard = {p for p in labels.hard_negatives if p in persons}
        self.good = sorted(persons - ring - self.hard)
        self.actors = [a for a in labels.actors() if a["level"] == "account"]
        self.in_ring = {a for a, p in self.person_of.items() if p in ring}


def _training_rows(world: Path) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    loaded = load_world(world)
    events = pl.read_parquet(world / "events.parquet")
    who = _Population(events, loaded.labels)
    start = {a["id"]: a["start_ts"] for a in who.actors}
    frame = account_days(events).with_columns(
        began=pl.col("account_id").replace_strict(start, default=None, return_dtype=pl.Int64),
        end_s=(pl.col("day").cast(pl.Datetime("us", "UTC")).dt.epoch("s") + 86_400),
    )
    honest = ~pl.col("account_id").is_in(list(who.in_ring))
    fraud = pl.col("began").is_not_null() & (pl.col("end_s") > pl.col("began"))
    rows = frame.filter(honest | fraud)
    x = rows.select(FEATURES).to_numpy().astype(np.float64)
    return x, rows.select(fraud.alias("y"))["y"].to_numpy().astype(np.float64)


class EodBaseline:
    """The end-of-day per-account LightGBM: ``fit`` on a training world, ``score`` account-days.

    ``rounds`` boosting rounds of 31-leaf trees at learning rate 0.05, one thread, seeded.
    """

    def __init__(self, rounds: int = 200, seed: int = 7) -> None:
        self.rounds = rounds
        self.seed = seed
        self.model_: Any = None
        self.rows_ = 0
        self.positives_ = 0

    def fit(self, world: Path) -> EodBaseline:
        """Train on a world's account-days and labels (see the module docstring)."""
        import lightgbm as lgb

        x, y = _training_rows(world)
        params = {
            "objective": "binary",
            "learning_rate": 0.05,
            "num_leaves": 31,
            "min_data_in_leaf": 20,
            "feature_fraction": 0.9,
            "seed": self.seed,
            "deterministic": True,
            "num_threads": 1,
            "verbose": -1,
        }
        data = lgb.Dataset(x, y, feature_name=list(FEATURES))
        self.model_ = lgb.train(params, data, num_boost_round=self.rounds)
        self.rows_, self.positives_ = int(y.size), int(y.sum())
        return self

    def score(self, events: pl.DataFrame) -> pl.DataFrame:
        """``account_id``, ``day`` and ``score`` for each account-day of ``events``."""
        if self.model_ is None:
            raise InvalidInput("the baseline is not trained: call fit(world) first")
        frame = account_days(events)
        x = frame.select(FEATURES).to_numpy().astype(np.float64)
        return frame.select("account_id", "day").with_columns(
            score=pl.Series(self.model_.predict(x), dtype=pl.Float64)
        )


def refuse_same_world(train: Path, report: Path) -> None:
    """Refuse to train on the report world (same folder, or the same configuration and seed)."""
    if train.resolve() == report.resolve():
        raise InvalidInput(
            f"the training world {train} is the report world: train the baseline on another "
            "world (a different seed) so it is judged on events it has never seen"
        )
    configs = [_config(p) for p in (train, report)]
    if configs[0] is not None and configs[0] == configs[1]:
        raise InvalidInput(
            f"{train} and {report} were simulated with the same configuration and seed: they "
            "are the same world; train the baseline on a world with a different seed"
        )


def _config(world: Path) -> Any:
    try:
        return json.loads((world / "summary.json").read_text(encoding="utf-8")).get("config")
    except (OSError, ValueError):
        return None


def run_baseline(train: Path, report: Path, fprs: tuple[tuple[str, float], ...]) -> BaselineReport:
    """Train on ``train``, score ``report`` each end of day, evaluate at each (name, FPR)."""
    started = time.perf_counter()
    refuse_same_world(train, report)
    model = EodBaseline().fit(train)
    events = pl.read_parquet(report / "events.parquet")
    scorer = _Scorer(model.score(events), events, load_world(report).labels)
    return BaselineReport(
        train_world=str(train),
        train_rows=model.rows_,
        train_positives=model.positives_,
        features=FEATURES,
        points=tuple(scorer.point(name, rate) for name, rate in fprs),
        seconds=round(time.perf_counter() - started, 2),
    )


class _Scorer:
    """The report world's account-day scores turned into person flags at a threshold."""

    def __init__(self, scored: pl.DataFrame, events: pl.DataFrame, labels: Labels) -> None:
        self.who = _Population(events, labels)
        self.labels = labels
        self.scored = scored.with_columns(
            person=pl.col("account_id").replace_strict(self.who.person_of, default=None)
        ).filter(pl.col("person").is_not_null())
        top = self.scored.group_by("person").agg(pl.col("score").max())
        self.top: dict[str, float] = dict(zip(top["person"], top["score"], strict=True))
        labeled = list(labels.events)
        owned = (
            events.filter(pl.col("event_id").is_in(labeled) & pl.col("account_id").is_not_null())
            .select("event_id", "account_id", pl.col("occurred_at").dt.epoch("s").alias("ts"))
            .sort("ts")
        )
        self.owned = list(owned.iter_rows())
        self.first_fraud: dict[str, int] = {}
        for _, account, ts in self.owned:
            self.first_fraud.setdefault(account, ts)

    def point(self, name: str, rate: float) -> BaselinePoint:
        """Flags at the threshold giving ``rate`` of good persons flagged, and their scores."""
        good = np.array([self.top.get(p, 0.0) for p in self.who.good], dtype=np.float64)
        threshold = threshold_for(good, rate)
        firsts = (
            self.scored.filter(pl.col("score") >= threshold)
            .group_by("person")
            .agg(pl.col("day").min())
            .with_columns(ts=pl.col("day").cast(pl.Datetime("us", "UTC")).dt.epoch("s") + 86_400)
        )
        flags: dict[str, int] = dict(zip(firsts["person"], firsts["ts"], strict=True))
        honest = [*self.who.good, *sorted(self.who.hard)]
        false = sum(p in flags for p in honest)
        caught = {a["person_id"] for a in self.who.actors if a["person_id"] in flags}
        return BaselinePoint(
            name=name,
            target_fpr_good=rate,
            threshold=threshold,
            fpr_good=_ratio(sum(p in flags for p in self.who.good), len(self.who.good)),
            fpr_hard_negative=_ratio(sum(p in flags for p in self.who.hard), len(self.who.hard)),
            precision=_ratio(len(caught), len(caught) + false),
            rows=tuple(self._row(t, flags) for t in _typologies(self.who.actors)),
        )

    def _row(self, typology: str, flags: dict[str, int]) -> BaselineRow:
        actors = [a for a in self.who.actors if a["typology"] == typology]
        delays = []
        for a in actors:
            flag = flags.get(a["person_id"])
            ring = self.labels.rings.get(a["ring_id"], {})
            if flag is not None and flag <= ring.get("end_ts", a["start_ts"]):
                began = self.first_fraud.get(a["id"], a["start_ts"])
                delays.append(max(0.0, (flag - began) / 3600))
        stopped = 0
        for event_id, account, ts in self.owned:
            label = self.labels.events[event_id]
            if label["typology"] != typology or "credit_cents" not in label:
                continue
            flag = flags.get(self.who.person_of.get(account, ""))
            if flag is not None and flag < ts:
                stopped += int(label["credit_cents"])
        at_risk = sum(
            int(r.get("credit_cents", 0))
            for r in self.labels.events.values()
            if r["typology"] == typology
        )
        return BaselineRow(
            typology=typology,
            actors=len(actors),
            detected=len(delays),
            recall=_ratio(len(delays), len(actors)),
            credit_at_risk=at_risk / 100,
            credit_stopped=stopped / 100,
            money_stopped_share=_ratio(stopped, at_risk),
            median_hours_to_detection=round(statistics.median(delays), 2) if delays else None,
        )


def _typologies(actors: list[dict[str, Any]]) -> list[str]:
    from riskline.sim.config import TYPOLOGIES

    present = {a["typology"] for a in actors}
    return [t for t in TYPOLOGIES if t in present] + sorted(present - set(TYPOLOGIES))


def _ratio(num: float, den: float) -> float:
    return round(num / den, 4) if den else 0.0
