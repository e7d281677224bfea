"""One generated function per event type for the in-process store: the whole online step.

``process(e, ts, late, hz, t, kinds, idents, out)`` does, inline and in this order, what
the shared-store path does through calls: the entities named on the event, their identity
links and pairs (:func:`riskline.features.online.resolve_entities`), the field view
(:func:`riskline.features.views.build_views`), and for each entity kind the update and the
read of :mod:`riskline.features.codegen`. Each field is read from the event once, each
entity's state looked up once by its id in its kind's dict; no per-entity call, dict of
entities or dict of fields.

Names in the source come from the event dataclasses and validated definitions (written with
``repr``); filter values live in the function's scope. Tests hold this path equal to the
shared-store path on simulated worlds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from riskline.features import codegen
from riskline.features.codegen import CodeBuilder, read_lines, update_lines
from riskline.features.fields import entity_attrs
from riskline.features.plan import KindPlan
from riskline.features.state import EntityState
from riskline.features.views import view_source
from riskline.features.windows import native_calls

__all__ = ["EventFn", "build_event", "cached_event", "kind_order"]

EventFn = Callable[
    [Any, int, bool, int, int, dict[str, Any], dict[str, Any], dict[str, float]], None
]
"""``process(e, ts, late, hz, t, kinds, idents, out)``; ``kinds``: the in-process store's
per-kind state dicts, one for every kind of the plans (see ``MemoryStore.kind``)."""

_RESOLVED = ("person", "phone", "id", "account_device", "account_merchant", "card")


def kind_order(plans: Mapping[str, KindPlan], etype: str) -> list[str]:
    """Kinds in the order :func:`~riskline.features.online.resolve_entities` names them."""
    direct = [k for k, _ in entity_attrs(etype)]
    return [k for k in dict.fromkeys([*direct, *_RESOLVED, *plans]) if k in plans]


def _entities(g: CodeBuilder, etype: str, order: list[str]) -> None:
    """Locals ``k_<kind>``: the entity ids, ``None`` when absent (as in ``_resolve``).

    Blocks for kinds this event type never names (an account's links on a merchant payout)
    are left out.
    """
    direct = dict(entity_attrs(etype))
    for kind, attr in direct.items():
        g.emit(1, f"k_{kind} = e.{attr} or None")
    rest = [k for k in dict.fromkeys([*_RESOLVED, "account", *order]) if k not in direct]
    if rest:
        g.emit(1, " = ".join(f"k_{k}" for k in rest) + " = None")
    if "account" in direct:
        g.emit(1, "if k_account is not None:")
        g.emit(2, "ident = idents.get('account|' + k_account)")
        g.emit(2, "if ident:")
        for i, kind in enumerate(("person", "phone", "id")):
            unset = f"k_{kind} is None and " if kind in direct else ""
            g.emit(3, f"if {unset}len(ident) > {i} and ident[{i}]: k_{kind} = ident[{i}]")
        for other in ("device", "merchant"):  # the pairs
            if other in direct:
                pair = f"k_account_{other} = k_account + '|' + k_{other}"
                g.emit(2, f"if k_{other} is not None: {pair}")
    if "merchant" in direct:
        g.emit(1, "if k_merchant is not None:")
        g.emit(2, "ident = idents.get('merchant|' + k_merchant)")
        g.emit(2, "if ident:")
        g.emit(3, "if k_account is None and k_person is None and ident[0]: k_person = ident[0]")
        g.emit(3, "if k_card is None and ident[1]: k_card = ident[1]")


def build_event(plans: Mapping[str, KindPlan], etype: str, update: bool = True) -> EventFn:
    """Compile the per-event function of ``etype`` (any type: unknown ones only read).

    ``update=False``: read the event's entities without changing them (a released step-up
    event, whose original was counted when it arrived).
    """
    g = CodeBuilder()
    g.scope["EntityState"] = EntityState
    g.emit(0, "def process(e, ts, late, hz, t, kinds, idents, out):")
    order = kind_order(plans, etype)
    _entities(g, etype, order)
    for i, kind in enumerate(order):
        plan = plans[kind]
        g.ns = f"K{i}_"
        g.emit(1, f"if k_{kind} is not None:")
        g.emit(2, f"D = kinds[{kind!r}]; st = D.get(k_{kind})")
        if update and etype in plan.steps:
            new = (
                f"EntityState([None] * {len(plan.groups)}, {g.const('LIFE', plan.life)}.copy(), "
                f"[None] * {len(plan.sets)})"
            )  # what plan.new_state() makes, without the call
            if native_calls():  # acyclic: out of the cyclic collector (_native.c)
                new = f"untrack_state({new})"
            g.emit(2, f"if st is None: st = D[k_{kind}] = {new}")
            g.base = 1
            update_lines(g, plan, etype)
            read_lines(g, plan, locals_=False)
        else:
            g.emit(2, f"if st is None: out.update({g.const('EMPTY', plan.empty)})")
            g.emit(2, "else:")
            g.base = 2
            read_lines(g, plan)
        g.base = 0
    # the fields the kinds read, straight from the event (absent fields are None)
    first, exprs = view_source(etype, list(g.loaded), g.scope)
    label = f"<features:{etype or '*'}{'' if update else ':read'}>"
    fn: EventFn = g.build("process", label, first, exprs)
    return fn


_BUILT: dict[tuple[str, str, int, bool, bool], EventFn] = {}


def cached_event(
    fingerprint: str, plans: Mapping[str, KindPlan], etype: str, update: bool = True
) -> EventFn:
    """:func:`build_event`, once per catalog (by fingerprint) and event type in a process.

    The functions keep no state (it lives in the store passed to each call), so engines on
    the same catalog share them; building all of them costs tens of milliseconds.
    """
    # the code depends on the cap and on the cores too
    key = (fingerprint, etype, codegen.set_cap(), native_calls(), update)
    fn = _BUILT.get(key)
    if fn is None:
        if len(_BUILT) > 1024:  # many catalogs in one process (tests): start over
            _BUILT.clear()
        fn = _BUILT[key] = build_event(plans, etype, update)
    return fn
