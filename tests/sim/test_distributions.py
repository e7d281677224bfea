"""Generated worlds follow their configuration within stated tolerances."""

from __future__ import annotations

import itertools
import json
import statistics
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from riskline.sim import TYPOLOGIES, Labels, WorldConfig, load_world, simulate
from riskline.sim.bulk import day_factor
from riskline.sim.world import CATEGORIES

Events = list[dict[str, Any]]
HOUR = 3600.0
# typology -> how a ring's labeled actor count follows from its drawn size
MIN_ACTORS = {"inflation": 3, "enterprise": 2}


def _ts(e: dict[str, Any]) -> float:
    return datetime.fromisoformat(e["occurred_at"]).timestamp()


def _ring_actors(labels: Labels) -> dict[str, int]:
    counts: Counter[str] = Counter(r["ring_id"] for r in labels.actors())
    return dict(counts)


def test_ring_counts_and_sizes_follow_the_config(labels: Labels) -> None:
    cfg = WorldConfig.small()
    per_typology = Counter(r["typology"] for r in labels.rings.values())
    sizes = _ring_actors(labels)
    for name in TYPOLOGIES:
        spec = cfg.spec(name)
        assert per_typology[name] == spec.ring_count(cfg.persons), name
        for ring_id, ring in labels.rings.items():
            if ring["typology"] == name:
                low = max(spec.size_min, MIN_ACTORS.get(name, 1))
                assert low <= sizes[ring_id] <= max(spec.size_max, low), ring_id


def _merchant_categories(events: Events) -> dict[str, str]:
    return {e["merchant_id"]: e["category"] for e in events if e["type"] == "merchant_registered"}


def test_payment_amounts_follow_category_distributions(events: Events, labels: Labels) -> None:
    category = _merchant_categories(events)
    amounts: dict[str, list[float]] = defaultdict(list)
    for e in events:
        if e["type"] == "payment" and e["event_id"] not in labels.events:
            amounts[category[e["merchant_id"]]].append(float(e["amount"]))
    for name, mu, _sd, round_share, _pop in CATEGORIES:
        values = amounts[name]
        if len(values) < 300:
            continue
        median = statistics.median(values)
        assert median == pytest.approx(2.718281828**mu, rel=0.2), name
        rounded = sum(v % 10 == 0 for v in values) / len(values)
        assert rounded == pytest.approx(round_share, abs=0.06), name


def test_payment_rate_and_weekly_and_daily_seasonality(events: Events, labels: Labels) -> None:
    cfg = WorldConfig.small()
    start = datetime.fromisoformat(f"{cfg.start.isoformat()}T00:00:00+00:00").timestamp()
    per_day: Counter[int] = Counter()
    night = total = 0
    for e in events:
        if e["type"] != "payment" or e["event_id"] in labels.events:
            continue
        t = _ts(e)
        if t >= start:
            per_day[int((t - start) // 86_400)] += 1
            total += 1
            night += datetime.fromisoformat(e["occurred_at"]).hour < 5
    days = range(cfg.days - 21, cfg.days)
    factor = {d: day_factor(cfg.start + timedelta(days=d)) for d in days}
    plain = [d for d in days if factor[d] == 1.0]
    weekend = [d for d in days if factor[d] == 1.25]
    festive = [d for d in days if factor[d] >= 1.4]
    assert plain and weekend and festive
    base = statistics.mean(per_day[d] for d in plain)
    assert statistics.mean(per_day[d] for d in weekend) / base == pytest.approx(1.25, rel=0.1)
    for d in festive:  # the Spring Festival run-up (2026-02-05 .. 02-14) is busier still
        assert per_day[d] / base == pytest.approx(factor[d], rel=0.15), d
    assert night / total == pytest.approx(0.035, abs=0.015)


@pytest.fixture(scope="module")
def fast_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Events, Labels]:
    """Cash-out and farm rings only, twice as fast, no camouflage."""
    out = tmp_path_factory.mktemp("fast")
    specs = {name: {"rings_per_10k": 0} for name in TYPOLOGIES}
    specs["cashout"] = {"rings_per_10k": 60}
    specs["farm"] = {"rings_per_10k": 60}
    cfg = {
        "persons": 500,
        "days": 20,
        "history_days": 60,
        "fraud_speed": 2.0,
        "camouflage_rate": 0.0,
        "typologies": specs,
    }
    simulate(WorldConfig.from_mapping(cfg), out)
    world = load_world(out)
    return list(world.events()), world.labels


def _payout_delays(events: Events, labels: Labels) -> list[float]:
    pending: dict[str, list[float]] = defaultdict(list)
    delays = []
    for e in events:
        label = labels.events.get(e["event_id"])
        if label is None or label["typology"] != "cashout":
            continue
        if e["type"] == "payment":
            pending[label["ring_id"]].append(_ts(e))
        elif e["type"] == "merchant_payout" and pending[label["ring_id"]]:
            delays.append((_ts(e) - pending[label["ring_id"]].pop(0)) / HOUR)
    return delays


def test_cashout_payout_delay_scales_with_fraud_speed(
    events: Events, labels: Labels, fast_world: tuple[Events, Labels]
) -> None:
    normal = _payout_delays(events, labels)
    fast = _payout_delays(*fast_world)
    assert normal
    assert fast
    # instant merchants withdraw within 0.2-6 h (scaled by speed); the others are paid in the
    # next night's batch, like every merchant of the platform
    assert all(0.1 <= d <= 30.0 for d in normal + fast)
    instant_normal = [d for d in normal if d <= 6.0]
    instant_fast = [d for d in fast if d <= 3.0]
    assert instant_normal and instant_fast
    assert statistics.median(instant_fast) < statistics.median(instant_normal)


def test_farm_bursts_follow_speed_and_camouflage_off(fast_world: tuple[Events, Labels]) -> None:
    events, labels = fast_world
    farm = {r["id"]: r["ring_id"] for r in labels.actors() if r["typology"] == "farm"}
    opened: dict[str, list[float]] = defaultdict(list)
    for e in events:
        if e["type"] == "account_opened" and e["account_id"] in farm:
            opened[farm[e["account_id"]]].append(_ts(e))
    assert opened
    gaps = [
        (b - a) / HOUR for times in opened.values() for a, b in itertools.pairwise(sorted(times))
    ]
    # minutes apart at double speed (0.03-0.7 h halved); a step that would fall in the small
    # hours waits for the controller's next waking moment instead (Ring.later)
    assert all(g >= 0.015 for g in gaps)
    assert sum(0.015 <= g <= 0.35 for g in gaps) >= 0.75 * len(gaps)
    unlabeled = [
        e
        for e in events
        if e["type"] == "payment" and e["account_id"] in farm and e["event_id"] not in labels.events
    ]
    assert unlabeled == []


def test_fraud_share_of_events_is_small(events: Events, labels: Labels) -> None:
    share = len(labels.events) / len(events)
    assert 0.003 < share < 0.05


def test_world_dir_has_summary_matching_files(world_dir: Path, events: Events) -> None:
    import json

    body = json.loads((world_dir / "summary.json").read_text())
    assert body["summary"]["events"] == len(events)
    assert body["config"] == WorldConfig.small().to_dict()


def test_every_device_shows_one_fingerprint(events: Events) -> None:
    """A phone is one model: its logins from bulk days and from scenarios show the same print."""
    prints: dict[str, set[str]] = defaultdict(set)
    for e in events:
        if e["type"] == "login":
            prints[e["device_id"]].add(json.dumps(e["fingerprint"], sort_keys=True))
    assert len(prints) > 1000
    assert {d: p for d, p in prints.items() if len(p) > 1} == {}
