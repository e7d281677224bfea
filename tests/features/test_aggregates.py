"""Every aggregate against the brute-force reference, on generated out-of-order histories."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskline.features import MemoryStore, OnlineFeatures

from .reference import diff, reference
from .small import LATENESS, build, small_catalog

CATALOG = small_catalog()

event_spec = st.tuples(
    st.integers(0, 1),  # login | payment
    st.integers(0, 2),  # account
    st.integers(0, 3),  # device
    st.integers(1, 60),  # amount
    # seconds after T0 on a 5-minute grid (bucket edges) in arbitrary order: late, too-late events
    st.builds(lambda k, j: k * 300 + j, st.integers(0, 36), st.sampled_from([0, 1, 150, 299])),
    st.booleans(),  # credit funded
)


@settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(event_spec, min_size=1, max_size=30))
def test_online_equals_reference_for_every_aggregate(
    spec: list[tuple[int, int, int, int, int, bool]],
) -> None:
    events = build(spec)
    online = OnlineFeatures(CATALOG, MemoryStore(), lateness=LATENESS)
    expected = reference(CATALOG, events, int(LATENESS.total_seconds()))
    for event, want in zip(events, expected, strict=True):
        got = dict(online.process(event))
        assert diff(want, got) == {}, event


@settings(max_examples=40, deadline=None)
@given(st.lists(event_spec, min_size=1, max_size=25), st.integers(1, 600))
def test_monotone_time_with_jitter(
    spec: list[tuple[int, int, int, int, int, bool]], step: int
) -> None:
    """Mostly in-order arrival (the common case) exercises the running totals at the head."""
    ordered = [
        (k, a, d, m, i * step + (off % 97 if off % 5 == 0 else 0), c)
        for i, (k, a, d, m, off, c) in enumerate(spec)
    ]
    events = build(ordered)
    online = OnlineFeatures(CATALOG, MemoryStore(), lateness=LATENESS)
    expected = reference(CATALOG, events, int(LATENESS.total_seconds()))
    for event, want in zip(events, expected, strict=True):
        assert diff(want, dict(online.process(event))) == {}, event
