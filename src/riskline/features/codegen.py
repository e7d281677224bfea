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

import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Mapping, Sequence
from typing import Any

from riskline.features.plan import INF, NAN, SET_CAP, KindPlan, Read, Source, Step, Update
from riskline.features.readers import decay_update, decayed
from riskline.features.windows import (
    ADD,
    DROP,
    MIN,
    distinct_class,
    native_calls,
    native_module,
    ring_class,
    shrink_seen,
)

__all__ = [
    "CodeBuilder",
    "build_reader",
    "build_step",
    "build_update",
    "read_lines",
    "reader_source",
    "set_cap",
    "update_lines",
    "update_source",
]

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


def set_cap() -> int:
    """The value-set cap generated code is built with (tests lower it)."""
    return SET_CAP


def _default(x: float, default: float) -> float:
    return default if x != x else x


class CodeBuilder:
    """Accumulates generated lines and the constants they refer to.

    One source can hold several entity kinds (the fused per-event function): ``ns`` prefixes
    the constants of the kind being emitted, ``base`` indents its lines, and field loads are
    shared (each field of the view is read once, at the top).
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.scope: dict[str, Any] = {
            "INF": INF,
            "NAN": NAN,
            "CAP": SET_CAP,
            "Ring": ring_class(),
            "DROP": DROP,
            "Distinct": distinct_class(),
            "bisect_left": bisect_left,
            "bisect_right": bisect_right,
            "insort": insort,
            "decayed": decayed,
            "_default": _default,
            "decay_update": decay_update,
            "shrink_seen": shrink_seen,
        }
        native = native_module()
        if native is not None:
            self.scope["read_kind"] = native.read_kind
            self.scope["untrack_state"] = native.untrack_state
        self.loaded: dict[str, str] = {}
        self.divs: dict[str, str] = {}
        self.ns = ""
        self.base = 0

    def const(self, stem: str, value: Any) -> str:
        """The global name of constant ``stem`` of the current kind, bound to ``value``."""
        name = f"{self.ns}{stem}"
        self.scope[name] = value
        return name

    def cond(self, src: Source, value: str | None) -> str:
        """``if`` condition: the value is present and the filter passes."""
        parts = [] if value is None else [f"{self.field(value)} is not None"]
        for field, allowed in src[1]:
            parts.append(f"{self.field(field)} in {self.const(f'W{len(self.scope)}', allowed)}")
        return " and ".join(parts) or "True"

    def field(self, name: str) -> str:
        """The local holding field ``name`` of the view (loaded once at the top)."""
        if name not in self.loaded:
            self.loaded[name] = f"x{len(self.loaded)}"
        return self.loaded[name]

    def div(self, name: str, res: int) -> str:
        """A local holding ``name // res`` (a bucket of ts, hz or t), computed once at the top."""
        local = f"{name}_{res}"
        self.divs[local] = f"{name} // {res}"
        return local

    def top(self, first: Sequence[str] = (), exprs: Mapping[str, str] | None = None) -> list[str]:
        """The lines that start the body: ``first``, the field loads, the bucket divisions.

        Fields load from the view ``v`` unless ``exprs`` gives their expressions (the fused
        functions read the event itself); a field ``exprs`` lacks reads ``None``.
        """
        loads = [
            f"{local} = {f'v.get({name!r})' if exprs is None else exprs.get(name, 'None')}"
            for name, local in self.loaded.items()
        ]
        return [*first, *loads, *(f"{local} = {expr}" for local, expr in self.divs.items())]

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * (indent + self.base) + text)

    def text(self, first: Sequence[str] = (), exprs: Mapping[str, str] | None = None) -> str:
        """The function: its ``def`` line, :meth:`top`, the body."""
        top = [f"    {line}" for line in self.top(first, exprs)]
        return "\n".join([self.lines[0], *top, *self.lines[1:]]) + "\n"

    def build(
        self,
        name: str,
        label: str,
        first: Sequence[str] = (),
        exprs: Mapping[str, str] | None = None,
    ) -> Any:
        """Compile :meth:`text` and return the function ``name`` it defines."""
        exec(compile(self.text(first, exprs), label, "exec"), self.scope)
        return self.scope[name]


def update_source(plan: KindPlan, etype: str) -> tuple[str, dict[str, Any]]:
    """Python source (and scope) of ``update(st, v, ts, late, hz)`` for one event type."""
    g = _updater(plan, etype)
    return g.text(), g.scope


def _updater(plan: KindPlan, etype: str) -> CodeBuilder:
    g = CodeBuilder()
    g.emit(0, "def update(st, v, ts, late, hz):")
    update_lines(g, plan, etype)
    return g


