"""Commands registered later: bench, simulate, evaluate."""

from __future__ import annotations

__all__: list[str] = []
