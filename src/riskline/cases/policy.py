"""The review-case policy: SLA tiers, decision risk, ring grouping, action parameters.

>>> p = CasePolicy.default()
>>> p.due_hours(50_000.0) < p.due_hours(10.0)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from riskline.errors import InvalidPolicy

__all__ = ["CasePolicy"]


@dataclass(frozen=True, slots=True)
class CasePolicy:
    """Numbers of the case workflow, loaded from ``case_policy.yaml`` (or your own file)."""

    version: str
    sla: tuple[tuple[float, float], ...]
    """(min_priority, hours), highest min_priority first."""
    escalated_hours: float
    appeal_hours: float
    base_risk: Mapping[str, float]
    score_names: tuple[str, ...]
    appeal_risk: float
    exposure_floor: Decimal
    ring_reasons: frozenset[str]
    ring_signals: tuple[str, ...]
    freeze_days: int
    review_days: int
    block_kinds: tuple[str, ...]
    allowlist_days: int
    assignment: str = "least_loaded"
    """Auto-assignment strategy: ``least_loaded`` or ``round_robin`` (see ``cases.assign``)."""

    @classmethod
    def default(cls) -> CasePolicy:
        """The policy shipped with the package."""
        text = resources.files("riskline.cases").joinpath("case_policy.yaml").read_text("utf-8")
        return cls.from_mapping(yaml.safe_load(text))

    @classmethod
    def from_file(cls, path: Path) -> CasePolicy:
        """A policy from a YAML file."""
        return cls.from_mapping(yaml.safe_load(path.read_text("utf-8")))

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> CasePolicy:
        """A policy from parsed YAML; :class:`InvalidPolicy` on a missing or bad field."""
        try:
            sla = sorted(
                ((float(t["min_priority"]), float(t["hours"])) for t in raw["sla"]), reverse=True
            )
            if not sla or sla[-1][0] > 0:
                raise ValueError("the last SLA tier must start at priority 0")
            risk, ring = raw["risk"], raw["ring"]
            return cls(
                version=str(raw["version"]),
                sla=tuple(sla),
                escalated_hours=float(raw["escalated_hours"]),
                appeal_hours=float(raw["appeal_hours"]),
                base_risk={str(k): float(v) for k, v in risk["base"].items()},
                score_names=tuple(str(s) for s in risk["scores"]),
                appeal_risk=float(risk["appeal"]),
                exposure_floor=Decimal(str(raw["exposure_floor"])),
                ring_reasons=frozenset(str(r) for r in ring["reasons"]),
                ring_signals=tuple(str(s) for s in ring["signals"]),
                freeze_days=int(raw["fraud"]["freeze_days"]),
                review_days=int(raw["fraud"]["review_days"]),
                block_kinds=tuple(str(k) for k in raw["fraud"]["block_kinds"]),
                allowlist_days=int(raw["clear"]["allowlist_days"]),
                assignment=_strategy(raw.get("assignment", {}).get("strategy", "least_loaded")),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise InvalidPolicy(f"case policy: {type(err).__name__}: {err}") from None

    def due_hours(self, priority: float) -> float:
        """Hours allowed to work a case of this priority."""
        for floor, hours in self.sla:
            if priority >= floor:
                return hours
        return self.sla[-1][1]

    def decision_risk(self, outcome: str, scores: Mapping[str, float]) -> float:
        """0..1 risk of one decision: its outcome's base or a model score, whichever is higher."""
        values = [self.base_risk.get(outcome, 0.0)]
        values += [float(scores[n]) for n in self.score_names if _finite(scores.get(n))]
        return min(1.0, max(0.0, *values))

    def priority(self, exposure: Decimal, risk: float) -> float:
        """Exposure (floored) times risk."""
        return float(max(exposure, self.exposure_floor)) * risk


def _strategy(value: object) -> str:
    if value not in ("least_loaded", "round_robin"):
        raise ValueError(f"assignment.strategy must be least_loaded or round_robin, not {value!r}")
    return str(value)


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and value == value and abs(value) != float("inf")
