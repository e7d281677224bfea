"""Build an engine on the shared Redis state from settings (for ``riskline state rebuild``)."""

from __future__ import annotations

from riskline.config import Settings
from riskline.state.rebuild import RebuildReport, rebuild
from riskline.state.redis_features import RedisFeatures
from riskline.state.redis_graph import RedisGraph
from riskline.state.shared import SharedState

__all__ = ["rebuild_from_settings", "shared_sources"]


def shared_sources(settings: Settings, shared: SharedState) -> tuple[RedisFeatures, RedisGraph]:
    """The Redis feature source (default catalog) and graph of a deployment."""
    from riskline.features import default_catalog

    features = RedisFeatures(shared, default_catalog(), lateness=settings.allowed_lateness)
    return features, RedisGraph(shared)


def rebuild_from_settings(settings: Settings, namespace: str, grace: float = 2.0) -> RebuildReport:
    """Rebuild ``namespace`` from the ledger of ``settings.database_url``."""
    from riskline.credit import FixedScore
    from riskline.decisioning import ModelSignals
    from riskline.runtime import build_runtime

    shared = SharedState.connect(settings.redis_url, namespace)
    features, graph = shared_sources(settings, shared)
    runtime = build_runtime(
        settings,
        features=features,
        graph=graph,
        replay=False,
        models=ModelSignals(),
        scorer=FixedScore(),
        analyst_rules=False,
    )
    try:
        return rebuild(runtime.engine, shared, grace=grace)
    finally:
        runtime.close()
