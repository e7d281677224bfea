"""Generate straight-line update and read functions per entity kind (the per-event hot path).

The source is built only from validated definitions: slot indices, numbers, and field and
feature names written with ``repr``; filter values live in the function's scope, not its text.
Nothing user-typed is evaluated as code.
"""

from __future__ import annotations

from typing import Any

from riskline.features.plan import INF, NAN, SET_CAP, KindPlan, Read, Source, Update
from riskline.features.readers import decay_update, decayed
from riskline.features.windows import ADD, shrink_seen

__all__ = ["build_reader", "build_update", "reader_source", "update_source"]

LIFE_OPS = {
    "count": "L[{s}] += 1.0",
    "sum": "L[{s}] += x",
    "min": "if x < L[{s}]: L[{s}] = x",
    "max": "if x > L[{s}]: L[{s}] = x",
    "first": "if ts < L[{s}]: L[{s}] = ts",
    "lastts": "if ts > L[{s}]: L[{s}] = ts",
    "last": "if ts >= L[{s}]: L[{s}] = ts; L[{s1}] = x",
    "decay": "decay_update(L, {s}, x, ts, {extra})",
    "new": "if f{extra}: L[{s}] += 1.0",
}


def _default(x: float, default: float) -> float:
    return default if x != x else x


class _Source:
    """Accumulates generated lines and the constants they refer to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.scope: dict[str, Any] = {
            "INF": INF,
            "NAN": NAN,
            "CAP": SET_CAP,
            "decayed": decayed,
            "_default": _default,
            "decay_update": decay_update,
            "shrink_seen": shrink_seen,
        }

    def cond(self, src: Source, value: str | None) -> str:
        """``if`` condition: the value is present and the filter passes."""
        parts = [] if value is None else ["x is not None"]
        for field, allowed in src[1]:
            name = f"W{len(self.scope)}"
            self.scope[name] = allowed
            parts.append(f"v.get({field!r}) in {name}")
        return " and ".join(parts) or "True"

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)


def update_source(plan: KindPlan, etype: str) -> tuple[str, dict[str, Any]]:
    """Python source (and scope) of ``update(st, v, ts, late, hz)`` for one event type."""
    g = _Source()
    g.emit(0, "def update(st, v, ts, late, hz):")
    g.emit(1, "L = st.life; S = st.sets")
    _seen_sets(g, plan, etype)
    g.emit(1, "if not late:")
    g.emit(2, "pass")
    for i, (res, n, src, field) in enumerate(plan.sets):
        if etype in src[0] and n:
            g.emit(2, f"x = v.get({field!r})")
            g.emit(
                2, f"if {g.cond(src, field)}: S[{i}].add(x, ts // {res}, hz // {res} - {n}, CAP)"
            )
    for k in range(len(plan.groups)):
        _ring(g, plan, k, etype)
    for op, s, src, value, extra in plan.life_ops:
        if etype in src[0]:
            if value is not None:
                g.emit(1, f"x = v.get({value!r})")
            g.emit(1, f"if {g.cond(src, value)}:")
            g.emit(2, LIFE_OPS[op].format(s=s, s1=s + 1, extra=extra))
    return "\n".join(g.lines) + "\n", g.scope


def _seen_sets(g: _Source, plan: KindPlan, etype: str) -> None:
    """Lifetime value sets first: they flag values new to the entity for count_new."""
    for i, (_, n, src, field) in enumerate(plan.sets):
        if etype in src[0] and not n:
            g.emit(1, f"f{i} = False; x = v.get({field!r})")
            g.emit(1, f"if {g.cond(src, field)}:")
            g.emit(2, f"s = S[{i}]")
            g.emit(2, "if x not in s:")
            g.emit(3, f"s[x] = ts; f{i} = True")
            g.emit(3, "if len(s) > CAP: shrink_seen(s, CAP)")


def _ring(g: _Source, plan: KindPlan, k: int, etype: str) -> None:
    """Collect the slot ops of ring ``k`` for this event, then fold them in one call."""
    res, n, template = plan.groups[k]
    ops = [op for op in plan.ring_ops[k] if etype in op[2][0]]
    if not ops:
        return
    g.scope[f"TPL{k}"] = template
    g.emit(2, "ops = []")
    for slot, kind, src, value, new in ops:
        if new >= 0:
            g.emit(2, f"if f{new} and {g.cond(src, None)}: ops.append(({slot}, {ADD}, 1.0))")
            continue
        if value is not None:
            g.emit(2, f"x = v.get({value!r})")
        x = "1.0" if value is None else "x"
        g.emit(2, f"if {g.cond(src, value)}: ops.append(({slot}, {kind}, {x}))")
    g.emit(2, f"if ops: st.rings[{k}].add(ts // {res}, {n}, hz // {res} - {n}, TPL{k}, ops)")


def build_update(plan: KindPlan, etype: str) -> Update:
    """Compile :func:`update_source`."""
    text, scope = update_source(plan, etype)
    exec(compile(text, f"<features:{plan.kind}:{etype}>", "exec"), scope)
    fn: Update = scope["update"]
    return fn


def reader_source(plan: KindPlan) -> str:
    """Python source of ``read(st, t, hz, out)`` for ``plan``."""
    lines = ["def read(st, t, hz, out):", "    L = st.life; S = st.sets; R = st.rings"]
    for g, (res, n, _) in enumerate(plan.groups):
        lines += [
            f"    r = R[{g}]; B{g} = t // {res}",
            f"    T{g} = r.tot if B{g} == r.head else r.totals(B{g}, {n}, hz // {res} - {n})",
        ]
    for k, (name, expr) in enumerate(plan.readers):
        lines.append(f"    v{k} = {expr}; out[{name!r}] = v{k}")
    return "\n".join(lines) + "\n"


def build_reader(plan: KindPlan) -> Read:
    """Compile :func:`reader_source` for ``plan``."""
    scope = _Source().scope
    exec(compile(reader_source(plan), f"<features:{plan.kind}>", "exec"), scope)
    read: Read = scope["read"]
    return read
