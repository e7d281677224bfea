"""Dashboards, decision / account / person pages, the graph endpoint and search."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from riskline.runtime import Runtime


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_dashboard_figures_match_the_database(
    client: TestClient, runtime: Runtime, signed_in: Callable[[str], str]
) -> None:
    signed_in("alice")
    counts = runtime.store.outcome_counts()
    assert counts == {"approve": 9, "review": 1}
    html = client.get("/console/dashboard?days=90").text
    assert re.search(r'data-testid="total-approve">9<', html)
    assert re.search(r'data-testid="total-review">1<', html)
    assert re.search(r'data-testid="queue-open">1<', html)
    text = _text(html)
    assert "CASHOUT_PATTERN" in text and "10.00 %" in text  # 1 of the 10 decisions
    assert "credit_score" in text  # a score histogram is drawn
    # a 7-day window ending at the newest decision holds only the night cash-out review
    week = client.get("/console/dashboard/outcomes?days=7", headers={"HX-Request": "true"}).text
    assert "<html" not in week
    assert re.search(r'data-testid="total-approve">0<', week)
    assert re.search(r'data-testid="total-review">1<', week)
    assert week.count('class="review"') == 1  # one bar segment


def test_decision_page_shows_reasons_scores_and_features(
    client: TestClient, runtime: Runtime, signed_in: Callable[[str], str]
) -> None:
    signed_in("alice")
    decision = runtime.store.decisions_for("a1")[0]
    assert decision.outcome.value == "review"
    html = client.get(f"/console/decisions/{decision.decision_id}").text
    text = _text(html)
    assert "CASHOUT_PATTERN" in text
    assert "may be a way to turn credit into cash." in text  # the reason's plain words
    assert f"Feature values ({len(decision.features)})" in text
    assert all(f"<code>{name}</code>" in html for name in decision.features)
    assert client.get("/console/decisions/d_000000000000000000000000").status_code == 404


def test_account_page_shows_lines_history_and_timeline(
    client: TestClient, runtime: Runtime, signed_in: Callable[[str], str]
) -> None:
    signed_in("alice")
    html = client.get("/console/accounts/a1").text
    assert 'data-line="ln_revolving_a1" data-status="frozen"' in html
    text = _text(html)
    assert "active → frozen" in text and "CASHOUT_PATTERN" in text  # history of the freeze
    for kind in ("payment", "account_opened"):
        assert kind in text
    timeline = text[text.index("Event timeline") :]
    night, day = timeline.index("amount 4800.00"), timeline.index("amount 120.50")
    assert night < day < timeline.index("account_opened")  # newest first
    assert "11010519491231002X" not in html  # the ID number is stored and shown hashed only
    assert 'href="/console/persons/p1"' in html
    assert client.get("/console/accounts/nobody").status_code == 404


def test_person_page_merges_accounts(client: TestClient, signed_in: Callable[[str], str]) -> None:
    signed_in("alice")
    html = client.get("/console/persons/p2").text
    assert 'data-line="ln_revolving_a2" data-status="active"' in html
    assert _text(html).count("payment") >= 6
    assert client.get("/console/persons/p404").status_code == 404


def test_graph_data_for_cytoscape(client: TestClient, signed_in: Callable[[str], str]) -> None:
    signed_in("alice")
    data = client.get("/console/graph/data?entity=account:a1&depth=1").json()
    ids = {n["data"]["id"] for n in data["nodes"]}
    assert {"account:a1", "person:p1", "device:d1", "merchant:m1"} <= ids
    centre = next(n["data"] for n in data["nodes"] if n["data"]["center"])
    assert centre["id"] == "account:a1" and centre["url"] == "/console/accounts/a1"
    for e in data["edges"]:
        assert e["data"]["source"] in ids and e["data"]["target"] in ids
    assert client.get("/console/graph/data?entity=account:zzz").status_code == 404
    assert client.get("/console/graph/data?entity=planet:x").status_code == 422
    page = client.get("/console/graph?entity=person:p1")
    assert (
        page.status_code == 200 and 'data-src="/console/graph/data?entity=person%3Ap1' in page.text
    )


def test_search_goes_to_the_right_page(
    client: TestClient, runtime: Runtime, signed_in: Callable[[str], str]
) -> None:
    signed_in("alice")
    did = runtime.store.decisions_for("a2")[0].decision_id
    cases = {
        did: f"/console/decisions/{did}",
        "a2": "/console/accounts/a2",
        "p2": "/console/persons/p2",
        "device:d2": "/console/graph?entity=device%3Ad2",
    }
    for q, target in cases.items():
        r = client.get(f"/console/search?q={q}", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == target, q
    missing = client.get("/console/search?q=<b>nothing</b>")
    assert missing.status_code == 404
    assert "<b>nothing</b>" not in missing.text and "&lt;b&gt;nothing&lt;/b&gt;" in missing.text


def test_ring_members_on_the_graph_page(
    client: TestClient, runtime: Runtime, signed_in: Callable[[str], str]
) -> None:
    from riskline.events import parse_event
    from tests.ui.seed import farm_events, settle

    runtime.ingestor.process([parse_event(w, runtime.hasher) for w in farm_events()])
    settle(runtime)
    signed_in("alice")
    html = client.get("/console/graph?entity=account:fa0").text
    [ring] = re.findall(r'data-ring="(ring:account_farm:[0-9a-f]+)"', html)
    item = html[html.index(f'data-ring="{ring}"') :].split("</li>")[0]
    assert "7 members" in item
    for i in range(6):
        assert f'href="/console/accounts/fa{i}"' in item
    assert "device dfarm" in item
    lonely = client.get("/console/graph?entity=account:a2").text
    assert "data-ring=" not in lonely and "Not part of a detected ring" in lonely


def test_decision_details_fragment_for_htmx(
    client: TestClient, runtime: Runtime, signed_in: Callable[[str], str]
) -> None:
    signed_in("alice")
    decision = runtime.store.decisions_for("a1")[0]
    account = client.get("/console/accounts/a1").text
    url = f"/console/decisions/{decision.decision_id}/details"
    assert f'hx-get="{url}"' in account and 'hx-trigger="toggle once"' in account
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "CASHOUT_PATTERN" in fragment.text
    assert all(f"<code>{name}</code>" in fragment.text for name in decision.features)
