"""Credit: products, lines and their state machine, limit bands."""

from riskline.credit.limits import (
    PLACEHOLDER_SCORE,
    Band,
    BandTable,
    BureauScore,
    FixedScore,
    ScoreProvider,
)
from riskline.credit.lines import (
    Actor,
    Close,
    CreditLine,
    CutLimit,
    Freeze,
    LineChange,
    LineCommand,
    LineStatus,
    Reinstate,
    RestoreLimit,
    SetLimit,
    apply,
    expire_freeze,
)

__all__ = [
    "PLACEHOLDER_SCORE",
    "Actor",
    "Band",
    "BandTable",
    "BureauScore",
    "Close",
    "CreditLine",
    "CutLimit",
    "FixedScore",
    "Freeze",
    "LineChange",
    "LineCommand",
    "LineStatus",
    "Reinstate",
    "RestoreLimit",
    "ScoreProvider",
    "SetLimit",
    "apply",
    "expire_freeze",
]
