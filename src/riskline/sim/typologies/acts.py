"""Short helpers for the events rings emit most: verification, applications, drawdowns, payments."""

from __future__ import annotations

from riskline.sim import looks
from riskline.sim.typologies.base import PLATFORMS, Actor, Ring

__all__ = ["apply_external", "apply_loan", "draw", "pay", "verify"]


def verify(
    ring: Ring,
    actor: Actor,
    ts: int,
    device: str,
    *,
    method: str | None = None,
    score: int = 1000,
    passed: bool = True,
    fraud: bool = True,
) -> None:
    """An identity check of an actor's account on a device (a re-verification like anyone's).

    Without ``method`` the method, score and result are drawn as for every re-verification.
    """
    if method is None:
        methods, scores, results = looks.verifications(ring.rng, 1, looks.REVERIFY)
        method, score, passed = str(methods[0]), int(scores[0]), bool(results[0])
    ring.emit(
        "identity_verified",
        ts,
        fraud=fraud,
        account_id=actor.account_id,
        method=method,
        score=score,
        passed=passed,
        device_id=device,
    )


def apply_loan(ring: Ring, actor: Actor, ts: int, amount: int, *, fraud: bool = True) -> None:
    """An internal cash-loan application from the actor's current device and IP."""
    ring.emit(
        "loan_application",
        ts,
        fraud=fraud,
        account_id=actor.account_id,
        product="cash_loan",
        amount=amount,
        channel="internal",
        device_id=actor.device,
        ip=actor.ip,
    )


def apply_external(
    ring: Ring, actor: Actor, ts: int, amount: int, platform: int, *, fraud: bool = True
) -> None:
    """A cash-loan application seen at another platform."""
    ring.emit(
        "loan_application",
        ts,
        fraud=fraud,
        account_id=actor.account_id,
        product="cash_loan",
        amount=amount,
        channel="external",
        platform=PLATFORMS[platform % len(PLATFORMS)],
    )


def draw(
    ring: Ring,
    actor: Actor,
    ts: int,
    amount: int,
    card: str,
    *,
    fraud: bool = True,
    product: str = "cash_loan",
) -> None:
    """A drawdown to a card; counted as credit at risk when fraudulent."""
    ring.emit(
        "loan_drawdown",
        ts,
        fraud=fraud,
        credit=fraud,
        account_id=actor.account_id,
        product=product,
        amount=amount,
        card=card,
        device_id=actor.device,
        ip=actor.ip,
    )


def pay(
    ring: Ring,
    actor: Actor,
    ts: int,
    merchant: str,
    amount: int,
    *,
    credit: bool = True,
    funding: str = "revolving",
) -> None:
    """A fraudulent payment from the actor's current device and IP."""
    ring.emit(
        "payment",
        ts,
        credit=credit,
        account_id=actor.account_id,
        merchant_id=merchant,
        amount=amount,
        funding=funding,
        device_id=actor.device,
        ip=actor.ip,
    )
