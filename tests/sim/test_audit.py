"""The leakage audit finds a planted artifact in its group only, and its split stops memorising."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from riskline.cli import app
from riskline.sim import AuditReport, GroupAuc, audit_world

START = 1_767_225_600  # 2026-01-01T00:00:00Z
HONEST, RINGS, PER_RING = 3000, 30, 10


def _iso(ts: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _payment(rng: random.Random, n: int, account: str, ip: str | None = None) -> dict[str, Any]:
    return {
        "type": "payment",
        "event_id": f"ev{n:07d}",
        "occurred_at": _iso(START + rng.randrange(30 * 86_400)),
        "account_id": account,
        "merchant_id": f"M{rng.randrange(50):03d}",
        "amount": f"{rng.randrange(1, 900)}.{rng.randrange(100):02d}",
        "funding": rng.choice(["revolving", "bank_card", "cash_balance"]),
        "device_id": f"D{rng.randrange(10**6):06d}",
        "ip": ip or _ip(rng),
    }


def _ip(rng: random.Random) -> str:
    return ".".join(str(rng.randrange(1, 224 if i == 0 else 256)) for i in range(4))


def write_world(
    folder: Path, *, on_the_hour: bool = False, ring_ip: bool = False, ring_per_event: bool = False
) -> Path:
    """3,000 honest payments and 300 fraud ones in 30 rings that differ only where planted."""
    rng = random.Random(7)
    folder.mkdir(parents=True, exist_ok=True)
    events = [_payment(rng, n, f"A{n % 600:04d}") for n in range(HONEST)]
    labels: list[dict[str, Any]] = []
    for ring in range(RINGS):
        shared_ip = _ip(rng)
        for member in range(PER_RING):
            event = _payment(
                rng, len(events), f"F{ring:02d}{member % 3}", shared_ip if ring_ip else None
            )
            if on_the_hour:
                event["occurred_at"] = event["occurred_at"][:14] + "00:00Z"
            ring_id = event["event_id"] if ring_per_event else f"ring-{ring:02d}"
            labels.append(
                {"level": "event", "id": event["event_id"], "typology": "t", "ring_id": ring_id}
            )
            events.append(event)
    events.sort(key=lambda e: (e["occurred_at"], e["event_id"]))
    labels.append(
        {"level": "account", "id": "F000", "typology": "t", "ring_id": "ring-00", "person_id": "P1"}
    )
    (folder / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    (folder / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in labels))
    return folder


def _groups(report: AuditReport) -> dict[str, GroupAuc]:
    (payment,) = report.types
    return {g.group: g for g in payment.groups}


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_world(tmp_path_factory.mktemp("hour"), on_the_hour=True)


@pytest.fixture(scope="module")
def planted_report(planted: Path) -> AuditReport:
    return audit_world(planted, seed=1)


def test_planted_time_artifact_shows_in_time_only(planted_report: AuditReport) -> None:
    groups = _groups(planted_report)
    (payment,) = planted_report.types
    assert (payment.event_type, payment.fraud_events, payment.fraud_rings) == ("payment", 300, 30)
    assert payment.honest_events == payment.honest_total == HONEST
    assert groups["time"].auc is not None and groups["time"].auc > 0.9
    assert (
        "occurred_at.on_the_hour" in groups["time"].top
        or "occurred_at.minute" in groups["time"].top
    )
    assert groups["all_artifacts"].auc is not None and groups["all_artifacts"].auc > 0.9
    for name in ("network", "amount_precision", "behaviour"):
        auc = groups[name].auc
        assert auc is not None and auc < 0.65, (name, auc)
    for name in ("device", "verification_bureau"):  # no such fields here: n/a, not 0.5
        assert groups[name].auc is None
        assert groups[name].features == 0
    assert planted_report.exceeding(0.6) == (
        ("payment", "time", groups["time"].auc),
        ("payment", "all_artifacts", groups["all_artifacts"].auc),
    )


def test_group_split_stops_memorising_a_ring_constant(tmp_path: Path) -> None:
    by_ring = audit_world(write_world(tmp_path / "ring", ring_ip=True))
    auc = _groups(by_ring)["network"].auc
    assert auc is not None and auc < 0.65
    # the same world with every fraud event its own group: the ring's IP is memorised
    by_event = audit_world(write_world(tmp_path / "event", ring_ip=True, ring_per_event=True))
    leaked = _groups(by_event)["network"].auc
    assert leaked is not None and leaked > 0.8


def test_honest_events_are_subsampled_and_small_types_skipped(planted: Path) -> None:
    report = audit_world(planted, max_honest=500, min_fraud=50)
    (payment,) = report.types
    assert (payment.honest_events, payment.honest_total) == (500, HONEST)
    assert audit_world(planted, min_fraud=301).types == ()
    assert audit_world(planted, min_fraud=301).skipped == (("payment", 300),)


def test_same_inputs_and_seed_give_the_same_report(
    planted: Path, planted_report: AuditReport
) -> None:
    again = audit_world(planted, seed=1)
    assert again.to_dict() == planted_report.to_dict()
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(
        planted_report.to_dict(), sort_keys=True
    )


def test_cli_exits_3_above_the_cap_and_writes_json(planted: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit.json"
    result = CliRunner().invoke(
        app, ["sim", "audit", str(planted), "--cap", "0.6", "--out", str(out)]
    )
    assert result.exit_code == 3, result.output
    assert "above cap 0.60: payment time" in result.output
    written = json.loads(out.read_text())
    (payment,) = written["types"]
    time = next(g for g in payment["groups"] if g["group"] == "time")
    assert time["auc"] > 0.9


def test_cli_exits_0_on_a_clean_world(tmp_path: Path) -> None:
    world = write_world(tmp_path / "clean")
    result = CliRunner().invoke(
        app, ["sim", "audit", str(world), "--out", str(tmp_path / "a.json")]
    )
    assert result.exit_code == 0, result.output
    assert "above cap" not in result.output
    assert (tmp_path / "a.json").is_file()


def test_cli_missing_world_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sim", "audit", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert result.output.startswith("error: not a simulated world")
    assert "Traceback" not in result.output
    assert result.output.replace("\n", "").endswith("nowhere/events.jsonl is missing")
