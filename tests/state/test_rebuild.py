"""Redis flushed -> state rebuilt from the ledger, equal to what it was."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from unittest.mock import ANY

import pytest
from typer.testing import CliRunner

from riskline.clock import FixedClock
from riskline.config import Settings
from riskline.credit import FixedScore
from riskline.decisioning import ModelSignals
from riskline.errors import Unavailable
from riskline.events import Event, Login, Payment
from riskline.runtime import Runtime, build_runtime
from riskline.state import RedisFeatures, RedisGraph, SharedState
from riskline.state.rebuild import attach
from riskline.state.wiring import shared_sources
from tests.conftest import SECRET

from .conftest import REDIS_URL, other_process

pytestmark = pytest.mark.redis

_NOW = datetime(2030, 1, 1, tzinfo=UTC)
_VOLATILE = {"ready", "lock", "g:epoch"}


class _Unflagged(RedisGraph):
    """Flags from decisions (contagion freezes) are not ledger events: none here, so the
    state before the flush is exactly what a replay of the ledger gives."""

    def flag(self, kind: str, key: str, reason: str) -> None:
        return None


def _runtime(settings: Settings, shared: SharedState, flags: bool = True) -> Runtime:
    features, graph = shared_sources(settings, shared)
    return build_runtime(
        settings,
        features=features,
        graph=graph if flags else _Unflagged(shared),
        replay=False,
        models=ModelSignals(),
        scorer=FixedScore(),
        clock=FixedClock(_NOW),
        analyst_rules=False,
    )


def dump(shared: SharedState) -> dict[str, Any]:
    """Every key of the namespace with its value (TTLs aside)."""
    c, cut, out = shared.client, len(shared.namespace) + 1, {}
    for raw in shared.scan():
        key = raw.decode()
        kind = c.type(raw).decode()
        if key[cut:] in _VOLATILE:
            continue
        if kind == "string":
            out[key] = c.get(raw)
        elif kind == "hash":
            out[key] = c.hgetall(raw)
        elif kind == "set":
            out[key] = sorted(c.smembers(raw))
        elif kind == "zset":
            out[key] = c.zrange(raw, 0, -1, withscores=True)
        else:
            raise AssertionError(f"unexpected {kind} at {key}")
    return out


def entity_values(rt: Runtime, accounts: list[str]) -> dict[str, Any]:
    """Every entity's features as of one time, and every account's graph features."""
    features: Any = rt.engine.features
    while hasattr(features, "inner"):  # under the consortium and entity-risk wrappers
        features = features.inner
    graph: Any = rt.engine.graph
    at = datetime(2026, 6, 1, tzinfo=UTC)
    out: dict[str, Any] = {}
    for key in sorted(features.store.keys()):
        kind, ident = key.split("|", 1)
        out[key] = dict(features.online.values(kind, ident, at))
    for acct in accounts:
        probe = Login(event_id=f"p-{acct}", occurred_at=at, account_id=acct, device_id="-")
        out[f"graph|{acct}"] = dict(graph.features_for(probe))
    return {k: {n: repr(v) for n, v in vals.items()} for k, vals in out.items()}


def test_flushed_state_is_rebuilt_from_the_ledger(
    shared: SharedState, world: list[Event], sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(database_url=sqlite_url, pii_secret=SECRET, redis_url=REDIS_URL)
    shared.mark_ready({"events": 0})
    events = world[:800]
    rt = _runtime(settings, shared, flags=False)
    for i in range(0, len(events), 100):
        rt.engine.process_batch(events[i : i + 100])
    accounts = sorted({e.account_id for e in events if isinstance(e, Payment)})[:40]
    before, values = dump(shared), entity_values(rt, accounts)
    assert sum(1 for k in before if ":f:s:" in k) > 300 and sum(1 for k in before if ":g:l:" in k)
    rt.close()
    RedisGraph(shared).flag("account", accounts[0], "case")  # an analyst's flag: not in the ledger

    assert shared.flush() > 1000  # Redis lost this deployment's keys (and nothing else)
    rt = _runtime(settings, other_process(shared))
    late = Payment(
        event_id="late-1",
        occurred_at=world[-1].occurred_at,
        account_id="a-new",
        merchant_id="m-new",
        amount=Decimal("5"),
    )
    with pytest.raises(Unavailable, match="state rebuild"):
        rt.engine.process_batch([late])  # fail closed: no decision on empty state
    rt.close()

    from riskline.cli.base import app
    from riskline.cli.state import state_app  # noqa: F401 (registers `riskline state`)

    for name, value in {
        "RISKLINE_DATABASE_URL": sqlite_url,
        "RISKLINE_PII_SECRET": SECRET,
        "RISKLINE_REDIS_URL": REDIS_URL,
    }.items():
        monkeypatch.setenv(name, value)
    argv = ["state", "rebuild", "--namespace", shared.namespace, "--grace", "0"]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert f"{len(events)} events replayed" in result.stdout

    after = dump(shared)
    assert after == before  # every feature state, link, component, cache: as before the flush
    assert f"{shared.namespace}:g:flags" not in after  # the analyst's flag is lost (see docs)
    assert shared.ready() is not None and shared.ready()["events"] == len(events)  # type: ignore[index]

    restarted = _runtime(settings, other_process(shared))
    try:
        shared_of: Any = restarted.engine.features
        while not hasattr(shared_of, "shared"):  # under the consortium and entity-risk wrappers
            shared_of = shared_of.inner
        assert attach(restarted.engine, shared_of.shared) == len(events)
        assert dump(shared) == after  # attaching replays in skip mode: nothing written
        assert restarted.engine.person_of  # the engine's own maps were rebuilt
        assert entity_values(restarted, accounts) == values
    finally:
        restarted.close()


def test_the_in_process_default_never_touches_redis(sqlite_url: str) -> None:
    from riskline.state.wiring import shared_sources_for

    unreachable = "redis://127.0.0.1:1/0"
    settings = Settings(database_url=sqlite_url, pii_secret=SECRET, redis_url=unreachable)
    assert shared_sources_for(settings) is None
    with pytest.raises(Unavailable):
        shared_sources_for(settings.model_copy(update={"feature_store": "redis"}))


def test_state_of_another_catalog_is_refused_until_a_rebuild(
    shared: SharedState, sqlite_url: str
) -> None:
    from riskline.errors import InvalidConfig
    from riskline.state.wiring import rebuild_from_settings

    settings = Settings(database_url=sqlite_url, pii_secret=SECRET, redis_url=REDIS_URL)
    shared.mark_ready({"events": 0})
    shared.client.hset(shared.key("f", "meta"), "catalog", "written-by-another-catalog")
    features, _ = shared_sources(settings, shared)
    pay = Payment(
        event_id="x1", occurred_at=_NOW, account_id="a1", merchant_id="m1", amount=Decimal("1")
    )
    with pytest.raises(InvalidConfig, match="state rebuild"):
        features.process(pay)
    report = rebuild_from_settings(settings, shared.namespace, grace=0)
    assert report.events == 0 and shared.ready() == {"events": 0, "rebuilt_at": ANY}
    assert RedisFeatures(shared, features.catalog).process(pay)["account.payments_1d"] == 1.0
