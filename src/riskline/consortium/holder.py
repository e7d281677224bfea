"""The list holder's side: publish (re-key) sets and answer private queries.

Two kinds of set are published, each under a fresh server key every time:

* ``blacklist``: one setup per reason category, built from the publishable entries only, so an
  expired, disputed or withdrawn entry is gone the moment the next version is out (the old key
  is deleted; answers under it are no longer given). A publication is valid until its first
  entry expires; queries after that are refused until the next publish.
* ``applicants``: tokens of people who applied here within ``window`` (multi-lending signal),
  answered in cardinality mode only.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Final, Protocol

from riskline.clock import Clock
from riskline.consortium.limits import Limits
from riskline.consortium.psi import PsiServer, make_setups
from riskline.consortium.store import AuditRecord, NodeStore, StoredPublication
from riskline.errors import Conflict, Forbidden, InvalidInput, NotFound, RisklineError

__all__ = ["KINDS_OF_SET", "ContributionCheck", "Holder", "PublishConfig", "Publisher"]

KINDS_OF_SET: Final = ("blacklist", "applicants")


class ContributionCheck(Protocol):
    """Reciprocity: how many entries of a kind a member currently publishes (0 if unknown)."""

    def contributed(self, member: str, kind: str) -> int: ...


@dataclass(frozen=True, slots=True)
class PublishConfig:
    """How sets are published: batch they are sized for, false-positive rate, structure."""

    max_batch: int = 10_000
    fpr: float = 1e-9
    ds: str = "gcs"
    window: timedelta = timedelta(days=30)
    max_age: timedelta = timedelta(days=1)
    lead: timedelta = timedelta(0)
    """Entries expiring within ``lead`` are left out, and the serve loop re-publishes ``lead``
    before a publication runs out, so a large set is rebuilt while the old one still answers."""


class Publisher:
    """Builds and stores new publications (a fresh key each time)."""

    def __init__(self, store: NodeStore, clock: Clock, config: PublishConfig) -> None:
        self.store = store
        self.clock = clock
        self.config = config

    def publish(self, kind: str) -> StoredPublication:
        """Publish the current ``blacklist`` or ``applicants`` set under a new key."""
        now = self.clock.now()
        valid_until = now + self.config.max_age
        if kind == "blacklist":
            entries = [
                e for e in self.store.publishable(now) if e.expires_at > now + self.config.lead
            ]
            sets: dict[str, list[str]] = {}
            for e in entries:
                sets.setdefault(e.reason.value, []).append(e.token)
            sets = {k: sorted(set(v)) for k, v in sets.items()}
            valid_until = min([valid_until, *(e.expires_at for e in entries)])
        elif kind == "applicants":
            self.store.purge_applications(now - self.config.window)
            recent = self.store.recent_applications(now - self.config.window)
            sets = {"applicants": sorted(recent)} if recent else {}
        else:
            raise InvalidInput(f"unknown set {kind!r}; use blacklist or applicants")
        c = self.config
        key, setups = make_setups(None, sets, c.max_batch, c.fpr, c.ds)
        counts = {k: len(v) for k, v in sets.items()}
        pub = StoredPublication(0, kind, now, valid_until, c.max_batch, key, setups, counts)
        version = self.store.save_publication(pub)
        return StoredPublication(version, kind, now, valid_until, c.max_batch, key, setups, counts)


class Holder:
    """Answers authenticated members' queries against the latest publication."""

    def __init__(
        self,
        store: NodeStore,
        clock: Clock,
        limits: Limits,
        contributions: ContributionCheck,
        min_contribution: Mapping[str, int] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.limits = limits
        self.contributions = contributions
        self.min_contribution = dict(min_contribution or {"blacklist": 1, "applicants": 1})
        self._cache: dict[int, StoredPublication] = {}
        self._lock = threading.Lock()

    def current(self, kind: str) -> StoredPublication:
        """The latest publication of ``kind`` (loaded once per version)."""
        if kind not in KINDS_OF_SET:
            raise NotFound(f"unknown set {kind!r}; use blacklist or applicants")
        version = self.store.latest_version(kind)
        if version is None:
            raise NotFound(f"no {kind} set published yet")
        with self._lock:
            pub = self._cache.get(version)
            if pub is None:
                pub = self.store.publication(version)
                self._cache = {
                    version: pub,
                    **{v: p for v, p in self._cache.items() if p.kind != kind},
                }
        return pub

    def answer(self, member: str, kind: str, version: int, request: bytes) -> bytes:
        """Serve one PSI request; every attempt (served or refused) goes to the audit log."""
        batch = 0
        try:
            pub = self.current(kind)
            if version != pub.version:
                raise Conflict(
                    f"publication {version} was superseded by {pub.version}: fetch the setup again"
                )
            if self.clock.now() >= pub.valid_until:
                raise Conflict(f"publication {version} has expired; wait for the next publish")
            self._reciprocity(member, kind)
            server = PsiServer(pub.key)
            batch = _batch_size(request)
            self.limits.admit(member, batch, now=self.clock.now().timestamp())
            response, batch = server.answer(request, reveal=kind == "blacklist")
        except RisklineError as err:
            self._audit(member, kind, batch, version, err.status, err.code)
            raise
        self._audit(member, kind, batch, version, 200, "")
        return response

    def _reciprocity(self, member: str, kind: str) -> None:
        need = self.min_contribution.get(kind, 0)
        if need > 0 and self.contributions.contributed(member, kind) < need:
            raise Forbidden(
                f"reciprocity: {member} must publish at least {need} {kind} entries to query"
            )

    def _audit(
        self, member: str, kind: str, batch: int, version: int, status: int, why: str
    ) -> None:
        rec = AuditRecord(self.clock.now(), member, "query", kind, batch, version, status, why)
        self.store.append_audit(rec)


def _batch_size(request: bytes) -> int:
    """Number of blinded elements in a serialised request (parsed, never decrypted)."""
    from riskline.consortium.psi import load_psi

    req = load_psi().Request()
    try:
        req.ParseFromString(request)
    except Exception:
        raise InvalidInput("the body is not a PSI request") from None
    return len(req.encrypted_elements)
