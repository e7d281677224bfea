"""The event table the Spark jobs read: parsed events as one wide Parquet table.

One row per event in arrival order: ``idx`` (arrival position), ``event_id``, ``ts`` (seconds),
``type``, ``e_<kind>`` for every entity named on the event itself (before identity resolution,
which the backfill does) and ``f_<field>`` for every field a catalog reads, normalised exactly as
the online engine sees it (:mod:`riskline.features.fields`: money in cents, booleans 1.0/0.0,
enums as text). Personal identifiers are already keyed hashes (events are parsed with
:class:`~riskline.events.pii.PiiHasher` at the edge), so the table holds none in clear.

>>> from riskline.features import default_catalog
>>> from riskline.bench.synth import generate_history
>>> t = event_table(default_catalog(), generate_history(20, seed=1))
>>> t.num_rows, t.column_names[:4], "e_account" in t.column_names, "f_amount" in t.column_names
(20, ['idx', 'event_id', 'ts', 'type'], True, True)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from riskline.events.types import Event
from riskline.features.catalog import Catalog
from riskline.features.fields import DIRECT_KINDS, direct_entities, source_type
from riskline.features.frame import used_fields
from riskline.features.online import view_getters

__all__ = ["DIRECT_KINDS", "event_table", "field_types", "write_event_table"]


def field_types(catalog: Catalog) -> dict[str, bool]:
    """:func:`~riskline.features.frame.used_fields`, by field name (the table's column order)."""
    return dict(sorted(used_fields(catalog).items()))


def event_table(catalog: Catalog, events: Iterable[Event]) -> pa.Table:
    """The table described in the module docstring (arrival order = iteration order)."""
    fields = field_types(catalog)
    views = view_getters(catalog)
    cols: dict[str, list[object]] = {"idx": [], "event_id": [], "ts": [], "type": []}
    cols.update({f"e_{k}": [] for k in DIRECT_KINDS})
    cols.update({f"f_{f}": [] for f in fields})
    for i, event in enumerate(events):
        ts = int(event.occurred_at.timestamp())
        row: dict[str, object] = {"idx": i, "event_id": event.event_id, "ts": ts}
        row["type"] = source_type(event)  # a released step-up event matches no feature
        for kind, key in direct_entities(event):
            row[f"e_{kind}"] = key
        for name, get in views.get(event.type, ()):
            row[f"f_{name}"] = get(event, ts)
        for name, values in cols.items():
            values.append(row.get(name))
    schema = [("idx", pa.int64()), ("event_id", pa.string()), ("ts", pa.int64())]
    schema += [("type", pa.string())] + [(f"e_{k}", pa.string()) for k in DIRECT_KINDS]
    schema += [(f"f_{f}", pa.string() if cat else pa.float64()) for f, cat in fields.items()]
    return pa.table({name: pa.array(cols[name], kind) for name, kind in schema})


def write_event_table(catalog: Catalog, events: Iterable[Event], path: Path) -> int:
    """Write :func:`event_table` to ``path`` (Parquet, zstd); returns the number of events."""
    table = event_table(catalog, events)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")
    return int(table.num_rows)
