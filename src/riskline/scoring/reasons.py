"""Reason codes: map a model feature to a stable code and a human-readable text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Contribution", "ReasonCode", "ReasonMap"]


@dataclass(frozen=True, slots=True)
class ReasonCode:
    """A stable reason code and the text an analyst (or a notice template key) shows."""

    code: str
    text: str


@dataclass(frozen=True, slots=True)
class Contribution:
    """One feature's push towards the positive class for one row, with its reason."""

    feature: str
    value: float
    contribution: float
    reason: ReasonCode


@dataclass(frozen=True, slots=True)
class ReasonMap:
    """Feature name → reason; unmapped features get a generic ``MODEL_<feature>`` reason.

    >>> m = ReasonMap({"pair_gap": ReasonCode("R_NEW_PAYEE", "First payment to this payee")})
    >>> m.reason("pair_gap").code, m.reason("amount").code
    ('R_NEW_PAYEE', 'MODEL_AMOUNT')
    """

    mapping: Mapping[str, ReasonCode] = field(default_factory=dict)

    def reason(self, feature: str) -> ReasonCode:
        """The reason for ``feature``."""
        found = self.mapping.get(feature)
        if found is not None:
            return found
        return ReasonCode(f"MODEL_{feature.upper()}", f"Model signal: {feature}")
