"""Must show: an injected drift (a shifted score distribution) fires a monitoring alert, stored
once and delivered as a signed webhook to a local HTTP receiver; no alert without drift."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from sqlalchemy import Engine, func, insert, select

from riskline.clock import FixedClock
from riskline.monitoring import (
    ALERT_TOPIC,
    AlertBook,
    AlertRules,
    Monitor,
    monitoring_alerts,
    record_training_bins,
    training_bins,
)
from riskline.scoring import ModelRegistry
from riskline.stream import Outbox, Relay, WebhookSender, outbox_table, verify, webhook_endpoints
from riskline.stream.webhooks import DELIVERY, SIGNATURE, TIMESTAMP, TOPIC
from tests.monitoring.helpers import Made, store

DAY = datetime(2026, 5, 20, tzinfo=UTC)
SECRET = "hook-secret-0123456789"
RULES = AlertRules.from_mapping(
    {"version": 1, "rules": [{"name": "score_drift", "kind": "psi", "above": 0.25,
                              "min_scores": 100}]}
)  # fmt: skip


class _Receiver(http.server.BaseHTTPRequestHandler):
    got: list[tuple[dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.got.append((dict(self.headers.items()), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:  # quiet
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A local HTTP server on a free port recording every POST."""
    got: list[tuple[dict[str, str], bytes]] = []
    handler = type("Handler", (_Receiver,), {"got": got})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks", got
    server.shutdown()
    server.server_close()
    thread.join()


def _scores(rng: np.random.Generator, n: int, shift: float = 0.0) -> list[float]:
    return [float(x) for x in np.clip(rng.beta(2, 8, n) + shift, 0, 1)]


def _registry(tmp_path: Path, rng: np.random.Generator) -> ModelRegistry:
    registry = ModelRegistry(tmp_path / "models")
    registry.register(
        "fraud", {"weights": [1, 2]}, kind="lightgbm", features=("x",),
        data_window=("2026-01-01", "2026-03-31"), metrics={"auc": 0.9},
    )  # fmt: skip
    record_training_bins(registry, "fraud", "v1", _scores(rng, 5000))
    return registry


def _today(rng: np.random.Generator, shift: float, n: int = 400) -> list[Made]:
    return [
        Made(f"t{i}", DAY + timedelta(seconds=60 * i), scores={"score.fraud": s},
             versions={"model.fraud": "v1"})
        for i, s in enumerate(_scores(rng, n, shift))
    ]  # fmt: skip


def _endpoint(db: Engine, url: str) -> None:
    with db.begin() as conn:
        conn.execute(
            insert(webhook_endpoints),
            {"endpoint_id": "ops", "url": url, "secret": SECRET, "topics": ALERT_TOPIC,
             "active": True, "created_at": DAY},
        )  # fmt: skip


def _monitor(db: Engine, registry: ModelRegistry) -> Monitor:
    clock = FixedClock(DAY + timedelta(hours=23))
    book = AlertBook(db, clock, Outbox(db, clock, stream_topics=frozenset()).emit)
    return Monitor(db, clock, RULES, book, registry.root)


def _count(db: Engine, table: Any) -> int:
    with db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_shifted_scores_fire_one_signed_alert_webhook(
    db: Engine, tmp_path: Path, receiver: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    url, got = receiver
    rng = np.random.default_rng(7)
    registry = _registry(tmp_path, rng)
    _endpoint(db, url)
    store(db, _today(rng, shift=0.3))
    monitor = _monitor(db, registry)

    report = monitor.run_once()

    model = report.series.models[0]
    assert (model.score, model.version, model.reference.source) == ("score.fraud", "v1", "training")  # type: ignore[union-attr]
    assert model.psi_today > 0.25 and model.n[-1] == 400
    assert [a.alert_id for a in report.fired] == ["score_drift:score.fraud:2026-05-20"]
    assert _count(db, monitoring_alerts) == 1 and _count(db, outbox_table) == 1

    again = monitor.run_once()  # the next periodic pass, the same day: nothing new
    assert len(again.alerts) == 1 and again.fired == ()
    assert _count(db, monitoring_alerts) == 1 and _count(db, outbox_table) == 1

    with httpx.Client(timeout=5.0) as client:
        relay = Relay(db, monitor.clock, None, lambda _: "", WebhookSender(client, time.time))
        assert relay.run_once() == 1
        assert relay.run_once() == 0
    assert len(got) == 1
    headers, body = got[0]
    assert verify(SECRET, body, headers[TIMESTAMP], headers[SIGNATURE], time.time())
    assert not verify(
        "another-secret-000000", body, headers[TIMESTAMP], headers[SIGNATURE], time.time()
    )
    assert headers[TOPIC] == ALERT_TOPIC
    assert headers[DELIVERY] == f"webhook:ops:{ALERT_TOPIC}:score_drift:score.fraud:2026-05-20"
    payload = json.loads(body)
    assert payload["topic"] == ALERT_TOPIC
    data = payload["data"]
    assert (data["rule"], data["kind"], data["subject"], data["period"]) == (
        "score_drift", "psi", "score.fraud", "2026-05-20",
    )  # fmt: skip
    assert data["value"] == pytest.approx(model.psi_today) and data["threshold"] == 0.25
    assert data["details"]["reference"] == "training" and data["details"]["version"] == "v1"
    with db.connect() as conn:
        status = conn.execute(select(outbox_table.c.status)).scalar_one()
    assert status == "sent"


def test_unshifted_scores_fire_nothing(db: Engine, tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    registry = _registry(tmp_path, rng)
    _endpoint(db, "http://127.0.0.1:9/unused")
    store(db, _today(rng, shift=0.0))

    report = _monitor(db, registry).run_once()

    assert report.series.models[0].psi_today < 0.05
    assert report.alerts == () and report.fired == ()
    assert _count(db, monitoring_alerts) == 0 and _count(db, outbox_table) == 0


def test_without_training_bins_the_first_week_is_the_reference(db: Engine, tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    registry = ModelRegistry(tmp_path / "models")  # no model registered: no training bins
    first = DAY - timedelta(days=20)
    week = [
        Made(f"w{i}", first + timedelta(minutes=30 * i), scores={"score.fraud": s},
             versions={"model.fraud": "v1"})
        for i, s in enumerate(_scores(rng, 300))
    ]  # fmt: skip
    history = [Made("old", DAY - timedelta(days=700)), Made("old2", DAY - timedelta(days=60))]
    store(db, history + week + _today(rng, shift=0.3))  # old decisions without scores: skipped

    report = _monitor(db, registry).run_once()

    ref = report.series.models[0].reference
    assert ref is not None and ref.n == 300
    assert ref.source == "first week of decisions (2026-04-30 to 2026-05-06, n=300)"
    assert [a.subject for a in report.fired] == ["score.fraud"]
    assert "first week of decisions" in report.fired[0].message


def test_training_bins_are_kept_once_recorded(tmp_path: Path) -> None:
    rng = np.random.default_rng(10)
    registry = _registry(tmp_path, rng)
    kept = training_bins(registry, "fraud", "v1")
    assert kept is not None and kept.n == 5000 and len(kept.shares) == 10
    assert abs(sum(kept.shares) - 1) < 1e-9
    again = record_training_bins(registry, "fraud", "v1", _scores(rng, 10, shift=0.5))
    assert again == kept  # recorded at registration: not replaced
    model, meta = registry.load("fraud", "v1")  # the artifact's hash still matches
    assert model == {"weights": [1, 2]} and meta.metrics == {"auc": 0.9}
