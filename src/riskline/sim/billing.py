"""Monthly revolving bills: on-time, late and defaulted repayments, vectorised.

On the first day of each month every account's revolving spend becomes a bill due
on the 10th. Most pay before the due date, late payers pay after an overdue
notice, and accounts past their default time never pay again.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import polars as pl

from riskline.sim.bulk import BulkState
from riskline.sim.world import DAY, World

__all__ = ["OVERDUE_STEPS", "bill_frames"]

OVERDUE_STEPS = (1, 7, 30)
"""Days after the due date on which an unpaid bill is reported overdue."""


def _epoch(d: date) -> int:
    return int(datetime.combine(d, time(), tzinfo=UTC).timestamp())


def bill_frames(world: World, day: int, state: BulkState) -> dict[str, pl.DataFrame]:
    """Repayments and overdue notices for the bills issued on ``day`` (empty on other days)."""
    today = world.config.start + timedelta(days=day)
    if today.day != 1 or day == 0:
        return {}
    rng = world.rng(3, day)
    due = today.replace(day=10)
    due_ts = _epoch(due)
    acc = np.flatnonzero(state.cycle_spend >= 100)
    bill = np.round(state.cycle_spend[acc]).astype(np.int64)
    state.cycle_spend[:] = 0
    default = world.pop.a_default_ts[acc] <= due_ts + DAY
    late = ~default & world.pop.a_late[acc] & (rng.random(acc.size) < 0.6)
    pay = ~default
    paid, pay_ts = _payments(rng, bill, late, due_ts)
    repay = pl.DataFrame(
        {
            "ts": pay_ts[pay],
            "account_id": world.pop.a_id[acc[pay]],
            "product": "revolving",
            "amount": paid[pay],
            "due_date": due.isoformat(),
            "paid_at": pay_ts[pay],
        }
    )
    overdue = _overdue(acc, bill, default, late, due_ts, world, due.isoformat(), rng)
    return {"repayment": repay, "bill_overdue": overdue}


def _payments(
    rng: np.random.Generator, bill: np.ndarray, late: np.ndarray, due_ts: int
) -> tuple[np.ndarray, np.ndarray]:
    """Amount paid (full, or partial for one in five) and when: before due, or late."""
    size = bill.size
    partial = rng.random(size) < 0.2
    paid = np.where(partial, np.maximum(bill // 10, np.round(bill * rng.random(size))), bill)
    hour = rng.integers(8, 23, size) * 3600
    early = due_ts - rng.integers(0, 9, size) * DAY + hour
    after = due_ts + rng.integers(2, 21, size) * DAY + hour
    return np.maximum(paid, 1).astype(np.int64), np.where(late, after, early).astype(np.int64)


def _overdue(
    acc: np.ndarray,
    bill: np.ndarray,
    default: np.ndarray,
    late: np.ndarray,
    due_ts: int,
    world: World,
    due_text: str,
    rng: np.random.Generator,
) -> pl.DataFrame:
    frames = []
    for step in OVERDUE_STEPS:
        mask = default | (late & (step == 1))
        ts = due_ts + step * DAY + rng.integers(6 * 3600, 9 * 3600, int(mask.sum()))
        frames.append(
            pl.DataFrame(
                {
                    "ts": ts.astype(np.int64),
                    "account_id": world.pop.a_id[acc[mask]],
                    "product": "revolving",
                    "amount_due": bill[mask],
                    "due_date": due_text,
                    "days_overdue": step,
                }
            )
        )
    return pl.concat(frames)
