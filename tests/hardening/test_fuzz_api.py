"""Schemathesis against the app's own OpenAPI: no input, for any role, makes a server error.

Every response to a generated request is either a success or a 4xx whose JSON body names the
error and explains it; never a 5xx, never an empty message. Operations are read from the live
schema, so routes added later are fuzzed too.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings

from riskline.runtime import Runtime
from tests.hardening.conftest import auth


def _operations(app: FastAPI) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(operation: Any, tokens: dict[str, str], examples: int) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    def one(case: Any) -> None:
        for token in tokens.values():
            response = case.call(headers=auth(token))
            where = f"{case.method} {case.formatted_path}"
            assert response.status_code < 500, (where, response.text[:500])
            is_json = "json" in response.headers.get("content-type", "")
            if response.status_code >= 400 and is_json:
                body = response.json()
                assert body.get("error") and body.get("message"), (where, body)

    one()


def test_no_input_makes_a_server_error(app: FastAPI, runtime: Runtime) -> None:
    tokens = {role: runtime.keys.create(f"fuzz-{role}", role)[1] for role in ("analyst", "admin")}
    operations = _operations(app)
    assert len(operations) >= 8
    for operation in operations:
        _fuzz(operation, tokens, examples=20)


@pytest.mark.parametrize("role", ["ingest"])
def test_ingest_role_fuzzes_events_without_server_errors(
    app: FastAPI, runtime: Runtime, role: str
) -> None:
    tokens = {role: runtime.keys.create(f"fuzz-{role}", role)[1]}
    events = [op for op in _operations(app) if op.path == "/v1/events"]
    assert events
    _fuzz(events[0], tokens, examples=150)
