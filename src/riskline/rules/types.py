"""Value types of the rules DSL and the feature schema rules are checked against.

Runtime representation: numbers are ``int``/``float``, strings ``str``, booleans ``bool``,
times are float seconds since the Unix epoch (UTC) and durations float seconds.
A *missing* value (feature absent, ``None`` or NaN) is ``None`` at runtime.

>>> Type.from_feature("number") is Type.NUMBER
True
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Literal

__all__ = ["FeatureSchema", "FeatureType", "Type"]

FeatureType = Literal["number", "bool", "string", "time"]
"""How a feature is declared in the schema (``time``: datetime or epoch seconds)."""

FeatureSchema = Mapping[str, str]
"""Feature name (``device.accounts_30d``) to its declared type, one of :data:`FeatureType`.

Typed as ``str`` so a catalog's own ``StrEnum`` of types can be passed; values are checked
when a rule reads the feature.
"""


class Type(StrEnum):
    """Static type of a DSL expression."""

    NUMBER = "number"
    BOOL = "bool"
    STRING = "string"
    TIME = "time"
    DURATION = "duration"

    @classmethod
    def from_feature(cls, declared: str) -> Type:
        """The DSL type of a declared feature type; ``ValueError`` if unknown."""
        if declared == "duration":
            raise ValueError(declared)
        return cls(declared)
