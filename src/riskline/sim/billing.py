"""Monthly revolving bills: on-time, late and defaulted repayments, vectorised.

On each account's statement day its revolving spend becomes a bill due nine days
later. Most pay before the due date (in full, or one in five partly), late payers pay
after an overdue notice, and accounts past their default time never pay again.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import polars as pl

from riskline.sim import looks
from riskline.sim.bulk import BulkState
from riskline.sim.world import DAY, World

__all__ = ["OVERDUE_STEPS", "bill_frames"]

OVERDUE_STEPS = (1, 7, 30)
"""Days after the due date on which an unpaid bill is reported overdue."""


def _epoch(d: date) -> int:
    return int(datetime.combine(d, time(), tzinfo=UTC).timestamp())


def bill_frames(world: World, day: int, state: BulkState) -> dict[str, pl.DataFrame]:
    """Repayments and overdue notices for the bills issued on ``day``.

    Each account has its own statement day (1-28 of the month, chosen at opening); its bill
    is due nine days later.
    """
    today = world.config.start + timedelta(days=day)
    if day == 0:
        return {}
    rng = world.rng(3, day)
    due = today + timedelta(days=9)
    due_ts = _epoch(due)
    acc = np.flatnonzero((state.cycle_spend >= 100) & (world.pop.a_bill_day == today.day))
    if not acc.size:
        return {}
    bill = np.round(state.cycle_spend[acc]).astype(np.int64)
    state.cycle_spend[acc] = 0
    default = world.pop.a_default_ts[acc] <= due_ts + DAY
    late = ~default & world.pop.a_late[acc] & (rng.random(acc.size) < 0.6)
    pay = ~default
    paid, pay_ts = _payments(rng, bill, late, due_ts)
    _schedule(world, state, acc[pay], paid[pay], pay_ts[pay])
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


def _schedule(
    world: World, state: BulkState, acc: np.ndarray, paid: np.ndarray, ts: np.ndarray
) -> None:
    """Remember when each repayment frees credit, so later purchases see the room."""
    days = (ts - world.start_ts) // DAY
    for day in np.unique(days).tolist():
        mask = days == day
        old = state.repay.get(int(day))
        new = (acc[mask].astype(np.int64), paid[mask].astype(np.float64))
        if old is not None:
            new = (np.concatenate([old[0], new[0]]), np.concatenate([old[1], new[1]]))
        state.repay[int(day)] = new


def _payments(
    rng: np.random.Generator, bill: np.ndarray, late: np.ndarray, due_ts: int
) -> tuple[np.ndarray, np.ndarray]:
    """Amount paid (full, or partial for one in five) and when: before due, or late."""
    size = bill.size
    partial = rng.random(size) < 0.2
    paid = np.where(partial, np.maximum(bill // 10, np.round(bill * rng.random(size))), bill)
    hour = looks.day_times(rng, 0, np.zeros(size, dtype=np.bool_))
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
