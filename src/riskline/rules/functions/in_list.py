"""``in_list(list, kind, id)``: whether the entity is on the block, allow or watch list now.

``list`` must be one of ``block``, ``allow``, ``watch`` (checked at load time when written
as a literal); numbers as ids are matched by their integer text (``42`` -> ``"42"``).

>>> from datetime import datetime, timezone
>>> from riskline.rules import compile_expression, ListEntry, MemoryListStore
>>> t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
>>> lists = MemoryListStore()
>>> lists.add(ListEntry("block", "device", "d9", source="analyst", added_at=t0))
>>> e = compile_expression('in_list("block", "device", e.device_id)', {"e.device_id": "string"})
>>> e({"e.device_id": "d9"}, lists=lists, now=t0), e({"e.device_id": "d1"}, lists=lists, now=t0)
(True, False)
"""

from __future__ import annotations

from collections.abc import Sequence

from riskline.rules.ast import Literal, Node
from riskline.rules.functions.base import Frame, Function, SignatureError, expect
from riskline.rules.lists import LIST_NAMES
from riskline.rules.types import Type

__all__ = ["IN_LIST"]


def _rule(types: Sequence[Type], nodes: Sequence[Node]) -> Type:
    expect(types, Type.STRING, Type.STRING)
    if types[2] not in (Type.STRING, Type.NUMBER):
        raise SignatureError(f"argument 3 is {types[2]}, expected string or number", 2)
    name = nodes[0]
    if isinstance(name, Literal) and name.value not in LIST_NAMES:
        raise SignatureError(f"unknown list {name.value!r}; use block, allow or watch", 0)
    return Type.BOOL


def in_list(frame: Frame, list_name: str, kind: str, value: str | float) -> bool:
    """Look the entity up in the frame's list store at the frame's time."""
    if not isinstance(value, str):
        value = str(int(value)) if float(value).is_integer() else str(value)
    return frame.lists.contains(list_name, kind, value, frame.now_dt)


IN_LIST = Function("in_list", 3, 3, _rule, in_list, needs_frame=True)
"""List membership at evaluation time; missing if the id is missing."""
