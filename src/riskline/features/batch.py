"""Point-in-time batch features: every event of a history, as the online path saw it.

A value at event *t* is exactly what :class:`~riskline.features.online.OnlineFeatures` had at
*t* (no leakage). :func:`compute_batch` computes by columns (:mod:`riskline.features.fastbatch`);
:func:`compute_batch_replay` replays the history through the online engine, the definition the
fast path is tested against. Features of entities an event does not touch are null.

>>> from riskline.features import default_catalog
>>> from riskline.bench.synth import generate_history
>>> df = compute_batch(default_catalog(), generate_history(300, seed=2))
>>> df.height, df.columns[0], len(df.columns) == len(default_catalog()) + 1
(300, 'event_id', True)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import polars as pl

from riskline.events.types import Event
from riskline.features.catalog import Catalog
from riskline.features.fastbatch import compute_batch_fast
from riskline.features.online import OnlineFeatures
from riskline.features.stores import MemoryStore

__all__ = ["compute_batch", "compute_batch_replay"]


def compute_batch(
    catalog: Catalog, events: Iterable[Event], lateness: timedelta = timedelta(hours=24)
) -> pl.DataFrame:
    """One row per event (``event_id`` + one Float64 column per feature), arrival order = order."""
    return compute_batch_fast(catalog, events, lateness)


def compute_batch_replay(
    catalog: Catalog, events: Iterable[Event], lateness: timedelta = timedelta(hours=24)
) -> pl.DataFrame:
    """:func:`compute_batch` by replaying every event through the online engine (slow, simple)."""
    online = OnlineFeatures(catalog, MemoryStore(), lateness=lateness, sweep_every=0)
    names = [d.name for d in catalog]
    cols: dict[str, list[float | None]] = {n: [] for n in names}
    ids: list[str] = []
    process = online.process
    appenders = [(n, cols[n].append) for n in names]
    for event in events:
        out = process(event)
        ids.append(event.event_id)
        get = out.get
        for name, append in appenders:
            append(get(name))
    data: dict[str, pl.Series] = {"event_id": pl.Series("event_id", ids, dtype=pl.Utf8)}
    for n in names:
        data[n] = pl.Series(n, cols[n], dtype=pl.Float64, nan_to_null=False)
    return pl.DataFrame(data)
