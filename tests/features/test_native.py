"""The compiled window cores equal the Python ones, and keep feature state out of the collector."""

from __future__ import annotations

import gc
import hashlib
import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskline.bench.synth import generate_history
from riskline.events import PiiHasher, parse_event
from riskline.events.types import Event
from riskline.features import windows
from riskline.features.default import default_catalog
from riskline.features.online import OnlineFeatures
from riskline.features.stores import MemoryStore
from riskline.features.windows import ADD, MAX, MIN, Distinct, PyDistinct, PyRing, Ring


@pytest.fixture(scope="module", params=["simulated", "disordered"])
def sim_events(request: pytest.FixtureRequest) -> list[Event]:
    """3,000 events of a simulated world, or a history with 15 % of events out of order."""
    if request.param == "disordered":
        return generate_history(3000, seed=11, n_accounts=80, disorder=0.15)
    from riskline import sim

    wire = itertools.islice(sim.iter_events(sim.WorldConfig.small(persons=300, days=10)), 3000)
    return [parse_event(d, PiiHasher(b"test-secret")) for d in wire]


needs_native = pytest.mark.skipif(
    not windows.NATIVE, reason="the C core is not built (no compiler, or RISKLINE_PURE_PYTHON=1)"
)

TEMPLATE = [0.0, 0.0, windows.INF, -windows.INF]
SPEC = ((0, ADD), (1, ADD), (2, MIN), (3, MAX))

# (bucket step forward, lateness back, which values are present, amount, read offset back)
ring_ops = st.lists(
    st.tuples(
        st.sampled_from([0, 0, 0, 1, 1, 2, 7, 40]),
        st.sampled_from([0, 0, 0, 0, 1, 3, 9]),
        st.lists(st.booleans(), min_size=4, max_size=4),
        st.integers(-5, 500),
        st.integers(0, 6),
    ),
    min_size=1,
    max_size=150,
)


def _ring_state(r: Ring | PyRing) -> tuple[object, ...]:
    return (r.head, list(r.keys), [list(v) for v in r.vals], list(r.tot), r.lo)


@needs_native
@settings(max_examples=150, deadline=None)
@given(ring_ops, st.integers(1, 8), st.integers(0, 4))
def test_fold_and_window_equal_the_python_core(
    ops: list[tuple[int, int, list[bool], int, int]], n: int, lateness: int
) -> None:
    native, python = (
        Ring(windows.NEVER, [], [], [0.0] * 4, 0),
        PyRing(windows.NEVER, [], [], [0.0] * 4, 0),
    )
    assert type(native).__mro__[-2].__module__ == "riskline.features._native"
    top = 100
    for i, (step, back, present, amount, read_back) in enumerate(ops):
        top += step
        b = top - back  # late events land in older buckets
        prune = top - lateness - n
        x = float(amount)
        values = [1.0 if present[0] else None, *(x if p else None for p in present[1:])]
        ops = [
            (slot, kind, v) for (slot, kind), v in zip(SPEC, values, strict=True) if v is not None
        ]
        for r in (native, python):
            if i % 5 == 4:  # the general entry point (batch replays, tests)
                r.add(b, n, prune, TEMPLATE, ops)  # type: ignore[arg-type]
            else:
                r.fold(b, n, prune, TEMPLATE, SPEC, *values)
        assert _ring_state(native) == _ring_state(python), i
        at = top - read_back
        assert list(native.window(at, n, prune)) == list(python.window(at, n, prune)), i
        assert _ring_state(native) == _ring_state(python), i
        if i % 3 == 2:  # totals advance the window when read past its head
            assert native.totals(at + 1, n, prune) == python.totals(at + 1, n, prune), i
            assert _ring_state(native) == _ring_state(python), i
        for slot, kind in ((2, MIN), (3, MAX)):
            a, p = native.extreme(at, n, slot, kind), python.extreme(at, n, slot, kind)
            assert a == p or (a != a and p != p), i


@needs_native
def test_fold_creates_nothing_when_no_op_applies() -> None:
    for r in (Ring(windows.NEVER, [], [], [0.0], 0), PyRing(windows.NEVER, [], [], [0.0], 0)):
        r.fold(10, 3, 0, [0.0], ((0, ADD),), None)
        assert (r.head, r.keys, r.vals) == (windows.NEVER, [], [])
        r.fold(10, 3, 0, [0.0], ((0, ADD),), 2.5)
        r.fold(10, 3, 0, [0.0], ((0, ADD),), None)  # the newest bucket: nothing to add
        assert (r.keys, r.vals, r.tot) == ([10], [[2.5]], [2.5])


@needs_native
def test_bad_arguments_are_refused_and_change_nothing() -> None:
    r = Ring(5, [5], [[1.0]], [1.0], 0)
    with pytest.raises(TypeError):
        r.fold(5, 3, 0, [0.0], ((0, ADD),))  # one op, no value
    with pytest.raises(IndexError):
        r.fold(5, 3, 0, [0.0], ((4, ADD),), 1.0)
    with pytest.raises(TypeError):
        Ring(5, (5,), [[1.0]], [1.0], 0)  # type: ignore[arg-type]
    assert _ring_state(r) == (5, [5], [[1.0]], [1.0], 0)
    d = Distinct(3)
    with pytest.raises(TypeError):
        d.put("a", 5, 0)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="value set"):
        Distinct(3, {"a": []})


