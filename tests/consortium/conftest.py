"""Consortium fixtures: fake case outcomes, in-process nodes on TestClient, PSI guard."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from riskline.clock import FixedClock
from riskline.consortium import (
    ConsortiumHasher,
    Holder,
    Limits,
    MemberClient,
    Node,
    NodeStore,
    PublishConfig,
    Publisher,
    Registry,
    Verifier,
)
from riskline.consortium.app import create_node_app
from riskline.consortium.migrate import upgrade
from riskline.storage import connect
from tests.factories import T0
from tests.services import in_ci, psi_problem

_PSI_PROBLEM = psi_problem()
needs_psi = pytest.mark.skipif(
    _PSI_PROBLEM is not None and not in_ci(), reason=_PSI_PROBLEM or "openmined-psi installed"
)
"""Skip without openmined-psi; under ``CI=true`` (which installs it) the tests run and fail."""

CONSORTIUM_KEY = b"consortium-key-for-tests-0123"
OPERATOR = "operator-token-for-tests"
PAIR_SECRET = b"pair-secret-for-tests-0123456789"


@dataclass(frozen=True)
class FakeOutcome:
    """Stands in for a riskline.cases outcome (the ConfirmedOutcome protocol)."""

    case_id: str = "case-1"
    analyst: str = "alice"
    approver: str = "bob"
    confirmed: bool = True


@dataclass
class FakeContributions:
    """Reciprocity fake: entries each member publishes, by kind."""

    published: dict[str, dict[str, int]] = field(default_factory=dict)

    def contributed(self, member: str, kind: str) -> int:
        return self.published.get(member, {}).get(kind, 0)


@dataclass
class Harness:
    """One in-process node and what tests need to poke at it."""

    node: Node
    http: TestClient
    clock: FixedClock
    contributions: FakeContributions

    def client_for(self, member: str, secret: bytes = PAIR_SECRET) -> MemberClient:
        """A peer's MemberClient talking to this node in process."""
        c = MemberClient(
            member,
            self.node.member,
            "http://testserver",
            secret,
            now=lambda: self.clock.now().timestamp(),
        )
        c._http = self.http
        return c


def make_node(
    db_path: Path,
    member: str = "bank-b",
    peers: tuple[str, ...] = ("bank-a", "bank-c"),
    limits: Limits | None = None,
    max_batch: int = 64,
) -> Harness:
    clock = FixedClock(T0)
    engine = connect(f"sqlite:///{db_path}")
    upgrade(engine)
    store = NodeStore(engine)
    contributions = FakeContributions({p: {"blacklist": 5, "applicants": 5} for p in peers})
    lim = limits or Limits(
        max_batch=max_batch, requests_per_minute=600, burst=100, items_per_day=100_000
    )
    node = Node(
        member=member,
        store=store,
        registry=Registry(store, ConsortiumHasher(CONSORTIUM_KEY), member, clock),
        publisher=Publisher(
            store, clock, PublishConfig(max_batch=max_batch, fpr=1e-9, window=timedelta(days=30))
        ),
        holder=Holder(store, clock, lim, contributions),
        verifier=Verifier(member, dict.fromkeys(peers, PAIR_SECRET)),
        clients={},
        operator_token=OPERATOR,
        clock=clock,
    )
    app = create_node_app(node, maintain=False)
    http = TestClient(app, headers={"authorization": f"Bearer {OPERATOR}"})
    return Harness(node, http, clock, contributions)


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    h = make_node(tmp_path / "node.db")
    yield h
    h.http.close()
    h.node.store.engine.dispose()