def update_lines(g: CodeBuilder, plan: KindPlan, etype: str) -> None:
    """The body of an update of ``st`` by one event of type ``etype`` (view ``v``)."""
    g.emit(1, "L = st.life; S = st.sets; R = st.rings")
    _seen_sets(g, plan, etype)
    g.emit(1, "if not late:")
    header = len(g.lines)
    for i, (res, n, src, field) in enumerate(plan.sets):
        if etype in src[0] and n and native_calls():
            g.emit(2, f"if {g.cond(src, field)}:")
            g.emit(3, f"s = S[{i}]")
            g.emit(3, f"if s is None: s = S[{i}] = Distinct({n})")
            g.emit(3, f"s.put({g.field(field)}, {g.div('ts', res)}, {g.div('hz', res)} - {n}, CAP)")
        elif etype in src[0] and n:
            x = g.field(field)
            g.emit(2, f"if {g.cond(src, field)}:")
            g.emit(3, f"b = {g.div('ts', res)}; s = S[{i}]")
            g.emit(3, f"if s is None: s = S[{i}] = Distinct({n})")
            g.emit(3, f"lst = s.seen.get({x})")
            g.emit(3, "if lst is not None and lst[-1] < b:")  # a known value, newer bucket: inline
            g.emit(4, "ls = s.lasts; old = lst[-1]; lst.append(b)")
            g.emit(4, "if ls[-1] == old: ls[-1] = b")  # the newest value again: still sorted
            g.emit(4, "else:")
            g.emit(5, "del ls[bisect_left(ls, old)]")
            g.emit(5, "if b >= ls[-1]: ls.append(b)")
            g.emit(5, "else: insort(ls, b)")
            g.emit(4, "if b > s.head: s.head = b")
            # b is newer than the prune edge: the newest bucket always stays
            edge = f"{g.div('hz', res)} - {n}"
            g.emit(4, f"if lst[0] <= {edge}: del lst[: bisect_right(lst, {edge})]")
            g.emit(3, "elif lst is None:")  # a new value: inline too
            g.emit(4, f"s.seen[{x}] = [b]; ls = s.lasts")
            g.emit(4, "if not ls or b >= ls[-1]: ls.append(b)")
            g.emit(4, "else: insort(ls, b)")
            g.emit(4, "if b > s.head: s.head = b")
            g.emit(4, f"if len(s.seen) > CAP: s.shrink({edge}, CAP)")
            g.emit(3, "elif lst[-1] > b:")  # an older bucket of a known value
            g.emit(4, f"s.add({x}, b, {edge}, CAP)")
    for k in range(len(plan.groups)):
        _ring(g, plan, k, etype)
    if len(g.lines) == header:  # nothing windowed for this event type
        g.lines.pop()
    for op, s, src, value, extra in plan.life_ops:
        if etype in src[0]:
            g.emit(1, f"if {g.cond(src, value)}:")
            if value is not None:
                g.emit(2, f"x = {g.field(value)}")
            g.emit(2, LIFE_OPS[op].format(s=s, s1=s + 1, extra=extra))


def _seen_sets(g: CodeBuilder, plan: KindPlan, etype: str) -> None:
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


def _ring(g: CodeBuilder, plan: KindPlan, k: int, etype: str) -> None:
    """Ring ``k``: fold this event's slot ops into its bucket (inline, no op list).

    The newest-bucket case skips the bucket lookup; nothing is created or advanced when no op
    applies to the event (its filters fail or values are absent).
    """
    res, n, template = plan.groups[k]
    ops = [op for op in plan.ring_ops[k] if etype in op[2][0]]
    if not ops:
        return
    tpl = g.const(f"TPL{k}", template)
    conds = []
    for slot, kind, src, value, new in ops:
        cond = g.cond(src, None if new >= 0 else value)
        if new >= 0:
            cond = f"f{new}" if cond == "True" else f"f{new} and {cond}"
        x = "1.0" if value is None or new >= 0 else g.field(value)
        conds.append((slot, kind, cond, x))
    any_op = (
        "True"
        if any(c == "True" for _, _, c, _ in conds)
        else " or ".join(f"({c})" for _, _, c, _ in conds)
    )
    zeros = g.const(f"Z{k}", [0.0] * len(template))
    if native_calls():  # the core's fold, with one value (None: skip) per op
        values = [
            x if c in ("True", f"{x} is not None") else f"({x} if {c} else None)"
            for _, _, c, x in conds
        ]
        spec = g.const(f"SP{k}", tuple((slot, kind) for slot, kind, _, _ in conds))
        b = g.div("ts", res)
        g.emit(2, f"r = R[{k}]")
        make = f"r = R[{k}] = Ring({b}, [{b}], [{tpl}.copy()], {zeros}.copy(), 0)"
        first = "r is None" if any_op == "True" else f"r is None and ({any_op})"
        g.emit(2, f"if {first}: {make}")  # the first write: a ring of one bucket
        prune = f"{g.div('hz', res)} - {n}"
        g.emit(
            2, f"if r is not None: r.fold({b}, {n}, {prune}, {tpl}, {spec}, {', '.join(values)})"
        )
        return
    g.emit(2, f"r = R[{k}]; b = {g.div('ts', res)}")
    g.emit(2, "if r is not None and b == r.head and r.keys and r.keys[-1] == b:")  # newest
    g.emit(3, "q = r.vals[-1]; T = r.tot")
    _fold(g, conds, 3)
    g.emit(2, f"elif {any_op}:")
    g.emit(3, "if r is None:")  # the first write: a ring of one bucket
    g.emit(4, f"q = {tpl}.copy(); T = {zeros}.copy(); R[{k}] = Ring(b, [b], [q], T, 0)")
    g.emit(3, f"elif b > r.head and (not r.keys or r.keys[-1] <= b - {n}):")  # all expired
    g.emit(4, f"r.expire_all(b, {g.div('hz', res)} - {n}); q = {tpl}.copy(); r.keys.append(b)")
    g.emit(4, "r.vals.append(q); T = r.tot")
    # a newer bucket while no bucket leaves the window and none is old enough to forget
    g.emit(
        3, f"elif b > r.head and r.keys[r.lo] > b - {n} and r.keys[0] > {g.div('hz', res)} - {n}:"
    )
    g.emit(4, f"r.head = b; q = {tpl}.copy(); r.keys.append(b); r.vals.append(q); T = r.tot")
    g.emit(3, "else:")
    g.emit(4, f"q = r.bucket(b, {n}, {g.div('hz', res)} - {n}, {tpl})")
    g.emit(4, f"T = r.tot if b > r.head - {n} else DROP")
    _fold(g, conds, 3)


