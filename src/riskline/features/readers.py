"""How each aggregate claims state in a plan, updates it, and reads it back.

Missing values: counts, sums, distinct counts and decayed sums read 0 when nothing matched;
mean, min, max, last, since_* and ratios read NaN when undefined (a definition's ``default``
replaces NaN). Money is kept in cents and divided back on read.
"""

from __future__ import annotations

from collections.abc import Callable

from riskline.features.definitions import Aggregate as A  # noqa: N817
from riskline.features.definitions import FeatureDef
from riskline.features.plan import KindPlan, Step, View, passes, post, scale_of, source_of
from riskline.features.state import EntityState
from riskline.features.windows import ADD, MAX, MIN

__all__ = ["add_feature", "decayed"]

INF = float("inf")
NAN = float("nan")


def add_feature(plan: KindPlan, d: FeatureDef) -> None:
    """Claim ``d``'s state in ``plan`` and register the expression that reads it.

    Expressions use the locals of the generated reader (see :mod:`riskline.features.codegen`):
    ``t`` read time, ``L`` lifetime slots, ``S`` value sets, ``R`` rings, ``T<g>`` the totals
    of ring ``g`` and ``B<g>`` its bucket at ``t``, ``v<k>`` earlier features of this kind.
    """
    if d.aggregate is A.RATIO:
        num, den = (plan.local(n) for n in d.of or ("", ""))
        expr = f"({num} / {den} if {den} else NAN)"
    elif d.window is not None:
        expr = _windowed(plan, d)
    else:
        expr = _lifetime(plan, d)
    plan.readers.append((d.name, post(d, expr)))


def _windowed(plan: KindPlan, d: FeatureDef) -> str:
    src, g, sc, agg = source_of(d), plan.group(d), scale_of(d), d.aggregate
    n = d.buckets
    if agg is A.DISTINCT:
        return f"float(S[{plan.value_set(src, d.value or '', d.resolution or 1, n)}].count(B{g}))"
    if agg is A.COUNT_NEW:
        return f"T{g}[{plan.ring_slot(g, ADD, src, None, plan.value_set(src, d.value or ''))}]"
    if agg in (A.MIN, A.MAX):
        kind = MIN if agg is A.MIN else MAX
        return (
            f"R[{g}].extreme(B{g}, {n}, {plan.ring_slot(g, kind, src, d.value)}, {kind}) / {sc!r}"
        )
    c = plan.ring_slot(g, ADD, src, None)
    if agg is A.COUNT:
        return f"T{g}[{c}]"
    s = plan.ring_slot(g, ADD, src, d.value)
    if agg is A.SUM:
        return f"T{g}[{s}] / {sc!r}"
    return f"(T{g}[{s}] / T{g}[{c}] / {sc!r} if T{g}[{c}] else NAN)"


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


def _lifetime(plan: KindPlan, d: FeatureDef) -> str:
    src, sc, agg, unit, ev = source_of(d), scale_of(d), d.aggregate, d.unit, d.events
    if agg in (A.DISTINCT, A.COUNT_NEW):
        i = plan.value_set(src, d.value or "")
        if agg is A.DISTINCT:
            return f"float(len(S[{i}]))"

        def new_step(slot: int) -> Step:
            def step(
                st: EntityState, v: View, ts: int, late: bool, hz: int, fl: list[bool]
            ) -> None:
                if fl[i]:
                    st.life[slot] += 1.0

            return step

        return f"L[{plan.life_slot(('new', src, d.value), [0.0], ev, new_step)}]"
    if agg is A.SINCE_FIRST:
        s = plan.life_slot(("first", src), [INF], ev, _step(_bare(d), _first_ts))
        return f"(max(0, t - L[{s}]) / {unit} if L[{s}] < INF else NAN)"
    if agg is A.SINCE_LAST:
        s = plan.life_slot(("lastts", src), [-INF], ev, _step(_bare(d), _last_ts))
        return f"(max(0, t - L[{s}]) / {unit} if L[{s}] > -INF else NAN)"
    if agg is A.LAST:
        s = plan.life_slot(("last", src, d.value), [-INF, NAN], ev, _step(d, _last))
        return f"L[{s + 1}] / {sc!r}"
    if agg is A.DECAYED_SUM:
        hl = d.half_life or 1
        s = plan.life_slot(("decay", src, d.value, hl), [0.0, -INF], ev, _step(d, _decayer(hl)))
        return f"decayed(L[{s}], L[{s + 1}], t, {hl}) / {sc!r}"
    if agg in (A.MIN, A.MAX):
        init, body = (INF, _min) if agg is A.MIN else (-INF, _max)
        s = plan.life_slot((agg.value, src, d.value), [init], ev, _step(d, body))
        return f"(L[{s}] / {sc!r} if -INF < L[{s}] < INF else NAN)"
    c = plan.life_slot(("count", src), [0.0], ev, _step(_bare(d), _add))
    if agg is A.COUNT:
        return f"L[{c}]"
    s = plan.life_slot(("sum", src, d.value), [0.0], ev, _step(d, _add))
    if agg is A.SUM:
        return f"L[{s}] / {sc!r}"
    return f"(L[{s}] / L[{c}] / {sc!r} if L[{c}] else NAN)"


def _bare(d: FeatureDef) -> FeatureDef:
    """``d`` without its value field (steps that only count or look at time)."""
    return FeatureDef(d.name, A.COUNT, d.description, events=d.events, where=d.where)


def decayed(v: float, last: float, t: int, half_life: int) -> float:
    """A decayed sum kept as of ``last``, read at ``t`` (0 when nothing was added)."""
    if last == -INF:
        return 0.0
    return v * 2.0 ** ((last - t) / half_life) if t > last else v
