"""Valid wire events of every type, for tests; override any field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

_BASE: dict[str, dict[str, Any]] = {
    "account_opened": {
        "account_id": "a1",
        "person_id": "p1",
        "phone": "+86 138 0013 8000",
        "id_number": "11010519491231002X",
        "device_id": "d1",
        "ip": "10.0.0.1",
    },
    "login": {
        "account_id": "a1",
        "device_id": "d1",
        "ip": "10.0.0.1",
        "geo": "CN-31",
        "fingerprint": {"canvas": "abc", "tz": "Asia/Shanghai", "cores": 8},
    },
    "identity_verified": {"account_id": "a1", "method": "face", "score": 0.93, "passed": True},
    "payment": {"account_id": "a1", "merchant_id": "m1", "amount": "120.50", "device_id": "d1"},
    "refund": {"account_id": "a1", "merchant_id": "m1", "amount": "20.00"},
    "transfer": {"account_id": "a1", "amount": "50.00", "to_account_id": "a2"},
    "merchant_registered": {
        "merchant_id": "m1",
        "owner_person_id": "p9",
        "category": "electronics",
        "card": "6222 0200 1234 5678",
    },
    "merchant_payout": {"merchant_id": "m1", "card": "6222020012345678", "amount": "999.00"},
    "loan_application": {"account_id": "a1", "product": "cash_loan", "amount": "3000.00"},
    "loan_drawdown": {"account_id": "a1", "product": "cash_loan", "amount": "1000.00"},
    "repayment": {
        "account_id": "a1",
        "product": "revolving",
        "amount": "100.00",
        "due_date": "2026-03-10",
        "paid_at": "2026-03-09T12:00:00Z",
    },
    "bill_overdue": {
        "account_id": "a1",
        "product": "revolving",
        "amount_due": "500.00",
        "due_date": "2026-02-10",
        "days_overdue": 19,
    },
    "enterprise_registered": {
        "enterprise_id": "e1",
        "name": "Acme Trading Co.",
        "roles": [
            {"party_id": "p1", "role": "legal_representative"},
            {"party_id": "p2", "role": "actual_controller"},
            {"party_id": "p2", "role": "shareholder", "share": "0.6"},
            {"party_id": "e2", "role": "guarantor", "party_kind": "enterprise"},
        ],
    },
    "enterprise_loan_application": {"enterprise_id": "e1", "amount": "200000.00"},
    "bureau_report": {
        "person_id": "p1",
        "inquiries_30d": 3,
        "inquiries_90d": 7,
        "overdue_accounts": 1,
    },
}

EVENT_TYPES = tuple(_BASE)

_counter = {"n": 0}


def wire(kind: str, *, at: datetime | None = None, **overrides: Any) -> dict[str, Any]:
    """A valid wire event of ``kind``; ``event_id`` is unique unless given."""
    _counter["n"] += 1
    body = {
        "type": kind,
        "event_id": f"ev-{kind}-{_counter['n']}",
        "occurred_at": (at or T0 + timedelta(seconds=_counter["n"])).isoformat(),
        **_BASE[kind],
    }
    body.update(overrides)
    return body
