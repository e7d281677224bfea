"""Generated per-event-type readers of an event: the field view and the direct entities.

The per-field getters of :mod:`riskline.features.fields` define the values; this module emits
one straight-line function per event type computing the same values (attribute names come from
the event dataclasses, never from user input), which saves a call per field on the hot path.

>>> from datetime import datetime, timezone
>>> from decimal import Decimal
>>> from riskline.events import Payment
>>> from riskline.features import default_catalog
>>> e = Payment(event_id="e1", occurred_at=datetime(2026, 1, 1, 17, tzinfo=timezone.utc),
...             account_id="a1", merchant_id="m1", amount=Decimal("200.00"))
>>> view = build_views(default_catalog())["payment"]
>>> view(e, int(e.occurred_at.timestamp()))["amount"], build_entities()["payment"](e)
(20000.0, {'account': 'a1', 'merchant': 'm1'})
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import Any

from riskline.events import EVENT_TYPES
from riskline.events.types import Channel, Funding, Product, VerificationMethod
from riskline.features.catalog import Catalog
from riskline.features.fields import _DERIVED, _ENTITY_ATTRS, LOCAL_UTC_OFFSET, Value, fields_of

__all__ = ["build_entities", "build_views", "view_source"]

View = Callable[[Any, int], dict[str, Value]]
Entities = Callable[[Any], dict[str, str]]
_ENUMS = {"Product", "Funding", "Channel", "VerificationMethod"}


def _cents(value: Decimal | None) -> Value:
    return None if value is None else float(int(value * 100))


def _num(value: float | None) -> Value:
    return None if value is None else float(value)


def _enum(value: str | Enum | None) -> Value:
    if value is None:
        return None
    return str(value.value) if isinstance(value, Enum) else value


_ENUM_VALUES: dict[Any, Value] = {
    m: _enum(m) for cls in (Channel, Funding, Product, VerificationMethod) for m in cls
}
"""Enum member -> its string value (a C-level lookup on the hot path; other values map to
themselves through ``.get(v, v)``)."""


def _attr_kinds(etype: str) -> dict[str, str]:
    """Plain attributes of an event type by how :mod:`fields` normalises them."""
    out = {}
    for f in dataclasses.fields(EVENT_TYPES[etype]):
        base = str(f.type).replace(" | None", "").strip()
        out[f.name] = "enum" if base in _ENUMS else base
    return out


def _expr(etype: str, name: str, scope: dict[str, Any]) -> str:
    if name == "hour":
        return "h"
    if name == "is_night":
        return "(1.0 if h < 6 else 0.0)"
    kind = _attr_kinds(etype).get(name)
    if name in _DERIVED or kind is None:
        scope[f"G_{name}"] = fields_of(etype)[name].get
        return f"G_{name}(e, ts)"
    return {
        "str": f"e.{name}",
        "enum": f"_enum_value(e.{name}, e.{name})",
        "Decimal": f"(None if (y := e.{name}) is None else float(int(y * 100)))",  # _cents
    }.get(kind, f"_num(e.{name})")


def view_source(
    etype: str, names: list[str], scope: dict[str, Any]
) -> tuple[list[str], dict[str, str]]:
    """Lines to run first (the local hour) and one expression per field of ``names``.

    Expressions read the event ``e`` and its time ``ts``; the helpers they call are added to
    ``scope``. Fields the event type does not have are left out (they read ``None``).
    """
    names = [n for n in names if n in fields_of(etype)]
    scope.update({"_cents": _cents, "_num": _num, "_enum_value": _ENUM_VALUES.get})
    first = (
        [f"h = float((ts + {LOCAL_UTC_OFFSET}) // 3600 % 24)"]
        if {"hour", "is_night"} & set(names)
        else []
    )
    return first, {n: _expr(etype, n, scope) for n in names}


def build_views(catalog: Catalog) -> dict[str, View]:
    """Per event type the catalog reads, ``view(event, ts)``: field name -> normalised value."""
    used = {f for d in catalog for f in (d.value, *(w for w, _ in d.where)) if f}
    out: dict[str, View] = {}
    for etype in sorted({e for d in catalog for e in d.events}):
        scope: dict[str, Any] = {}
        first, exprs = view_source(etype, sorted(used), scope)
        items = ", ".join(f"{n!r}: {x}" for n, x in exprs.items())
        text = "def view(e, ts):\n" + "".join(f"    {line}\n" for line in first)
        text += f"    return {{{items}}}\n"
        exec(compile(text, f"<features-view:{etype}>", "exec"), scope)
        out[etype] = scope["view"]
    return out


def build_entities() -> dict[str, Entities]:
    """Per event type, ``entities(event)``: the (kind -> id) pairs named on the event itself.

    The same pairs as :func:`riskline.features.fields.direct_entities`, empty ids left out.
    """
    out: dict[str, Entities] = {}
    for etype, attrs in _ENTITY_ATTRS.items():
        lines = ["def entities(e):", "    out = {}"]
        for kind, attr in attrs:
            lines += [f"    x = e.{attr}", f"    if x: out[{kind!r}] = x"]
        lines.append("    return out")
        scope: dict[str, Any] = {}
        exec(compile("\n".join(lines) + "\n", f"<features-entities:{etype}>", "exec"), scope)
        out[etype] = scope["entities"]
    return out
