"""Accounts opened on one block of 100 phone numbers, each on its own device: the third opening
is reviewed (the shipped policy's number_block_opening) and its credit held
(number_block_farm); strangers' numbers are not."""

from __future__ import annotations

from riskline.runtime import Runtime
from tests.cases.helpers import decide
from tests.factories import wire


def _opening(i: int, phone: str) -> dict[str, object]:
    return wire(
        "account_opened",
        account_id=f"nb{i}",
        person_id=f"nbp{i}",
        device_id=f"nbd{i}",
        ip=f"10.9.0.{i}",
        phone=phone,
        id_number=f"11010519800101{i:04d}",
    )


def test_the_third_account_on_one_block_of_numbers_is_reviewed(rt: Runtime) -> None:
    run = [_opening(i, f"+86 137 5555 20{i:02d}") for i in range(3)]  # one block of 100
    stranger = _opening(9, "+86 137 5555 2100")  # the next block
    *first, third, other = decide(rt, *run, stranger)
    assert [d.reason_codes for d in first] == [(), ()]
    assert third.outcome.value == "review" and third.reason_codes == ("NUMBER_BLOCK_ACCOUNTS",)
    assert other.outcome.value == "approve" and other.reason_codes == ()
    # the reviewed account's credit is held while the case is worked; the stranger's is not
    held, paid = decide(
        rt,
        wire("payment", account_id="nb2", device_id="nbd2", amount="50.00"),
        wire("payment", account_id="nb9", device_id="nbd9", amount="50.00"),
    )
    assert held.outcome.value == "review" and held.reason_codes == ("NUMBER_BLOCK_ACCOUNTS",)
    assert paid.outcome.value == "approve"
