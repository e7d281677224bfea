"""Governed authoring: rule-set and policy versions (draft -> approved -> published ->
rolled back) and rule snoozes per entity, every change sealed in the audit chain.

A version's text is the YAML the engine loads; it is checked (the DSL loader, or the policy
validator) before it is saved. Four eyes: the approver is not the author. Publishing makes
the version the one :class:`PublishedRules` serves; rolling back re-publishes the previous
published version (the rolled-back one is marked so).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import Column, Engine, Integer, String, Table, Text, select, update

from riskline.decisioning import Policy
from riskline.errors import Conflict, Forbidden, InvalidInput, NotFound, RisklineError
from riskline.rules import RuleSet, load_ruleset_text
from riskline.storage.audit import AuditLog
from riskline.storage.tables import UtcDateTime, metadata

__all__ = [
    "DocKind",
    "DraftStore",
    "PublishedRules",
    "Snooze",
    "Status",
    "Version",
    "check_document",
    "rule_snoozes",
    "rule_versions",
]

log = logging.getLogger(__name__)

rule_versions = Table(
    "rule_versions",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("author", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("reason", Text, nullable=False),
    Column("approver", String(200), nullable=True),
    Column("approved_at", UtcDateTime(), nullable=True),
    Column("published_by", String(200), nullable=True),
    Column("published_at", UtcDateTime(), nullable=True),
    Column("rolled_back_at", UtcDateTime(), nullable=True),
)

rule_snoozes = Table(
    "rule_snoozes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule_id", String(100), nullable=False),
    Column("entity_id", String(200), nullable=False),
    Column("until", UtcDateTime(), nullable=False),
    Column("author", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)


class DocKind(StrEnum):
    """What a version holds."""

    RULES = "rules"
    POLICY = "policy"


class Status(StrEnum):
    """Where a version is in its life."""

    DRAFT = "draft"
    APPROVED = "approved"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"
    ROLLED_BACK = "rolled_back"


@dataclass(frozen=True, slots=True)
class Version:
    """One stored version of a rule set or policy."""

    version: int
    kind: DocKind
    status: Status
    text: str
    author: str
    created_at: datetime
    reason: str
    approver: str | None = None
    approved_at: datetime | None = None
    published_by: str | None = None
    published_at: datetime | None = None
    rolled_back_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Snooze:
    """``rule_id`` does not fire for ``entity_id`` until ``until``."""

    rule_id: str
    entity_id: str
    until: datetime
    author: str
    reason: str


def _version(row: Any) -> Version:
    return Version(**{**row, "kind": DocKind(row["kind"]), "status": Status(row["status"])})


class DraftStore:
    """Versions and snoozes on ``db``; ``check(kind, text)`` raises on a bad document."""

    def __init__(
        self,
        db: Engine,
        check: Callable[[DocKind, str], None],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.check = check
        self.clock = clock
        self.audit = AuditLog(db)
        self.on_publish: list[Callable[[], None]] = []
        """Called after a publish or rollback commits (the in-process engine refreshes)."""

    def get(self, version: int) -> Version:
        """One version (``NotFound`` if none)."""
        with self.db.connect() as conn:
            row = conn.execute(select(rule_versions).where(rule_versions.c.version == version))
            found = row.mappings().first()
        if found is None:
            raise NotFound(f"no rule or policy version {version}")
        return _version(found)

    def versions(self, kind: DocKind | None = None) -> list[Version]:
        """Every version, newest first."""
        q = select(rule_versions).order_by(rule_versions.c.version.desc())
        if kind is not None:
            q = q.where(rule_versions.c.kind == kind.value)
        with self.db.connect() as conn:
            return [_version(r) for r in conn.execute(q).mappings()]

    def published(self, kind: DocKind) -> Version | None:
        """The version in force (None: the configured file)."""
        c = rule_versions.c
        q = select(rule_versions).where(c.kind == kind.value, c.status == Status.PUBLISHED.value)
        with self.db.connect() as conn:
            row = conn.execute(q.order_by(c.version.desc()).limit(1)).mappings().first()
        return None if row is None else _version(row)

    def draft(self, kind: DocKind, text: str, author: str, reason: str) -> Version:
        """Save a checked draft; the DSL checker's error when it does not load."""
        if not reason.strip():
            raise InvalidInput("reason: say why this version is needed")
        self.check(kind, text)
        now = self.clock()
        with self.db.begin() as conn:
            row = {
                "kind": kind.value,
                "status": Status.DRAFT.value,
                "text": text,
                "author": author,
                "created_at": now,
                "reason": reason,
            }
            number = conn.execute(rule_versions.insert().values(**row)).inserted_primary_key
            version = int(number[0]) if number else 0
            detail = {"kind": kind.value, "status": "draft", "reason": reason}
            self.audit.append(conn, "authoring.draft", author, f"version:{version}", detail, now)
        return self.get(version)

    def approve(self, version: int, approver: str) -> Version:
        """Four eyes: a draft approved by someone other than its author."""
        found = self.get(version)
        if found.status is not Status.DRAFT:
            raise Conflict(f"version {version} is {found.status.value}, not a draft")
        if approver == found.author:
            raise Forbidden(f"version {version}: the author cannot approve it (four eyes)")
        self._set(version, approver, "authoring.approve", Status.DRAFT, Status.APPROVED)
        return self.get(version)

    def publish(self, version: int, actor: str) -> Version:
        """Make an approved version the one in force (the previous one is superseded)."""
        found = self.get(version)
        if found.status is not Status.APPROVED:
            raise Conflict(f"version {version} is {found.status.value}: approve it first")
        self._publish(found, actor, "authoring.publish", Status.APPROVED)
        return self.get(version)

    def rollback(self, kind: DocKind, actor: str) -> Version | None:
        """Take the published version back and re-publish the one before it (None: back to
        the configured file)."""
        current = self.published(kind)
        if current is None:
            raise Conflict(f"no published {kind.value} version to roll back")
        c = rule_versions.c
        now = self.clock()
        with self.db.begin() as conn:
            conn.execute(
                update(rule_versions)
                .where(c.version == current.version)
                .values(status=Status.ROLLED_BACK.value, rolled_back_at=now)
            )
            before = conn.execute(
                select(c.version)
                .where(c.kind == kind.value, c.status == Status.SUPERSEDED.value)
                .where(c.version < current.version)
                .order_by(c.published_at.desc(), c.version.desc())
                .limit(1)
            ).scalar()
            if before is not None:
                conn.execute(
                    update(rule_versions)
                    .where(c.version == before)
                    .values(status=Status.PUBLISHED.value, published_by=actor, published_at=now)
                )
            detail = {"kind": kind.value, "rolled_back": current.version, "now": before}
            self.audit.append(
                conn, "authoring.rollback", actor, f"version:{current.version}", detail, now
            )
        self._notify()
        return None if before is None else self.get(int(before))

    def _publish(self, found: Version, actor: str, kind: str, expect: Status) -> None:
        c = rule_versions.c
        now = self.clock()
        with self.db.begin() as conn:
            conn.execute(
                update(rule_versions)
                .where(c.kind == found.kind.value, c.status == Status.PUBLISHED.value)
                .values(status=Status.SUPERSEDED.value)
            )
            done = conn.execute(
                update(rule_versions)
                .where(c.version == found.version, c.status == expect.value)
                .values(status=Status.PUBLISHED.value, published_by=actor, published_at=now)
            )
            if done.rowcount != 1:
                raise Conflict(f"version {found.version} changed meanwhile; reload and retry")
            detail = {"kind": found.kind.value, "approver": found.approver}
            self.audit.append(conn, kind, actor, f"version:{found.version}", detail, now)
        self._notify()

    def _set(self, version: int, actor: str, kind: str, expect: Status, new: Status) -> None:
        c = rule_versions.c
        now = self.clock()
        with self.db.begin() as conn:
            done = conn.execute(
                update(rule_versions)
                .where(c.version == version, c.status == expect.value)
                .values(status=new.value, approver=actor, approved_at=now)
            )
            if done.rowcount != 1:
                raise Conflict(f"version {version} changed meanwhile; reload and retry")
            self.audit.append(conn, kind, actor, f"version:{version}", {"status": new.value}, now)

    def _notify(self) -> None:
        for hook in self.on_publish:
            hook()

    def snooze(
        self, rule_id: str, entity_id: str, until: datetime, author: str, reason: str
    ) -> Snooze:
        """``rule_id`` stops firing for ``entity_id`` until ``until``."""
        now = self.clock()
        if until <= now:
            raise InvalidInput("until: a snooze ends in the future")
        if not rule_id.strip() or not entity_id.strip() or not reason.strip():
            raise InvalidInput("a snooze needs a rule id, an entity id and a reason")
        row = {
            "rule_id": rule_id,
            "entity_id": entity_id,
            "until": until,
            "author": author,
            "reason": reason,
            "created_at": now,
        }
        with self.db.begin() as conn:
            conn.execute(rule_snoozes.insert().values(**row))
            detail = {"entity": entity_id, "until": until.isoformat(), "reason": reason}
            self.audit.append(conn, "authoring.snooze", author, f"rule:{rule_id}", detail, now)
        self._notify()
        return Snooze(rule_id, entity_id, until, author, reason)

    def snoozes(self, at: datetime | None = None) -> list[Snooze]:
        """Snoozes still running at ``at`` (now)."""
        at = at or self.clock()
        s = rule_snoozes.c
        q = select(s.rule_id, s.entity_id, s.until, s.author, s.reason).where(s.until > at)
        with self.db.connect() as conn:
            return [Snooze(*r) for r in conn.execute(q.order_by(s.until))]

    def export(self, version: int) -> str:
        """The YAML of a version, headed by who made and approved it."""
        v = self.get(version)
        head = (
            f"# {v.kind.value} version {v.version} ({v.status.value}); author {v.author}, "
            f"approver {v.approver or '-'}; reason: {' '.join(v.reason.split())}\n"
        )
        return head + v.text if v.text.endswith("\n") else head + v.text + "\n"


