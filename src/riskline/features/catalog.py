"""A catalog: a validated, ordered set of feature definitions, loadable from YAML.

>>> cat = Catalog.from_yaml('''
... features:
...   - name: account.payments_1d
...     aggregate: count
...     events: [payment]
...     window: 24h
...     description: Payments in the last day.
... ''')
>>> dict(cat.schema())
{'account.payments_1d': <FeatureType.NUMBER: 'number'>}
>>> Catalog.from_yaml("features: [{name: account.x, aggregate: count, colour: red}]")
Traceback (most recent call last):
riskline.errors.InvalidConfig: feature 'account.x': unknown field 'colour'
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import yaml

from riskline.errors import InvalidConfig
from riskline.features.definitions import (
    Aggregate,
    FeatureDef,
    FeatureType,
    format_duration,
    parse_duration,
)

__all__ = ["Catalog"]

_FIELDS = {
    "name",
    "aggregate",
    "description",
    "events",
    "window",
    "resolution",
    "value",
    "where",
    "of",
    "half_life",
    "unit",
    "type",
    "default",
    "tags",
}


class Catalog:
    """Feature definitions in dependency order; ratios come after the features they divide."""

    def __init__(self, definitions: Iterable[FeatureDef]) -> None:
        defs = list(definitions)
        by_name: dict[str, FeatureDef] = {}
        for d in defs:
            if d.name in by_name:
                raise InvalidConfig(f"feature {d.name!r}: defined twice")
            by_name[d.name] = d
        self.definitions: tuple[FeatureDef, ...] = tuple(_ordered(by_name))
        self._by_name = MappingProxyType({d.name: d for d in self.definitions})

    def __len__(self) -> int:
        return len(self.definitions)

    def __iter__(self) -> Iterator[FeatureDef]:
        return iter(self.definitions)

    def __getitem__(self, name: str) -> FeatureDef:
        return self._by_name[name]

    def schema(self) -> Mapping[str, FeatureType]:
        """Feature name to the type the rules DSL checks against."""
        return MappingProxyType({d.name: d.type for d in self.definitions})

    def describe(self) -> Mapping[str, str]:
        """Feature name to the behaviour it measures."""
        return MappingProxyType({d.name: d.description for d in self.definitions})

    def fingerprint(self) -> str:
        """A short hash of the definitions; state saved under one catalog is not read by another."""
        return hashlib.sha256(repr(self.definitions).encode()).hexdigest()[:16]

    @classmethod
    def from_yaml(cls, text: str) -> Catalog:
        """Parse ``features: [...]`` YAML; every problem is an ``InvalidConfig``."""
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise InvalidConfig(f"feature catalog is not valid YAML: {err}") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
            raise InvalidConfig("feature catalog must be a mapping with a 'features' list")
        return cls(definition_from_dict(item) for item in doc["features"])

    def to_dicts(self) -> list[dict[str, Any]]:
        """Plain dicts that ``definition_from_dict`` turns back into the same definitions."""
        return [definition_to_dict(d) for d in self.definitions]


def _ordered(by_name: Mapping[str, FeatureDef]) -> list[FeatureDef]:
    out: list[FeatureDef] = []
    state: dict[str, int] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = " -> ".join((*path[path.index(name) :], name))
            raise InvalidConfig(f"feature {name!r}: cycle between derived features: {cycle}")
        d = by_name[name]
        state[name] = 1
        for dep in d.of or ():
            if dep not in by_name:
                raise InvalidConfig(f"feature {name!r}: refers to unknown feature {dep!r}")
            if by_name[dep].entity != d.entity:
                raise InvalidConfig(f"feature {name!r}: {dep!r} is keyed by another entity")
            visit(dep, (*path, name))
        state[name] = 2
        out.append(d)

    for name in by_name:
        visit(name, ())
    return out


def definition_from_dict(item: Any) -> FeatureDef:
    """One definition from a YAML/JSON mapping, with errors naming the definition."""
    if not isinstance(item, dict):
        raise InvalidConfig(f"feature definition must be a mapping, got {item!r}")
    name = str(item.get("name", "<unnamed>"))
    unknown = sorted(set(item) - _FIELDS)
    if unknown:
        raise InvalidConfig(f"feature {name!r}: unknown field {unknown[0]!r}")
    try:
        return FeatureDef(**_coerce(item))
    except InvalidConfig as err:
        if err.message.startswith("feature "):
            raise
        raise InvalidConfig(f"feature {name!r}: {err.message}") from None
    except (TypeError, ValueError) as err:
        raise InvalidConfig(f"feature {name!r}: {err}") from None


def _coerce(item: dict[str, Any]) -> dict[str, Any]:
    kw = dict(item)
    for key in ("name", "aggregate", "description"):
        if key not in kw:
            raise InvalidConfig(f"missing field {key!r}")
    try:
        kw["aggregate"] = Aggregate(kw["aggregate"])
        kw["type"] = FeatureType(kw.get("type", "number"))
    except ValueError as err:
        raise InvalidConfig(str(err)) from None
    for key in ("window", "resolution", "half_life", "unit"):
        if kw.get(key) is not None:
            kw[key] = parse_duration(kw[key])
    kw["events"] = _strings(kw.get("events", ()), "events")
    kw["tags"] = _strings(kw.get("tags", ()), "tags")
    if kw.get("of") is not None:
        kw["of"] = _strings(kw["of"], "of")
    kw["where"] = _where(kw.get("where", {}))
    if kw.get("default") is not None:
        kw["default"] = float(kw["default"])
    return kw


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        raise InvalidConfig(f"{key!r} must be a list of strings")
    return tuple(value)


def _where(value: Any) -> tuple[tuple[str, tuple[float | str, ...]], ...]:
    if not isinstance(value, Mapping):
        raise InvalidConfig("'where' must map field names to a value or a list of values")
    out = []
    for fname, allowed in value.items():
        values = allowed if isinstance(allowed, list) else [allowed]
        out.append((str(fname), tuple(_literal(v) for v in values)))
    return tuple(out)


def _literal(v: Any) -> float | str:
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        return v
    raise InvalidConfig(f"filter value {v!r} must be a string, number or boolean")


def definition_to_dict(d: FeatureDef) -> dict[str, Any]:
    """The YAML/JSON form of a definition."""
    out: dict[str, Any] = {"name": d.name, "aggregate": d.aggregate.value}
    out["description"] = d.description
    if d.events:
        out["events"] = list(d.events)
    for key in ("window", "resolution", "half_life"):
        if getattr(d, key) is not None:
            out[key] = format_duration(getattr(d, key))
    if d.unit != 1:
        out["unit"] = format_duration(d.unit)
    for key in ("value", "default"):
        if getattr(d, key) is not None:
            out[key] = getattr(d, key)
    if d.where:
        out["where"] = {f: list(vs) for f, vs in d.where}
    if d.of:
        out["of"] = list(d.of)
    if d.type is not FeatureType.NUMBER:
        out["type"] = d.type.value
    if d.tags:
        out["tags"] = list(d.tags)
    return out
