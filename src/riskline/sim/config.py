"""World parameters: one frozen :class:`WorldConfig`, validated from plain mappings.

>>> cfg = WorldConfig.small()
>>> cfg.persons, cfg.days
(2000, 45)
>>> WorldConfig.from_mapping({"persons": 500, "typologies": {"farm": {"rings_per_10k": 2}}}).persons
500
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from riskline.errors import InvalidConfig

__all__ = ["PRESETS", "TYPOLOGIES", "TypologySpec", "WorldConfig"]

TYPOLOGIES: tuple[str, ...] = (
    "cashout",
    "inflation",
    "farm",
    "takeover",
    "multilend",
    "bustout",
    "enterprise",
)
"""Typology names, in generation order."""


@dataclass(frozen=True, slots=True)
class TypologySpec:
    """How many rings of one typology, and how large."""

    rings_per_10k: float
    size_min: int
    size_max: int

    def ring_count(self, persons: int) -> int:
        """Rings for a population: at least one when the rate is positive."""
        if self.rings_per_10k <= 0:
            return 0
        return max(1, round(persons / 10_000 * self.rings_per_10k))


_DEFAULT_SPECS: Mapping[str, TypologySpec] = MappingProxyType(
    {
        "cashout": TypologySpec(6.0, 3, 12),
        "inflation": TypologySpec(4.0, 3, 6),
        "farm": TypologySpec(4.0, 5, 25),
        "takeover": TypologySpec(5.0, 1, 6),
        "multilend": TypologySpec(5.0, 2, 8),
        "bustout": TypologySpec(5.0, 1, 4),
        "enterprise": TypologySpec(2.0, 2, 5),
    }
)


@dataclass(frozen=True, slots=True)
class WorldConfig:
    """Every parameter of a simulated world; same config and seed give the same bytes."""

    persons: int = 20_000
    days: int = 90
    start: date = date(2026, 1, 5)
    seed: int = 7
    chunk_days: int = 3
    history_days: int = 365
    merchants_per_1k: float = 15.0
    enterprises_per_1k: float = 5.0
    payment_rate: float = 0.22
    login_rate: float = 0.25
    transfer_rate: float = 0.02
    second_account_rate: float = 0.03
    new_account_share: float = 0.12
    household_rate: float = 0.25
    shared_device_rate: float = 0.35
    new_phone_rate: float = 0.04
    heavy_borrower_rate: float = 0.02
    cash_loan_rate: float = 0.05
    hardship_default_rate: float = 0.01
    late_payment_rate: float = 0.06
    night_owl_rate: float = 0.05
    camouflage_rate: float = 0.5
    fraud_speed: float = 1.0
    fraud_amount_scale: float = 1.0
    vpn_rate: float = 0.03
    gig_worker_rate: float = 0.01
    multi_device_rate: float = 0.08
    rooted_rate: float = 0.01
    emulator_rate: float = 0.001
    farm_emulator_rate: float = 0.3
    proxy_rate: float = 0.03
    takeover_face_fail_rate: float = 0.2
    reverify_rate: float = 0.008
    spv_rate: float = 0.1
    drift: float = 1.0
    variant_day: int = 45
    typologies: Mapping[str, TypologySpec] = field(default_factory=lambda: _DEFAULT_SPECS)

    def __post_init__(self) -> None:
        _check_positive(self, ("persons", "days", "chunk_days", "fraud_speed"))
        _check_positive(self, ("fraud_amount_scale", "payment_rate", "login_rate"))
        if self.persons < 200:
            raise InvalidConfig("persons must be at least 200")
        if self.history_days < 0:
            raise InvalidConfig("history_days must not be negative")
        if self.variant_day < 0:
            raise InvalidConfig("variant_day must not be negative")
        for name in _RATES:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise InvalidConfig(f"{name} must be between 0 and 1, got {value}")
        unknown = set(self.typologies) - set(TYPOLOGIES)
        if unknown:
            raise InvalidConfig(f"unknown typologies: {sorted(unknown)}; known: {TYPOLOGIES}")
        for name, spec in self.typologies.items():
            if spec.rings_per_10k < 0 or not 1 <= spec.size_min <= spec.size_max <= 200:
                raise InvalidConfig(
                    f"typology {name}: need rings_per_10k>=0, 1<=size_min<=size_max<=200"
                )

    def __hash__(self) -> int:
        return hash(tuple((k, str(v)) for k, v in self.to_dict().items()))

    def spec(self, typology: str) -> TypologySpec:
        """The spec of one typology (zero rings when absent)."""
        return self.typologies.get(typology, TypologySpec(0.0, 1, 1))

    @classmethod
    def small(cls, preset: str = "default", **overrides: Any) -> WorldConfig:
        """A quick world for demos and tests: 2,000 persons, 45 days, every typology present.

        ``preset`` (easy, default, hard) sets the difficulty; ring sizes follow it while every
        typology keeps at least 15 rings per 10,000 persons so that each one shows up.
        """
        if preset not in PRESETS:
            raise InvalidConfig(f"unknown preset {preset!r}; known: {sorted(PRESETS)}")
        params = {**PRESETS[preset], **overrides}
        specs = _coerce_specs(params.pop("typologies", {}))
        dense = {
            k: dataclasses.replace(v, rings_per_10k=max(v.rings_per_10k, 15.0))
            for k, v in specs.items()
        }
        base: dict[str, Any] = {
            "persons": 2000,
            "days": 45,
            "history_days": 120,
            "typologies": MappingProxyType(dense),
        }
        return cls.from_mapping({**base, **params})

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> WorldConfig:
        """A named difficulty (easy, default, hard) with any parameters overridden.

        >>> WorldConfig.preset("hard").camouflage_rate
        0.9
        """
        if name not in PRESETS:
            raise InvalidConfig(f"unknown preset {name!r}; known: {sorted(PRESETS)}")
        return cls.from_mapping({**PRESETS[name], **overrides})

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> WorldConfig:
        """Build from a plain mapping (e.g. YAML); InvalidConfig on unknown keys or bad values."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise InvalidConfig(f"unknown world parameters: {unknown}")
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name in data:
                kwargs[f.name] = _coerce(f.name, data[f.name], getattr(_DEFAULTS, f.name))
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping that :meth:`from_mapping` accepts."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "typologies":
                value = {k: dataclasses.asdict(v) for k, v in sorted(value.items())}
            elif isinstance(value, date):
                value = value.isoformat()
            out[f.name] = value
        return out