class RuleSource(Protocol):
    """Where the configured rule set comes from (a hot-reloading file holder)."""

    @property
    def current(self) -> RuleSet: ...


class PublishedRules:
    """A rule source for the engine: the published rule-set version with its snoozes, else
    ``fallback`` (the configured file, hot-reloaded). Reads the database at most every
    ``every`` seconds (and at once after :meth:`refresh`)."""

    def __init__(
        self,
        store: DraftStore,
        fallback: RuleSource,
        schema: Mapping[str, str],
        every: float = 1.0,
        on_policy: Callable[[Version | None], None] | None = None,
    ) -> None:
        self.store = store
        self.fallback = fallback
        self.schema = dict(schema)
        self.every = every
        self.on_policy = on_policy
        """Told the published policy version (None: back to the configured one) when it
        changes, so a policy published by another process takes effect here too."""
        self._policy: int | None = None
        self._lock = threading.Lock()
        self._checked = -1e18
        self._key: tuple[Any, ...] = ()
        self._current: RuleSet | None = None

    @property
    def current(self) -> RuleSet:
        """The rule set in force."""
        return self._current if self._current is not None else self.fallback.current

    def refresh(self) -> None:
        """Read the published versions and snoozes on the next :meth:`maybe_reload`."""
        self._checked = -1e18

    def maybe_reload(self) -> bool:
        """Pick up a newly published version or snooze; True if ``current`` changed."""
        reload = getattr(self.fallback, "maybe_reload", None)
        changed = bool(reload()) if reload is not None else False
        if changed:
            self._key = ()  # snoozes apply on top of the fresh file
        if time.monotonic() - self._checked < self.every:
            return changed
        with self._lock:
            self._checked = time.monotonic()
            self._follow_policy()
            version = self.store.published(DocKind.RULES)
            snoozes = self.store.snoozes()
            key: tuple[Any, ...] = (version.version if version else None, tuple(snoozes))
            if key == self._key:
                return changed
            self._key = key
            base = None
            if version is not None:
                try:
                    base = load_ruleset_text(
                        version.text, self.schema, f"version {version.version}"
                    )
                except RisklineError as err:  # checked when drafted; the schema may have moved
                    log.warning("published rules version %s rejected: %s", version.version, err)
                    return changed
            by_rule: dict[str, dict[str, datetime]] = {}
            for s in snoozes:
                by_rule.setdefault(s.rule_id, {})[s.entity_id] = s.until
            if base is None and not by_rule:
                self._current = None
            else:
                base = base or self.fallback.current
                self._current = replace(base, snoozes=by_rule)
            return True

    def _follow_policy(self) -> None:
        if self.on_policy is None:
            return
        policy = self.store.published(DocKind.POLICY)
        number = policy.version if policy is not None else None
        if number != self._policy:
            self._policy = number
            try:
                self.on_policy(policy)
            except RisklineError as err:
                log.warning("published policy version %s rejected: %s", number, err)


def check_document(schema: Mapping[str, str]) -> Callable[[DocKind, str], None]:
    """The checker a :class:`DraftStore` uses: the DSL loader for rules, the policy validator
    (bound to ``schema``) for policies."""

    def check(kind: DocKind, text: str) -> None:
        if kind is DocKind.RULES:
            load_ruleset_text(text, schema, "draft")
            return
        Policy.from_text(text).bind(schema)

    return check
