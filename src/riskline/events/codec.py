"""Domain event <-> JSON-ready dict, for the ledger, files and the stream.

Encoded events hold only hashed identifiers, so they may be stored and logged.

>>> from datetime import datetime, timezone
>>> from decimal import Decimal
>>> from riskline.events.types import Payment
>>> e = Payment(event_id="e1", occurred_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
...             account_id="a1", merchant_id="m1", amount=Decimal("10.00"))
>>> decode_event(encode_event(e)) == e
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from types import MappingProxyType, UnionType
from typing import Any

import orjson

from riskline.errors import InvalidEvent
from riskline.events import types as t

__all__ = [
    "DERIVED_FIELDS",
    "EVENT_TYPES",
    "SPARSE_FIELDS",
    "canonical_json",
    "decode_event",
    "encode_event",
    "event_fingerprint",
    "fingerprint_of",
    "ledger_form",
    "to_plain",
]

EVENT_TYPES: Mapping[str, type[t.Event]] = MappingProxyType(
    {
        cls.type: cls
        for cls in (
            t.AccountOpened,
            t.Login,
            t.IdentityVerified,
            t.Payment,
            t.Refund,
            t.Transfer,
            t.MerchantRegistered,
            t.MerchantPayout,
            t.LoanApplication,
            t.LoanDrawdown,
            t.Repayment,
            t.BillOverdue,
            t.EnterpriseRegistered,
            t.EnterpriseLoanApplication,
            t.BureauReport,
        )
    }
)
"""Every domain event class by its ``type`` string."""


def to_plain(value: Any) -> Any:
    """JSON-ready form of domain values: enums, times, decimals, mappings, tuples, dataclasses."""
    kind = type(value)
    if kind is str or value is None or kind is int or kind is float or kind is bool:
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


SPARSE_FIELDS = frozenset(
    {"step_up", "channel", "merchant_category", "location", "phone_block_hash"}
)
"""Fields added after events were first stored: encoded only when set, so the encoding (and
fingerprint) of every event without them is what it was before they existed."""
DERIVED_FIELDS = frozenset({"phone_block_hash"})
"""Fields the reader derives from another field (the phone's block from the phone): stored in
the ledger, left out of the fingerprint, so an event stored before the field existed and sent
again is the same event."""

_FIELDS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _field_names(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(always encoded, encoded only when set) field names of ``cls``."""
    names = _FIELDS.get(cls)
    if names is None:
        every = [f.name for f in dataclasses.fields(cls)]
        names = _FIELDS[cls] = (
            tuple(n for n in every if n not in SPARSE_FIELDS),
            tuple(n for n in every if n in SPARSE_FIELDS),
        )
    return names


def encode_event(event: t.Event) -> dict[str, Any]:
    """A JSON-ready dict with ``type`` first; the :data:`SPARSE_FIELDS` only when set."""
    out: dict[str, Any] = {"type": event.type}
    dense, sparse = _field_names(type(event))
    for name in dense:
        out[name] = to_plain(getattr(event, name))
    for name in sparse:
        value = getattr(event, name)
        if value is not None:
            out[name] = to_plain(value)
    return out


def _dumps(out: dict[str, Any]) -> str:
    return orjson.dumps(out, option=orjson.OPT_SORT_KEYS).decode()


def canonical_json(event: t.Event) -> str:
    """The encoding as compact JSON with sorted keys: what the ledger stores."""
    return _dumps(encode_event(event))


def ledger_form(event: t.Event) -> tuple[str, str]:
    """What the ledger stores for ``event`` and its fingerprint: the canonical JSON, and the
    SHA-256 of it without the :data:`DERIVED_FIELDS` (encoded once; re-encoded only for an
    event that carries a derived field)."""
    out = encode_event(event)
    payload = _dumps(out)
    if not any(name in out for name in DERIVED_FIELDS):
        return payload, fingerprint_of(payload)
    kept = {k: v for k, v in out.items() if k not in DERIVED_FIELDS}
    return payload, fingerprint_of(_dumps(kept))


def fingerprint_of(canonical: str) -> str:
    """SHA-256 of a canonical encoding."""
    return hashlib.sha256(canonical.encode()).hexdigest()


def event_fingerprint(event: t.Event) -> str:
    """SHA-256 of the canonical encoding without derived fields: equal content, equal
    fingerprint."""
    return ledger_form(event)[1]


Converter = Callable[[Any], Any]


def _converter(hint: Any) -> Converter:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        conv = _converter(inner[0])
        return lambda v: None if v is None else conv(v)
    if origin is tuple:
        item = _converter(typing.get_args(hint)[0])
        return lambda v: tuple(item(x) for x in v)
    if origin is not None and issubclass(origin, Mapping):
        return lambda v: MappingProxyType(dict(v))
    if hint is datetime:
        return datetime.fromisoformat
    if hint is date:
        return date.fromisoformat
    if hint is Decimal:
        return Decimal
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _dataclass_decoder(hint)
    return lambda v: v


_CONVERTERS: dict[type, dict[str, Converter]] = {}


def _converters(cls: type) -> dict[str, Converter]:
    found = _CONVERTERS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls, vars(t))
        found = {f.name: _converter(hints[f.name]) for f in dataclasses.fields(cls)}
        _CONVERTERS[cls] = found
    return found


def _dataclass_decoder(cls: type) -> Converter:
    def decode(value: Mapping[str, Any]) -> Any:
        convs = _converters(cls)
        return cls(**{k: convs[k](v) for k, v in value.items()})

    return decode


def decode_event(data: Mapping[str, Any]) -> t.Event:
    """Rebuild a domain event from :func:`encode_event` output (trusted storage)."""
    cls = EVENT_TYPES.get(str(data.get("type")))
    if cls is None:
        raise InvalidEvent(f"unknown stored event type {data.get('type')!r}")
    convs = _converters(cls)
    try:
        event: t.Event = cls(**{k: convs[k](v) for k, v in data.items() if k != "type"})
    except (KeyError, TypeError, ValueError) as err:
        raise InvalidEvent(f"stored event is malformed: {err}") from None
    return event