_RATES = (
    "payment_rate",
    "login_rate",
    "transfer_rate",
    "second_account_rate",
    "new_account_share",
    "household_rate",
    "shared_device_rate",
    "new_phone_rate",
    "heavy_borrower_rate",
    "cash_loan_rate",
    "hardship_default_rate",
    "late_payment_rate",
    "night_owl_rate",
    "camouflage_rate",
    "vpn_rate",
    "gig_worker_rate",
    "multi_device_rate",
    "rooted_rate",
    "emulator_rate",
    "farm_emulator_rate",
    "proxy_rate",
    "takeover_face_fail_rate",
    "reverify_rate",
    "spv_rate",
    "drift",
)


def _check_positive(cfg: WorldConfig, names: tuple[str, ...]) -> None:
    for name in names:
        if not getattr(cfg, name) > 0:
            raise InvalidConfig(f"{name} must be greater than zero")


def _coerce(name: str, value: Any, default: Any) -> Any:
    try:
        if name == "typologies":
            return _coerce_specs(value)
        if isinstance(default, bool) or isinstance(value, bool):
            raise TypeError("booleans are not accepted")
        if isinstance(default, date):
            return value if isinstance(value, date) else date.fromisoformat(str(value))
        if isinstance(default, int):
            if isinstance(value, float) and not value.is_integer():
                raise ValueError("must be a whole number")
            return int(value)
        return float(value)
    except InvalidConfig:
        raise
    except (TypeError, ValueError) as err:
        raise InvalidConfig(f"{name}: bad value {value!r} ({err})") from None


def _coerce_specs(value: Any) -> Mapping[str, TypologySpec]:
    if not isinstance(value, Mapping):
        raise InvalidConfig("typologies must be a mapping of name -> spec")
    specs = dict(_DEFAULT_SPECS)
    for name, raw in value.items():
        if name not in _DEFAULT_SPECS:
            raise InvalidConfig(f"unknown typology {name!r}; known: {list(TYPOLOGIES)}")
        if isinstance(raw, TypologySpec):
            specs[name] = raw
            continue
        if not isinstance(raw, Mapping):
            raise InvalidConfig(f"typology {name}: spec must be a mapping")
        extra = set(raw) - {"rings_per_10k", "size_min", "size_max"}
        if extra:
            raise InvalidConfig(f"typology {name}: unknown keys {sorted(extra)}")
        merged = {**dataclasses.asdict(specs[name]), **raw}
        try:
            specs[name] = TypologySpec(
                float(merged["rings_per_10k"]), int(merged["size_min"]), int(merged["size_max"])
            )
        except (TypeError, ValueError) as err:
            raise InvalidConfig(f"typology {name}: {err}") from None
    return MappingProxyType(specs)


_DEFAULTS = WorldConfig()

PRESETS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "easy": MappingProxyType(
            {
                "camouflage_rate": 0.2,
                "fraud_speed": 1.5,
                "fraud_amount_scale": 1.2,
                "proxy_rate": 0.3,
                "farm_emulator_rate": 0.5,
                "takeover_face_fail_rate": 0.4,
                "drift": 0.0,
            }
        ),
        "default": MappingProxyType({}),
        "hard": MappingProxyType(
            {
                "camouflage_rate": 0.9,
                "fraud_speed": 0.6,
                "fraud_amount_scale": 0.6,
                "proxy_rate": 0.015,
                "farm_emulator_rate": 0.1,
                "takeover_face_fail_rate": 0.1,
                "drift": 1.0,
                "typologies": {
                    "cashout": {"rings_per_10k": 3.0, "size_min": 6, "size_max": 20},
                    "farm": {"rings_per_10k": 2.0, "size_min": 8, "size_max": 30},
                    "multilend": {"rings_per_10k": 3.0, "size_min": 4, "size_max": 12},
                },
            }
        ),
    }
)
"""Difficulty presets: parameters that differ from the defaults (docs/simulator.md)."""
