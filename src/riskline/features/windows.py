"""Per-entity state primitives: bucketed sliding windows and bounded value sets.

Time is integer seconds; a bucket is ``ts // resolution``. A window of ``n`` buckets read at
bucket ``b`` covers buckets ``b-n+1 .. b``. Running totals make reads at the newest bucket O(1);
reads at older buckets (late events) scan the few retained buckets.

Two implementations hold the same state: the C core (``riskline.features._native``, built at
install when a compiler is present: rings stored flat, value-set updates and head counts in C)
and the Python cores :class:`PyRing` and :class:`PyDistinct`. :class:`Ring` and
:class:`Distinct` are the compiled ones when built (:data:`NATIVE`); catalogs compiled inside
:func:`python_cores` use the Python ones, and tests hold the two equal.

>>> r = Ring.new([0.0])
>>> r.add(10, 3, 0, [0.0], [(0, ADD, 2.0)])
>>> r.add(12, 3, 0, [0.0], [(0, ADD, 5.0)])
>>> r.totals(12, 3, 0)[0], r.totals(11, 3, 0)[0], r.totals(13, 3, 0)[0]
(7.0, 2.0, 5.0)
"""

from __future__ import annotations

import hashlib
import os
import warnings
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator
from contextlib import contextmanager
from operator import add, itemgetter, sub
from pathlib import Path
from typing import TYPE_CHECKING, Any

__all__ = [
    "ADD",
    "DROP",
    "MAX",
    "MIN",
    "NATIVE",
    "Distinct",
    "PyDistinct",
    "PyRing",
    "Ring",
    "SlotOp",
    "distinct_class",
    "native_calls",
    "native_module",
    "python_cores",
    "ring_class",
    "shrink_seen",
]

ADD, MIN, MAX = 0, 1, 2
INF = float("inf")
NAN = float("nan")
NEVER = -(1 << 62)
SlotOp = tuple[int, int, float]
"""``(slot, ADD | MIN | MAX, value)``."""


class PyDistinctCore:
    """The per-event part of a windowed value set, in Python (``_native.DistinctCore`` is the
    compiled twin). Fields: ``n`` (window in buckets), ``head`` (newest bucket added), ``seen``
    (value -> its sorted buckets) and ``lasts`` (every value's newest bucket, sorted)."""

    __slots__ = ("head", "lasts", "n", "seen")

    def __init__(self, n: int, seen: dict[str, list[int]] | None = None, head: int = NEVER) -> None:
        self.n = n
        self.head = head
        self.seen: dict[str, list[int]] = seen or {}
        self.lasts: list[int] = sorted(lst[-1] for lst in seen.values()) if seen else []

    def put(self, value: str, b: int, prune: int, cap: int) -> None:
        """Record ``value`` in bucket ``b`` (an online update: ``b > prune``).

        A new value and a known value in a newer bucket are handled here; a known value in an
        older bucket goes through :meth:`Distinct.add`. Buckets ``<= prune`` are forgotten
        when the value moves to a newer bucket.
        """
        lst = self.seen.get(value)
        if lst is not None and lst[-1] < b:
            ls, old = self.lasts, lst[-1]
            lst.append(b)
            if ls[-1] == old:  # the newest value again: still sorted
                ls[-1] = b
            else:
                del ls[bisect_left(ls, old)]
                if b >= ls[-1]:
                    ls.append(b)
                else:
                    insort(ls, b)
            if b > self.head:
                self.head = b
            if lst[0] <= prune:
                del lst[: bisect_right(lst, prune)]
        elif lst is None:
            self.seen[value] = [b]
            ls = self.lasts
            if not ls or b >= ls[-1]:
                ls.append(b)
            else:
                insort(ls, b)
            if b > self.head:
                self.head = b
            if len(self.seen) > cap:
                self.shrink(prune, cap)  # type: ignore[attr-defined]
        elif lst[-1] > b:
            self.add(value, b, prune, cap)  # type: ignore[attr-defined]

    def fcount(self, b: int) -> float:
        """``float(count(b))``: the newest-bucket case is one binary search."""
        if b >= self.head:
            return float(len(self.lasts) - bisect_right(self.lasts, b - self.n))
        return float(self.count(b))  # type: ignore[attr-defined]


class _Drop:
    """Stands in for the running totals when a bucket is outside the head window."""

    def __getitem__(self, i: int) -> float:
        return 0.0

    def __setitem__(self, i: int, x: float) -> None:
        pass