def _fold(g: CodeBuilder, conds: list[tuple[int, int, str, str]], indent: int) -> None:
    for slot, kind, cond, x in conds:
        if kind == ADD:
            g.emit(indent, f"if {cond}: q[{slot}] += {x}; T[{slot}] += {x}")
        else:
            cmp = "<" if kind == MIN else ">"
            g.emit(indent, f"if {cond} and {x} {cmp} q[{slot}]: q[{slot}] = {x}")


def read_lines(g: CodeBuilder, plan: KindPlan, locals_: bool = True) -> None:
    """The body of a read of ``st`` at ``t`` into ``out`` (``locals_``: bind L, S, R first).

    A ring's bucket ``B<k>`` and totals ``T<k>`` are computed only when a feature reads them.
    """
    if locals_:
        g.emit(1, "L = st.life; S = st.sets; R = st.rings")
    if native_calls():  # every read op of the kind in one call (riskline.features._native)
        spec = native_module().ReadSpec(
            tuple(name for name, _ in plan.readers),
            tuple(plan.read_ops),
            tuple((res, n) for res, n, _ in plan.groups),
        )
        g.emit(1, f"read_kind(out, {g.const('READ', spec)}, t, hz, L, S, R)")
        return
    text = " ".join(expr for _, expr in plan.readers)
    for k, (res, n, template) in enumerate(plan.groups):
        if re.search(rf"\bT{k}\b", text):
            z = g.const(f"Z{k}", [0.0] * len(template))
            g.emit(1, f"r = R[{k}]; B{k} = {g.div('t', res)}")
            g.emit(
                1,
                f"T{k} = {z} if r is None else r.tot if B{k} == r.head or (B{k} > r.head and "
                f"(r.lo == len(r.keys) or r.keys[r.lo] > B{k} - {n})) else "
                f"r.totals(B{k}, {n}, {g.div('hz', res)} - {n})",  # no bucket leaves: as at head
            )
        elif re.search(rf"\bB{k}\b", text):
            g.emit(1, f"B{k} = {g.div('t', res)}")
    used = {int(m) for _, expr in plan.readers for m in re.findall(r"\bv(\d+)\b", expr)}
    for k, (name, expr) in enumerate(plan.readers):  # bind only what later features read
        line = f"v{k} = {expr}; out[{name!r}] = v{k}" if k in used else f"out[{name!r}] = {expr}"
        g.emit(1, line)


def build_update(plan: KindPlan, etype: str) -> Update:
    """Compile :func:`update_source`."""
    fn: Update = _updater(plan, etype).build("update", f"<features:{plan.kind}:{etype}>")
    return fn


def build_step(plan: KindPlan, etype: str) -> Step:
    """One function ``step(st, v, ts, late, hz, t, out)``: the update, then the read."""
    g = CodeBuilder()
    g.emit(0, "def step(st, v, ts, late, hz, t, out):")
    update_lines(g, plan, etype)
    read_lines(g, plan, locals_=False)
    fn: Step = g.build("step", f"<features:{plan.kind}:{etype}>")
    return fn


def reader_source(plan: KindPlan) -> str:
    """Python source of ``read(st, t, hz, out)`` for ``plan``."""
    return _reader(plan).text()


def _reader(plan: KindPlan) -> CodeBuilder:
    g = CodeBuilder()
    g.emit(0, "def read(st, t, hz, out):")
    read_lines(g, plan)
    return g


def build_reader(plan: KindPlan) -> Read:
    """Compile :func:`reader_source` for ``plan``."""
    read: Read = _reader(plan).build("read", f"<features:{plan.kind}>")
    return read
