"""Events as one columnar frame, with the entities the online engine would resolve for each.

One row per event in arrival order: ``idx``, ``ts`` (seconds), ``type``, one column per entity
kind (``k_<kind>``, resolved exactly like :func:`riskline.features.online.resolve_entities`:
identity links come from the newest ``account_opened`` / ``merchant_registered`` that arrived
no later than the event) and one column per field the catalog reads (``f_<field>``).

>>> from riskline.features import default_catalog
>>> from riskline.bench.synth import generate_history
>>> df = event_frame(default_catalog(), generate_history(50, seed=1))
>>> df.height, df["idx"].to_list()[:3], "k_account_merchant" in df.columns
(50, [0, 1, 2], True)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import cache
from operator import attrgetter
from typing import Any

import polars as pl

from riskline.events import EVENT_TYPES
from riskline.events.types import Event
from riskline.features.catalog import Catalog
from riskline.features.fields import (
    _DERIVED,
    _ENTITY_ATTRS,
    DIRECT_KINDS,
    ENTITY_KINDS,
    LOCAL_UTC_OFFSET,
    fields_of,
    source_type,
)
from riskline.features.online import view_getters

__all__ = ["direct_frame", "event_frame", "frame_from_columns", "used_fields"]

_FROM_TS = ("hour", "is_night")
_ENUMS = {"Product", "Funding", "Channel", "VerificationMethod"}


def used_fields(catalog: Catalog) -> dict[str, bool]:
    """Field name -> categorical, for every field a definition of ``catalog`` reads."""
    out: dict[str, bool] = {}
    for d in catalog:
        for etype in d.events:
            fields = fields_of(etype)
            for f in (d.value, *(w for w, _ in d.where)):
                if f:
                    out[f] = fields[f].categorical
    return out


def _type_frame(
    etype: str, evs: list[Any], idxs: list[int], tss: list[int], getters: Any, cat: dict[str, bool]
) -> pl.DataFrame:
    # the type feature sources see (a released step-up event matches none); its entities and
    # fields are still those of ``etype``
    cols: dict[str, Any] = {"idx": idxs, "ts": tss, "type": list(map(source_type, evs))}
    cols["event_id"] = list(map(attrgetter("event_id"), evs))
    schema: dict[str, Any] = {"idx": pl.Int64, "ts": pl.Int64, "type": pl.Utf8}
    schema["event_id"] = pl.Utf8
    for kind, attr in _ENTITY_ATTRS.get(etype, ()):
        cols[f"e_{kind}"] = [x or None for x in map(attrgetter(attr), evs)]
        schema[f"e_{kind}"] = pl.Utf8
    kinds = _annotations(etype)
    for name, get in getters:
        if name in _FROM_TS:
            continue  # computed from ``ts`` by columns
        cols[f"f_{name}"] = _column(kinds.get(name), name, get, evs, tss)
        schema[f"f_{name}"] = pl.Utf8 if cat[name] else pl.Float64
    return pl.DataFrame(cols, schema=schema)


@cache
def _annotations(etype: str) -> dict[str, str]:
    """Plain attributes of an event type by how :mod:`fields` normalises them."""
    derived = {n for n, (types, _) in _DERIVED.items() if types is None or etype in types}
    out = {}
    for f in dataclasses.fields(EVENT_TYPES[etype]):
        base = str(f.type).replace(" | None", "").strip()
        if f.name not in derived:
            out[f.name] = "enum" if base in _ENUMS else base
    return out


def _column(kind: str | None, name: str, get: Any, evs: list[Any], tss: list[int]) -> list[Any]:
    """The values of one field, as its :class:`FieldGetter` gives them (inlined for speed)."""
    raw = list(map(attrgetter(name), evs)) if kind is not None else []
    if kind == "str":
        return raw
    if kind == "enum":
        return [x if x is None or x.__class__ is str else str(x.value) for x in raw]
    if kind == "Decimal":
        return [None if x is None else float(int(x * 100)) for x in raw]
    if kind in ("int", "float", "bool"):
        return [None if x is None else float(x) for x in raw]
    return [get(e, t) for e, t in zip(evs, tss, strict=True)]


def _from_ts(df: pl.DataFrame, cat: dict[str, bool]) -> pl.DataFrame:
    hour = ((pl.col("ts") + LOCAL_UTC_OFFSET) // 3600 % 24).cast(pl.Float64)
    exprs = {"hour": hour, "is_night": pl.when(hour < 6).then(1.0).otherwise(0.0)}
    return df.with_columns(exprs[f].alias(f"f_{f}") for f in _FROM_TS if f in cat)


def event_frame(catalog: Catalog, events: Sequence[Event]) -> pl.DataFrame:
    """The frame described in the module docstring."""
    return frame_from_columns(direct_frame(catalog, events), used_fields(catalog))


def direct_frame(catalog: Catalog, events: Sequence[Event]) -> pl.DataFrame:
    """Events as columns before resolution: ``idx event_id ts type e_<kind> f_<field>``.

    The layout of :func:`riskline.batch.events.event_table`, which
    :func:`riskline.features.columnar.compute_batch_columns` reads back.
    """
    by_type: dict[str, tuple[list[Any], list[int], list[int]]] = {}
    for i, e in enumerate(events):
        evs, idxs, tss = by_type.setdefault(e.type, ([], [], []))
        evs.append(e)
        idxs.append(i)
        tss.append(int(e.occurred_at.timestamp()))
    views, cat = view_getters(catalog), used_fields(catalog)
    parts = [
        _type_frame(t, evs, idxs, tss, views.get(t, ()), cat)
        for t, (evs, idxs, tss) in by_type.items()
    ]
    empty = {"idx": pl.Int64, "event_id": pl.Utf8, "ts": pl.Int64, "type": pl.Utf8}
    return pl.concat([pl.DataFrame(schema=empty), *parts], how="diagonal_relaxed").sort("idx")


def frame_from_columns(df: pl.DataFrame, cat: dict[str, bool]) -> pl.DataFrame:
    """The frame from direct columns (``idx``, ``ts``, ``type``, ``e_<kind>``, ``f_<field>``).

    ``cat`` is :func:`used_fields` of the catalog; absent columns are added as nulls, ``hour``
    and ``is_night`` are recomputed from ``ts``, identity links and pairs are resolved.
    """
    missing = [f"e_{k}" for k in DIRECT_KINDS if f"e_{k}" not in df.columns]
    missing += [f"f_{f}" for f in cat if f"f_{f}" not in df.columns and f not in _FROM_TS]
    df = df.with_columns(
        pl.lit(None, dtype=pl.Utf8 if m.startswith("e_") or cat[m[2:]] else pl.Float64).alias(m)
        for m in missing
    )
    return _resolve(_from_ts(df, cat))


def _links(df: pl.DataFrame, etype: str, key: str, cols: dict[str, str]) -> pl.DataFrame:
    return df.filter(pl.col("type") == etype).select(
        "idx", pl.col(f"e_{key}").alias(f"_{key}"), *(pl.col(c).alias(a) for a, c in cols.items())
    )


def _resolve(df: pl.DataFrame) -> pl.DataFrame:
    acc = _links(
        df, "account_opened", "account", {"_ap": "e_person", "_aph": "e_phone", "_aid": "e_id"}
    )
    mer = _links(df, "merchant_registered", "merchant", {"_mo": "e_person", "_mc": "e_card"})
    for links, key in ((acc, "account"), (mer, "merchant")):
        df = df.join_asof(
            links, on="idx", by_left=f"e_{key}", by_right=f"_{key}", check_sortedness=False
        )
    a, d, m = pl.col("e_account"), pl.col("e_device"), pl.col("e_merchant")
    resolved = {
        "account": a,
        "person": pl.coalesce("e_person", "_ap", pl.when(a.is_null()).then(pl.col("_mo"))),
        "phone": pl.coalesce("e_phone", "_aph"),
        "id": pl.coalesce("e_id", "_aid"),
        "card": pl.coalesce("e_card", "_mc"),
        "device": d,
        "ip": pl.col("e_ip"),
        "merchant": m,
        "enterprise": pl.col("e_enterprise"),
        "account_device": pl.concat_str([a, pl.lit("|"), d]),
        "account_merchant": pl.concat_str([a, pl.lit("|"), m]),
    }
    assert set(resolved) == set(ENTITY_KINDS)
    return df.select(
        "idx",
        "ts",
        "type",
        *(v.alias(f"k_{k}") for k, v in resolved.items()),
        *(c for c in df.columns if c.startswith("f_")),
    )