DROP = _Drop()
"""Taken for the running totals by code folding into a bucket outside the head window."""


def _source_digest() -> str | None:
    """SHA-256 of the C source next to this module (None when it is not shipped)."""
    src = Path(__file__).with_name("_native.c")
    return hashlib.sha256(src.read_bytes()).hexdigest() if src.exists() else None


_native: Any = None
if os.environ.get("RISKLINE_PURE_PYTHON", "") in ("", "0"):
    try:
        from riskline.features import _native  # type: ignore[attr-defined,no-redef]

        if _source_digest() not in (None, _native.SOURCE):
            warnings.warn(
                "riskline.features._native was built from another _native.c: using the Python "
                "windows (reinstall Riskline to rebuild it)",
                RuntimeWarning,
                stacklevel=1,
            )
            _native = None
    except ImportError:  # not compiled (no C compiler at install): the Python cores
        pass
NATIVE = _native is not None
"""The compiled cores are in use (built at install; ``RISKLINE_PURE_PYTHON=1`` turns them off)."""

_CALLS = [NATIVE]


def native_calls() -> bool:
    """Generated code calls the cores' per-event methods (compiled cores), instead of inlining
    their Python (the fastest pure-Python form). Read when a catalog is compiled."""
    return _CALLS[0]


def native_module() -> Any:
    """``riskline.features._native`` when generated code calls the compiled cores, else None."""
    return _native if native_calls() else None


@contextmanager
def python_cores() -> Iterator[None]:
    """Compile catalogs inside this block as if the compiled cores were absent (tests)."""
    before = _CALLS[0]
    _CALLS[0] = False
    try:
        yield
    finally:
        _CALLS[0] = before


class _RingIO:
    """Creating, dumping and loading a ring, on either core."""

    if not TYPE_CHECKING:  # the fields are the core's
        __slots__ = ()
    head: int
    keys: list[int]
    vals: list[list[float]]
    tot: list[float]
    lo: int

    if TYPE_CHECKING:  # the core's

        def __init__(
            self, head: int, keys: list[int], vals: list[list[float]], tot: list[float], lo: int
        ) -> None: ...

    @classmethod
    def new(cls, template: list[float]) -> Any:
        """An empty window whose buckets start as copies of ``template``."""
        return cls(NEVER, [], [], [0.0] * len(template), 0)

    def dump(self) -> list[Any]:
        """Plain JSON-able form."""
        return [self.head, self.keys, self.vals, self.tot, self.lo]

    @classmethod
    def load(cls, plain: list[Any]) -> Any:
        """Inverse of :meth:`dump`."""
        head, keys, vals, tot, lo = plain
        return cls(
            int(head),
            [int(k) for k in keys],
            [[float(x) for x in v] for v in vals],
            [float(x) for x in tot],
            int(lo),
        )


