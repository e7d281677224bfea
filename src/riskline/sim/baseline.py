"""A naive single-threshold decider: the yardstick that shows why the typologies are hard.

Each rule is one obvious threshold (shared opening device, night credit payment, new
device plus SMS check, two external applications, an overdue bill, a payout to a
card other than the shop's, money passed straight through, an enterprise guarantor).
A subject stays flagged once a rule fires; its later credit events are declined.

>>> rules = NaiveRules()
>>> d = rules({"type": "bill_overdue", "event_id": "e1", "account_id": "a1",
...            "occurred_at": "2026-01-01T00:00:00Z"})
>>> d.outcome, d.subject, [a.kind for a in d.actions]
('review', 'a1', ['freeze'])
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["NaiveAction", "NaiveDecision", "NaiveRules"]

_CREDIT = frozenset({"loan_drawdown", "payment"})


@dataclass(frozen=True, slots=True)
class NaiveAction:
    """An action of the naive decider."""

    kind: str
    product: str | None = None


@dataclass(frozen=True, slots=True)
class NaiveDecision:
    """A decision of the naive decider (satisfies :class:`riskline.sim.DecisionLike`)."""

    event_id: str
    outcome: str
    subject: str
    actions: tuple[NaiveAction, ...] = ()


class NaiveRules:
    """Callable decider applying one obvious threshold per typology."""

    def __init__(self) -> None:
        self.flagged: set[str] = set()
        self.opened_on: dict[str, int] = defaultdict(int)
        self.devices: dict[str, set[str]] = defaultdict(set)
        self.fresh: dict[str, set[str]] = defaultdict(set)
        self.external: dict[str, int] = defaultdict(int)
        self.shop_card: dict[str, str | None] = {}
        self.received: dict[str, list[tuple[float, float]]] = defaultdict(list)

    def __call__(self, event: dict[str, Any]) -> NaiveDecision:
        subject = _subject(event)
        if subject in self.flagged and event["type"] in _CREDIT:
            return NaiveDecision(event["event_id"], "decline", subject)
        if self._fires(event):
            self.flagged.add(subject)
            return NaiveDecision(event["event_id"], "review", subject, (NaiveAction("freeze"),))
        return NaiveDecision(event["event_id"], "approve", subject)

    def _fires(self, e: dict[str, Any]) -> bool:
        kind = e["type"]
        account, device = e.get("account_id"), e.get("device_id")
        if account is not None and device is not None:
            if kind == "login" and self.devices[account] and device not in self.devices[account]:
                self.fresh[account].add(device)
            self.devices[account].add(device)
        if kind == "account_opened" and device:
            self.opened_on[device] += 1
            return self.opened_on[device] > 1
        if kind == "identity_verified":
            return e["method"] == "sms" and device in self.fresh[str(account)]
        return self._money_rules(kind, e)

    def _money_rules(self, kind: str, e: dict[str, Any]) -> bool:
        if kind == "payment":
            return bool(e["funding"] == "revolving" and _hour(e) < 5 and float(e["amount"]) >= 1000)
        if kind == "loan_application" and e["channel"] == "external":
            self.external[e["account_id"]] += 1
            return self.external[e["account_id"]] >= 2
        if kind == "merchant_registered":
            self.shop_card[e["merchant_id"]] = e.get("card")
        if kind == "merchant_payout":
            return bool(e["card"] != self.shop_card.get(e["merchant_id"]))
        if kind == "enterprise_registered":
            return bool(any(r.get("party_kind") == "enterprise" for r in e["roles"]))
        if kind == "transfer" and e.get("to_account_id"):
            return self._pass_through(e)
        return kind == "bill_overdue"

    def _pass_through(self, e: dict[str, Any]) -> bool:
        now = datetime.fromisoformat(e["occurred_at"]).timestamp()
        amount = float(e["amount"])
        recent = self.received[e["account_id"]]
        hit = any(now - t <= 6 * 3600 and 0.98 * a <= amount <= a for t, a in recent)
        self.received[e["to_account_id"]].append((now, amount))
        return hit


def _subject(e: dict[str, Any]) -> str:
    for key in ("account_id", "enterprise_id", "merchant_id", "person_id"):
        if key in e:
            return str(e[key])
    return str(e["event_id"])


def _hour(e: dict[str, Any]) -> int:
    return int(e["occurred_at"][11:13])
