"""Generate one straight-line reader function per entity kind (the hot path of every event).

The source is built only from validated definitions: slot indices, float literals and
feature names written with ``repr``; nothing user-typed is evaluated as code.
"""

from __future__ import annotations

from riskline.features.plan import INF, NAN, KindPlan, Read
from riskline.features.readers import decayed

__all__ = ["build_reader", "reader_source"]


def _default(x: float, default: float) -> float:
    return default if x != x else x


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
    scope = {"INF": INF, "NAN": NAN, "decayed": decayed, "_default": _default}
    exec(compile(reader_source(plan), f"<features:{plan.kind}>", "exec"), scope)
    read: Read = scope["read"]  # type: ignore[assignment]
    return read
