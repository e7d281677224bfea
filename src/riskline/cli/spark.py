"""``riskline`` commands of the spark package (registered on the shared app)."""

from __future__ import annotations

from riskline.cli.base import app

__all__ = ["app"]