class PyRing(_RingIO):
    """Bucketed sliding window of several slots with running totals of the additive ones, in
    Python (``_native.RingCore`` is the compiled twin; tests hold the two equal).

    Fields: ``head`` (newest bucket the window advanced to), ``keys`` (sorted buckets kept),
    ``vals`` (slots per bucket), ``tot`` (running totals of the window ending at ``head``) and
    ``lo`` (index of the oldest bucket in that window).
    """

    __slots__ = ("head", "keys", "lo", "tot", "vals")

    def __init__(
        self, head: int, keys: list[int], vals: list[list[float]], tot: list[float], lo: int
    ) -> None:
        self.head = head
        self.keys = keys
        self.vals = vals
        self.tot = tot
        self.lo = lo

    def expire_all(self, b: int, prune: int) -> None:
        """Advance to bucket ``b`` when every bucket kept is outside its window (sparse entities):
        totals zero, buckets ``<= prune`` forgotten."""
        keys = self.keys
        self.head = b
        if keys and keys[0] <= prune:
            j = bisect_right(keys, prune)
            del keys[:j], self.vals[:j]
        self.lo = len(keys)
        self.tot = [0.0] * len(self.tot)

    def fold(
        self,
        b: int,
        n: int,
        prune: int,
        template: list[float],
        spec: tuple[tuple[int, int], ...],
        *values: float | None,
    ) -> None:
        """Fold one event into bucket ``b``: ``values[i]`` goes to op ``spec[i] = (slot, kind)``;
        ``None`` skips its op, and when every value is ``None`` nothing is created or advanced.

        The newest bucket, a first bucket after everything expired, and a newer bucket while
        nothing leaves the window are handled here; the rest goes through :meth:`bucket`.
        """
        keys = self.keys
        tot: Any
        if keys and b == self.head and keys[-1] == b:
            q, tot = self.vals[-1], self.tot
        elif all(x is None for x in values):
            return
        elif b > self.head and (not keys or keys[-1] <= b - n):
            self.expire_all(b, prune)
            q = template.copy()
            keys.append(b)
            self.vals.append(q)
            tot = self.tot
        elif b > self.head and keys[self.lo] > b - n and keys[0] > prune:
            self.head = b
            q = template.copy()
            keys.append(b)
            self.vals.append(q)
            tot = self.tot
        else:
            q = self.bucket(b, n, prune, template)
            tot = self.tot if b > self.head - n else DROP
        for (slot, kind), x in zip(spec, values, strict=True):
            if x is None:
                continue
            if kind == ADD:
                q[slot] += x
                tot[slot] += x
            elif (x < q[slot]) if kind == MIN else (x > q[slot]):
                q[slot] = x

    def window(self, b: int, n: int, prune: int) -> list[float]:
        """The totals of the window ending at ``b``: ``tot`` itself when no bucket has left the
        head window by ``b``, else :meth:`totals`."""
        if b == self.head or (
            b > self.head and (self.lo == len(self.keys) or self.keys[self.lo] > b - n)
        ):
            return self.tot
        return self.totals(b, n, prune)

    def _advance(self, b: int, n: int, prune: int) -> None:
        keys = self.keys
        if not keys:
            self.head = b
            return
        edge, i = b - n, self.lo
        if keys[-1] <= edge:  # the whole window expires (sparse entities): no subtraction
            self.expire_all(b, prune)
            return
        self.head = b
        if keys[i] <= edge:  # some buckets leave the window: subtract them, oldest first
            j = bisect_right(keys, edge, i)
            tot = self.tot
            for v in self.vals[i:j]:
                tot = list(map(sub, tot, v))
            self.tot, i = tot, j
        if keys[0] <= prune:
            j = bisect_right(keys, prune, 0, i)
            del keys[:j], self.vals[:j]
            i -= j
        self.lo = i

    def bucket(self, b: int, n: int, prune: int, template: list[float]) -> list[float]:
        """The slots of bucket ``b`` (created from ``template``), the window advanced to it.

        Callers add to ``tot`` too when ``b > head - n`` (the bucket is in the head window).
        """
        if b > self.head:
            self._advance(b, n, prune)
        keys = self.keys
        if keys and keys[-1] == b:
            return self.vals[-1]
        if not keys or keys[-1] < b:
            bucket = template.copy()
            keys.append(b)
            self.vals.append(bucket)
            return bucket
        pos = bisect_left(keys, b)
        if keys[pos] == b:
            return self.vals[pos]
        bucket = template.copy()
        keys.insert(pos, b)
        self.vals.insert(pos, bucket)
        if b <= self.head - n:
            self.lo += 1
        return bucket

    def add(self, b: int, n: int, prune: int, template: list[float], ops: list[SlotOp]) -> None:
        """Fold ``ops`` into bucket ``b``; ``prune`` is the newest bucket no read can need."""
        bucket = self.bucket(b, n, prune, template)
        in_window = b > self.head - n
        tot = self.tot
        for slot, kind, x in ops:
            if kind == ADD:
                bucket[slot] += x
                if in_window:
                    tot[slot] += x
            elif (x < bucket[slot]) if kind == MIN else (x > bucket[slot]):
                bucket[slot] = x

    def totals(self, b: int, n: int, prune: int) -> list[float]:
        """Sums of additive slots in the window ending at ``b`` (the live list at the head)."""
        if b >= self.head:
            if b > self.head:
                self._advance(b, n, prune)
            return self.tot
        keys, vals = self.keys, self.vals
        out = [0.0] * len(self.tot)
        for i in range(bisect_right(keys, b - n), bisect_right(keys, b)):
            out = list(map(add, out, vals[i]))
        return out

    def extreme(self, b: int, n: int, slot: int, kind: int) -> float:
        """Min or max of ``slot`` over the window ending at ``b`` (NaN when empty)."""
        vals, lo = self.vals, self.lo
        if b >= self.head and (lo == len(vals) or self.keys[lo] > b - n):
            i, j = lo, len(vals)  # the head window, and no bucket has left it since
        else:
            i, j = bisect_right(self.keys, b - n), bisect_right(self.keys, b)
        if j - i == 1:  # one bucket (sparse entities): no scan
            best = vals[i][slot]
        elif i == j:
            return NAN
        else:
            xs = map(itemgetter(slot), vals[i:j])
            best = min(xs) if kind == MIN else max(xs)
        return best if best not in (INF, -INF) else NAN


