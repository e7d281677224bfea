"""How each aggregate claims state in a plan, updates it, and reads it back.

Missing values: counts, sums, distinct counts and decayed sums read 0 when nothing matched;
mean, min, max, last, since_* and ratios read NaN when undefined (a definition's ``default``
replaces NaN). Money is kept in cents and divided back on read.
"""

from __future__ import annotations

from collections.abc import Callable

from riskline.features.definitions import Aggregate as A  # noqa: N817
from riskline.features.definitions import FeatureDef
from riskline.features.plan import KindPlan, Reader, Step, View, passes, post, scale_of, source_of
from riskline.features.state import EntityState
from riskline.features.windows import ADD, MAX, MIN

__all__ = ["add_feature"]

INF = float("inf")
NAN = float("nan")
Tots = list[list[float]]
Out = dict[str, float]


def add_feature(plan: KindPlan, d: FeatureDef) -> None:
    """Claim ``d``'s state in ``plan`` and register its reader."""
    if d.aggregate is A.RATIO:
        num, den = d.of or ("", "")
        reader: Reader = lambda st, t, tots, out: out[num] / out[den] if out[den] else NAN  # noqa: E731
    elif d.window is not None:
        reader = _windowed(plan, d)
    else:
        reader = _lifetime(plan, d)
    plan.readers.append((d.name, post(d, reader)))


def _windowed(plan: KindPlan, d: FeatureDef) -> Reader:
    src, g, sc, agg = source_of(d), plan.group(d), scale_of(d), d.aggregate
    res, n = d.resolution or 1, d.buckets
    if agg is A.DISTINCT:
        i = plan.value_set(src, d.value or "", res, n)
        return lambda st, t, tots, out: float(st.sets[i].count(t // res))
    if agg is A.COUNT_NEW:
        s = plan.ring_slot(g, ADD, src, None, plan.value_set(src, d.value or ""))
        return lambda st, t, tots, out: tots[g][s]
    if agg in (A.MIN, A.MAX):
        kind = MIN if agg is A.MIN else MAX
        s = plan.ring_slot(g, kind, src, d.value)
        return lambda st, t, tots, out: st.rings[g].extreme(t // res, n, s, kind) / sc
    c = plan.ring_slot(g, ADD, src, None)
    if agg is A.COUNT:
        return lambda st, t, tots, out: tots[g][c]
    s = plan.ring_slot(g, ADD, src, d.value)
    if agg is A.SUM:
        return lambda st, t, tots, out: tots[g][s] / sc
    return lambda st, t, tots, out: tots[g][s] / tots[g][c] / sc if tots[g][c] else NAN


def _step(
    d: FeatureDef, body: Callable[[list[float], int, float, int], None]
) -> Callable[[int], Step]:
    """A lifetime step: filter, pick the value, then ``body(life, slot, x, ts)``."""
    _, where = source_of(d)
    value = d.value

    def make(slot: int) -> Step:
        def step(st: EntityState, v: View, ts: int, late: bool, hz: int, fl: list[bool]) -> None:
            if where and not passes(where, v):
                return
            x = 1.0 if value is None else v.get(value)
            if isinstance(x, float):
                body(st.life, slot, x, ts)

        return step

    return make


def _add(life: list[float], s: int, x: float, ts: int) -> None:
    life[s] += x


def _min(life: list[float], s: int, x: float, ts: int) -> None:
    if x < life[s]:
        life[s] = x


def _max(life: list[float], s: int, x: float, ts: int) -> None:
    if x > life[s]:
        life[s] = x


def _first_ts(life: list[float], s: int, x: float, ts: int) -> None:
    if ts < life[s]:
        life[s] = ts


def _last_ts(life: list[float], s: int, x: float, ts: int) -> None:
    if ts > life[s]:
        life[s] = ts


def _last(life: list[float], s: int, x: float, ts: int) -> None:
    if ts >= life[s]:
        life[s], life[s + 1] = ts, x


def _decayer(half_life: int) -> Callable[[list[float], int, float, int], None]:
    def decay(life: list[float], s: int, x: float, ts: int) -> None:
        last = life[s + 1]
        if last == -INF:
            life[s], life[s + 1] = x, ts
        elif ts >= last:
            life[s], life[s + 1] = life[s] * 2.0 ** ((last - ts) / half_life) + x, ts
        else:
            life[s] += x * 2.0 ** ((ts - last) / half_life)

    return decay


def _lifetime(plan: KindPlan, d: FeatureDef) -> Reader:
    src, sc, agg, unit, ev = source_of(d), scale_of(d), d.aggregate, d.unit, d.events
    if agg in (A.DISTINCT, A.COUNT_NEW):
        i = plan.value_set(src, d.value or "")
        if agg is A.DISTINCT:
            return lambda st, t, tots, out: float(len(st.sets[i]))

        def new_step(slot: int) -> Step:
            def step(
                st: EntityState, v: View, ts: int, late: bool, hz: int, fl: list[bool]
            ) -> None:
                if fl[i]:
                    st.life[slot] += 1.0

            return step

        s = plan.life_slot(("new", src, d.value), [0.0], ev, new_step)
        return lambda st, t, tots, out: st.life[s]
    if agg is A.SINCE_FIRST:
        s = plan.life_slot(("first", src), [INF], ev, _step(_bare(d), _first_ts))
        return lambda st, t, tots, out: max(0, t - st.life[s]) / unit if st.life[s] < INF else NAN
    if agg is A.SINCE_LAST:
        s = plan.life_slot(("lastts", src), [-INF], ev, _step(_bare(d), _last_ts))
        return lambda st, t, tots, out: max(0, t - st.life[s]) / unit if st.life[s] > -INF else NAN
    if agg is A.LAST:
        s = plan.life_slot(("last", src, d.value), [-INF, NAN], ev, _step(d, _last))
        return lambda st, t, tots, out: st.life[s + 1] / sc
    if agg is A.DECAYED_SUM:
        hl = d.half_life or 1
        s = plan.life_slot(("decay", src, d.value, hl), [0.0, -INF], ev, _step(d, _decayer(hl)))
        return lambda st, t, tots, out: _decayed(st.life[s], st.life[s + 1], t, hl) / sc
    if agg in (A.MIN, A.MAX):
        init, body = (INF, _min) if agg is A.MIN else (-INF, _max)
        s = plan.life_slot((agg.value, src, d.value), [init], ev, _step(d, body))
        return lambda st, t, tots, out: st.life[s] / sc if abs(st.life[s]) < INF else NAN
    c = plan.life_slot(("count", src), [0.0], ev, _step(_bare(d), _add))
    if agg is A.COUNT:
        return lambda st, t, tots, out: st.life[c]
    s = plan.life_slot(("sum", src, d.value), [0.0], ev, _step(d, _add))
    if agg is A.SUM:
        return lambda st, t, tots, out: st.life[s] / sc
    return lambda st, t, tots, out: st.life[s] / st.life[c] / sc if st.life[c] else NAN


def _bare(d: FeatureDef) -> FeatureDef:
    """``d`` without its value field (steps that only count or look at time)."""
    return FeatureDef(d.name, A.COUNT, d.description, events=d.events, where=d.where)


def _decayed(v: float, last: float, t: int, half_life: int) -> float:
    if last == -INF:
        return 0.0
    return v * 2.0 ** ((last - t) / half_life) if t > last else v
