"""Feature definitions: declarative, validated on construction.

A definition names its entity in its name (``<entity>.<name>``), the events it reads, an
optional filter, a window and an aggregate. Windows are *bucketed*: a 7-day window with 6-hour
resolution covers the 28 buckets ending with the bucket that holds the read time.

>>> d = FeatureDef("account.payments_7d", Aggregate.COUNT, "Payments in 7 days.",
...                events=("payment",), window=parse_duration("7d"))
>>> d.entity, d.window, d.resolution, d.buckets
('account', 604800, 21600, 28)
>>> FeatureDef("account.x", Aggregate.COUNT, "x", events=("nope",))
Traceback (most recent call last):
riskline.errors.InvalidConfig: feature 'account.x': unknown event type 'nope'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from riskline.errors import InvalidConfig
from riskline.events import EVENT_TYPES
from riskline.features.fields import ENTITY_KINDS, fields_of

__all__ = ["Aggregate", "FeatureDef", "FeatureType", "Where", "format_duration", "parse_duration"]

Where = tuple[tuple[str, tuple[float | str, ...]], ...]
"""A filter: every ``(field, allowed values)`` pair must match."""


class FeatureType(StrEnum):
    """The type the rules DSL sees for a feature."""

    NUMBER = "number"
    BOOL = "bool"


class Aggregate(StrEnum):
    """How matching events are folded into one value."""

    COUNT = "count"
    SUM = "sum"
    MEAN = "mean"
    MIN = "min"
    MAX = "max"
    DISTINCT = "distinct"
    COUNT_NEW = "count_new"
    LAST = "last"
    SINCE_FIRST = "since_first"
    SINCE_LAST = "since_last"
    DECAYED_SUM = "decayed_sum"
    RATIO = "ratio"


NEEDS_VALUE = frozenset(
    {Aggregate.SUM, Aggregate.MEAN, Aggregate.MIN, Aggregate.MAX, Aggregate.DISTINCT}
    | {Aggregate.COUNT_NEW, Aggregate.LAST, Aggregate.DECAYED_SUM}
)
LIFETIME_ONLY = frozenset(
    {Aggregate.LAST, Aggregate.SINCE_FIRST, Aggregate.SINCE_LAST, Aggregate.DECAYED_SUM}
)
ZERO_DEFAULT = frozenset(
    {Aggregate.COUNT, Aggregate.SUM, Aggregate.DISTINCT, Aggregate.COUNT_NEW}
    | {Aggregate.DECAYED_SUM}
)
_CATEGORICAL_OK = frozenset({Aggregate.DISTINCT, Aggregate.COUNT_NEW})
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_RESOLUTIONS = (3 * 86400, 86400, 6 * 3600, 3600, 900, 300, 60, 10, 1)


def parse_duration(text: str | int) -> int:
    """Seconds in ``'90s' | '15m' | '24h' | '7d' | '2w'`` (ints pass through as seconds).

    >>> parse_duration("30d"), parse_duration("1h")
    (2592000, 3600)
    """
    if isinstance(text, int) and not isinstance(text, bool) and text > 0:
        return text
    m = _DURATION.match(text) if isinstance(text, str) else None
    if m is None or int(m.group(1)) == 0:
        raise InvalidConfig(f"bad duration {text!r}: expected e.g. '15m', '24h', '7d'")
    return int(m.group(1)) * _UNITS[m.group(2)]


def format_duration(seconds: int) -> str:
    """The shortest ``parse_duration`` spelling of ``seconds``.

    >>> format_duration(604800), format_duration(90)
    ('1w', '90s')
    """
    for unit, size in sorted(_UNITS.items(), key=lambda kv: -kv[1]):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def default_resolution(window: int) -> int:
    """The coarsest bucket that divides ``window`` into at least 12 buckets."""
    return next(r for r in _RESOLUTIONS if window % r == 0 and window // r >= 12)


@dataclass(frozen=True, slots=True)
class FeatureDef:
    """One feature: ``aggregate`` over ``value`` of ``events`` matching ``where`` in ``window``."""

    name: str
    aggregate: Aggregate
    description: str
    events: tuple[str, ...] = ()
    window: int | None = None
    resolution: int | None = None
    value: str | None = None
    where: Where = ()
    of: tuple[str, str] | None = None
    half_life: int | None = None
    unit: int = 1
    type: FeatureType = FeatureType.NUMBER
    default: float | None = None
    tags: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise InvalidConfig(f"feature {self.name!r}: name must look like 'entity.snake_name'")
        self._check(self.entity in ENTITY_KINDS, f"unknown entity {self.entity!r}")
        self._check(bool(self.description.strip()), "a description is required")
        self._check(self.unit > 0, "unit must be positive")
        if self.aggregate is Aggregate.RATIO:
            self._check(self.of is not None and len(self.of) == 2, "ratio needs 'of: [num, den]'")
            self._check(not self.events and self.window is None, "ratio takes no events/window")
            return
        self._check(self.of is None, "'of' is only for ratio")
        self._check(bool(self.events), "at least one event type is required")
        self._check_window()
        self._check_fields()

    @property
    def entity(self) -> str:
        """The entity kind, the part of the name before the dot."""
        return self.name.split(".", 1)[0]

    @property
    def buckets(self) -> int:
        """Buckets in the window (0 for lifetime)."""
        return (
            0 if self.window is None or self.resolution is None else self.window // self.resolution
        )

    def _check(self, ok: bool, problem: str) -> None:
        if not ok:
            raise InvalidConfig(f"feature {self.name!r}: {problem}")

    def _check_window(self) -> None:
        agg = self.aggregate
        if self.window is None:
            self._check(self.resolution is None, "resolution needs a window")
        else:
            self._check(agg not in LIFETIME_ONLY, f"{agg.value} is lifetime-only (drop 'window')")
            self._check(self.window > 0, "window must be positive")
            if self.resolution is None:
                object.__setattr__(self, "resolution", default_resolution(self.window))
            res = self.resolution or 0
            self._check(res > 0 and self.window % res == 0, "resolution must divide the window")
        self._check(
            (self.half_life is not None) == (agg is Aggregate.DECAYED_SUM),
            "half_life is required for (and only for) decayed_sum",
        )

    def _check_fields(self) -> None:
        self._check((self.value is not None) == (self.aggregate in NEEDS_VALUE), self._value_msg())
        for etype in self.events:
            self._check(etype in EVENT_TYPES, f"unknown event type {etype!r}")
            known = fields_of(etype)
            for fname in [self.value, *(f for f, _ in self.where)]:
                if fname is not None and fname not in known:
                    self._check(False, f"event type {etype!r} has no field {fname!r}")
            if self.value is not None:
                cat = known[self.value].categorical
                if self.aggregate in _CATEGORICAL_OK:
                    self._check(
                        cat, f"{self.aggregate.value} needs a text field, not {self.value!r}"
                    )
                else:
                    self._check(not cat, f"{self.value!r} is not numeric")

    def _value_msg(self) -> str:
        if self.aggregate in NEEDS_VALUE:
            return f"{self.aggregate.value} needs a 'value' field"
        return f"{self.aggregate.value} takes no 'value'"
