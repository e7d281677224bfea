"""An engine on a fresh SQLite store, built from a policy and fakes (one place, every test)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from riskline.clock import FixedClock
from riskline.credit import BandTable, FixedScore
from riskline.decisioning import Engine, Policy
from riskline.storage import SqlStore, connect, upgrade
from tests.conftest import ScriptedFeatures

EngineFactory = Callable[..., Engine]


@pytest.fixture
def sql_engine(sqlite_url: str, clock: FixedClock) -> Iterator[EngineFactory]:
    """``sql_engine(policy, features, **engine_kwargs)``: the engine on a migrated database."""
    dbs = []

    def make(policy: Mapping[str, Any], features: ScriptedFeatures, **kwargs: Any) -> Engine:
        db = connect(sqlite_url)
        upgrade(db)
        dbs.append(db)
        return Engine(
            store=SqlStore(db),
            features=features,
            policy=Policy.from_mapping(policy),
            bands=BandTable.default(),
            scorer=FixedScore(),
            clock=clock,
            **kwargs,
        )

    yield make
    for db in dbs:
        db.dispose()
