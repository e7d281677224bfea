"""An absent service skips on a laptop and fails under ``CI=true``, naming it and its address."""

from __future__ import annotations

import socket

import pytest

from tests import conftest, services


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("value", "ci"), [("true", True), ("TRUE", True), ("1", True), ("", False), ("false", False)]
)
def test_ci_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, ci: bool
) -> None:
    monkeypatch.setenv("CI", value)
    assert services.in_ci() is ci


def test_an_absent_service_skips_without_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Redis not reachable"):
        services.unavailable("Redis not reachable at redis://x")


def test_an_absent_service_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true and Redis not reachable"):
        services.unavailable("Redis not reachable at redis://x")


def test_the_probes_name_the_service_and_its_address(monkeypatch: pytest.MonkeyPatch) -> None:
    port = _closed_port()
    redis_url = f"redis://127.0.0.1:{port}/0"
    pg_url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/test"
    nats_url = f"nats://127.0.0.1:{port}"
    monkeypatch.setattr(services, "REDIS_URL", redis_url)
    monkeypatch.setattr(services, "PG_URL", pg_url)
    monkeypatch.setattr(services, "NATS_URL", nats_url)
    assert f"Redis not reachable at {redis_url}" in str(services.redis_problem())
    assert f"PostgreSQL not reachable at {pg_url}" in str(services.postgres_problem())
    assert f"NATS JetStream not reachable at {nats_url}" in str(services.nats_problem())


def test_the_session_stops_under_ci_listing_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        services,
        "CI_NEEDS",
        {"Redis": lambda: "Redis not reachable at redis://127.0.0.1:1/0", "Spark": lambda: None},
    )
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.delenv("CI", raising=False)
    conftest.pytest_sessionstart(None)  # type: ignore[arg-type]  # a laptop: tests skip
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.UsageError, match=r"Redis not reachable at redis://127\.0\.0\.1:1/0"):
        conftest.pytest_sessionstart(None)  # type: ignore[arg-type]
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    conftest.pytest_sessionstart(None)  # type: ignore[arg-type]  # the controller checked
