"""The default policy's new-device check: a lone new phone is an honest phone change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from riskline.config import Settings
from riskline.decisioning.policy import Policy
from riskline.runtime import build_runtime

SPEND = {  # an established account spends 40 % of its available credit from a 2-day-old device,
    # at a shop opened 45 days ago
    "account_device.age_hours": 48.0,
    "line.amount_to_available": 0.4,
    "account.age_days": 200.0,
    "line.available": 5000.0,
    "merchant.age_days": 45.0,
}


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Policy]:
    """The default policy as the default runtime binds it (every signal's type known)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('policy')}/r.db"
    runtime = build_runtime(Settings(database_url=url, pii_secret="test-secret-0123456789"))
    yield runtime.engine.policy
    runtime.close()


def _checks(policy: Policy, **values: float) -> tuple[str, ...]:
    return policy.evaluate("payment", {**SPEND, **values}).fired


@pytest.mark.parametrize(
    ("new_devices", "device_accounts", "fires"),
    [
        (1.0, 1.0, False),  # the owner's new phone, used by nobody else
        (2.0, 1.0, True),  # one of several new devices this week (takeover)
        (1.0, 3.0, True),  # a phone other accounts use too (a ring's shared phone)
    ],
)
def test_new_device_big_spend_needs_more_than_a_new_phone(
    policy: Policy, new_devices: float, device_accounts: float, fires: bool
) -> None:
    seen = {"account.new_devices_7d": new_devices, "device.accounts_30d": device_accounts}
    checks = _checks(policy, **seen)
    assert ("new_device_big_spend" in checks) is fires


def test_a_small_spend_or_an_old_device_is_not_challenged(policy: Policy) -> None:
    shared = {"account.new_devices_7d": 2.0, "device.accounts_30d": 3.0}
    small = {**shared, "line.amount_to_available": 0.15}
    old = {**shared, "account_device.age_hours": 400.0}
    assert "new_device_big_spend" not in _checks(policy, **small)
    assert "new_device_big_spend" not in _checks(policy, **old)


@pytest.mark.parametrize(
    ("new_devices", "device_accounts", "share", "fires"),
    [
        (2.0, 1.0, 0.25, True),  # an intruder's second new device: a fifth of the line is enough
        (3.0, 1.0, 0.2, True),
        (1.0, 3.0, 0.25, False),  # a shared device alone needs 30 %
        (1.0, 3.0, 0.3, True),
        (2.0, 1.0, 0.19, False),
    ],
)
def test_several_new_devices_need_a_smaller_share_than_a_shared_one(
    policy: Policy, new_devices: float, device_accounts: float, share: float, fires: bool
) -> None:
    seen = {
        "account.new_devices_7d": new_devices,
        "device.accounts_30d": device_accounts,
        "line.amount_to_available": share,
    }
    assert ("new_device_big_spend" in _checks(policy, **seen)) is fires


@pytest.mark.parametrize(
    ("shop", "held"),
    [
        ({"merchant.credit_share_30d": 0.98, "merchant.sales_30d": 6.0}, True),  # a ring's shop
        ({"merchant.credit_share_30d": 0.80, "merchant.sales_30d": 300.0}, False),  # a busy shop
        ({"merchant.credit_share_30d": 0.98, "merchant.sales_30d": 120.0}, False),
    ],
)
def test_a_shared_phone_spending_at_a_quiet_credit_only_shop_is_held(
    policy: Policy, shop: dict[str, float], held: bool
) -> None:
    shared = {"account.new_devices_7d": 1.0, "device.accounts_30d": 3.0, **shop}
    result = policy.evaluate("payment", {**SPEND, **shared})
    assert ("new_device_quiet_shop" in result.fired) is held
    assert (result.outcome.value == "review") is held  # else the step-up challenge alone
    # the purchase is held for review; the line is not frozen on this evidence alone
    assert not [a for a, code in result.actions if code == "CASHOUT_PATTERN" and a.kind == "freeze"]
    own_phone = {**shared, "device.accounts_30d": 1.0}
    assert "new_device_quiet_shop" not in _checks(policy, **own_phone)


@pytest.mark.parametrize(
    ("where", "fires"),
    [
        ({"merchant.age_days": 400.0, "account.payments_30d": 2.0}, False),  # household member
        ({"merchant.age_days": 400.0}, False),  # no purchase count: not a run of purchases
        ({"merchant.age_days": 60.0, "account.payments_30d": 2.0}, True),  # a ring's young shop
        ({"merchant.age_days": 400.0, "account.payments_30d": 9.0}, True),  # a bust-out's run
        ({"account.payments_30d": 2.0}, False),  # a loan: no shop, few purchases
    ],
)
def test_a_shared_phone_needs_a_young_shop_or_a_run_of_purchases(
    policy: Policy, where: dict[str, float], fires: bool
) -> None:
    """From a device the household shares, a big purchase at an established shop by an account
    that buys now and then is no evidence; at a young shop or in a run of purchases it is."""
    values = {k: v for k, v in SPEND.items() if k != "merchant.age_days"}
    shared = {**values, "account.new_devices_7d": 1.0, "device.accounts_30d": 2.0, **where}
    assert ("new_device_big_spend" in policy.evaluate("payment", shared).fired) is fires
    several = {**shared, "account.new_devices_7d": 2.0}  # the takeover branch does not care
    assert "new_device_big_spend" in policy.evaluate("payment", several).fired


CARD_TRANSFER = {  # an established account sends money to a bank card from a 3-day-old device
    "account_device.age_hours": 72.0,
    "account.age_days": 200.0,
    "account.new_devices_7d": 2.0,
    "event.card_id": "card-hash",
}


@pytest.mark.parametrize(
    ("change", "fires"),
    [
        ({}, True),  # one of several new devices this week sends money out to a card
        ({"account.new_devices_7d": 1.0}, False),  # the owner's new phone alone
        ({"account_device.age_hours": 400.0}, False),  # a device used for weeks
        ({"account.age_days": 10.0}, False),  # a new account has no history to compare
    ],
)
def test_a_card_transfer_from_one_of_several_new_devices_is_challenged(
    policy: Policy, change: dict[str, float], fires: bool
) -> None:
    result = policy.evaluate("transfer", {**CARD_TRANSFER, **change})
    assert ("new_device_card_transfer" in result.fired) is fires
    assert (result.outcome.value == "challenge") is fires


def test_money_sent_to_another_account_is_not_a_card_transfer(policy: Policy) -> None:
    to_account = {k: v for k, v in CARD_TRANSFER.items() if k != "event.card_id"}
    to_account["event.counterparty_id"] = "A2"
    assert "new_device_card_transfer" not in policy.evaluate("transfer", to_account).fired


def test_a_card_transfer_hold_protects_and_does_not_spread(policy: Policy) -> None:
    """The freeze guards a possible takeover victim: a protective code, no contagion."""
    result = policy.evaluate("transfer", CARD_TRANSFER)
    codes = {code for _, code in result.actions}
    assert codes == {"NEW_DEVICE_TRANSFER"}
    assert "NEW_DEVICE_TRANSFER" in policy.spec.contagion.protective
    kinds = sorted(a.kind for a, _ in result.actions)
    assert kinds == ["challenge", "freeze", "freeze"]


BIG_SALE = {  # half the available credit at a 2-day-old shop with 4 sales, all on credit
    "event.asks_credit": 1.0,
    "line.amount_to_available": 0.6,
    "line.available": 15000.0,
    "merchant.age_days": 2.0,
    "merchant.sales_30d": 4.0,
    "merchant.credit_share_30d": 0.98,
}


@pytest.mark.parametrize(
    ("change", "held"),
    [
        ({}, True),  # a young, quiet, credit-only shop takes half a line
        ({"merchant.age_days": 400.0}, False),  # an established shop
        ({"merchant.sales_30d": 80.0}, False),  # a busy new shop
        ({"merchant.credit_share_30d": 0.5}, False),  # a shop paid by card and credit alike
        ({"line.amount_to_available": 0.2}, False),  # an ordinary purchase
        ({"event.asks_credit": 0.0}, False),  # paid by bank card: no credit asked for
    ],
)
def test_a_big_credit_sale_at_a_young_quiet_shop_is_held_for_review(
    policy: Policy, change: dict[str, float], held: bool
) -> None:
    result = policy.evaluate("payment", {**BIG_SALE, **change})
    assert ("young_shop_big_credit_sale" in result.fired) is held
    assert (result.outcome.value == "review") is held
    assert not [a for a, _ in result.actions if a.kind == "freeze"]  # a hold, never a freeze


@pytest.mark.parametrize(
    ("week", "month", "inquiries", "declined"),
    [
        (3.0, 3.0, 1.0, True),  # three applications elsewhere within a week: a burst
        (2.0, 3.0, 1.0, False),  # three spread over the month, few bureau inquiries
        (2.0, 3.0, 4.0, True),
        (1.0, 4.0, 0.0, True),
    ],
)
def test_multi_lending_reads_a_burst_of_outside_applications(
    policy: Policy, week: float, month: float, inquiries: float, declined: bool
) -> None:
    values = {
        "account.loan_apps_external_7d": week,
        "account.loan_apps_external_30d": month,
        "person.bureau_inquiries_30d": inquiries,
        "event.is_external": 0.0,
    }
    assert ("multi_lending" in policy.evaluate("loan_application", values).fired) is declined
    outside = {**values, "event.is_external": 1.0}  # reported to us, asks us for nothing
    assert "multi_lending" not in policy.evaluate("loan_application", outside).fired
