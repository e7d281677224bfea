"""A small catalog using every aggregate, with short windows, and a history builder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from riskline.events import types as t
from riskline.features import Catalog

T0 = datetime(2026, 5, 1, tzinfo=UTC)
LATENESS = timedelta(hours=1)

SMALL_YAML = """
features:
  - {name: account.n_30m, aggregate: count, events: [login, payment], window: 30m, resolution: 5m,
     description: events}
  - {name: account.sum_2h, aggregate: sum, value: amount, events: [payment], window: 2h,
     resolution: 10m, description: spend}
  - {name: account.mean_2h, aggregate: mean, value: amount, events: [payment], window: 2h,
     resolution: 10m, description: mean}
  - {name: account.min_2h, aggregate: min, value: amount, events: [payment], window: 2h,
     resolution: 10m, description: min}
  - {name: account.max_30m, aggregate: max, value: amount, events: [payment], window: 30m,
     resolution: 5m, description: max}
  - {name: account.devices_30m, aggregate: distinct, value: device_id, events: [login, payment],
     window: 30m, resolution: 5m, description: devices}
  - {name: account.new_devices_2h, aggregate: count_new, value: device_id, events: [login, payment],
     window: 2h, resolution: 10m, description: new devices}
  - {name: account.round_2h, aggregate: count, events: [payment], window: 2h, resolution: 10m,
     where: {is_round_amount: true}, description: round}
  - {name: account.pay_2h, aggregate: count, events: [payment], window: 2h, resolution: 10m,
     description: payments}
  - {name: account.round_share_2h, aggregate: ratio, of: [account.round_2h, account.pay_2h],
     description: share}
  - {name: account.pays, aggregate: count, events: [payment], description: lifetime count}
  - {name: account.spend, aggregate: sum, value: amount, events: [payment], description: total}
  - {name: account.avg, aggregate: mean, value: amount, events: [payment], description: avg}
  - {name: account.smallest, aggregate: min, value: amount, events: [payment], default: -1,
     description: smallest or -1}
  - {name: account.largest, aggregate: max, value: amount, events: [payment], description: max}
  - {name: account.last_amount, aggregate: last, value: amount, events: [payment],
     description: last}
  - {name: account.age_min, aggregate: since_first, events: [login, payment], unit: 1m,
     description: age}
  - {name: account.idle_min, aggregate: since_last, events: [login], unit: 1m,
     description: idle}
  - {name: account.decayed, aggregate: decayed_sum, value: amount, events: [payment],
     half_life: 30m, description: decayed}
  - {name: account.devices, aggregate: distinct, value: device_id, events: [login, payment],
     description: all devices}
  - {name: account.new_devices, aggregate: count_new, value: device_id, events: [login],
     description: new devices by login}
  - {name: account.has_round, aggregate: count, events: [payment], type: bool,
     where: {is_round_amount: true}, description: ever round}
  - {name: device.accounts_2h, aggregate: distinct, value: account_id, events: [login, payment],
     window: 2h, resolution: 10m, description: accounts}
  - {name: merchant.credit_30m, aggregate: sum, value: amount, events: [payment], window: 30m,
     resolution: 5m, where: {funding: revolving}, description: credit sales}
  - {name: account_device.age_min, aggregate: since_first, events: [login, payment], unit: 1m,
     description: pair age}
  - {name: person.pays_2h, aggregate: count, events: [payment], window: 2h, resolution: 10m,
     description: by person}
"""


def small_catalog() -> Catalog:
    """Every aggregate with windows of minutes."""
    return Catalog.from_yaml(SMALL_YAML)


def build(spec: list[tuple[int, int, int, int, int, bool]]) -> list[t.Event]:
    """Events from ``(kind, account, device, amount_hundreds_or_cents, offset_s, credit)``."""
    out: list[t.Event] = [
        t.AccountOpened(
            event_id=f"o{a}",
            occurred_at=T0,
            account_id=f"a{a}",
            person_id=f"p{a % 2}",
            phone_hash="ph",
            id_hash="id",
        )
        for a in range(3)
    ]
    for i, (kind, acc, dev, amt, off, credit) in enumerate(spec):
        at = T0 + timedelta(seconds=off)
        base = {"event_id": f"e{i}", "occurred_at": at, "account_id": f"a{acc}"}
        if kind == 0:
            out.append(t.Login(**base, device_id=f"d{dev}"))  # type: ignore[arg-type]
        else:
            amount = Decimal(amt * 100) if amt % 3 == 0 else Decimal(amt) / 100 + 1
            funding = t.Funding.REVOLVING if credit else t.Funding.BANK_CARD
            out.append(
                t.Payment(
                    **base,
                    merchant_id=f"m{dev % 2}",
                    amount=amount,  # type: ignore[arg-type]
                    funding=funding,
                    device_id=f"d{dev}",
                )
            )
    return out
