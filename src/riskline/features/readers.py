"""How each aggregate claims state in a plan and the expression that reads it back.

Missing values: counts, sums, distinct counts and decayed sums read 0 when nothing matched;
mean, min, max, last, since_* and ratios read NaN when undefined (a definition's ``default``
replaces NaN). Money is kept in cents and divided back on read.
"""

from __future__ import annotations

from riskline.features.definitions import Aggregate as A  # noqa: N817
from riskline.features.definitions import FeatureDef
from riskline.features.plan import KindPlan, post, scale_of, source_of
from riskline.features.windows import ADD, MAX, MIN, native_calls

__all__ = ["add_feature", "decay_update", "decayed"]

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
        vs = f"S[{plan.value_set(src, d.value or '', d.resolution or 1, n)}]"
        if native_calls():
            return f"(0.0 if (s := {vs}) is None else s.fcount(B{g}))"
        return (
            f"(0.0 if (s := {vs}) is None else "
            f"float(len(s.lasts) - bisect_right(s.lasts, B{g} - {n})) "
            f"if B{g} >= s.head else float(s.count(B{g})))"
        )
    if agg is A.COUNT_NEW:
        return f"T{g}[{plan.ring_slot(g, ADD, src, None, plan.value_set(src, d.value or ''))}]"
    if agg in (A.MIN, A.MAX):
        kind = MIN if agg is A.MIN else MAX
        return (
            f"(NAN if (r := R[{g}]) is None else "
            f"r.extreme(B{g}, {n}, {plan.ring_slot(g, kind, src, d.value)}, {kind}) / {sc!r})"
        )
    c = plan.ring_slot(g, ADD, src, None)
    if agg is A.COUNT:
        return f"T{g}[{c}]"
    s = plan.ring_slot(g, ADD, src, d.value)
    if agg is A.SUM:
        return f"T{g}[{s}] / {sc!r}"
    return f"(T{g}[{s}] / T{g}[{c}] / {sc!r} if T{g}[{c}] else NAN)"


def _lifetime(plan: KindPlan, d: FeatureDef) -> str:
    src, sc, agg, unit, v = source_of(d), scale_of(d), d.aggregate, d.unit, d.value
    if agg in (A.DISTINCT, A.COUNT_NEW):
        i = plan.value_set(src, v or "")
        if agg is A.DISTINCT:
            return f"(0.0 if S[{i}] is None else float(len(S[{i}])))"
        return f"L[{plan.life_slot('new', [0.0], src, None, i)}]"
    if agg is A.SINCE_FIRST:
        s = plan.life_slot("first", [INF], src, None)
        return f"(max(0, t - L[{s}]) / {unit} if L[{s}] < INF else NAN)"
    if agg is A.SINCE_LAST:
        s = plan.life_slot("lastts", [-INF], src, None)
        return f"(max(0, t - L[{s}]) / {unit} if L[{s}] > -INF else NAN)"
    if agg is A.LAST:
        return f"L[{plan.life_slot('last', [-INF, NAN], src, v) + 1}] / {sc!r}"
    if agg is A.DECAYED_SUM:
        hl = d.half_life or 1
        s = plan.life_slot("decay", [0.0, -INF], src, v, hl)
        return f"decayed(L[{s}], L[{s + 1}], t, {hl}) / {sc!r}"
    if agg in (A.MIN, A.MAX):
        s = plan.life_slot(agg.value, [INF if agg is A.MIN else -INF], src, v)
        return f"(L[{s}] / {sc!r} if -INF < L[{s}] < INF else NAN)"
    c = plan.life_slot("count", [0.0], src, None)
    if agg is A.COUNT:
        return f"L[{c}]"
    s = plan.life_slot("sum", [0.0], src, v)
    if agg is A.SUM:
        return f"L[{s}] / {sc!r}"
    return f"(L[{s}] / L[{c}] / {sc!r} if L[{c}] else NAN)"


def decay_update(life: list[float], s: int, x: float, ts: int, half_life: int) -> None:
    """Add ``x`` at ``ts`` to the decayed sum kept in ``life[s]`` as of ``life[s + 1]``."""
    last = life[s + 1]
    if last == -INF:
        life[s], life[s + 1] = x, ts
    elif ts >= last:
        life[s], life[s + 1] = life[s] * 2.0 ** ((last - ts) / half_life) + x, ts
    else:
        life[s] += x * 2.0 ** ((ts - last) / half_life)


def decayed(v: float, last: float, t: int, half_life: int) -> float:
    """A decayed sum kept as of ``last``, read at ``t`` (0 when nothing was added)."""
    if last == -INF:
        return 0.0
    return v * 2.0 ** ((last - t) / half_life) if t > last else v
