"""Three member nodes as separate processes on loopback: file, publish, query, match,
multi-lending count, dispute, expiry; then hits into the querier's local lists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from riskline.bench.common import free_port
from riskline.cli import app
from riskline.consortium import (
    Applicant,
    ConsortiumHasher,
    ListWriter,
    MemberClient,
    NodeStore,
    Screener,
)
from riskline.rules import MemoryListStore
from riskline.storage import connect
from tests.consortium.conftest import CONSORTIUM_KEY, OPERATOR, needs_psi

pytestmark = [needs_psi, pytest.mark.slow]
MEMBERS = ("bank-a", "bank-b", "bank-c")
T = TypeVar("T")
H = ConsortiumHasher(CONSORTIUM_KEY)


def _secret(x: str, y: str) -> str:
    return "pair-" + "-".join(sorted((x, y))) + "-0123456789abcdef"


def _wait(check: Callable[[], T | None], what: str, timeout: float = 30.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got = check()
        except (httpx.HTTPError, OSError):
            got = None
        if got is not None and got is not False:
            return got
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("consortium")
    ports = {m: free_port() for m in MEMBERS}
    procs, info = [], {}
    for m in MEMBERS:
        peers = {
            p: {"url": f"http://127.0.0.1:{ports[p]}", "secret": _secret(m, p)}
            for p in MEMBERS
            if p != m
        }
        (root / f"{m}-peers.yaml").write_text(yaml.safe_dump(peers))
        db = f"sqlite:///{root / m}.db"
        env = {
            **os.environ,
            "RISKLINE_CONSORTIUM_MEMBER_ID": m,
            "RISKLINE_CONSORTIUM_DATABASE_URL": db,
            "RISKLINE_CONSORTIUM_KEY": CONSORTIUM_KEY.decode(),
            "RISKLINE_CONSORTIUM_PEERS_FILE": str(root / f"{m}-peers.yaml"),
            "RISKLINE_CONSORTIUM_OPERATOR_TOKEN": OPERATOR,
            "RISKLINE_CONSORTIUM_PORT": str(ports[m]),
            "RISKLINE_CONSORTIUM_MAX_BATCH": "64",
            "RISKLINE_CONSORTIUM_REQUESTS_PER_MINUTE": "600",
            "RISKLINE_CONSORTIUM_BURST": "50",
            "RISKLINE_CONSORTIUM_PUBLISH_LEAD_SECONDS": "2",
            "RISKLINE_CONSORTIUM_REPUBLISH_SECONDS": "0.3",
            "RISKLINE_CONSORTIUM_CONTRIBUTION_CACHE_SECONDS": "0",
        }
        cmd = [sys.executable, "-m", "riskline", "consortium", "serve"]
        with (root / f"{m}.log").open("w") as log:
            procs.append(subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT))
        info[m] = {"url": f"http://127.0.0.1:{ports[m]}", "db": db, "env": env, "root": root}
    try:
        for m in MEMBERS:
            url = info[m]["url"]
            _wait(lambda url=url: httpx.get(f"{url}/v1/health").status_code == 200, f"{m} up", 120)
        yield info
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)


def _op(info: dict[str, Any], member: str, path: str, body: Any = None) -> Any:
    resp = httpx.post(
        info[member]["url"] + path,
        json=body,
        headers={"authorization": f"Bearer {OPERATOR}"},
        timeout=30,
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def _file(info: dict[str, Any], member: str, phone: str, reason: str, **more: Any) -> Any:
    case = {"case_id": f"{member}-{phone}", "analyst": "ana", "approver": "bo", "confirmed": True}
    body = {
        "case": case,
        "identifiers": {"phone": phone},
        "reason": reason,
        "evidence": f"case:{member}:{phone[-4:]}",
        **more,
    }
    return _op(info, member, "/v1/entries", body)


def _client(info: dict[str, Any], peer: str) -> MemberClient:
    return MemberClient("bank-a", peer, info[peer]["url"], _secret("bank-a", peer).encode())


def test_three_members_file_publish_query_dispute_expire(nodes: dict[str, Any]) -> None:
    fraudster, mule, short, clean = (
        "+8613900000001",
        "+8613900000002",
        "+8613900000003",
        "+8613700000000",
    )
    _file(nodes, "bank-a", "+8613900000099", "account_takeover")  # a contributes (reciprocity)
    dispute_me = _file(nodes, "bank-b", fraudster, "cash_out")["entries"][0]
    _file(nodes, "bank-c", mule, "money_mule")
    _file(nodes, "bank-c", short, "fake_transactions", ttl_seconds=20)
    for m, seen in (("bank-a", [clean]), ("bank-b", [clean, mule]), ("bank-c", [clean])):
        _op(nodes, m, "/v1/applications", {"applicants": [{"phone": p} for p in seen]})
    for m in MEMBERS:
        _op(nodes, m, "/v1/publish")

    applicants = [
        Applicant(f"app-{i}", {"phone": H.token("phone", p)}, {"phone": f"local-{i}"})
        for i, p in enumerate((clean, fraudster, mule, short))
    ]
    peers = [_client(nodes, "bank-b"), _client(nodes, "bank-c")]
    try:
        _scenario(nodes, applicants, Screener(peers), (fraudster, mule, short, clean), dispute_me)
    finally:
        for p in peers:
            p.close()


def _scenario(
    nodes: dict[str, Any],
    applicants: list[Applicant],
    screener: Screener,
    phones: tuple[str, str, str, str],
    dispute_me: dict[str, Any],
) -> None:
    fraudster, _, short, clean = phones

    def hits() -> set[tuple[str, str, str]]:
        return {(h.ref, h.member, h.reason.value) for h in screener.hits(applicants)}

    assert hits() == {
        ("app-1", "bank-b", "cash_out"),
        ("app-2", "bank-c", "money_mule"),
        ("app-3", "bank-c", "fake_transactions"),
    }
    # Multi-lending: b and c both saw `clean` apply; only b saw the mule.
    assert screener.lenders(applicants[0]) == 2
    assert screener.lenders(applicants[2]) == 1
    assert screener.lenders(applicants[1]) == 0

    # Hits become local watch-list entries under the local ids, with source and expiry.
    lists = MemoryListStore()
    now = datetime.now(UTC)
    assert ListWriter(lists).write(screener.hits(applicants[1:2]), applicants, now) == 1
    entry = lists.get("watch", "phone", "local-1")
    assert entry is not None and entry.source == "consortium:bank-b"
    assert entry.expires_at is not None and lists.contains("watch", "phone", "local-1", now)

    # The data subject disputes at bank-b: the entry leaves the next (automatic) publication.
    opened = _op(nodes, "bank-b", "/v1/disputes", {"phone": fraudster})["entries"]
    assert [e["entry_id"] for e in opened] == [dispute_me["entry_id"]]
    _wait(lambda: ("app-1", "bank-b", "cash_out") not in hits(), "disputed entry unpublished")
    _op(nodes, "bank-b", f"/v1/entries/{dispute_me['entry_id']}/review", {"decision": "withdraw"})

    # Expiry: the 20-second entry is never answered after it expires, then purged.
    _wait(lambda: hits() == {("app-2", "bank-c", "money_mule")}, "expired entry gone", 40)
    c_store = NodeStore(connect(nodes["bank-c"]["db"]))
    _wait(lambda: c_store.by_tokens([H.token("phone", short)]) == [], "expired entry purged")
    b_store = NodeStore(connect(nodes["bank-b"]["db"]))
    assert b_store.by_tokens([H.token("phone", fraudster)]) == []  # withdrawn: purged
    c_store.engine.dispose()
    b_store.engine.dispose()

    # The command line asks the peers the same way (bank-a's settings, a CSV of applicants).
    csv_path = nodes["bank-a"]["root"] / "applicants.csv"
    csv_path.write_text(f"ref,phone\nr-clean,{clean}\nr-mule,{phones[1]}\n")
    env = {k: v for k, v in nodes["bank-a"]["env"].items() if k.startswith("RISKLINE_")}
    out = CliRunner().invoke(app, ["consortium", "query", str(csv_path)], env=env)
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == [
        {"ref": "r-mule", "kind": "phone", "member": "bank-c", "reason": "money_mule"}
    ]

    # Each holder's audit log has bank-a's queries with batch sizes, never the items.
    log = httpx.get(
        nodes["bank-b"]["url"] + "/v1/audit", headers={"authorization": f"Bearer {OPERATOR}"}
    ).json()["records"]
    served = [r for r in log if r["member"] == "bank-a" and r["status"] == 200]
    assert served and {r["batch_size"] for r in served} <= {1, 2, 4}
    assert not any(H.token("phone", clean) in str(r) for r in log)
