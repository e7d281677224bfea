"""Spark jobs beside the local (non-Spark) jobs on the same data, in the same run.

* backfill: a simulated world's events, Spark :func:`~riskline.batch.backfill.backfill` against
  the vectorised local batch (:func:`riskline.features.compute_batch`); events/s;
* re-scoring: every person of that world, Spark ``mapInPandas`` against the same scoring
  function on one pandas frame; persons/s (models from RISKLINE_MODEL_DIR when registered);
* components: ``edges`` links from :func:`riskline.bench.graph.synthetic_events`, Spark
  large-star/small-star against the rustworkx job (:func:`riskline.graph.run_batch`).

Spark timings include planning and the final write to a ``noop`` sink, not session start-up.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from riskline.batch.backfill import backfill
from riskline.batch.events import event_table
from riskline.batch.graph import components, link_table
from riskline.batch.models import active_models
from riskline.batch.rescore import RescorePolicy, _scores, rescore, scoring_rows
from riskline.batch.resolve import resolve
from riskline.credit.limits import BandTable
from riskline.events.pii import PiiHasher
from riskline.features import compute_batch, default_catalog

__all__ = ["run"]

_SECRET = b"riskline-bench-secret-0123456789"


def _timed(fn: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - started


def _world_events(persons: int, folder: Path) -> list[Any]:
    from riskline.batch.jobs import world_events
    from riskline.sim import WorldConfig, simulate

    simulate(WorldConfig.small(persons=persons), folder)
    return list(world_events(folder, PiiHasher(_SECRET)))


def run(session: Any, persons: int = 2000, edges: int = 1_000_000) -> Iterator[str]:
    """Run the three comparisons; yields one printable line per figure."""
    from riskline.config import Settings

    catalog = default_catalog()
    with tempfile.TemporaryDirectory() as tmp:
        events = _world_events(persons, Path(tmp))
    n = len(events)
    _, local = _timed(lambda: compute_batch(catalog, events))
    yield f"backfill local (polars, 1 process): {n} events, {local:.1f} s, {n / local:,.0f}/s"
    table = event_table(catalog, events)
    frame = session.createDataFrame(table.to_pandas()).localCheckpoint()
    feats = backfill(frame, catalog)
    _, spark = _timed(lambda: feats.write.format("noop").mode("overwrite").save())
    master = session.sparkContext.master
    yield f"backfill spark ({master}): {n} events, {spark:.1f} s, {n / spark:,.0f} events/s"
    card, fraud = active_models(Settings().model_dir)
    bands = BandTable.default()
    rows = scoring_rows(
        feats, resolve(frame).select("idx", "k_person", "k_account")
    ).localCheckpoint()
    persons_n = rows.count()
    pdf = rows.toPandas()
    pdf["current_limit"] = float("nan")
    run_local = _scores(card, fraud, bands, RescorePolicy())
    _, local = _timed(lambda: list(run_local(iter([pdf]))))
    models = f"scorecard={'yes' if card else 'placeholder'}, fraud={'yes' if fraud else 'none'}"
    rate = persons_n / local
    yield f"rescore local (pandas, 1 process): {persons_n} persons, {local:.2f} s, {rate:,.0f}/s"
    yield f"  models: {models}"
    scored = rescore(rows, card, fraud, bands)
    _, spark = _timed(lambda: scored.write.format("noop").mode("overwrite").save())
    yield f"rescore spark: {persons_n} persons, {spark:.1f} s, {persons_n / spark:,.0f} persons/s"
    yield from _components(session, edges)


def _components(session: Any, edges: int) -> Iterator[str]:
    from riskline.bench.graph import synthetic_events
    from riskline.graph import run_batch

    accounts = max(1000, edges // 8)
    evs = list(islice(synthetic_events(accounts), edges // 2))
    links = link_table(evs)
    while links.num_rows < edges:
        evs = list(islice(synthetic_events(accounts), len(evs) * 3 // 2))
        links = link_table(evs)
    result, local = _timed(lambda: run_batch(evs))
    comps = len(result.components)
    n = links.num_rows
    yield f"components local (rustworkx + build): {n:,} links, {comps:,} comps, {local:.1f} s"
    frame = session.createDataFrame(links.to_pandas()).localCheckpoint()
    out, spark = _timed(lambda: components(frame).select("component").distinct().count())
    yield f"components spark (large/small-star): {n:,} links, {out:,} comps, {spark:.1f} s"
