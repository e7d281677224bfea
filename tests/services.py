"""The outside services and optional installs the tests use, and what happens when one is absent.

On a laptop a test whose service is absent skips with the reason. Under ``CI=true`` the same
absence fails: CI starts PostgreSQL, Redis and NATS JetStream, installs Chromium (``.ci/run``)
and the extras ``dev,face,consortium,spark`` (``scripts/setup``), so a test that needs one of
them must run there. ``tests/conftest.py`` checks them all before the first test under
``CI=true``; :func:`unavailable` is the per-test guard behind that check.

The public data sets (``../shared/data``, mark ``data``) stay skips everywhere: CI does not
have them. Addresses come from ``RISKLINE_TEST_PG_URL``, ``RISKLINE_TEST_REDIS_URL`` and
``RISKLINE_TEST_NATS_URL``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

import pytest

PG_URL = os.environ.get("RISKLINE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("RISKLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
NATS_URL = os.environ.get("RISKLINE_TEST_NATS_URL", "nats://127.0.0.1:4222")
CHROMIUM = "/usr/bin/chromium"


def in_ci() -> bool:
    """Whether this run is CI's (``CI`` set to true, 1 or yes, as CI systems set it)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def unavailable(reason: str) -> NoReturn:
    """A test's service or install is absent: skip with ``reason``, or fail under ``CI=true``."""
    if in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def postgres_problem() -> str | None:
    """Why PostgreSQL at ``PG_URL`` cannot be used, or None."""
    from riskline.storage import connect

    try:
        engine = connect(PG_URL, connect_args={"connect_timeout": 5})
        try:
            with engine.connect():
                pass
        finally:
            engine.dispose()
    except Exception as err:
        return f"PostgreSQL not reachable at {PG_URL} (set RISKLINE_TEST_PG_URL): {_first(err)}"
    return None


def redis_problem() -> str | None:
    """Why Redis at ``REDIS_URL`` cannot be used, or None."""
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as err:
        return f"Redis not reachable at {REDIS_URL} (set RISKLINE_TEST_REDIS_URL): {_first(err)}"
    return None


def nats_problem() -> str | None:
    """Why NATS JetStream at ``NATS_URL`` cannot be used, or None.

    Reads the server's greeting (``INFO {...}``), which says whether JetStream is on.
    """
    where = f"NATS JetStream not reachable at {NATS_URL} (set RISKLINE_TEST_NATS_URL)"
    url = urlsplit(NATS_URL)
    try:
        with socket.create_connection((url.hostname or "127.0.0.1", url.port or 4222), 2) as s:
            s.settimeout(2)
            greeting = s.makefile("rb").readline()
    except OSError as err:
        return f"{where}: {_first(err)}"
    try:
        info = json.loads(greeting.removeprefix(b"INFO ")) if greeting.startswith(b"INFO ") else {}
    except ValueError:
        info = {}
    if info.get("jetstream") is not True:
        return f"{where}: the server there is not NATS with JetStream enabled (nats-server -js)"
    return None


def chromium_problem() -> str | None:
    """Why the console's browser tests cannot drive Chromium, or None."""
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed (riskline[dev])"
    return None


def spark_problem() -> str | None:
    """Why the Spark jobs cannot run here, or None."""
    if importlib.util.find_spec("pyspark") is None:
        return "PySpark is not installed (riskline[spark])"
    if shutil.which("java") is None:
        return "Spark needs Java 17+ on PATH (java not found)"
    return None


def psi_problem() -> str | None:
    """Why private set intersection is unavailable, or None."""
    if importlib.util.find_spec("private_set_intersection") is None:
        return "openmined-psi is not installed (riskline[consortium])"
    return None


def face_problem() -> str | None:
    """Why the built-in face matcher is unavailable, or None."""
    from riskline.identity.face_dlib import face_extra_available

    if not face_extra_available():
        return "riskline[face] (dlib-bin, face_recognition_models, Pillow) is not installed"
    return None


CI_NEEDS: dict[str, Callable[[], str | None]] = {
    "PostgreSQL": postgres_problem,
    "Redis": redis_problem,
    "NATS JetStream": nats_problem,
    "Chromium": chromium_problem,
    "Spark": spark_problem,
    "openmined-psi": psi_problem,
    "riskline[face]": face_problem,
}
"""What CI provides (``.ci/run``, ``scripts/setup``), each with its check."""


def ci_problems() -> list[str]:
    """Everything CI provides that is missing here (empty when all is in place)."""
    return [problem for check in CI_NEEDS.values() if (problem := check()) is not None]


def _first(err: BaseException) -> str:
    """An exception's first line (driver errors run on for several)."""
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0]
