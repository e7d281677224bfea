"""A benchmark server: the decision-loop core (no features, graph, rules or models) over HTTP.

``python -m riskline.bench.serve_core`` reads the same ``RISKLINE_*`` variables as
``riskline serve``; the HTTP benchmark runs it beside the full server to separate the cost
of the API and the durable ledger from the cost of the detectors.
"""

from __future__ import annotations

import uvicorn

from riskline.api import create_app
from riskline.bench.engine import core_runtime
from riskline.config import Settings

__all__ = ["main"]


def main() -> None:
    """Serve the core pipeline until terminated."""
    settings = Settings()
    runtime = core_runtime(settings)
    try:
        uvicorn.run(create_app(runtime), host=settings.host, port=settings.port, log_level="error")
    finally:
        runtime.close()


if __name__ == "__main__":
    main()
