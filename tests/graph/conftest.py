"""Fixtures for the graph tests."""

from __future__ import annotations

import pytest
from graph_events import Events


@pytest.fixture(scope="session")
def ev() -> Events:
    """A shared event factory (ids stay unique across tests)."""
    return Events()
