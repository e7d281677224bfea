"""The default policy's new-device check: a lone new phone is an honest phone change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from riskline.config import Settings
from riskline.decisioning.policy import Policy
from riskline.runtime import build_runtime

SPEND = {  # an established account spends 40 % of its available credit from a 2-day-old device
    "account_device.age_hours": 48.0,
    "line.amount_to_available": 0.4,
    "account.age_days": 200.0,
    "line.available": 5000.0,
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
    small = {**shared, "line.amount_to_available": 0.2}
    old = {**shared, "account_device.age_hours": 400.0}
    assert "new_device_big_spend" not in _checks(policy, **small)
    assert "new_device_big_spend" not in _checks(policy, **old)


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
