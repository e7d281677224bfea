"""Subject access export and erasure for one person.

Export gathers everything held about a person: their accounts, every event about those accounts
or the person, the decisions on them, their credit lines and line history, list entries naming
them, and the rows of any other table keyed by ``person_id`` or ``account_id`` (cases, notices,
appeals, challenges, ... as those packages add them). Identifiers are exported as stored:
phone, ID and card numbers only ever exist as keyed hashes.

Erasure removes what identifies or links the person (hashed phone, ID and card, device ids, IP
addresses, geo, browser fingerprints) from their stored events, and keeps the facts the law
requires a lender to keep: what happened, when, the amounts, and every decision with its reason
codes. Each rewritten row's former hash goes into a ``privacy.erased`` audit entry so the chain
still verifies. The in-memory feature and graph state forgets the erased links at the next
restart (it is rebuilt from the ledger).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Engine, MetaData, Table, or_, select, update

from riskline.errors import InvalidInput, NotFound
from riskline.storage import tables as tb
from riskline.storage.audit import AuditLog, event_rows, row_hash
from riskline.storage.serde import body_dict

__all__ = ["ERASED_FIELDS", "erase_subject", "export_subject"]

ERASED_FIELDS = (
    "phone_hash",
    "id_hash",
    "card_hash",
    "device_id",
    "ip",
    "geo",
    "fingerprint",
    "phone_block_hash",
)
"""Event fields that identify or link a person and are removed on erasure."""

_REQUIRED = {"phone_hash", "id_hash", "card_hash", "device_id"}
"""Fields some event types require: replaced by a tombstone unique to the row (links nothing)."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(r: Any, *drop: str) -> dict[str, Any]:
    """A stored row as JSON-ready data, without the ``drop`` columns."""
    return {str(k): _plain(v) for k, v in r.items() if k not in drop}


def _accounts(engine: Engine, person_id: str) -> list[str]:
    with engine.connect() as conn:
        q = select(tb.accounts.c.account_id).where(tb.accounts.c.person_id == person_id)
        return [str(a) for a in conn.execute(q).scalars()]


def _subject_events(conn: Any, person_id: str, accounts: list[str]) -> list[dict[str, Any]]:
    e = tb.events
    q = select(e).where(e.c.subject.in_([person_id, *accounts])).order_by(e.c.seq)
    found = [dict(r) for r in conn.execute(q).mappings()]
    # person-level events whose subject is something else (a merchant's owner, an enterprise role)
    needle = f'"{person_id}"'
    like = (
        select(e)
        .where(e.c.payload.contains(needle), e.c.subject.notin_(accounts))
        .order_by(e.c.seq)
    )
    seen = {r["seq"] for r in found}
    found += [dict(r) for r in conn.execute(like).mappings() if r["seq"] not in seen]
    return sorted(found, key=lambda r: int(r["seq"]))


def _keyed_rows(
    conn: Any, table: Table, person_id: str, accounts: list[str]
) -> list[dict[str, Any]]:
    conds = []
    if "person_id" in table.c:
        conds.append(table.c.person_id == person_id)
    if "account_id" in table.c and accounts:
        conds.append(table.c.account_id.in_(accounts))
    if "owner_id" in table.c:
        conds.append(table.c.owner_id.in_([person_id, *accounts]))
    if not conds:
        return []
    return [_row(r) for r in conn.execute(select(table).where(or_(*conds))).mappings()]


def export_subject(engine: Engine, person_id: str) -> dict[str, Any]:
    """Everything held about ``person_id``, as JSON-ready data."""
    accounts = _accounts(engine, person_id)
    reflected = MetaData()
    reflected.reflect(engine)
    with engine.connect() as conn:
        events = _subject_events(conn, person_id, accounts)
        if not accounts and not events:
            raise NotFound(f"nothing is held about person {person_id}")
        ids = [r["decision_id"] for r in events]
        d = tb.decisions
        decisions = [
            {**_row(r, "body"), "body": body_dict(r["body"])}
            for r in conn.execute(select(d).where(d.c.decision_id.in_(ids))).mappings()
        ]
        lines = _keyed_rows(conn, tb.credit_lines, person_id, accounts)
        h = tb.line_history
        history = [
            _row(r)
            for r in conn.execute(
                select(h).where(h.c.line_id.in_([ln["line_id"] for ln in lines])).order_by(h.c.id)
            ).mappings()
        ]
        le = tb.list_entries
        listed = [
            _row(r)
            for r in conn.execute(
                select(le).where(le.c.value.in_([person_id, *accounts, *_identifiers(events)]))
            ).mappings()
        ]
        other = {
            name: rows
            for name, table in sorted(reflected.tables.items())
            if name not in _CORE and (rows := _keyed_rows(conn, table, person_id, accounts))
        }
    return {
        "person_id": person_id,
        "exported_at": datetime.now(UTC).isoformat(),
        "accounts": accounts,
        "events": [{**_row(r, "payload"), "payload": orjson.loads(r["payload"])} for r in events],
        "decisions": decisions,
        "credit_lines": lines,
        "line_history": history,
        "list_entries": listed,
        "other": other,
    }


_CORE = {
    "events",
    "decisions",
    "credit_lines",
    "line_history",
    "list_entries",
    "accounts",
    "api_keys",
    "audit_log",
    "alembic_version",
}


def _identifiers(events: Iterable[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for r in events:
        payload = orjson.loads(r["payload"])
        found.update(
            str(payload[f])
            for f in ERASED_FIELDS
            if f != "fingerprint" and isinstance(payload.get(f), str)
        )
    return found


def _erase_payload(payload: dict[str, Any], seq: int) -> dict[str, Any]:
    out = dict(payload)
    for name in ERASED_FIELDS:
        if name not in out or out[name] in (None, {}, ""):
            continue
        if name == "fingerprint":
            out[name] = {}
        elif name in _REQUIRED:
            out[name] = f"erased-{seq}"
        else:
            out[name] = None
    return out


def erase_subject(engine: Engine, person_id: str, actor: str, reason: str) -> int:
    """Remove identifying fields from the person's events; the number of events rewritten."""
    if not reason.strip():
        raise InvalidInput("an erasure needs a reason (the request or legal basis)")
    accounts = _accounts(engine, person_id)
    audit = AuditLog(engine)
    with engine.begin() as conn:
        events = _subject_events(conn, person_id, accounts)
        if not accounts and not events:
            raise NotFound(f"nothing is held about person {person_id}")
        changed: dict[int, str] = {}
        new_payloads: dict[int, str] = {}
        for r in events:
            seq = int(r["seq"])
            payload = orjson.loads(r["payload"])
            erased = _erase_payload(payload, seq)
            if erased != payload:
                new_payloads[seq] = orjson.dumps(erased, option=orjson.OPT_SORT_KEYS).decode()
        before = event_rows(conn, sorted(new_payloads))
        for seq, text in new_payloads.items():
            changed[seq] = row_hash(before[seq])
            conn.execute(update(tb.events).where(tb.events.c.seq == seq).values(payload=text))
        if changed:
            detail = {
                "reason": reason,
                "fields": list(ERASED_FIELDS),
                "rows": {str(k): v for k, v in changed.items()},
            }
            audit.append(conn, "privacy.erased", actor, f"person:{person_id}", detail)
    return len(changed)
