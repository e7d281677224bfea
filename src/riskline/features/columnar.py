"""Point-in-time batch features straight from columnar events (Parquet, Arrow, polars).

The input is the event table of :func:`riskline.batch.events.event_table` (also written by
:func:`write_columns`): one row per event in arrival order with ``event_id``, ``ts`` (seconds),
``type``, ``e_<kind>`` for the entities named on the event and ``f_<field>`` for the fields the
catalog reads, normalised as the online engine sees them (money in cents, booleans 1.0/0.0,
enums as text; personal identifiers already keyed hashes). Skipping Python event objects is
what makes the batch path fast: the computation is :func:`~riskline.features.fastbatch.
batch_from_frame`, the same as :func:`~riskline.features.batch.compute_batch`, so the values are
the online engine's (tests prove it).

>>> import tempfile, pathlib
>>> from riskline.features import compute_batch, default_catalog
>>> from riskline.bench.synth import generate_history
>>> cat, events = default_catalog(), generate_history(300, seed=2)
>>> path = pathlib.Path(tempfile.mkdtemp()) / "events.parquet"
>>> write_columns(cat, events, path)
300
>>> df = compute_batch_columns(cat, path)
>>> df.height, df.equals(compute_batch(cat, events))
(300, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TypeAlias

import polars as pl
import pyarrow as pa

from riskline.errors import InvalidInput
from riskline.events.types import Event
from riskline.features.catalog import Catalog
from riskline.features.fastbatch import batch_from_frame
from riskline.features.fields import DIRECT_KINDS
from riskline.features.frame import direct_frame, frame_from_columns, used_fields

__all__ = ["compute_batch_columns", "write_columns"]

Source: TypeAlias = str | Path | pl.DataFrame | pa.Table


def compute_batch_columns(
    catalog: Catalog, source: Source, lateness: timedelta = timedelta(hours=24)
) -> pl.DataFrame:
    """One row per input row: ``event_id`` and every feature, as the online engine saw them."""
    cat = used_fields(catalog)
    wanted = ["event_id", "ts", "type", *(f"e_{k}" for k in DIRECT_KINDS), *(f"f_{f}" for f in cat)]
    df = _read(source, wanted)
    for col in ("event_id", "ts", "type"):
        if col not in df.columns:
            raise InvalidInput(f"columnar events need a {col!r} column")
    casts = [pl.col("ts").cast(pl.Int64), pl.col("type").cast(pl.Utf8)]
    casts += [pl.col(c).cast(pl.Utf8) for c in df.columns if c.startswith("e_")]
    casts += [
        pl.col(f"f_{f}").cast(pl.Utf8 if text else pl.Float64)
        for f, text in cat.items()
        if f"f_{f}" in df.columns
    ]
    df = df.with_columns(casts).with_row_index("idx").with_columns(pl.col("idx").cast(pl.Int64))
    ids = df["event_id"].cast(pl.Utf8).to_arrow()
    return batch_from_frame(catalog, frame_from_columns(df, cat), ids, lateness)


def _read(source: Source, wanted: list[str]) -> pl.DataFrame:
    if isinstance(source, pl.DataFrame):
        return source.select(c for c in wanted if c in source.columns)
    if isinstance(source, pa.Table):
        table = source.select([c for c in wanted if c in source.column_names])
        out = pl.from_arrow(table)
        assert isinstance(out, pl.DataFrame)
        return out
    try:
        have = pl.read_parquet_schema(source)
        return pl.read_parquet(source, columns=[c for c in wanted if c in have])
    except (OSError, pl.exceptions.PolarsError) as err:
        raise InvalidInput(f"columnar events {source}: cannot be read: {err}") from None


def write_columns(catalog: Catalog, events: Sequence[Event], path: str | Path) -> int:
    """Write ``events`` as the event table (Parquet, zstd) that ``compute_batch_columns`` reads."""
    df = direct_frame(catalog, events).drop("idx")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    df.write_parquet(path, compression="zstd")
    return df.height
