"""The node's operations as plain data (the HTTP routes and the CLI both call these)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from riskline.consortium.identifiers import kind_of
from riskline.consortium.node import Node
from riskline.consortium.types import ConfirmedOutcome, Entry
from riskline.errors import InvalidInput, NotFound

__all__ = ["Ops"]


def _entry(e: Entry) -> dict[str, Any]:
    return {
        "entry_id": e.entry_id,
        "kind": kind_of(e.token),
        "reason": e.reason.value,
        "source": e.source,
        "evidence": e.evidence,
        "case_id": e.case_id,
        "filed_at": e.filed_at.isoformat(),
        "expires_at": e.expires_at.isoformat(),
        "dispute": e.dispute.value,
    }


class Ops:
    """Filing, disputes, publishing and read-outs of one node."""

    def __init__(self, node: Node) -> None:
        self.node = node

    def file(
        self,
        outcome: ConfirmedOutcome,
        clear: Mapping[str, str],
        reason: str,
        evidence: str,
        ttl_seconds: int | None = None,
    ) -> dict[str, Any]:
        """File a confirmed case's identifiers; the entries (tokens are not shown)."""
        ttl = timedelta(seconds=ttl_seconds) if ttl_seconds else None
        entries = self.node.registry.file(outcome, clear, reason, evidence, ttl)
        self.node.dirty.add("blacklist")
        return {"entries": [_entry(e) for e in entries]}

    def dispute(self, clear: Mapping[str, str]) -> dict[str, Any]:
        """Open a dispute on every live entry on the subject's identifiers."""
        entries = self.node.registry.dispute(clear)
        self.node.dirty.add("blacklist")
        return {"entries": [_entry(e) for e in entries]}

    def review(self, entry_id: str, uphold: bool) -> dict[str, Any]:
        """The source's decision on an open dispute."""
        entry = self.node.registry.review(entry_id, uphold)
        self.node.dirty.add("blacklist")
        return {"entry": _entry(entry)}

    def applications(self, applicants: Sequence[Mapping[str, str]]) -> dict[str, Any]:
        """Remember recent applicants (for the others' multi-lending counts)."""
        tokens = [t for a in applicants for t in self.node.registry.hasher.tokens(a).values()]
        n = self.node.store.record_applications(tokens, self.node.clock.now())
        self.node.dirty.add("applicants")
        return {"recorded": n}

    def publish(self) -> dict[str, Any]:
        """Re-key and publish both sets now."""
        self.node.registry.purge()
        out = {}
        for kind in ("blacklist", "applicants"):
            pub = self.node.publisher.publish(kind)
            self.node.dirty.discard(kind)
            out[kind] = {"version": pub.version, "entries": sum(pub.counts.values())}
        return out

    def audit(self) -> dict[str, Any]:
        """The audit log (verified hash chain)."""
        return {
            "records": [
                {
                    "at": r.at.isoformat(),
                    "member": r.member,
                    "action": r.action,
                    "list": r.list_name,
                    "batch_size": r.batch_size,
                    "version": r.version,
                    "status": r.status,
                    "detail": r.detail,
                }
                for r in self.node.store.audit_log()
            ]
        }

    def summary_json(self) -> bytes:
        """Version, time and size of each published set (for reciprocity checks)."""
        out: dict[str, Any] = {"member": self.node.member}
        for kind in ("blacklist", "applicants"):
            try:
                pub = self.node.holder.current(kind)
            except NotFound:
                continue
            out[kind] = {
                "version": pub.version,
                "created_at_unix": pub.created_at.timestamp(),
                "entries": sum(pub.counts.values()),
            }
        return json.dumps(out).encode()

    def setup_meta_json(self, kind: str) -> bytes:
        """The current publication's metadata (version, batch limit, per-category counts)."""
        pub = self.node.holder.current(kind)
        meta = {
            "version": pub.version,
            "valid_until": pub.valid_until.isoformat(),
            "max_batch": min(pub.max_batch, self.node.holder.limits.max_batch),
            "counts": dict(pub.counts),
        }
        return json.dumps(meta).encode()

    def setup_blob(self, kind: str, version: int, name: str) -> bytes:
        """One serialised setup message of the current publication."""
        pub = self.node.holder.current(kind)
        if pub.version != version:
            raise NotFound(f"publication {version} was superseded by {pub.version}")
        if name not in pub.setups:
            raise InvalidInput(f"no set {name!r} in publication {version}")
        return pub.setups[name]
