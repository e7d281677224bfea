"""A member node assembled from settings: store, registry, publisher, holder, peers.

Settings are the consortium section of :mod:`riskline.config` (``ConsortiumSettings``,
``RISKLINE_CONSORTIUM_*`` variables); the peers file (YAML or JSON) lists the
other members, their node URLs and the secret shared with each::

    bank-b: {url: "https://consortium.bank-b.example", secret: "…32+ random characters…"}
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from riskline.clock import Clock, SystemClock
from riskline.config import ConsortiumSettings
from riskline.consortium.auth import Verifier
from riskline.consortium.client import MemberClient
from riskline.consortium.holder import Holder, PublishConfig, Publisher
from riskline.consortium.identifiers import ConsortiumHasher
from riskline.consortium.limits import Limits
from riskline.consortium.migrate import upgrade
from riskline.consortium.registry import Registry
from riskline.consortium.store import NodeStore
from riskline.errors import InvalidConfig, RisklineError
from riskline.storage import connect

__all__ = ["Node", "Peer", "PeerContributions", "build_node", "load_peers"]


@dataclass(frozen=True, slots=True)
class Peer:
    """Another member: its id, node URL and the secret shared with it."""

    member: str
    url: str
    secret: bytes


def load_peers(path: Path | None) -> dict[str, Peer]:
    """Peers from a YAML/JSON file (empty when no file is configured)."""
    if path is None:
        return {}
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as err:
        raise InvalidConfig(f"cannot read the peers file {path}: {err}") from None
    peers = {}
    for member, spec in raw.items():
        secret = str((spec or {}).get("secret", ""))
        if len(secret) < 16 or not (spec or {}).get("url"):
            raise InvalidConfig(f"peer {member!r}: needs a url and a secret of 16+ characters")
        peers[str(member)] = Peer(str(member), str(spec["url"]), secret.encode())
    return peers


class PeerContributions:
    """Reciprocity from the peers' own signed summaries, cached for ``ttl`` seconds."""

    def __init__(self, clients: Mapping[str, MemberClient], ttl: float, max_age: timedelta):
        self.clients = dict(clients)
        self.ttl = ttl
        self.max_age = max_age
        self._cache: dict[str, tuple[float, Mapping[str, Any]]] = {}
        self._lock = threading.Lock()

    def contributed(self, member: str, kind: str) -> int:
        """Entries ``member`` publishes now (0 when unreachable or its set is stale)."""
        client = self.clients.get(member)
        if client is None:
            return 0
        with self._lock:
            at, summary = self._cache.get(member, (0.0, {}))
            if time.monotonic() - at > self.ttl or not summary:
                try:
                    summary = client.summary()
                except RisklineError:
                    summary = {}
                self._cache[member] = (time.monotonic(), summary)
        info = summary.get(kind) or {}
        age = time.time() - float(info.get("created_at_unix", 0))
        return int(info.get("entries", 0)) if age <= self.max_age.total_seconds() else 0


@dataclass(slots=True)
class Node:
    """Everything one member node runs."""

    member: str
    store: NodeStore
    registry: Registry
    publisher: Publisher
    holder: Holder
    verifier: Verifier
    clients: dict[str, MemberClient]
    operator_token: str
    clock: Clock
    republish_seconds: float = 60.0
    max_body_bytes: int = 1 << 20
    """Largest signed request body read (a full query batch fits; more is refused with 413)."""
    dirty: set[str] = field(default_factory=set)

    def close(self) -> None:
        """Close the peer connections and the database pool."""
        for client in self.clients.values():
            client.close()
        self.store.engine.dispose()

    def maintain(self) -> list[str]:
        """Purge, then re-publish each set that changed or whose publication ran out."""
        self.registry.purge()
        done = []
        for kind in ("blacklist", "applicants"):
            version = self.store.latest_version(kind)
            lead = self.publisher.config.lead
            stale = (
                version is None or self.clock.now() >= self.holder.current(kind).valid_until - lead
            )
            if stale or kind in self.dirty:
                self.dirty.discard(kind)
                self.publisher.publish(kind)
                done.append(kind)
        return done


def build_node(settings: ConsortiumSettings, *, clock: Clock | None = None) -> Node:
    """Connect, migrate the node's schema, load peers; nothing is published yet."""
    clock = clock or SystemClock()
    db = connect(settings.database_url)
    upgrade(db)
    store = NodeStore(db)
    peers = load_peers(settings.peers_file)
    clients = {
        p.member: MemberClient(settings.member_id, p.member, p.url, p.secret)
        for p in peers.values()
    }
    limits = Limits(
        settings.max_batch, settings.requests_per_minute, settings.burst, settings.items_per_day
    )
    publish = PublishConfig(
        max_batch=settings.max_batch,
        fpr=settings.fpr,
        ds=settings.structure,
        window=timedelta(days=settings.applicant_window_days),
        lead=timedelta(seconds=settings.publish_lead_seconds),
    )
    need = settings.min_contribution
    holder = Holder(
        store,
        clock,
        limits,
        PeerContributions(clients, settings.contribution_cache_seconds, timedelta(days=7)),
        {"blacklist": need, "applicants": need},
    )
    hasher = ConsortiumHasher(settings.consortium_key())
    registry = Registry(
        store, hasher, settings.member_id, clock, timedelta(days=settings.entry_ttl_days)
    )
    return Node(
        member=settings.member_id,
        store=store,
        registry=registry,
        publisher=Publisher(store, clock, publish),
        holder=holder,
        verifier=Verifier(settings.member_id, {p.member: p.secret for p in peers.values()}),
        clients=clients,
        operator_token=settings.operator_token.get_secret_value(),
        clock=clock,
        republish_seconds=settings.republish_seconds,
        max_body_bytes=_query_body_bytes(settings.max_batch),
    )


def _query_body_bytes(max_batch: int) -> int:
    """Room for a blinded query of ``max_batch`` items (a point is 33 bytes, framed) and more.

    >>> _query_body_bytes(10_000)
    1048576
    """
    return max(1 << 20, 64 * max_batch + 4096)
