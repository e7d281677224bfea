"""HTTP API (FastAPI): routes, auth, error mapping, metrics."""

from riskline.api.app import create_app

__all__ = ["create_app"]
