"""Typology signatures computed from events alone (no labels), shared by the tests."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import datetime
from typing import Any

Events = list[dict[str, Any]]
HOUR = 3600.0


def ts(event: dict[str, Any]) -> float:
    return datetime.fromisoformat(event["occurred_at"]).timestamp()


def cashout_merchants(events: Events) -> set[str]:
    """Merchants paying out, within 30h of a credit sale, to a card the buyer used before.

    (Instant merchants withdraw within hours, the others are paid in the next night's batch.)
    """
    own_cards: dict[str, set[str]] = defaultdict(set)
    registered: dict[str, str] = {}
    sales: dict[str, list[tuple[float, str]]] = defaultdict(list)
    found = set()
    for e in events:
        kind = e["type"]
        if kind == "transfer" and e.get("to_card"):
            own_cards[e["account_id"]].add(e["to_card"])
        elif kind == "merchant_registered":
            registered[e["merchant_id"]] = e.get("card", "")
        elif kind == "payment" and e["funding"] == "revolving":
            sales[e["merchant_id"]].append((ts(e), e["account_id"]))
        elif kind == "merchant_payout" and e["card"] != registered.get(e["merchant_id"]):
            now = ts(e)
            for when, account in reversed(sales[e["merchant_id"]]):
                if now - when > 30 * HOUR:
                    break
                if e["card"] in own_cards[account]:
                    found.add(e["merchant_id"])
    return found


def burst_accounts(events: Events, least: int = 3, window: float = 24 * HOUR) -> set[str]:
    """Accounts opened on one device together with ``least``-1 others within ``window``."""
    by_device: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for e in events:
        if e["type"] == "account_opened" and e.get("device_id"):
            by_device[e["device_id"]].append((ts(e), e["account_id"]))
    found: set[str] = set()
    for opened in by_device.values():
        for i in range(len(opened) - least + 1):
            if opened[i + least - 1][0] - opened[i][0] <= window:
                found.update(a for _, a in opened[i : i + least])
    return found


def pass_through_accounts(events: Events, least: int = 3, window: float = 30 * HOUR) -> set[str]:
    """Accounts that forward >=98% of a received transfer to another account within ``window``
    (30 h: a hop that would fall in hours the actor is rarely awake waits for another day)."""
    received: dict[str, list[tuple[float, int]]] = defaultdict(list)
    hits: dict[str, int] = defaultdict(int)
    for e in events:
        if e["type"] != "transfer" or not e.get("to_account_id"):
            continue
        now, cents = ts(e), round(float(e["amount"]) * 100)
        for when, amount in received[e["account_id"]]:
            if now - when <= window and 0.98 * amount <= cents <= amount:
                hits[e["account_id"]] += 1
                break
        received[e["to_account_id"]].append((now, cents))
    return {a for a, n in hits.items() if n >= least}


def new_devices(events: Events) -> dict[str, list[tuple[float, str]]]:
    """Per account, logins from devices the account never used before."""
    seen: dict[str, set[str]] = defaultdict(set)
    fresh: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for e in events:
        account, device = e.get("account_id"), e.get("device_id")
        if account is None or device is None:
            continue
        if e["type"] == "login" and device not in seen[account] and seen[account]:
            fresh[account].append((ts(e), device))
        seen[account].add(device)
    return fresh


def multi_device_takeovers(events: Events) -> set[str]:
    """Accounts with logins from two or more new devices within 12 hours."""
    found = set()
    for account, logins in new_devices(events).items():
        for (t1, d1), (t2, d2) in itertools.pairwise(logins):
            if t2 - t1 <= 12 * HOUR and d1 != d2:
                found.add(account)
    return found


def application_bursts(events: Events, least: int = 4, window: float = 10 * 24 * HOUR) -> set[str]:
    """Accounts with ``least`` external loan applications within ``window``."""
    apps: dict[str, list[float]] = defaultdict(list)
    for e in events:
        if e["type"] == "loan_application" and e["channel"] == "external":
            apps[e["account_id"]].append(ts(e))
    return {
        a
        for a, times in apps.items()
        if any(times[i + least - 1] - times[i] <= window for i in range(len(times) - least + 1))
    }


def switch_then_drawdown(events: Events) -> set[str]:
    """Accounts re-verifying on a new device, then drawing to an unseen card within 4 days."""
    cards: dict[str, set[str]] = defaultdict(set)
    switched: dict[str, float] = {}
    found = set()
    fresh = {a: {d for _, d in logins} for a, logins in new_devices(events).items()}
    for e in events:
        account = e.get("account_id")
        if e["type"] == "identity_verified":
            if e.get("device_id") in fresh.get(account, set()):
                switched.setdefault(account, ts(e))
        elif e["type"] in ("loan_drawdown", "transfer") and e.get("card", e.get("to_card")):
            card = e.get("card") or e.get("to_card")
            recent = account in switched and ts(e) - switched[account] <= 4 * 24 * HOUR
            if recent and card not in cards[account] and e["type"] == "loan_drawdown":
                found.add(account)
            cards[account].add(card)
    return found


def guarantee_cycles(events: Events) -> list[set[str]]:
    """Enterprise guarantee cycles (A guaranteed by B ... guaranteed by A), as member sets."""
    guarantor: dict[str, list[str]] = defaultdict(list)
    for e in events:
        if e["type"] == "enterprise_registered":
            for role in e["roles"]:
                if role["role"] == "guarantor" and role.get("party_kind") == "enterprise":
                    guarantor[e["enterprise_id"]].append(role["party_id"])
    cycles: list[set[str]] = []
    for start in guarantor:
        path, node = [start], start
        while guarantor.get(node):
            node = guarantor[node][0]
            if node == start:
                if not any(set(path) == c for c in cycles):
                    cycles.append(set(path))
                break
            if node in path:
                break
            path.append(node)
    return cycles


def phone_run_accounts(events: Events, least: int = 3, window: float = 24 * HOUR) -> set[str]:
    """Accounts opened within ``window`` with phone numbers consecutive to ``least``-1 others."""
    opened = sorted(
        (int(e["phone"].lstrip("+")), ts(e), e["account_id"])
        for e in events
        if e["type"] == "account_opened"
    )
    found: set[str] = set()
    run = [opened[0]] if opened else []
    for item in opened[1:]:
        if item[0] == run[-1][0] + 1 and abs(item[1] - run[-1][1]) <= window:
            run.append(item)
            continue
        if len(run) >= least:
            found.update(a for _, _, a in run)
        run = [item]
    if len(run) >= least:
        found.update(a for _, _, a in run)
    return found
