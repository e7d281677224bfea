"""Why a case is in the queue, in one block: top reasons with evidence, parties, money, lines.

>>> words({"accounts_on_device_7d": 6.0, "share": 0.25})
'accounts on device 7d 6 · share 0.25'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from riskline.cases import CaseDetail
from riskline.ui.queries import LineView
from riskline.ui.render import number

__all__ = ["CaseSummary", "DecisionReader", "ReasonSummary", "case_summary", "words"]

TOP_REASONS = 3


class DecisionReader(Protocol):
    """Stored decisions by id (the store's ``get_decisions``)."""

    def get_decisions(self, decision_ids: Sequence[str]) -> Mapping[str, Any]:
        """Decisions found, by id."""


@dataclass(frozen=True, slots=True)
class ReasonSummary:
    """A reason code, how many of the case's decisions gave it, and its latest evidence."""

    code: str
    text: str
    decisions: int
    evidence: str


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """What the case page says first."""

    reasons: tuple[ReasonSummary, ...]
    parties: tuple[tuple[str, int], ...]
    decisions: int
    limit: Decimal
    outstanding: Decimal
    line_states: tuple[tuple[str, int], ...]


def words(evidence: Mapping[str, Any]) -> str:
    """Evidence as a reader says it: names with spaces, numbers formatted for people."""
    return " · ".join(
        f"{k.replace('_', ' ').replace('.', ' ')} {number(v)}" for k, v in evidence.items()
    )


def case_summary(
    detail: CaseDetail, lines: Sequence[LineView], store: DecisionReader
) -> CaseSummary:
    """The summary of ``detail``: its most frequent reason codes (evidence from the newest
    decision giving each), parties by kind, and the money and states of the parties' lines."""
    counts = Counter(code for link in detail.links for code in link.reason_codes)
    top = [code for code, _ in counts.most_common(TOP_REASONS)]
    newest: dict[str, str] = {}
    for link in sorted(detail.links, key=lambda lk: lk.occurred_at):
        for code in link.reason_codes:
            newest[code] = link.decision_id
    found = store.get_decisions([newest[c] for c in top])
    reasons = tuple(_reason(code, counts[code], found.get(newest[code])) for code in top)
    parties = Counter(m.kind for m in detail.members)
    states = Counter(lv.line.status.value for lv in lines)
    return CaseSummary(
        reasons=reasons,
        parties=tuple(sorted(parties.items())),
        decisions=len(detail.links),
        limit=sum((lv.line.limit for lv in lines), Decimal(0)),
        outstanding=sum((lv.line.outstanding for lv in lines), Decimal(0)),
        line_states=tuple(sorted(states.items())),
    )


def _reason(code: str, count: int, decision: Any) -> ReasonSummary:
    match = (
        None if decision is None else next((r for r in decision.reasons if r.code == code), None)
    )
    if match is None:
        return ReasonSummary(code, "", count, "")
    return ReasonSummary(code, match.text, count, words(match.evidence))