# (value, bucket step forward, lateness back, read offset back)
set_ops = st.lists(
    st.tuples(
        st.integers(0, 30),
        st.sampled_from([0, 0, 1, 1, 2, 9]),
        st.sampled_from([0, 0, 0, 1, 4]),
        st.integers(0, 5),
    ),
    min_size=1,
    max_size=150,
)


@needs_native
@settings(max_examples=150, deadline=None)
@given(set_ops, st.integers(1, 6), st.integers(2, 12))
def test_put_and_fcount_equal_the_python_core(
    ops: list[tuple[int, int, int, int]], n: int, cap: int
) -> None:
    native, python = Distinct(n), PyDistinct(n)
    top = 50
    for i, (value, step, back, read_back) in enumerate(ops):
        top += step
        b, prune = top - back, top - 5 - n  # online puts are never late: b > prune
        for d in (native, python):
            d.put(f"v{value}", b, prune, cap)  # a small cap: shrinking is exercised
        assert (native.head, native.seen, native.lasts) == (python.head, python.seen, python.lasts)
        at = top - read_back
        assert native.fcount(at) == python.fcount(at) == float(python.count(at)), i


@needs_native
def test_a_reloaded_set_and_ring_equal_their_originals() -> None:
    d = Distinct(4)
    for i in range(30):
        d.put(f"v{i % 7}", 10 + i // 5, 0, 1024)
    again = Distinct(4, {k: list(v) for k, v in d.seen.items()}, d.head)
    assert again.lasts == d.lasts and [again.fcount(b) for b in range(8, 20)] == [
        d.fcount(b) for b in range(8, 20)
    ]
    r = Ring.new([0.0])
    for b in (3, 4, 4, 9):
        r.fold(b, 3, b - 10, [0.0], ((0, ADD),), 1.5)
    assert _ring_state(Ring.load(r.dump())) == _ring_state(r)


@needs_native
def test_the_engine_gives_the_same_features_and_state_on_both_cores(
    sim_events: list[Event],
) -> None:
    catalog = default_catalog()
    native = OnlineFeatures(catalog, MemoryStore(), sweep_every=0)
    with windows.python_cores():
        python = OnlineFeatures(catalog, MemoryStore(), sweep_every=0)
    assert type(native._fused["payment"]) is type(python._fused["payment"])
    assert native._fused["payment"] is not python._fused["payment"]
    for i, e in enumerate(sim_events):
        a, b = native.process(e), python.process(e)
        assert list(a) == list(b), i
        assert all(
            x == y or (x != x and y != y) for x, y in zip(a.values(), b.values(), strict=True)
        ), i
    sa, sb = native.store, python.store
    assert isinstance(sa, MemoryStore) and isinstance(sb, MemoryStore)
    assert {k: s.dump() for k, s in sa.kinds["account"].items()} == {
        k: s.dump() for k, s in sb.kinds["account"].items()
    }
    assert sa.states.keys() == sb.states.keys()
    assert all(sa.states[k].dump() == sb.states[k].dump() for k in sa.states)


@needs_native
def test_feature_state_is_left_out_of_the_cyclic_collector(sim_events: list[Event]) -> None:
    online = OnlineFeatures(default_catalog(), MemoryStore(), sweep_every=0)
    for e in sim_events[:3000]:
        online.process(e)
    store = online.store
    assert isinstance(store, MemoryStore)
    objs: list[object] = []
    for st_ in store.states.values():
        objs += [st_, st_.rings, st_.life, st_.sets]
        for r in st_.rings:
            if r is not None:
                objs.append(r)  # flat arrays of numbers inside: keys, vals, tot read as copies
        for s in st_.sets:
            if isinstance(s, Distinct):
                objs += [s, s.seen, *s.seen.values()]  # lasts: a C array, read as a copy
    assert len(objs) > 10_000
    tracked = [o for o in objs if gc.is_tracked(o)]
    assert not tracked, tracked[:5]
    # and nothing in it refers back to a container of the engine: no cycle can hide there
    kinds = {id(d) for d in store.kinds.values()}
    assert not any(id(x) in kinds for o in objs for x in gc.get_referents(o))


@needs_native
def test_the_build_matches_its_source() -> None:
    src = Path(windows.__file__).with_name("_native.c")
    assert hashlib.sha256(src.read_bytes()).hexdigest() == windows._native.SOURCE


def test_without_the_c_core_the_python_windows_give_the_same_features() -> None:
    """RISKLINE_PURE_PYTHON=1 (or a machine without a C compiler): the Python cores, same values."""
    script = (
        "import hashlib, json, sys\n"
        "from riskline.features import windows\n"
        "from riskline.features.default import default_catalog\n"
        "from riskline.features.online import OnlineFeatures\n"
        "from riskline.bench.synth import generate_history\n"
        "o = OnlineFeatures(default_catalog(), sweep_every=0)\n"
        "h = hashlib.sha256()\n"
        "for i, e in enumerate(generate_history(1500, seed=3, n_accounts=40, disorder=0.1)):\n"
        "    h.update(json.dumps(list(o.process(e).items())).encode())\n"
        "    if i == 999:  # a sweep far past the watermark: what expiry keeps must agree too\n"
        "        o.watermark += 90 * 86400\n"
        "        h.update(str((o.expire(), len(o.store))).encode())\n"
        "        o.watermark -= 90 * 86400\n"
        "print(windows.NATIVE, h.hexdigest())\n"
    )
    env = {**os.environ, "RISKLINE_PURE_PYTHON": "1"}
    pure = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    here = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    assert pure[0] == "False" and here[0] == str(windows.NATIVE)
    assert pure[1] == here[1]
