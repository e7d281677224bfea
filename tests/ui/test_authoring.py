"""Governed authoring in the console: the checker's carets, four eyes, publish into the
running engine, rollback, snoozes, export, and the audit chain over all of it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from riskline.cli import app as cli
from riskline.events import parse_event
from riskline.rules import EXAMPLE_RULESET
from riskline.runtime import Runtime
from riskline.storage.audit import AuditLog
from riskline.storage.drafts import DocKind
from tests.factories import T0, wire

RULE = """
  - id: every_payment
    events: [payment]
    when: event.amount >= 1
    outcome: review
    reason_code: EVERY_PAYMENT
    text_key: notice.test
    owner: test
"""
BROKEN = RULE.replace(">= 1", ">= = 1")


def _payment(runtime: Runtime, n: int, account: str = "a2") -> tuple[str, ...]:
    """Decide a fresh payment of ``account``; its reason codes."""
    event = parse_event(
        wire(
            "payment",
            at=T0 + timedelta(days=50, minutes=n),
            event_id=f"auth-pay-{n}",
            account_id=account,
            amount="25.00",
        ),
        runtime.hasher,
    )
    return runtime.ingestor.process([event]).decisions[0].reason_codes


def _version(location: str) -> int:
    found = re.search(r"/authoring/versions/(\d+)$", location)
    assert found, location
    return int(found.group(1))


def test_the_checker_puts_a_caret_under_the_error(
    client: TestClient, signed_in: Callable[[str], str]
) -> None:
    token = signed_in("alice")
    text = EXAMPLE_RULESET.read_text() + BROKEN
    r = client.post(
        "/console/authoring/check",
        data={"text": text, "kind": "rules"},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 200
    source = "    when: event.amount >= = 1"
    line, column = text.splitlines().index(source) + 1, source.index("= 1") + 1
    assert f'data-line="{line}" data-column="{column}"' in r.text
    assert "    when: event.amount &gt;= = 1\n" + " " * (column - 1) + "^</pre>" in r.text
    ok = client.post(
        "/console/authoring/check",
        data={"text": EXAMPLE_RULESET.read_text() + RULE, "kind": "rules"},
        headers={"X-CSRF-Token": token},
    )
    assert 'data-testid="check-ok"' in ok.text
    saved = client.post(
        "/console/authoring/drafts",
        data={"text": text, "kind": "rules", "reason": "r", "csrf_token": token},
        follow_redirects=False,
    )
    assert saved.status_code == 422 and f'data-line="{line}"' in saved.text


def test_draft_approve_publish_rollback_in_the_running_engine(
    client: TestClient, runtime: Runtime, signed_in: Callable[[str], str], tmp_path: Path
) -> None:
    assert "EVERY_PAYMENT" not in _payment(runtime, 1)
    token = signed_in("alice")
    r = client.post(
        "/console/authoring/drafts",
        data={
            "text": EXAMPLE_RULESET.read_text() + RULE,
            "kind": "rules",
            "reason": "review every payment",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    version = _version(r.headers["location"])
    approve = f"/console/authoring/versions/{version}/approve"
    r = client.post(approve, data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 403  # an analyst may not approve
    client.post("/console/logout", data={"csrf_token": token})
    sup = signed_in("sam")
    assert client.post(approve, data={"csrf_token": sup}).status_code == 200
    publish = f"/console/authoring/versions/{version}/publish"
    assert client.post(publish, data={"csrf_token": sup}).status_code == 200
    assert "EVERY_PAYMENT" in _payment(runtime, 2)  # the very next event
    assert runtime.engine.versions["rules"] == runtime.drafts.get(version).text.split('"')[1]
    r = client.post("/console/authoring/rollback", data={"kind": "rules", "csrf_token": sup})
    assert r.status_code == 200
    assert "EVERY_PAYMENT" not in _payment(runtime, 3)
    assert runtime.drafts.get(version).status.value == "rolled_back"
    kinds = [e.kind for e in _entries(runtime) if e.kind.startswith("authoring.")]
    assert kinds == [
        "authoring.draft",
        "authoring.approve",
        "authoring.publish",
        "authoring.rollback",
    ]
    assert AuditLog(runtime.db).verify().ok
    out = tmp_path / "v.yaml"
    result = CliRunner().invoke(
        cli,
        ["rules", "export", "--version", str(version), "--out", str(out)],
        env={"RISKLINE_DATABASE_URL": runtime.settings.database_url},
    )
    assert result.exit_code == 0, result.output
    assert out.read_text().endswith(EXAMPLE_RULESET.read_text() + RULE)
    assert "author alice, approver sam" in out.read_text().splitlines()[0]


def _entries(runtime: Runtime) -> list[object]:
    with runtime.db.connect() as conn:
        return list(AuditLog(runtime.db).entries(conn))


def test_the_author_cannot_approve_their_own_draft(
    client: TestClient, runtime: Runtime, signed_in: Callable[[str], str]
) -> None:
    token = signed_in("sam")
    r = client.post(
        "/console/authoring/drafts",
        data={
            "text": EXAMPLE_RULESET.read_text() + RULE,
            "kind": "rules",
            "reason": "mine",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    version = _version(r.headers["location"])
    r = client.post(f"/console/authoring/versions/{version}/approve", data={"csrf_token": token})
    assert r.status_code == 403 and "four eyes" in r.text
    assert runtime.drafts.get(version).status.value == "draft"
    r = client.post(f"/console/authoring/versions/{version}/publish", data={"csrf_token": token})
    assert r.status_code == 409 and runtime.drafts.published(DocKind.RULES) is None


def test_a_snoozed_rule_does_not_fire_for_that_account_until_expiry(
    client: TestClient, runtime: Runtime, signed_in: Callable[[str], str]
) -> None:
    drafts = runtime.drafts
    v = drafts.draft(DocKind.RULES, EXAMPLE_RULESET.read_text() + RULE, "alice", "test")
    drafts.approve(v.version, "sam")
    drafts.publish(v.version, "sam")
    token = signed_in("sam")
    until = (runtime.engine.clock.now() + timedelta(days=400)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(
        "/console/authoring/snoozes",
        data={
            "rule_id": "every_payment",
            "entity_id": "a2",
            "until": until,
            "reason": "known good",
            "csrf_token": token,
        },
    )
    assert r.status_code == 200 and "known good" in r.text
    assert "EVERY_PAYMENT" not in _payment(runtime, 10, "a2")
    assert "EVERY_PAYMENT" in _payment(runtime, 11, "a1")  # other accounts still hit
    assert AuditLog(runtime.db).verify().ok


POLICY_CHECK = """  - id: every_payment
    events: [payment]
    when: event.amount >= 1
    outcome: review
    reason:
      code: POLICY_EVERY_PAYMENT
      text: We look at every payment for now.
    actions:
      - {kind: open_review}

