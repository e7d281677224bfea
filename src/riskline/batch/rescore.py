"""Portfolio re-scoring on Spark: every person's credit score, fraud score, limit band and
recommended line action, from the backfilled features and the registry's active models.

A person's scoring row is the feature vector the engine saw at the person's newest event that
also names an account (else their newest event): the backfill gives exactly that row, so the
re-score is what the engine would compute at that event with today's models. Models are
applied by ``mapInPandas`` in vectorised batches (the scorecard's points, the fraud model's
calibrated probability). The band is :class:`~riskline.credit.limits.BandTable`'s; the action
compares the band's limit and the fraud score with the person's current line, if one is given.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from riskline.credit.limits import PLACEHOLDER_SCORE, BandTable
from riskline.decisioning.types import ActionKind
from riskline.events.types import Product

__all__ = [
    "RESULT_SCHEMA",
    "CardLike",
    "FraudLike",
    "RescorePolicy",
    "recommend",
    "rescore",
    "scoring_rows",
]

RESULT_SCHEMA = (
    "person_id string, account_id string, event_id string, credit_score double, "
    "fraud_score double, band string, limit_revolving double, limit_cash_loan double, "
    "current_limit double, action string"
)


class CardLike(Protocol):
    """What re-scoring needs of a scorecard (``riskline.scoring.Scorecard`` fits)."""

    @property
    def features(self) -> tuple[str, ...]: ...

    def score(self, rows: Any) -> Any: ...


class FraudLike(Protocol):
    """What re-scoring needs of a fraud model (``riskline.scoring.GbdtModel`` fits)."""

    features_: tuple[str, ...]

    def predict_proba(self, x: Any) -> Any: ...


_DOT = "__"
"""Stands for the dot of feature names on the way through ``mapInPandas``."""


@dataclass(frozen=True, slots=True)
class RescorePolicy:
    """When a re-score recommends acting on a line (versioned with the run, not hard-coded)."""

    freeze_fraud_at: float = 0.9
    """Fraud probability from which an active line should be frozen."""


def scoring_rows(features: Any, resolved: Any) -> Any:
    """Per person, the feature row of their newest event naming an account (else newest).

    ``features`` is the backfill frame, ``resolved`` has ``idx``, ``k_person``, ``k_account``.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F  # noqa: N812

    keys = resolved.where(F.col("k_person").isNotNull()).select(
        "idx", F.col("k_person").alias("person_id"), F.col("k_account").alias("account_id")
    )
    rank = Window.partitionBy("person_id").orderBy(
        F.col("account_id").isNotNull().desc(), F.col("idx").desc()
    )
    newest = keys.withColumn("_r", F.row_number().over(rank)).where(F.col("_r") == 1).drop("_r")
    return newest.join(features, "idx").drop("idx")


def _scores(
    card: CardLike | None, fraud: FraudLike | None, bands: BandTable, policy: RescorePolicy
) -> Any:
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        pd: Any = importlib.import_module("pandas")
        import polars as pl

        for pdf in batches:
            pdf = pdf.rename(columns=lambda c: c.replace(_DOT, "."))
            n = len(pdf)
            credit = np.full(n, PLACEHOLDER_SCORE)
            if card is not None and n:
                credit = np.asarray(card.score(_frame(pl, pdf, card.features)), dtype=np.float64)
            risk = np.full(n, np.nan)
            if fraud is not None and n:
                risk = np.asarray(fraud.predict_proba(_matrix(pdf, fraud.features_)), np.float64)
            current = pdf["current_limit"].to_numpy(dtype=np.float64, na_value=np.nan)
            out = [
                _row(bands, policy, s, f, c) for s, f, c in zip(credit, risk, current, strict=True)
            ]
            yield pd.DataFrame(
                {
                    "person_id": pdf["person_id"],
                    "account_id": pdf["account_id"],
                    "event_id": pdf["event_id"],
                    "credit_score": credit,
                    "fraud_score": risk,
                    "band": [o[0] for o in out],
                    "limit_revolving": [o[1] for o in out],
                    "limit_cash_loan": [o[2] for o in out],
                    "current_limit": current,
                    "action": [o[3] for o in out],
                }
            )

    return run


def _frame(pl: Any, pdf: Any, names: Sequence[str]) -> Any:
    cols = {
        n: pdf[n].to_numpy(dtype=np.float64, na_value=np.nan) if n in pdf else None for n in names
    }
    return pl.DataFrame(
        {n: (v if v is not None else [None] * len(pdf)) for n, v in cols.items()}, nan_to_null=True
    )


def _matrix(pdf: Any, names: Sequence[str]) -> Any:
    cols = [
        pdf[n].to_numpy(dtype=np.float64, na_value=np.nan)
        if n in pdf
        else np.full(len(pdf), np.nan)
        for n in names
    ]
    return np.column_stack(cols) if cols else np.empty((len(pdf), 0))


def _row(
    bands: BandTable, policy: RescorePolicy, score: float, fraud: float, current: float
) -> tuple[str, float, float, str | None]:
    band = bands.band_for(float(score))
    revolving = float(band.limits.get(Product.REVOLVING, 0))
    cash = float(band.limits.get(Product.CASH_LOAN, 0))
    return band.name, revolving, cash, recommend(policy, revolving, fraud, current)


def recommend(policy: RescorePolicy, limit: float, fraud: float, current: float) -> str | None:
    """The line action a re-score recommends (None: leave the line as it is).

    >>> p = RescorePolicy()
    >>> recommend(p, 5000, 0.95, 8000), recommend(p, 5000, 0.1, 8000), recommend(p, 5000, 0.1, 5000)
    ('freeze', 'cut_limit', None)
    >>> recommend(p, 5000, float("nan"), float("nan")), recommend(p, 0, 0.1, float("nan"))
    ('open_line', None)
    """
    has_line = current == current
    if has_line and fraud == fraud and fraud >= policy.freeze_fraud_at:
        return ActionKind.FREEZE.value
    if has_line and limit < current:
        return ActionKind.CUT_LIMIT.value
    if not has_line and limit > 0 and not (fraud == fraud and fraud >= policy.freeze_fraud_at):
        return ActionKind.OPEN_LINE.value
    return None


def rescore(
    rows: Any,
    card: CardLike | None,
    fraud: FraudLike | None,
    bands: BandTable,
    lines: Any | None = None,
    policy: RescorePolicy | None = None,
) -> Any:
    """Score the :func:`scoring_rows`; ``lines`` (``owner_id``, ``credit_limit``) are current
    revolving limits. Returns a DataFrame of :data:`RESULT_SCHEMA`."""
    from pyspark.sql import functions as F  # noqa: N812

    if lines is not None:
        current = lines.select(
            F.col("owner_id").alias("person_id"),
            F.col("credit_limit").cast("double").alias("current_limit"),
        )
        rows = rows.join(current, "person_id", "left")
    else:
        rows = rows.withColumn("current_limit", F.lit(None).cast("double"))
    run = _scores(card, fraud, bands, policy or RescorePolicy())
    safe = rows.select(*(F.col(f"`{c}`").alias(c.replace(".", _DOT)) for c in rows.columns))
    return safe.mapInPandas(run, RESULT_SCHEMA)  # mapInPandas cannot take dotted names
