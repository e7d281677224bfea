"""Value sets count as brute force does: by binary search at the head, by scan further back."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskline.features.windows import Distinct, PyRing, Ring

# (value, bucket offset back from the newest bucket seen, read offset, advance the head)
ops = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 3), st.integers(0, 5), st.booleans()),
    min_size=1,
    max_size=120,
)


@settings(max_examples=80, deadline=None)
@given(ops, st.integers(2, 6))
def test_counts_match_brute_force(spec: list[tuple[int, int, int, bool]], n: int) -> None:
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
        assert d.lasts == sorted(max(vb for v, vb in seen if v == x) for x in d.seen)


def test_a_reloaded_set_counts_like_the_original() -> None:
    d = Distinct(3)
    for i in range(40):
        d.add(f"v{i % 23}", 10 + i // 8, 0, cap=1024)
    again = Distinct(3, {k: list(v) for k, v in d.seen.items()}, d.head)
    assert [again.count(b) for b in range(8, 20)] == [d.count(b) for b in range(8, 20)]
    assert d.count(d.head + 3) == 0  # everything left the window


def test_a_set_past_its_cap_keeps_its_newest_values() -> None:
    d = Distinct(5)
    for i in range(12):
        d.add(f"v{i}", i, -1, cap=8)
    assert len(d.seen) <= 8 and "v11" in d.seen and "v0" not in d.seen
    assert d.lasts == sorted(lst[-1] for lst in d.seen.values())


@pytest.mark.parametrize("cls", [PyRing, Ring])
def test_a_sparse_ring_expires_everything_like_advancing_does(cls: type[PyRing]) -> None:
    a, b = cls.new([0.0, 0.0]), PyRing.new([0.0, 0.0])
    for r in (a, b):
        for bucket, x in ((3, 1.5), (4, 2.25), (9, 4.0)):
            r.add(bucket, 3, bucket - 10, [0.0, 0.0], [(0, 0, x), (1, 0, 1.0)])
    a.expire_all(30, 20)  # every kept bucket is outside the window ending at 30
    b.bucket(30, 3, 20, [0.0, 0.0])  # the general path of the Python core
    b.keys.pop(), b.vals.pop()  # the bucket it created
    assert (a.head, a.keys, a.vals, a.tot, a.lo) == (b.head, b.keys, b.vals, b.tot, b.lo)