"""


def test_a_policy_published_elsewhere_takes_effect_and_rolls_back(runtime: Runtime) -> None:
    """Published through another store (another process): the engine reads it within a
    second; a policy with an unknown feature is refused as a draft."""
    import time

    from riskline.decisioning.policy import DEFAULT_POLICY_PATH
    from riskline.errors import InvalidPolicy
    from riskline.storage.drafts import DraftStore

    text = DEFAULT_POLICY_PATH.read_text().replace(
        "\ncontagion:", "\n" + POLICY_CHECK + "contagion:"
    )
    shipped = re.search(r'^version: "([^"]+)"', text, re.M)
    assert shipped is not None
    text = text.replace(f'version: "{shipped[1]}"', 'version: "2026.12-authoring"')
    assert runtime.drafts is not None
    other = DraftStore(runtime.db, runtime.drafts.check)
    with pytest.raises(InvalidPolicy, match=r"event\.nope"):
        other.draft(DocKind.POLICY, text.replace("event.amount", "event.nope"), "alice", "bad")
    assert other.versions() == []
    v = other.draft(DocKind.POLICY, text, "alice", "review every payment")
    other.approve(v.version, "sam")
    other.publish(v.version, "sam")
    time.sleep(1.1)
    assert "POLICY_EVERY_PAYMENT" in _payment(runtime, 20)
    assert runtime.engine.versions["policy"] == "2026.12-authoring"
    other.rollback(DocKind.POLICY, "sam")
    time.sleep(1.1)
    assert "POLICY_EVERY_PAYMENT" not in _payment(runtime, 21)
    assert runtime.engine.versions["policy"] == shipped[1]
