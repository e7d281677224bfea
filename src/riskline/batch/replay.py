"""Entities the window expressions cannot reproduce, replayed through the online plan itself.

An entity is replayed when its read time goes back in arrival order (events out of order across
a bucket edge, or late events reading at the horizon after newer ones) or when one of its value
sets outgrows the online engine's cap (the online set then forgets values). Each such entity's
rows go to one Python worker (``groupBy(key).applyInPandas``), are sorted by arrival (Spark
gives a group's rows in no particular order) and run through the compiled online plan, so the
values are the online ones by construction.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from typing import Any

from riskline.features.catalog import Catalog, definition_from_dict
from riskline.features.compiler import compile_catalog
from riskline.features.plan import KindPlan

__all__ = ["replayer"]

_PLANS: dict[tuple[str, str], KindPlan] = {}


def _plan(defs: list[dict[str, Any]], kind: str) -> KindPlan:
    catalog = Catalog(definition_from_dict(d) for d in defs)
    key = (catalog.fingerprint(), kind)
    if key not in _PLANS:
        _PLANS[key] = compile_catalog(catalog)[kind]
    return _PLANS[key]


def _clean(x: Any) -> Any:
    """pandas writes missing numbers as NaN; the online views hold None."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return x


def replayer(defs: list[dict[str, Any]], fields: list[str]) -> Callable[[Any], Any]:
    """A pandas function: one entity's rows in, ``idx``, ``kind`` and every feature ``c<i>`` out.

    Columns ``c<i>`` follow the order of ``defs``; those of other entity kinds stay null. Arrow
    turns pandas NaN into null on the way back: the caller restores NaN on the kind's own
    columns (a feature read never yields null).
    """
    column = {d["name"]: f"c{i}" for i, d in enumerate(defs)}

    def replay(pdf: Any) -> Any:
        pd: Any = importlib.import_module("pandas")

        plan = _plan(defs, str(pdf["kind"].iloc[0]))
        pdf = pdf.sort_values("idx", kind="stable")
        st = plan.new_state()
        cols = {f: [_clean(x) for x in pdf[f"f_{f}"].tolist()] for f in fields}
        mine = [(name, column[name]) for name, _ in plan.readers]
        out: dict[str, list[float | None]] = {c: [None] * len(pdf) for c in column.values()}
        rows = zip(pdf["type"], pdf["ts"], pdf["t"], pdf["hz"], pdf["late"], strict=True)
        for j, (etype, ts, t, hz, late) in enumerate(rows):
            view = {f: cols[f][j] for f in fields if cols[f][j] is not None}
            update = plan.updates.get(etype)
            if update is not None:
                update(st, view, int(ts), bool(late), int(hz))
            values: dict[str, float] = {}
            plan.read(st, int(t), int(hz), values)
            for name, c in mine:
                out[c][j] = values[name]
        frame = {c: pd.array(v, dtype="Float64") for c, v in out.items()}
        return pd.DataFrame({"idx": pdf["idx"].to_numpy(), "kind": pdf["kind"].to_numpy(), **frame})

    return replay
