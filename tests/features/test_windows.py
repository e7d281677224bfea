"""Value sets: small (scanned) and big (head counters) sets count alike, as brute force does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from riskline.features.windows import SMALL_SET, Distinct

# (value, bucket offset back from the newest bucket seen, read offset)
ops = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 3), st.integers(0, 5), st.booleans()),
    min_size=1,
    max_size=120,
)


@settings(max_examples=80, deadline=None)
@given(ops, st.integers(2, 6))
def test_counts_match_brute_force_in_both_modes(
    spec: list[tuple[int, int, int, bool]], n: int
) -> None:
    d = Distinct(n)
    seen: list[tuple[str, int]] = []
    head = 0
    for i, (value, back, read_back, step) in enumerate(spec):
        head += 1 if step else 0
        b = max(0, head - back)
        d.add(f"v{value}", b, b - 100, cap=10_000)  # prune far away: nothing forgotten
        seen.append((f"v{value}", b))
        at = max(0, head - read_back)
        want = len({v for v, vb in seen if at - n < vb <= at})
        assert d.count(at) == want, (i, at)
        assert d.big == (len({v for v, _ in seen}) > SMALL_SET)


def test_a_set_turns_big_past_the_small_size_and_keeps_counting() -> None:
    d = Distinct(3)
    for i in range(SMALL_SET + 5):
        d.add(f"v{i}", 10 + i // 8, 0, cap=1024)
    assert d.big
    assert d.count(d.head) == len({i for i in range(SMALL_SET + 5) if 10 + i // 8 > d.head - 3})
    assert d.count(d.head + 3) == 0  # everything left the window
