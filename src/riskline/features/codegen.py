"""Generate straight-line update and read functions per entity kind (the per-event hot path).

The source is built only from validated definitions: slot indices, numbers, and field and
feature names written with ``repr``; filter values live in the function's scope, not its text.
Nothing user-typed is evaluated as code.

State is created lazily: a ring, window set or lifetime set stays ``None`` until an event
writes to it (most entities only ever use a few), and reads of ``None`` give the empty values.
The common case of a ring update, an event in the newest bucket, is inlined; everything else
goes through :meth:`Ring.add <riskline.features.windows.Ring.add>`.
"""

from __future__ import annotations

from typing import Any

from riskline.features.plan import INF, NAN, SET_CAP, KindPlan, Read, Source, Step, Update
from riskline.features.readers import decay_update, decayed
from riskline.features.windows import ADD, MIN, Distinct, Ring, shrink_seen

__all__ = ["build_reader", "build_step", "build_update", "reader_source", "update_source"]

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


def _extreme(r: Ring | None, b: int, n: int, slot: int, kind: int) -> float:
    return NAN if r is None else r.extreme(b, n, slot, kind)


class _Drop:
    """Stands in for the running totals when a bucket is outside the head window."""

    def __getitem__(self, i: int) -> float:
        return 0.0

    def __setitem__(self, i: int, x: float) -> None:
        pass


