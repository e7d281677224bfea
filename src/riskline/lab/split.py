"""Train/test splits anyone can reproduce: by time, stratified or random (scikit-learn's
``train_test_split`` on the row numbers), or a separate test file."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from riskline.errors import InvalidInput
from riskline.scoring.splits import time_split

__all__ = ["SPLITS", "Split", "split_rows"]

SPLITS = ("time", "stratified", "random")


@dataclass(frozen=True, slots=True)
class Split:
    """Row numbers of the training and test slices and a sentence saying how they were cut."""

    train: NDArray[np.intp]
    test: NDArray[np.intp]
    description: str


def split_rows(
    y: NDArray[np.int_],
    how: str,
    *,
    seed: int = 42,
    test_size: float = 0.3,
    times: pl.Series | None = None,
) -> Split:
    """Cut rows into train and test.

    ``stratified`` is exactly ``train_test_split(np.arange(n), test_size=test_size,
    random_state=seed, stratify=y)``; ``random`` the same without ``stratify``; ``time`` puts
    the newest ``test_size`` of rows (ties kept together) in the test slice.

    >>> s = split_rows(np.array([0, 1] * 10), "stratified", seed=1, test_size=0.5)
    >>> len(s.train), len(s.test), int(np.array([0, 1] * 10)[s.test].sum())
    (10, 10, 5)
    """
    from sklearn.model_selection import train_test_split  # type: ignore[import-untyped]

    if not 0 < test_size < 1:
        raise InvalidInput(f"--test-size must be between 0 and 1, got {test_size}")
    n = int(np.asarray(y).size)
    pct = f"{test_size * 100:g} %"
    if how == "time":
        if times is None:
            raise InvalidInput("--split time needs --time COLUMN")
        order = times.to_physical().to_numpy()
        train, test = time_split(order, [1 - test_size, test_size])
        lo, hi = str(times.gather(test).min()), str(times.gather(test).max())
        return Split(train, test, f"time: newest {pct} by {times.name!r} as test ({lo} to {hi})")
    if how not in SPLITS:
        raise InvalidInput(f"unknown --split {how!r}; use one of {', '.join(SPLITS)}")
    stratify = np.asarray(y) if how == "stratified" else None
    train, test = train_test_split(
        np.arange(n), test_size=test_size, random_state=seed, stratify=stratify
    )
    desc = f"{how}: test {pct}, seed {seed} (scikit-learn train_test_split on row numbers)"
    return Split(np.asarray(train, np.intp), np.asarray(test, np.intp), desc)
