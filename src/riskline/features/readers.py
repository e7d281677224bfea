"""How each aggregate claims state in a plan and the expression that reads it back.

Missing values: counts, sums, distinct counts and decayed sums read 0 when nothing matched;
mean, min, max, last, since_* and ratios read NaN when undefined (a definition's ``default``
replaces NaN). Money is kept in cents and divided back on read.
"""

from __future__ import annotations

from riskline.features.definitions import Aggregate as A  # noqa: N817
from riskline.features.definitions import FeatureDef, FeatureType
from riskline.features.plan import KindPlan, scale_of, source_of
from riskline.features.windows import ADD, MAX, MIN, native_calls

__all__ = ["ReadOp", "add_feature", "decay_update", "decayed", "render"]

INF = float("inf")
NAN = float("nan")


# Read ops: ``(code, a, b, c, d, scale, post, default)``. The generated Python reader renders
# each op as an expression (:func:`render`); the compiled core runs the same ops in C
# (``_native.read_kind``). ``post``: 0 none, 1 a bool (1.0 when > 0), 2 NaN -> ``default``.
TOT, MEAN, RATIO, DCOUNT, EXTREME, LEN, LIFE, LMEAN, SINCE_FIRST, SINCE_LAST, DECAYED, BOUNDED = (
    range(12)
)
ReadOp = tuple[int, int, int, int, int, float, int, float]


def add_feature(plan: KindPlan, d: FeatureDef) -> None:
    """Claim ``d``'s state in ``plan`` and register the op that reads it.

    Rendered expressions use the locals of the generated reader (see
    :mod:`riskline.features.codegen`): ``t`` read time, ``L`` lifetime slots, ``S`` value sets,
    ``R`` rings, ``T<g>`` the totals of ring ``g`` and ``B<g>`` its bucket at ``t``, ``v<k>``
    earlier features of this kind.
    """
    if d.aggregate is A.RATIO:
        num, den = (_index(plan, n) for n in d.of or ("", ""))
        op = (RATIO, num, den, 0, 0, 1.0)
    elif d.window is not None:
        op = _windowed(plan, d)
    else:
        op = _lifetime(plan, d)
    if d.type is FeatureType.BOOL:
        full: ReadOp = (*op, 1, 0.0)
    elif d.default is not None:
        full = (*op, 2, float(d.default))
    else:
        full = (*op, 0, 0.0)
    plan.read_ops.append(full)
    plan.readers.append((d.name, render(full)))


def _index(plan: KindPlan, name: str) -> int:
    return [n for n, _ in plan.readers].index(name)


def render(op: ReadOp) -> str:
    """The Python expression of a read op (value sets count through ``fcount`` when generated
    code calls the compiled cores)."""
    code, a, b, c, d, sc, post, default = op
    if code == TOT:
        expr = f"T{a}[{b}] / {sc!r}" if c else f"T{a}[{b}]"
    elif code == MEAN:
        expr = f"(T{a}[{b}] / T{a}[{c}] / {sc!r} if T{a}[{c}] else NAN)"
    elif code == RATIO:
        expr = f"(v{a} / v{b} if v{b} else NAN)"
    elif code == DCOUNT:
        if native_calls():
            expr = f"(0.0 if (s := S[{a}]) is None else s.fcount(B{b}))"
        else:
            expr = (
                f"(0.0 if (s := S[{a}]) is None else "
                f"float(len(s.lasts) - bisect_right(s.lasts, B{b} - {c})) "
                f"if B{b} >= s.head else float(s.count(B{b})))"
            )
    elif code == EXTREME:
        expr = f"(NAN if (r := R[{a}]) is None else r.extreme(B{a}, {b}, {c}, {d}) / {sc!r})"
    elif code == LEN:
        expr = f"(0.0 if S[{a}] is None else float(len(S[{a}])))"
    elif code == LIFE:
        expr = f"L[{a}] / {sc!r}" if c else f"L[{a}]"
    elif code == LMEAN:
        expr = f"(L[{a}] / L[{b}] / {sc!r} if L[{b}] else NAN)"
    elif code in (SINCE_FIRST, SINCE_LAST):
        edge = "< INF" if code == SINCE_FIRST else "> -INF"
        expr = f"(max(0, t - L[{a}]) / {b} if L[{a}] {edge} else NAN)"
    elif code == DECAYED:
        expr = f"decayed(L[{a}], L[{a + 1}], t, {b}) / {sc!r}"
    else:  # BOUNDED
        expr = f"(L[{a}] / {sc!r} if -INF < L[{a}] < INF else NAN)"
    if post == 1:
        return f"(1.0 if {expr} > 0 else 0.0)"
    if post == 2:
        return f"_default({expr}, {default!r})"
    return expr


def _windowed(plan: KindPlan, d: FeatureDef) -> tuple[int, int, int, int, int, float]:
    src, g, sc, agg = source_of(d), plan.group(d), scale_of(d), d.aggregate
    n = d.buckets
    if agg is A.DISTINCT:
        return (DCOUNT, plan.value_set(src, d.value or "", d.resolution or 1, n), g, n, 0, 1.0)
    if agg is A.COUNT_NEW:
        return (
            TOT,
            g,
            plan.ring_slot(g, ADD, src, None, plan.value_set(src, d.value or "")),
            0,
            0,
            1.0,
        )
    if agg in (A.MIN, A.MAX):
        kind = MIN if agg is A.MIN else MAX
        return (EXTREME, g, n, plan.ring_slot(g, kind, src, d.value), kind, sc)
    c = plan.ring_slot(g, ADD, src, None)
    if agg is A.COUNT:
        return (TOT, g, c, 0, 0, 1.0)
    s = plan.ring_slot(g, ADD, src, d.value)
    if agg is A.SUM:
        return (TOT, g, s, 1, 0, sc)
    return (MEAN, g, s, c, 0, sc)


def _lifetime(plan: KindPlan, d: FeatureDef) -> tuple[int, int, int, int, int, float]:
    src, sc, agg, unit, v = source_of(d), scale_of(d), d.aggregate, d.unit, d.value
    if agg in (A.DISTINCT, A.COUNT_NEW):
        i = plan.value_set(src, v or "")
        if agg is A.DISTINCT:
            return (LEN, i, 0, 0, 0, 1.0)
        return (LIFE, plan.life_slot("new", [0.0], src, None, i), 0, 0, 0, 1.0)
    if agg is A.SINCE_FIRST:
        return (SINCE_FIRST, plan.life_slot("first", [INF], src, None), unit, 0, 0, 1.0)
    if agg is A.SINCE_LAST:
        return (SINCE_LAST, plan.life_slot("lastts", [-INF], src, None), unit, 0, 0, 1.0)
    if agg is A.LAST:
        return (LIFE, plan.life_slot("last", [-INF, NAN], src, v) + 1, 0, 1, 0, sc)
    if agg is A.DECAYED_SUM:
        hl = d.half_life or 1
        return (DECAYED, plan.life_slot("decay", [0.0, -INF], src, v, hl), hl, 0, 0, sc)
    if agg in (A.MIN, A.MAX):
        s = plan.life_slot(agg.value, [INF if agg is A.MIN else -INF], src, v)
        return (BOUNDED, s, 0, 0, 0, sc)
    c = plan.life_slot("count", [0.0], src, None)
    if agg is A.COUNT:
        return (LIFE, c, 0, 0, 0, 1.0)
    s = plan.life_slot("sum", [0.0], src, v)
    if agg is A.SUM:
        return (LIFE, s, 0, 1, 0, sc)
    return (LMEAN, s, c, 0, 0, sc)


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
