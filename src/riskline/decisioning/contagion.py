"""Enterprise contagion: a person's frozen lines put the enterprises they control under review.

The policy's ``contagion`` section says which roles count (legal representative, actual
controller, guarantor, sponsor, shareholders above a share) and what to do to the
enterprise's credit line; every action carries a reason naming the link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from riskline.decisioning.effects import LineBook, apply_specs
from riskline.decisioning.policy import ContagionSpec
from riskline.decisioning.types import Action, Reason

__all__ = ["EnterpriseLinks", "LinkLike", "spread"]


class LinkLike(Protocol):
    """A party's role in an enterprise."""

    @property
    def enterprise_id(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def share(self) -> Decimal | None: ...


class EnterpriseLinks(Protocol):
    """Who holds which role in which enterprise (the link graph answers this)."""

    def enterprises_linked_to(self, person_id: str) -> Sequence[LinkLike]: ...

    def controllers_of(self, enterprise_id: str) -> Sequence[Any]: ...


def spread(
    person_id: str,
    links: EnterpriseLinks,
    spec: ContagionSpec,
    book: LineBook,
    decision_id: str,
    at: datetime,
) -> tuple[list[Reason], list[Action]]:
    """Act on every enterprise the person holds a counting role in."""
    reasons: list[Reason] = []
    actions: list[Action] = []
    for link in links.enterprises_linked_to(person_id):
        if not spec.counts(link):
            continue
        evidence: dict[str, float | str] = {
            "person": person_id,
            "role": link.role,
            "enterprise": link.enterprise_id,
        }
        reasons.append(Reason(spec.reason.code, spec.reason.text, evidence))
        book.load([link.enterprise_id])
        requested = [(a, spec.reason.code) for a in spec.actions]
        actions.extend(apply_specs(requested, link.enterprise_id, book, decision_id, at))
    return reasons, actions


def spread_up(
    enterprise_id: str,
    links: EnterpriseLinks,
    spec: ContagionSpec,
    accounts_of: Mapping[str, list[str]],
    book: LineBook,
    decision_id: str,
    at: datetime,
) -> tuple[list[Reason], list[Action]]:
    """An enterprise's frozen line puts its controllers' own accounts under review."""
    reasons: list[Reason] = []
    actions: list[Action] = []
    for link in links.controllers_of(enterprise_id):
        kind, person = link.party
        if kind != "person":
            continue
        evidence: dict[str, float | str] = {
            "enterprise": enterprise_id,
            "role": link.role,
            "person": person,
        }
        reasons.append(Reason(spec.reverse_reason.code, spec.reverse_reason.text, evidence))
        accounts = accounts_of.get(person, [])
        book.load(accounts)
        requested = [(a, spec.reverse_reason.code) for a in spec.reverse_actions]
        for account in accounts:
            actions.extend(apply_specs(requested, account, book, decision_id, at))
    return reasons, actions
