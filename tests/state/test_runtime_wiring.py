"""Two runtimes configured with RISKLINE_*_STORE=redis decide on one shared state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.credit import FixedScore
from riskline.decisioning import ModelSignals
from riskline.events import Payment
from riskline.rules import ListEntry
from riskline.runtime import Runtime, build_runtime
from riskline.state import SharedState
from tests.conftest import SECRET

from .conftest import REDIS_URL
from .test_lists import _eventually

pytestmark = pytest.mark.redis
T = datetime(2026, 3, 1, tzinfo=UTC)


def _pay(i: int, account: str) -> Payment:
    return Payment(
        event_id=f"w{i}",
        occurred_at=T + timedelta(minutes=i),
        account_id=account,
        merchant_id="m-shared",
        amount=Decimal("10"),
        device_id="d-shared",
    )


def _runtime(settings: Settings) -> Runtime:
    return build_runtime(
        settings,
        models=ModelSignals(),
        scorer=FixedScore(),
        analyst_rules=False,
        clock=FixedClock(T + timedelta(days=1)),
    )


def test_two_processes_share_features_graph_and_lists(shared: SharedState, pg_url: str) -> None:
    settings = Settings.model_validate(
        {
            "database_url": pg_url,
            "pii_secret": SECRET,
            "redis_url": REDIS_URL,
            "redis_namespace": shared.namespace,
            "feature_store": "redis",
            "graph_store": "redis",
            "list_store": "redis",
        }
    )
    first = _runtime(settings)  # the namespace was empty: the first one rebuilds it
    second = _runtime(settings)  # attaches to the ready namespace
    try:
        assert shared.ready() is not None
        first.ingestor.submit([_pay(0, "a1")]).result()
        decision = second.ingestor.submit([_pay(1, "a2")]).result().decisions[0]
        assert decision.features["merchant.sales_30d"] == 2.0  # saw the first process's sale
        assert decision.features["device.accounts_30d"] == 2.0
        assert decision.features["graph.device_shared_accounts"] == 1.0
        entry = ListEntry("block", "device", "d-x", "analyst", T, None)
        first.lists.add(entry)
        assert _eventually(lambda: second.lists.get("block", "device", "d-x") == entry)
    finally:
        first.close()
        second.close()
