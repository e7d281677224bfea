"""Read a feature value out of the values mapping, normalised to the DSL's runtime form.

Absent, None, NaN and wrongly-typed values read as missing (None). Numbers accept int,
float, bool and Decimal (integers beyond float range read as missing); times accept
datetimes (naive ones are taken as UTC) or epoch seconds; bools accept True/False and the
numbers 0/1 (the feature engine stores bool features as 0.0/1.0); strings must be str.

>>> from riskline.rules.functions import Frame
>>> from riskline.rules.lists import EmptyLists
>>> from datetime import datetime, timezone
>>> from decimal import Decimal
>>> now = datetime(2026, 1, 1, tzinfo=timezone.utc)
>>> read = reader("p.amount", Type.NUMBER)
>>> read(Frame({"p.amount": Decimal("9.5")}, EmptyLists(), now)), read(Frame({}, EmptyLists(), now))
(9.5, None)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from riskline.rules.functions.base import Frame
from riskline.rules.types import Type

__all__ = ["normalise", "reader"]


_BIG = 2**63
"""Integers beyond this are converted to float (and to missing past float range)."""


def _number(v: object) -> object:
    if isinstance(v, float):
        return None if math.isnan(v) else v
    if isinstance(v, int):
        if -_BIG < v < _BIG:
            return v
        return float(v) if abs(v) < 2**1023 else None
    if isinstance(v, Decimal):
        return None if v.is_nan() else float(v)
    if isinstance(v, numbers.Real):  # numpy scalars and other real types
        x = float(v)
        return None if math.isnan(x) else x
    return None


def _time(v: object) -> object:
    if isinstance(v, datetime):
        return (v if v.tzinfo else v.replace(tzinfo=UTC)).timestamp()
    if isinstance(v, bool):
        return None
    return _number(v)


def _bool(v: object) -> object:
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float) and v in (0, 1):
        return v == 1
    return None


def _exact(kind: type) -> Callable[[object], object]:
    return lambda v: v if isinstance(v, kind) else None


_NORMALISERS: dict[Type, Callable[[object], object]] = {
    Type.NUMBER: _number,
    Type.TIME: _time,
    Type.STRING: _exact(str),
    Type.BOOL: _bool,
}


def normalise(value: object, kind: Type) -> object:
    """The DSL runtime form of ``value`` for a feature of type ``kind`` (None if missing)."""
    return _NORMALISERS[kind](value)


def reader(name: str, kind: Type) -> Callable[[Frame], object]:
    """A closure reading feature ``name`` from a frame."""
    norm = _NORMALISERS[kind]
    if kind is Type.NUMBER:

        def number(fr: Frame) -> object:
            v = fr.values.get(name)
            if v.__class__ is int and -_BIG < v < _BIG:
                return v
            if v.__class__ is float:
                return None if v != v else v
            return norm(v)

        return number
    return lambda fr: norm(fr.values.get(name))
