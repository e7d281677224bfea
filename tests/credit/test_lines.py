"""Every legal and illegal credit-line transition."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from riskline.credit import (
    Actor,
    BandTable,
    Close,
    CreditLine,
    CutLimit,
    Freeze,
    LineCommand,
    LineStatus,
    Reinstate,
    RestoreLimit,
    SetLimit,
    apply,
    expire_freeze,
)
from riskline.errors import IllegalTransition, InvalidConfig, InvalidInput
from riskline.events import Product
from tests.factories import T0

A = Actor("analyst", "u1")


def line_in(status: LineStatus) -> CreditLine:
    line = CreditLine.open("l1", "a1", "account", Product.REVOLVING, Decimal(5000), T0)
    if status is LineStatus.LIMITED:
        line = apply(line, CutLimit(Decimal(2000)), A, ("R",), None, T0)[0]
    if status is LineStatus.FROZEN:
        line = apply(line, Freeze(30), A, ("R",), None, T0)[0]
    if status is LineStatus.CLOSED:
        line = apply(apply(line, Freeze(30), A, ("R",), None, T0)[0], Close(), A, ("R",), None, T0)[
            0
        ]
    assert line.status is status
    return line


COMMANDS: dict[str, LineCommand] = {
    "freeze": Freeze(10),
    "cut_limit": CutLimit(Decimal(1000)),
    "restore_limit": RestoreLimit(),
    "reinstate": Reinstate(),
    "close": Close(),
    "set_limit": SetLimit(Decimal(8000)),
}
LEGAL = {
    (LineStatus.ACTIVE, "freeze"): LineStatus.FROZEN,
    (LineStatus.ACTIVE, "cut_limit"): LineStatus.LIMITED,
    (LineStatus.ACTIVE, "set_limit"): LineStatus.ACTIVE,
    (LineStatus.LIMITED, "freeze"): LineStatus.FROZEN,
    (LineStatus.LIMITED, "cut_limit"): LineStatus.LIMITED,
    (LineStatus.LIMITED, "restore_limit"): LineStatus.ACTIVE,
    (LineStatus.FROZEN, "freeze"): LineStatus.FROZEN,
    (LineStatus.FROZEN, "reinstate"): LineStatus.ACTIVE,
    (LineStatus.FROZEN, "close"): LineStatus.CLOSED,
}
ALL = [(s, c) for s in LineStatus for c in COMMANDS]


@pytest.mark.parametrize(("status", "command"), [k for k in ALL if k in LEGAL])
def test_legal_transitions(status: LineStatus, command: str) -> None:
    line = line_in(status)
    new, change = apply(line, COMMANDS[command], A, ("CODE",), "d1", T0 + timedelta(hours=1))
    assert new.status is LEGAL[(status, command)]
    assert (change.from_status, change.to_status, change.action) == (status, new.status, command)
    assert change.actor == A and change.reasons == ("CODE",) and change.decision_id == "d1"
    assert new.version == line.version + 1


@pytest.mark.parametrize(("status", "command"), [k for k in ALL if k not in LEGAL])
def test_illegal_transitions(status: LineStatus, command: str) -> None:
    line = line_in(status)
    with pytest.raises(IllegalTransition, match=f"cannot {command} a {status.value} line"):
        apply(line, COMMANDS[command], A, ("CODE",), None, T0)


def test_limit_memory_survives_cut_freeze_and_reinstate() -> None:
    line = line_in(LineStatus.LIMITED)
    assert (line.limit, line.previous_limit) == (Decimal(2000), Decimal(5000))
    deeper = apply(line, CutLimit(Decimal(500)), A, (), None, T0)[0]
    assert deeper.previous_limit == Decimal(5000)
    frozen = apply(deeper, Freeze(5), A, (), None, T0)[0]
    assert frozen.available == 0
    back = apply(frozen, Reinstate(), A, (), None, T0)[0]
    assert (back.status, back.limit, back.previous_limit) == (
        LineStatus.ACTIVE,
        Decimal(5000),
        None,
    )


def test_cut_must_lower_the_limit() -> None:
    with pytest.raises(InvalidInput, match="below the current limit"):
        apply(line_in(LineStatus.ACTIVE), CutLimit(Decimal(6000)), A, (), None, T0)


def test_freeze_extends_never_shortens() -> None:
    frozen = apply(line_in(LineStatus.ACTIVE), Freeze(30), A, (), None, T0)[0]
    again = apply(frozen, Freeze(5), A, (), None, T0 + timedelta(days=1))[0]
    assert again.frozen_until == T0 + timedelta(days=30)
    longer = apply(frozen, Freeze(60), A, (), None, T0 + timedelta(days=1))[0]
    assert longer.frozen_until == T0 + timedelta(days=61)


def test_freeze_expires_into_active() -> None:
    frozen = apply(line_in(LineStatus.ACTIVE), Freeze(3), A, (), None, T0)[0]
    assert expire_freeze(frozen, T0 + timedelta(days=2)) is None
    result = expire_freeze(frozen, T0 + timedelta(days=3))
    assert result is not None
    line, change = result
    assert line.status is LineStatus.ACTIVE and change.actor == Actor.system()
    assert change.reasons == ("FREEZE_EXPIRED",)


def test_available_and_balance() -> None:
    line = line_in(LineStatus.ACTIVE).draw(Decimal(4500), T0)
    assert line.available == Decimal(500)
    cut = apply(line, CutLimit(Decimal(1000)), A, (), None, T0)[0]
    assert cut.available == 0
    assert cut.repay(Decimal(9999), T0).outstanding == 0


def test_band_table_from_config_and_errors() -> None:
    table = BandTable.from_config(
        {
            "version": "v2",
            "bands": [
                {"name": "hi", "min_score": 650, "limits": {"revolving": 9000}},
                {"name": "lo", "min_score": 0, "limits": {}},
            ],
        }
    )
    assert table.limit_for(700, Product.REVOLVING) == Decimal(9000)
    assert table.limit_for(600, Product.REVOLVING) == 0
    with pytest.raises(InvalidConfig, match="unknown band keys"):
        BandTable.from_config({"bands": [{"name": "x", "min_score": 1, "limits": {}, "colour": 1}]})
    with pytest.raises(InvalidConfig, match="revolver"):
        BandTable.from_config({"bands": [{"name": "x", "min_score": 1, "limits": {"revolver": 1}}]})
    with pytest.raises(InvalidConfig, match="share a min_score"):
        BandTable.from_config(
            {
                "bands": [
                    {"name": "x", "min_score": 1, "limits": {}},
                    {"name": "y", "min_score": 1, "limits": {}},
                ]
            }
        )


def test_band_table_file(tmp_path: Path) -> None:
    path = tmp_path / "bands.yaml"
    path.write_text(
        "version: b7\nbands:\n  - {name: all, min_score: 0, limits: {cash_loan: 777}}\n"
    )
    table = BandTable.from_file(path)
    assert (table.version, table.limit_for(1, Product.CASH_LOAN)) == ("b7", Decimal(777))
    path.write_text("- just a list\n")
    with pytest.raises(InvalidConfig, match="mapping"):
        BandTable.from_file(path)
    with pytest.raises(InvalidConfig, match="cannot read"):
        BandTable.from_file(tmp_path / "missing.yaml")
