"""Challenge states: checks, the attempt cap, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from riskline.errors import Conflict, InvalidInput
from riskline.identity import Challenge, ChallengeRules, ChallengeStatus, Check
from tests.factories import T0


def _open(**rules: object) -> Challenge:
    return Challenge.open("d_1", "e1", 5, "a1", "p1", ChallengeRules(**rules), T0)  # type: ignore[arg-type]


def test_passes_only_when_every_required_check_passed() -> None:
    c = _open().record(Check.FACE, True, T0)
    assert c.status is ChallengeStatus.PENDING and c.missing == {Check.DEVICE}
    c = c.record(Check.DEVICE, True, T0, device_id="dv_1")
    assert c.status is ChallengeStatus.PASSED and c.device_id == "dv_1" and c.attempts == 0


def test_failures_use_attempts_up_to_the_cap() -> None:
    c = _open(max_attempts=2).record(Check.FACE, False, T0)
    assert c.status is ChallengeStatus.PENDING and c.attempts == 1
    c = c.record(Check.FACE, False, T0)
    assert c.status is ChallengeStatus.FAILED
    with pytest.raises(Conflict, match="failed"):
        c.record(Check.FACE, True, T0)


def test_expires_after_its_lifetime() -> None:
    c = _open(ttl=timedelta(minutes=5))
    assert c.at(T0 + timedelta(minutes=4)).status is ChallengeStatus.PENDING
    late = T0 + timedelta(minutes=5)
    assert c.at(late).status is ChallengeStatus.EXPIRED
    with pytest.raises(Conflict, match="expired"):
        c.record(Check.FACE, True, late)


def test_a_check_not_asked_for_is_refused() -> None:
    c = _open(required=(Check.FACE,))
    with pytest.raises(InvalidInput, match="device"):
        c.record(Check.DEVICE, True, T0)
    assert c.record(Check.FACE, True, T0).status is ChallengeStatus.PASSED


def test_release_only_after_passing() -> None:
    with pytest.raises(Conflict):
        _open().with_release("e:stepup", "d_2", "approve", T0)


def test_rules_are_validated() -> None:
    with pytest.raises(InvalidInput):
        ChallengeRules(required=())
    with pytest.raises(InvalidInput):
        ChallengeRules(max_attempts=0)
