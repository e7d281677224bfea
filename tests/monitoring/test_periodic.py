"""The API process evaluates the alert rules on its own: at start, then on a timer."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from riskline.api import create_app
from riskline.clock import FixedClock
from riskline.config import MonitoringSettings, Settings
from riskline.monitoring import monitoring_alerts
from riskline.runtime import build_runtime
from riskline.stream import outbox_table
from tests.conftest import SECRET, ScriptedFeatures
from tests.monitoring.helpers import Made, store

DAY = datetime(2026, 5, 20, tzinfo=UTC)


def test_served_app_fires_alerts_and_sets_gauges_without_being_asked(
    sqlite_url: str, tmp_path: Path
) -> None:
    rules = tmp_path / "alerts.yaml"
    rules.write_text(
        "version: 1\nrules:\n"
        "  - {name: declines, kind: rate, of: decline, above: 0.3, min_decisions: 10}\n"
    )
    settings = Settings(
        database_url=sqlite_url,
        pii_secret=SECRET,
        model_dir=tmp_path / "models",
        monitoring=MonitoringSettings(alerts_path=rules, every_seconds=0.05),
    )
    rt = build_runtime(
        settings, clock=FixedClock(DAY + timedelta(hours=23)), features=ScriptedFeatures()
    )
    outcomes = ["decline"] * 4 + ["approve"] * 6
    store(rt.db, [Made(f"e{i}", DAY + timedelta(minutes=i), o) for i, o in enumerate(outcomes)])
    _, token = rt.keys.create("ops", "admin")
    try:
        with TestClient(create_app(rt)) as client:
            deadline, text = time.monotonic() + 10, ""
            while time.monotonic() < deadline:
                text = client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).text
                if 'riskline_decision_mix_today{outcome="decline"} 0.4' in text:
                    break
                time.sleep(0.05)
            assert 'riskline_decision_mix_today{outcome="decline"} 0.4' in text
            time.sleep(0.2)  # several more passes: still one alert
        with rt.db.connect() as conn:
            alerts = conn.execute(select(monitoring_alerts.c.alert_id)).scalars().all()
            rows = conn.execute(select(func.count()).select_from(outbox_table)).scalar_one()
        assert alerts == ["declines:decline:2026-05-20"]
        assert rows == 0  # no endpoint subscribes to monitoring.alert
    finally:
        rt.close()
