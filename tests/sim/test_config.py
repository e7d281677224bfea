from __future__ import annotations

from datetime import date

import pytest

from riskline.errors import InvalidConfig
from riskline.sim import TYPOLOGIES, TypologySpec, WorldConfig


def test_from_mapping_round_trips_through_to_dict() -> None:
    cfg = WorldConfig.from_mapping(
        {"persons": 1234, "start": "2026-03-01", "typologies": {"farm": {"size_max": 40}}}
    )
    assert cfg.persons == 1234
    assert cfg.start == date(2026, 3, 1)
    assert cfg.spec("farm") == TypologySpec(4.0, 5, 40)
    assert WorldConfig.from_mapping(cfg.to_dict()) == cfg


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"persns": 10}, "unknown world parameters"),
        ({"persons": "many"}, "persons"),
        ({"persons": 10}, "at least 200"),
        ({"days": 0}, "days must be greater than zero"),
        ({"camouflage_rate": 1.5}, "camouflage_rate must be between 0 and 1"),
        ({"persons": 2.5}, "whole number"),
        ({"seed": True}, "booleans"),
        ({"typologies": {"phishing": {}}}, "unknown typology"),
        ({"typologies": {"farm": {"size_min": 9, "size_max": 3}}}, "size_min<=size_max"),
        ({"typologies": {"farm": {"rings": 3}}}, "unknown keys"),
        ({"typologies": [1]}, "must be a mapping"),
    ],
)
def test_from_mapping_rejects_bad_input_with_clear_message(data: dict, message: str) -> None:
    with pytest.raises(InvalidConfig, match=message):
        WorldConfig.from_mapping(data)


def test_small_preset_has_every_typology_and_several_rings() -> None:
    cfg = WorldConfig.small()
    assert 1000 <= cfg.persons <= 3000
    assert 30 <= cfg.days <= 60
    for name in TYPOLOGIES:
        assert cfg.spec(name).ring_count(cfg.persons) >= 2, name


def test_ring_count_scales_with_population_and_zero_disables() -> None:
    spec = TypologySpec(5.0, 1, 3)
    assert spec.ring_count(100_000) == 50
    assert spec.ring_count(500) == 1
    assert TypologySpec(0.0, 1, 3).ring_count(100_000) == 0


def test_configs_are_hashable_and_compare_by_value() -> None:
    a = WorldConfig.from_mapping({"persons": 900, "typologies": {"farm": {"size_max": 30}}})
    b = WorldConfig.from_mapping({"persons": 900, "typologies": {"farm": {"size_max": 30}}})
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b, WorldConfig()}) == 2
