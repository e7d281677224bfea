"""Alert rules: thresholds read from a YAML file (``default_alerts.yaml`` is shipped).

>>> rules = AlertRules.default()
>>> rules.window_days, [r.kind for r in rules.rules]
(30, ['psi', 'spike', 'spike', 'rate', 'rate', 'precision'])
>>> AlertRules.from_mapping({"version": 1, "rules": [{"name": "x", "kind": "psi", "above": -1}]})
Traceback (most recent call last):
riskline.errors.InvalidConfig: alert rules: rules[0] (psi): above: Input should be greater than 0
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from riskline.errors import InvalidConfig

__all__ = [
    "DEFAULT_ALERTS_PATH",
    "AlertRule",
    "AlertRules",
    "PrecisionRule",
    "PsiRule",
    "RateRule",
    "SpikeRule",
]

DEFAULT_ALERTS_PATH = Path(__file__).with_name("default_alerts.yaml")
"""The alert rules shipped with Riskline."""

_Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: _Name


class PsiRule(_Rule):
    """A model score's PSI against its reference above ``above``."""

    kind: Literal["psi"]
    above: float = Field(gt=0, allow_inf_nan=False)
    min_scores: int = Field(default=100, ge=1)


class SpikeRule(_Rule):
    """A check's hits today above ``factor`` times its trailing 14-day median; ``per: hour``
    compares the hour being watched with the same hour of the 14 days before."""

    kind: Literal["spike"]
    factor: float = Field(gt=1, allow_inf_nan=False)
    min_hits: int = Field(default=20, ge=1)
    per: Literal["day", "hour"] = "day"


class RateRule(_Rule):
    """The share of today's decisions with outcome ``of`` (or a freeze) above ``above``."""

    kind: Literal["rate"]
    of: Literal["approve", "challenge", "review", "decline", "freeze"]
    above: float = Field(gt=0, lt=1)
    min_decisions: int = Field(default=100, ge=1)


class PrecisionRule(_Rule):
    """A check's precision from case outcomes below ``below`` with ``min_closed`` closed cases."""

    kind: Literal["precision"]
    below: float = Field(gt=0, le=1)
    min_closed: int = Field(default=20, ge=1)


AlertRule = Annotated[PsiRule | SpikeRule | RateRule | PrecisionRule, Field(discriminator="kind")]


class AlertRules(BaseModel):
    """The alert rules file: a window and a list of rules with distinct names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    window_days: int = Field(default=30, ge=15, le=366)
    rules: tuple[AlertRule, ...]

    @classmethod
    def from_mapping(cls, raw: Any, source: str = "alert rules") -> AlertRules:
        """Validate parsed YAML; :class:`InvalidConfig` names the rule and field at fault."""
        try:
            rules = cls.model_validate(raw)
        except ValidationError as err:
            raise InvalidConfig(f"{source}: {_first(err, raw)}") from None
        names = [r.name for r in rules.rules]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise InvalidConfig(f"{source}: rule names must be unique: {', '.join(twice)}")
        return rules

    @classmethod
    def from_file(cls, path: Path) -> AlertRules:
        """Load and validate a YAML rules file."""
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
            raise InvalidConfig(f"cannot read alert rules {path}: {err}") from None
        return cls.from_mapping(raw, str(path))

    @classmethod
    def default(cls) -> AlertRules:
        """The rules shipped with Riskline."""
        return cls.from_file(DEFAULT_ALERTS_PATH)


def _first(err: ValidationError, raw: Any) -> str:
    """The first error as ``rules[2] (spike): factor: message``."""
    e = err.errors()[0]
    loc = list(e["loc"])
    where = []
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        kind = _kind(raw, loc[1])
        where.append(f"rules[{loc[1]}]" + (f" ({kind})" if kind else ""))
        loc = loc[2:]
        if loc and loc[0] == kind:
            loc = loc[1:]  # the union's tag
    if loc:
        where.append(".".join(str(p) for p in loc))
    return ": ".join([*where, str(e["msg"])])


def _kind(raw: Any, i: int) -> str:
    try:
        rule = raw["rules"][i]
    except (TypeError, KeyError, IndexError):
        return ""
    return str(rule.get("kind", "")) if isinstance(rule, Mapping) else ""
