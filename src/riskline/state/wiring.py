"""Pick the shared Redis implementations from settings (used by ``runtime`` and the CLI).

Settings this reads (``RISKLINE_*``): ``feature_store``, ``graph_store``, ``list_store``
(``memory`` or ``redis``), ``redis_url`` and ``redis_namespace`` (default ``riskline``).
Fields not yet declared on :class:`~riskline.config.Settings` read as ``memory`` /
``riskline``, so this works before and after the composition root wires it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine as SqlEngine

from riskline.config import Settings
from riskline.state.rebuild import RebuildReport, Replayable, attach, rebuild
from riskline.state.redis_features import RedisFeatures
from riskline.state.redis_graph import RedisGraph
from riskline.state.redis_lists import SharedListStore
from riskline.state.shared import SharedState

__all__ = ["SharedSources", "rebuild_from_settings", "shared_sources", "shared_sources_for"]


@dataclass(slots=True)
class SharedSources:
    """The Redis-backed parts a process uses; ``None`` where the in-process one is configured."""

    shared: SharedState
    features: RedisFeatures | None
    graph: RedisGraph | None
    shared_lists: bool
    lists_: list[SharedListStore] = field(default_factory=list)

    def lists(self, db: SqlEngine) -> SharedListStore | None:
        """The shared list store on ``db``, if lists are shared (its listener starts now)."""
        if not self.shared_lists:
            return None
        store = SharedListStore(db, self.shared)
        self.lists_.append(store)
        return store

    def close(self) -> None:
        """Stop list listeners and release the Redis connections."""
        for store in self.lists_:
            store.close()
        self.lists_.clear()
        self.shared.close()

    def attach(self, engine: Replayable) -> int:
        """Join the namespace (or rebuild it) instead of replaying into shared state."""
        return attach(engine, self.shared)


def _setting(settings: Settings, name: str, default: str) -> str:
    return str(getattr(settings, name, default))


def shared_sources(settings: Settings, shared: SharedState) -> tuple[RedisFeatures, RedisGraph]:
    """The Redis feature source (default catalog) and graph of a deployment."""
    from riskline.features import default_catalog

    features = RedisFeatures(shared, default_catalog(), lateness=settings.allowed_lateness)
    return features, RedisGraph(shared)


def shared_sources_for(settings: Settings) -> SharedSources | None:
    """What ``settings`` puts in Redis; None when every store is in-process (the default)."""
    stores = {k: _setting(settings, f"{k}_store", "memory") for k in ("feature", "graph", "list")}
    if set(stores.values()) == {"memory"}:
        return None
    shared = SharedState.connect(
        settings.redis_url, _setting(settings, "redis_namespace", "riskline")
    )
    features, graph = shared_sources(settings, shared)
    return SharedSources(
        shared,
        features if stores["feature"] == "redis" else None,
        graph if stores["graph"] == "redis" else None,
        stores["list"] == "redis",
    )


def rebuild_from_settings(settings: Settings, namespace: str, grace: float = 2.0) -> RebuildReport:
    """Rebuild ``namespace`` from the ledger of ``settings.database_url``."""
    from riskline.credit import BureauScore
    from riskline.decisioning import ModelSignals
    from riskline.runtime import build_runtime

    shared = SharedState.connect(settings.redis_url, namespace)
    features, graph = shared_sources(settings, shared)
    runtime = build_runtime(
        settings,
        features=features,
        graph=graph,
        replay=False,
        analyst_rules=False,
        models=ModelSignals(),
        scorer=BureauScore(),
        pii_warning=False,  # a rebuild replays stored (already hashed) events only
    )
    try:
        return rebuild(runtime.engine, shared, grace=grace)
    finally:
        runtime.close()
        shared.close()