class _DistinctMethods:
    """Distinct values per bucket: value -> sorted buckets it occurred in (bounded).

    ``lasts`` keeps every value's newest bucket, sorted, so a read at or after ``head`` (the
    newest bucket added: the common case) is one binary search: the values whose newest bucket
    is still in the window. Reads further back (late events) scan the values.
    """

    if not TYPE_CHECKING:  # the fields are the core's
        __slots__ = ()
    n: int
    head: int
    seen: dict[str, list[int]]
    lasts: list[int]

    if TYPE_CHECKING:  # the core's

        def __init__(
            self, n: int, seen: dict[str, list[int]] | None = None, head: int = NEVER
        ) -> None: ...

    def rebuild(self) -> None:
        """Recompute ``lasts`` from ``seen`` (after values were dropped)."""
        self.lasts = sorted(lst[-1] for lst in self.seen.values())

    def add(self, value: str, b: int, prune: int, cap: int) -> None:
        """Record ``value`` in bucket ``b``; forget buckets ``<= prune``; keep ``<= cap`` values."""
        if b > self.head:
            self.head = b
        lst = self.seen.get(value)
        if lst is None:
            self.seen[value] = [b]
            lasts = self.lasts  # a copy on the compiled core: set back below
            if not lasts or b >= lasts[-1]:
                lasts.append(b)
            else:
                insort(lasts, b)
            self.lasts = lasts
            if len(self.seen) > cap:
                self.shrink(prune, cap)
            return
        old = lst[-1]
        if old < b:
            lst.append(b)
            lasts = self.lasts
            del lasts[bisect_left(lasts, old)]
            if not lasts or b >= lasts[-1]:
                lasts.append(b)
            else:
                insort(lasts, b)
            self.lasts = lasts
        elif old > b and b not in lst:
            insort(lst, b)
        if lst[0] <= prune:
            del lst[: min(bisect_right(lst, prune), len(lst) - 1)]

    def shrink(self, prune: int, cap: int) -> None:
        """Over ``cap`` values: keep the ``3/4 * cap`` newest that buckets ``> prune`` hold."""
        live = sorted(self.seen.items(), key=lambda kv: (kv[1][-1], kv[0]))
        live = [kv for kv in live if kv[1][-1] > prune]
        self.seen = dict(live[-(cap * 3 // 4) :] if len(live) > cap else live)
        self.rebuild()

    def count(self, b: int) -> int:
        """Distinct values with an occurrence in buckets ``b-n+1 .. b``."""
        if b >= self.head:
            lasts = self.lasts
            return len(lasts) - bisect_right(lasts, b - self.n)
        lo, k = b - self.n, 0
        for lst in self.seen.values():
            last = lst[-1]
            if last <= b:
                k += last > lo
            else:
                i = bisect_right(lst, b)
                k += i > 0 and lst[i - 1] > lo
        return k


class PyDistinct(_DistinctMethods, PyDistinctCore):
    """A value set on the Python core whatever is built."""

    __slots__ = ()


if TYPE_CHECKING:
    Ring = PyRing
    Distinct = PyDistinct
elif _native is not None:

    class Ring(_RingIO, _native.RingCore):
        """A ring on the compiled core (flat arrays of numbers): :data:`NATIVE`."""

        __slots__ = ()

    class Distinct(_DistinctMethods, _native.DistinctCore):
        """A value set on the compiled core: :data:`NATIVE`."""

        __slots__ = ()

else:  # one class per primitive without the C core
    Ring = PyRing
    Distinct = PyDistinct


def ring_class() -> type[PyRing]:
    """The ring type compiled catalogs use: :class:`Ring`, or :class:`PyRing` in
    :func:`python_cores`."""
    return Ring if native_calls() else PyRing


def distinct_class() -> type[PyDistinct]:
    """The value-set type compiled catalogs use (see :func:`ring_class`)."""
    return Distinct if native_calls() else PyDistinct


def shrink_seen(seen: dict[str, int], cap: int) -> None:
    """Keep the ``3/4 * cap`` most recently first-seen values of a lifetime set."""
    if len(seen) > cap:
        keep = sorted(seen.items(), key=lambda kv: (kv[1], kv[0]))[-(cap * 3 // 4) :]
        seen.clear()
        seen.update(keep)
