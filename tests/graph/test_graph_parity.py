"""The online graph and the rustworkx batch job agree on components and propagation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskline.events import RoleKind
from riskline.graph import GraphConfig, GraphRisk, run_batch

N = 7
ids = st.integers(0, N - 1)
step = st.tuples(
    st.sampled_from(
        ["login", "opened", "transfer", "card", "pay", "merchant", "payout", "drawdown", "ent"]
    ),
    ids,
    ids,
    st.integers(0, 40),
)


def _event(ev, what: str, i: int, j: int, day: int):
    a, b = f"a{i}", f"a{j}"
    build = {
        "login": lambda: ev.login(a, f"d{j % 3}", ip=f"ip{j % 2}", day=day),
        "opened": lambda: ev.opened(a, f"p{j}", device=f"d{i % 3}", day=day),
        "transfer": lambda: ev.transfer(a, to_acct=b, day=day),
        "card": lambda: ev.transfer(a, to_card=f"c{j}", day=day),
        "pay": lambda: ev.pay(a, f"m{j % 3}", day=day),
        "merchant": lambda: ev.merchant(f"m{i % 3}", f"p{j}", card=f"c{i}", day=day),
        "payout": lambda: ev.payout(f"m{i % 3}", f"c{j}", day=day),
        "drawdown": lambda: ev.drawdown(a, f"c{j}", day=day),
        "ent": lambda: ev.enterprise(
            f"E{i % 3}", [(f"p{j}", RoleKind.SHAREHOLDER, "person", "0.5")], day=day
        ),
    }
    return build[what]()


def _online_partition(gr: GraphRisk) -> set[frozenset[tuple[str, str]]]:
    gr.graph.rebuild()
    return {frozenset(group) for group in gr.graph.components.groups()}


flags = st.sets(st.sampled_from([("account", f"a{i}") for i in range(N)] + [("card", "c0")]))


@settings(max_examples=40, deadline=None)
@given(st.lists(step, min_size=1, max_size=40), flags)
def test_online_matches_batch(ev, steps, flagged):
    events = [_event(ev, *s) for s in steps]
    gr = GraphRisk()
    for e in events:
        gr.observe(e)
    for kind, key in flagged:
        gr.flag(kind, key, "blocklist")
    gr.refresh()
    batch = run_batch(events, flags=flagged)
    assert _online_partition(gr) == set(batch.components)
    nodes = set(gr.propagation.ppr_) | set(batch.ppr)
    for node in nodes:
        assert gr.propagation.ppr_.get(node, 0.0) == pytest.approx(
            batch.ppr.get(node, 0.0), abs=1e-8
        )
        assert gr.propagation.risk(node) == pytest.approx(batch.risk.get(node, 0.0), abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(st.lists(step, min_size=1, max_size=40), st.integers(5, 35))
def test_expired_online_matches_batch_over_the_window(ev, steps, ttl_days):
    day = 86400.0
    config = GraphConfig(ttl_seconds=ttl_days * day, bucket_seconds=day, sticky_kinds=frozenset())
    events = sorted((_event(ev, *s) for s in steps), key=lambda e: e.occurred_at)
    gr = GraphRisk(config)
    for e in events:
        gr.observe(e)
    gr.expire()
    kept_from = (gr.graph.now_ts - config.ttl_seconds) // day * day
    window = [e for e in events if e.occurred_at.timestamp() >= kept_from]
    batch = run_batch(window, config=config)
    assert _online_partition(gr) == set(batch.components)