class _Source:
    """Accumulates generated lines and the constants they refer to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.scope: dict[str, Any] = {
            "INF": INF,
            "NAN": NAN,
            "CAP": SET_CAP,
            "Ring": Ring,
            "DROP": _Drop(),
            "Distinct": Distinct,
            "decayed": decayed,
            "_default": _default,
            "_extreme": _extreme,
            "decay_update": decay_update,
            "shrink_seen": shrink_seen,
        }
        self._loaded: dict[str, str] = {}

    def cond(self, src: Source, value: str | None) -> str:
        """``if`` condition: the value is present and the filter passes."""
        parts = [] if value is None else [f"{self.field(value)} is not None"]
        for field, allowed in src[1]:
            name = f"W{len(self.scope)}"
            self.scope[name] = allowed
            parts.append(f"{self.field(field)} in {name}")
        return " and ".join(parts) or "True"

    def field(self, name: str) -> str:
        """The local holding field ``name`` of the view (loaded once at the top)."""
        if name not in self._loaded:
            self._loaded[name] = f"x{len(self._loaded)}"
        return self._loaded[name]

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def text(self) -> str:
        loads = [f"    {local} = v.get({name!r})" for name, local in self._loaded.items()]
        return "\n".join([*self.lines[:2], *loads, *self.lines[2:]]) + "\n"


def update_source(plan: KindPlan, etype: str) -> tuple[str, dict[str, Any]]:
    """Python source (and scope) of ``update(st, v, ts, late, hz)`` for one event type."""
    g = _Source()
    g.emit(0, "def update(st, v, ts, late, hz):")
    g.emit(1, "L = st.life; S = st.sets; R = st.rings")
    _seen_sets(g, plan, etype)
    g.emit(1, "if not late:")
    g.emit(2, "pass")
    for i, (res, n, src, field) in enumerate(plan.sets):
        if etype in src[0] and n:
            x = g.field(field)
            g.emit(2, f"if {g.cond(src, field)}:")
            g.emit(3, f"b = ts // {res}; s = S[{i}]")
            g.emit(3, f"if s is None: s = S[{i}] = Distinct({n})")
            g.emit(3, f"lst = s.seen.get({x})")
            g.emit(3, "if lst is not None and lst[-1] < b and not s.big:")  # small set, inline
            g.emit(4, "lst.append(b)")
            g.emit(4, "if b > s.head: s.head = b")
            g.emit(4, f"if lst[0] <= hz // {res} - {n}: s.trim(lst, hz // {res} - {n})")
            g.emit(3, "elif lst is None or lst[-1] != b or b != s.head:")
            g.emit(4, f"s.add({x}, b, hz // {res} - {n}, CAP)")
    for k in range(len(plan.groups)):
        _ring(g, plan, k, etype)
    for op, s, src, value, extra in plan.life_ops:
        if etype in src[0]:
            g.emit(1, f"if {g.cond(src, value)}:")
            if value is not None:
                g.emit(2, f"x = {g.field(value)}")
            g.emit(2, LIFE_OPS[op].format(s=s, s1=s + 1, extra=extra))
    return g.text(), g.scope


def _seen_sets(g: _Source, plan: KindPlan, etype: str) -> None:
    """Lifetime value sets first: they flag values new to the entity for count_new."""
    for i, (_, n, src, field) in enumerate(plan.sets):
        if etype in src[0] and not n:
            x = g.field(field)
            g.emit(1, f"f{i} = False")
            g.emit(1, f"if {g.cond(src, field)}:")
            g.emit(2, f"s = S[{i}]")
            g.emit(2, f"if s is None: s = S[{i}] = {{}}")
            g.emit(2, f"if {x} not in s:")
            g.emit(3, f"s[{x}] = ts; f{i} = True")
            g.emit(3, "if len(s) > CAP: shrink_seen(s, CAP)")


def _ring(g: _Source, plan: KindPlan, k: int, etype: str) -> None:
    """Ring ``k``: fold this event's slot ops into its bucket (inline, no op list).

    The newest-bucket case skips the bucket lookup; nothing is created or advanced when no op
    applies to the event (its filters fail or values are absent).
    """
    res, n, template = plan.groups[k]
    ops = [op for op in plan.ring_ops[k] if etype in op[2][0]]
    if not ops:
        return
    g.scope[f"TPL{k}"] = template
    conds = []
    for slot, kind, src, value, new in ops:
        cond = g.cond(src, None if new >= 0 else value)
        if new >= 0:
            cond = f"f{new} and {cond}"
        x = "1.0" if value is None or new >= 0 else g.field(value)
        conds.append((slot, kind, cond, x))
    any_op = (
        "True"
        if any(c == "True" for _, _, c, _ in conds)
        else " or ".join(f"({c})" for _, _, c, _ in conds)
    )
    g.emit(2, f"r = R[{k}]; b = ts // {res}")
    g.emit(2, "if r is not None and b == r.head and r.keys and r.keys[-1] == b:")  # newest
    g.emit(3, "q = r.vals[-1]; T = r.tot")
    _fold(g, conds, 3)
    g.emit(2, f"elif {any_op}:")
    g.emit(3, f"if r is None: r = R[{k}] = Ring.new(TPL{k})")
    g.emit(3, f"q = r.bucket(b, {n}, hz // {res} - {n}, TPL{k})")
    g.emit(3, f"T = r.tot if b > r.head - {n} else DROP")
    _fold(g, conds, 3)


def _fold(g: _Source, conds: list[tuple[int, int, str, str]], indent: int) -> None:
    for slot, kind, cond, x in conds:
        if kind == ADD:
            g.emit(indent, f"if {cond}: q[{slot}] += {x}; T[{slot}] += {x}")
        else:
            cmp = "<" if kind == MIN else ">"
            g.emit(indent, f"if {cond} and {x} {cmp} q[{slot}]: q[{slot}] = {x}")


def build_update(plan: KindPlan, etype: str) -> Update:
    """Compile :func:`update_source`."""
    text, scope = update_source(plan, etype)
    exec(compile(text, f"<features:{plan.kind}:{etype}>", "exec"), scope)
    fn: Update = scope["update"]
    return fn


def build_step(plan: KindPlan, etype: str) -> Step:
    """One function ``step(st, v, ts, late, hz, t, out)``: the update, then the read.

    The same lines as :func:`update_source` and :func:`reader_source` (their locals do not
    collide), in one call per entity instead of two.
    """
    text, scope = update_source(plan, etype)
    body = reader_source(plan).splitlines()[2:]  # without the def and the shared locals
    text = text.replace(
        "def update(st, v, ts, late, hz):", "def step(st, v, ts, late, hz, t, out):"
    )
    _zeros(plan, scope)
    exec(compile(text + "\n".join(body) + "\n", f"<features:{plan.kind}:{etype}>", "exec"), scope)
    fn: Step = scope["step"]
    return fn


def _zeros(plan: KindPlan, scope: dict[str, Any]) -> None:
    for g, (_, _, template) in enumerate(plan.groups):
        scope[f"Z{g}"] = [0.0] * len(template)


def reader_source(plan: KindPlan) -> str:
    """Python source of ``read(st, t, hz, out)`` for ``plan``."""
    lines = ["def read(st, t, hz, out):", "    L = st.life; S = st.sets; R = st.rings"]
    for g, (res, n, _) in enumerate(plan.groups):
        lines += [
            f"    r = R[{g}]; B{g} = t // {res}",
            f"    T{g} = Z{g} if r is None else r.tot if B{g} == r.head else "
            f"r.totals(B{g}, {n}, hz // {res} - {n})",
        ]
    for k, (name, expr) in enumerate(plan.readers):
        lines.append(f"    v{k} = {expr}; out[{name!r}] = v{k}")
    return "\n".join(lines) + "\n"


def build_reader(plan: KindPlan) -> Read:
    """Compile :func:`reader_source` for ``plan``."""
    scope = _Source().scope
    _zeros(plan, scope)
    exec(compile(reader_source(plan), f"<features:{plan.kind}>", "exec"), scope)
    read: Read = scope["read"]
    return read
