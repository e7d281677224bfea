"""Private queries through the node's HTTP API, in process: matches, privacy, limits, auth."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from riskline.consortium import ConsortiumHasher, Limits, RateLimited, load_psi
from riskline.consortium.auth import Signer
from riskline.errors import Conflict, Forbidden, PayloadTooLarge, Unauthenticated
from tests.consortium.conftest import (
    CONSORTIUM_KEY,
    PAIR_SECRET,
    FakeOutcome,
    Harness,
    make_node,
    needs_psi,
)

pytestmark = needs_psi
H = ConsortiumHasher(CONSORTIUM_KEY)
LISTED = {"+8613900000001": "cash_out", "+8613900000002": "identity_fraud"}


def _file(h: Harness) -> None:
    for i, (phone, reason) in enumerate(LISTED.items()):
        h.node.registry.file(FakeOutcome(case_id=f"c{i}"), {"phone": phone}, reason, f"case:{i}")
    h.node.publisher.publish("blacklist")


def _batch(n_clean: int) -> list[str]:
    clean = [H.token("phone", f"+86137{i:08d}") for i in range(n_clean)]
    return [
        clean[0],
        H.token("phone", "+8613900000002"),
        *clean[1:],
        H.token("phone", "+8613900000001"),
    ]


def test_querier_learns_exactly_its_matching_items_and_their_reasons(harness: Harness) -> None:
    _file(harness)
    batch = _batch(20)
    found = harness.client_for("bank-a").query(batch)
    assert found == [(1, "identity_fraud"), (len(batch) - 1, "cash_out")]


def test_what_crosses_the_wire_reveals_only_batch_size_and_intersection(
    harness: Harness, tmp_path: Path
) -> None:
    _file(harness)
    psi = load_psi()
    client = harness.client_for("bank-a")
    batch = _batch(30)
    client.query(batch)
    # The setup tells the querier per-category counts, never items (tokens are not in it).
    setup = client.setup("blacklist")
    assert setup.counts == {"cash_out": 1, "identity_fraud": 1}
    blobs = b"".join(setup.setups.values())
    assert not any(t.encode() in blobs for t in batch)
    # The request carries only blinded points: no token in clear, one point per item.
    from riskline.consortium.psi import PsiClient

    request = PsiClient(reveal=True).request(batch)
    assert not any(t.encode() in request for t in batch)
    req = psi.Request()
    req.ParseFromString(request)
    assert len(req.encrypted_elements) == len(batch)
    # The response has one element per request item whatever the list holds: its size does
    # not depend on the holder's set, so it says nothing about non-matching entries.
    other = make_node(tmp_path / "other.db")
    for i in range(40):
        other.node.registry.file(
            FakeOutcome(case_id=f"x{i}"), {"phone": f"+86150{i:08d}"}, "cash_out", "case:x"
        )
    other.node.publisher.publish("blacklist")
    for h in (harness, other):
        version = h.node.holder.current("blacklist").version
        resp = h.node.holder.answer("bank-a", "blacklist", version, request)
        parsed = psi.Response()
        parsed.ParseFromString(resp)
        assert len(parsed.encrypted_elements) == len(batch)
    # The holder's audit log holds who, when and how many, never the items.
    records = harness.node.store.audit_log()
    assert next(r.batch_size for r in records if r.member == "bank-a") == len(batch)
    assert not any(t in repr(records) for t in batch)


def test_a_new_publish_re_keys_and_drops_disputed_entries(harness: Harness) -> None:
    _file(harness)
    client = harness.client_for("bank-a")
    batch = _batch(5)
    old = client.setup("blacklist")
    assert len(client.query(batch)) == 2
    harness.node.registry.dispute({"phone": "+8613900000001"})
    harness.node.publisher.publish("blacklist")
    # An answer under the old key is refused; the client re-fetches and sees one match left.
    assert client.query(batch) == [(1, "identity_fraud")]
    assert client.setup("blacklist").version == old.version + 1
    assert client.setup("blacklist").setups != old.setups


def test_a_publication_is_not_answered_once_its_first_entry_expired(harness: Harness) -> None:
    harness.node.registry.file(
        FakeOutcome(), {"phone": "+8613900000001"}, "cash_out", "case:1", ttl=timedelta(hours=1)
    )
    harness.node.publisher.publish("blacklist")
    client = harness.client_for("bank-a")
    assert client.query(_batch(3)) == [(4, "cash_out")]
    harness.clock.advance(timedelta(hours=1))
    with pytest.raises(Conflict, match="expired"):
        client.query(_batch(3))
    harness.node.maintain()
    assert client.query(_batch(3)) == []


def test_batch_size_and_rate_limits_stop_enumeration(tmp_path: Path) -> None:
    h = make_node(
        tmp_path / "n.db",
        limits=Limits(max_batch=16, requests_per_minute=6, burst=2, items_per_day=1_000),
    )
    _file(h)
    client = h.client_for("bank-a")
    with pytest.raises(PayloadTooLarge, match="batch of 17 identifiers exceeds the limit of 16"):
        client.query(_batch(15))
    client.query(_batch(3))
    client.query(_batch(3))
    with pytest.raises(RateLimited, match="more than 6 queries per minute") as err:
        client.query(_batch(3))
    assert err.value.retry_after >= 1
    # Raw HTTP: the status and the Retry-After header a peer sees.
    signer = Signer("bank-a", "bank-b", PAIR_SECRET)
    version = h.node.holder.current("blacklist").version
    from riskline.consortium.psi import PsiClient

    body = PsiClient(reveal=True).request(_batch(3))
    path = f"/v1/query/blacklist?version={version}"
    resp = h.http.post(
        path, content=body, headers=signer.sign("POST", path, body, now=h.clock.now().timestamp())
    )
    assert resp.status_code == 429
    assert resp.json()["error"] == "rate_limited"
    assert int(resp.headers["retry-after"]) >= 1
    # Over a day the identifier budget caps what any member can test, whatever the batch size.
    h.clock.advance(timedelta(minutes=10))
    h.node.holder.limits = Limits(max_batch=16, requests_per_minute=6, burst=2, items_per_day=20)
    client.query(_batch(14))
    with pytest.raises(RateLimited, match="daily identifier budget"):
        client.query(_batch(3))
    refused = [r.status for r in h.node.store.audit_log()]
    assert refused.count(413) == 1 and refused.count(429) == 3


def test_unknown_members_bad_signatures_and_replays_are_refused(harness: Harness) -> None:
    _file(harness)
    with pytest.raises(Unauthenticated, match="unknown consortium member"):
        harness.client_for("bank-z").setup("blacklist")
    with pytest.raises(Unauthenticated, match="bad request signature"):
        harness.client_for("bank-a", secret=b"not-the-pair-secret-0000").setup("blacklist")
    signer = Signer("bank-a", "bank-b", PAIR_SECRET)
    now = harness.clock.now().timestamp()
    headers = signer.sign("GET", "/v1/summary", b"", now=now)
    assert harness.http.get("/v1/summary", headers=headers).status_code == 200
    replay = harness.http.get("/v1/summary", headers=headers)
    assert replay.status_code == 401 and "replayed" in replay.json()["message"]
    stale = signer.sign("GET", "/v1/summary", b"", now=now - 3600)
    assert harness.http.get("/v1/summary", headers=stale).status_code == 401
    # The querier checks the holder's signature on every answer.
    with pytest.raises(Unauthenticated, match="signature"):
        signer.check_response(200, b"forged", "nonce", "0" * 64)


def test_operator_routes_need_the_operator_token(harness: Harness) -> None:
    resp = harness.http.post("/v1/publish", headers={"authorization": "Bearer wrong"})
    assert resp.status_code == 401
    assert harness.http.post("/v1/publish").status_code == 200


def test_reciprocity_members_who_publish_nothing_cannot_query(harness: Harness) -> None:
    _file(harness)
    harness.contributions.published["bank-a"] = {"blacklist": 0}
    with pytest.raises(Forbidden, match="reciprocity"):
        harness.client_for("bank-a").query(_batch(2))


def test_multi_lending_count_reveals_a_count_not_items(harness: Harness) -> None:
    seen = [{"phone": "+8613900000001", "id": "110101199003070001"}, {"phone": "+8613900000009"}]
    assert harness.http.post("/v1/applications", json={"applicants": seen}).status_code == 200
    harness.node.publisher.publish("applicants")
    client = harness.client_for("bank-a")
    person = [H.token("phone", "+8613900000001"), H.token("id", "110101199003070001")]
    assert client.count(person) == 2
    assert client.count([H.token("phone", "+8613700000000")]) == 0
    # Asking the applicants set for positions (reveal mode) is refused: counts only.
    from riskline.consortium.psi import PsiClient

    version = harness.node.holder.current("applicants").version
    body = PsiClient(reveal=True).request(person)
    path = f"/v1/query/applicants?version={version}"
    signer = Signer("bank-a", "bank-b", PAIR_SECRET)
    now = harness.clock.now().timestamp()
    resp = harness.http.post(path, content=body, headers=signer.sign("POST", path, body, now=now))
    assert resp.status_code == 422 and "cardinality" in resp.json()["message"]


def test_the_serve_loop_re_publishes_ahead_of_expiry(harness: Harness) -> None:
    from dataclasses import replace

    node = harness.node
    node.publisher.config = replace(node.publisher.config, lead=timedelta(minutes=10))
    node.registry.file(
        FakeOutcome(), {"phone": "+8613900000001"}, "cash_out", "case:1", ttl=timedelta(hours=1)
    )
    assert node.maintain() == ["blacklist", "applicants"]
    client = harness.client_for("bank-a")
    assert client.query(_batch(3)) == [(4, "cash_out")]
    harness.clock.advance(timedelta(minutes=45))
    assert node.maintain() == []  # nothing due yet
    harness.clock.advance(timedelta(minutes=6))
    assert node.maintain() == ["blacklist"]  # 9 minutes before expiry: rebuilt without it
    assert client.query(_batch(3)) == []
