"""The composition root: build every part of a Riskline process from :class:`Settings`.

``api/``, ``cli.py`` and ``stream/`` call :func:`build_runtime`; nothing else wires
implementations together.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib.util
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import func, select

from riskline.cases import CaseFollower, CasePolicy, CaseService, RingLookup
from riskline.cases import tables as case_tables
from riskline.cases.merchants import MerchantDesk, SqlMerchantBook
from riskline.clock import Clock, SystemClock
from riskline.config import DEV_PII_SECRET, ConsortiumSettings, Settings
from riskline.consortium import ConsortiumHasher, MemberClient, Screener, load_peers
from riskline.consortium.screening import ConsortiumFeatures, SignalBook
from riskline.credit import BandTable, BureauScore, ScoreProvider
from riskline.decisioning import Engine, FeatureSource, GraphSource, ModelSignals, Policy
from riskline.errors import Conflict, InvalidConfig
from riskline.events import Event, PiiHasher
from riskline.features.entity_risk_online import EntityRiskFeatures
from riskline.identity import (
    ChallengeFollower,
    DeviceRegistry,
    EngineRelease,
    FaceResult,
    FaceVerifier,
    SqlChallengeStore,
    SqlDeviceStore,
    SqlFaceStore,
    StepUp,
)
from riskline.notices import AppealBook, Appeals, NoticeFollower, NoticeService
from riskline.rules import EXAMPLE_RULESET
from riskline.service import Ingestor
from riskline.state.wiring import SharedSources, shared_sources_for
from riskline.storage import KeyStore, SqlListStore, SqlStore, connect, tables, upgrade
from riskline.storage.drafts import DraftStore, PublishedRules, Version, check_document
from riskline.storage.labels import SqlLabelFeed

if TYPE_CHECKING:
    from riskline.stream.outbox import Outbox

__all__ = [
    "Runtime",
    "Screening",
    "build_runtime",
    "build_screening",
    "build_stepup",
    "default_features",
    "load_models",
    "load_scorer",
]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Runtime:
    """Everything a process needs, built once."""

    settings: Settings
    db: SqlEngine
    store: SqlStore
    keys: KeyStore
    engine: Engine
    ingestor: Ingestor
    hasher: PiiHasher
    lists: SqlListStore
    cases: CaseService
    notices: NoticeService
    followers: tuple[CaseFollower, NoticeFollower]
    """Projections run by the writer after each commit (cases first: notices read case events)."""
    shared: SharedSources | None = None
    """What lives in Redis (``RISKLINE_*_STORE=redis``); None for the in-process default."""
    stepup: StepUp | None = None
    """Step-up verification (challenges, devices, faces, releases) for ``/v1/stepup``."""
    consortium: SignalBook = field(default_factory=SignalBook)
    """Consortium screening results (``consortium.*`` features), fed by ``/v1/consortium``."""
    screening: Screening | None = None
    """The peers to screen applicants against; None when no consortium is configured."""
    resumable: Any = None
    """The feature source that snapshots at close (``RISKLINE_FEATURE_SNAPSHOT``), if any."""
    entity_risk: EntityRiskFeatures | None = None
    """Delayed-label entity risk (``risk.*``); ``sync()`` it on the writer after storing labels."""
    drafts: DraftStore | None = None
    """Rule-set and policy versions (console authoring); published ones are in force."""
    merchants: MerchantDesk | None = None
    """Merchant restrictions (settlement holds, acceptance caps): list, release, confirm."""

    def close(self) -> None:
        """Stop the writer, snapshot feature state (when configured), release connections."""
        self.ingestor.close()
        if self.screening is not None:
            self.screening.close()
        if self.resumable is not None and not self.engine.needs_rebuild:
            self.resumable.snapshot()  # all events seen are committed: a ledger prefix
        self.db.dispose()
        if self.shared is not None:
            self.shared.close()


@dataclass(frozen=True, slots=True)
class Screening:
    """Applicant screening against the consortium: the peers and the consortium-wide hasher."""

    screener: Screener
    hasher: ConsortiumHasher
    clients: tuple[MemberClient, ...] = ()

    def close(self) -> None:
        """Close the peer connections."""
        for client in self.clients:
            client.close()


def build_screening(settings: ConsortiumSettings) -> Screening | None:
    """Clients of every peer in the peers file; None without a consortium key and peers file."""
    if not settings.key.get_secret_value() or settings.peers_file is None:
        return None
    clients = tuple(
        MemberClient(settings.member_id, p.member, p.url, p.secret)
        for p in load_peers(settings.peers_file).values()
    )
    return Screening(Screener(list(clients)), ConsortiumHasher(settings.consortium_key()), clients)


def build_stepup(runtime: Runtime) -> StepUp:
    """Step-up verification on the runtime's database, writer and clock (the dlib face
    matcher when the ``face`` extra is installed, loaded on first use)."""
    challenges = SqlChallengeStore(runtime.db)
    devices = SqlDeviceStore(runtime.db)
    clock = runtime.engine.clock
    return StepUp(
        challenges=challenges,
        follower=ChallengeFollower(challenges),
        devices=DeviceRegistry(devices),
        device_store=devices,
        faces=SqlFaceStore(runtime.db),
        verifier=_LazyFaceMatcher() if _face_extra() else None,
        release=EngineRelease(runtime.ingestor, runtime.store, challenges, clock),
        clock=clock,
        key=runtime.settings.pii_key,
    )


class _LazyFaceMatcher:
    """The dlib face matcher, built on first use (loading its models takes seconds)."""

    model = "dlib_resnet_v1"

    def __init__(self) -> None:
        self._matcher: FaceVerifier | None = None

    def _get(self) -> FaceVerifier:
        if self._matcher is None:
            from riskline.identity.face_dlib import DlibFaceMatcher

            self._matcher = DlibFaceMatcher()
        return self._matcher

    def embed(self, image: bytes) -> NDArray[np.float32]:
        return self._get().embed(image)

    def verify(self, reference: NDArray[np.float32], probe: bytes) -> FaceResult:
        return self._get().verify(reference, probe)


def _face_extra() -> bool:
    """Whether the ``face`` extra is installed (without importing dlib)."""
    return all(importlib.util.find_spec(m) is not None for m in _FACE_MODULES)


_FACE_MODULES = ("dlib", "face_recognition_models", "PIL")


class _OnlineAdapter:
    """Adapts the feature engine to the engine's :class:`FeatureSource` port."""

    def __init__(self, factory: Any) -> None:
        self._factory = factory
        self._online = factory()

    def process(self, event: Event) -> Mapping[str, float]:
        return self._online.process(event)  # type: ignore[no-any-return]

    def schema(self) -> Mapping[str, str]:
        return {k: str(v) for k, v in self._online.catalog.schema().items()}

    def reset(self) -> None:
        self._online = self._factory()


class _GraphAdapter:
    """Adapts the link graph to the engine's :class:`GraphSource` port (reset = a new graph).

    Every ``maintain_every`` events it drops expired links and re-runs risk propagation;
    counting events (not wall time) keeps a replay of the ledger identical to the live run.
    """

    def __init__(self, maintain_every: int = 20_000, search_budget: int = 500) -> None:
        from riskline.graph import GraphConfig, GraphRisk

        self._config = GraphConfig(search_budget=search_budget)
        self._factory = GraphRisk
        self.risk = GraphRisk(self._config)
        self.maintain_every = maintain_every
        self._seen = 0

    def observe(self, event: Event) -> None:
        self.risk.observe(event)
        self._seen += 1
        if self._seen % self.maintain_every == 0:
            self.risk.expire(event.occurred_at.timestamp())
            self.risk.refresh()

    def features_for(self, event: Event) -> Mapping[str, float]:
        return self.risk.features_for(event)

    def schema(self) -> Mapping[str, str]:
        return self.risk.schema()

    def flag(self, kind: str, key: str, reason: str) -> None:
        self.risk.flag(kind, key, reason)

    def enterprises_linked_to(self, person_id: str) -> Sequence[Any]:
        return self.risk.enterprises_linked_to(person_id)

    def controllers_of(self, enterprise_id: str) -> Sequence[Any]:
        return self.risk.controllers_of(enterprise_id)

    def rings_for(self, kind: str, key: str) -> Sequence[Any]:
        """Rings the entity belongs to in the current graph (groups review cases by ring)."""
        return self.risk.rings_for(kind, key)

    def reset(self) -> None:
        self.risk = self._factory(self._config)
        self._seen = 0


def default_features(settings: Settings) -> FeatureSource:
    """The default feature catalog on the configured state store."""
    from riskline.features import MemoryStore, OnlineFeatures, ResumableFeatures, default_catalog

    if settings.feature_store != "memory":
        raise InvalidConfig(
            "RISKLINE_FEATURE_STORE=redis: shared features are built by build_runtime "
            "(riskline.state); stream workers keep their state in process (docs/operations.md)"
        )

    catalog = default_catalog()
    if settings.feature_snapshot is not None:
        return ResumableFeatures(catalog, settings.feature_snapshot, settings.allowed_lateness)
    return _OnlineAdapter(
        lambda: OnlineFeatures(catalog, MemoryStore(), lateness=settings.allowed_lateness)
    )


def load_models(settings: Settings) -> ModelSignals:
    """The active fraud and anomaly models (and a fraud challenger) from the registry, if any."""
    from riskline.scoring import ModelNotFound, ModelRegistry

    if not settings.model_dir.is_dir():
        return ModelSignals()
    registry = ModelRegistry(settings.model_dir)
    loaded: dict[str, Any] = {}
    versions: dict[str, str] = {}
    for role in ("fraud", "anomaly"):
        try:
            name, version = registry.serving(role)
        except ModelNotFound:
            continue
        loaded[f"{role}:active"] = registry.load(name, version)[0]
        versions[f"model.{role}"] = _served(role, name, version)
        other = registry.challenger(name) if role == "fraud" else None
        if other is not None and other != version:
            loaded["fraud:challenger"] = registry.load(name, other)[0]
            versions["model.fraud.challenger"] = _served(role, name, other)
    with contextlib.suppress(ModelNotFound):
        versions["model.scorecard"] = _served("scorecard", *registry.serving("scorecard"))
    anomaly = loaded.get("anomaly:active")
    if anomaly is not None and getattr(anomaly, "forest_", None) is not None:
        from riskline.scoring.fast_iforest import FastForest

        anomaly = FastForest(anomaly.forest_, anomaly.features_)
    return ModelSignals(
        fraud=loaded.get("fraud:active"),
        challenger=loaded.get("fraud:challenger"),
        anomaly=anomaly,
        versions=versions,
    )


def _served(role: str, name: str, version: str) -> str:
    """A served model's version as decisions record it (``fraud-history:v2`` when bound to a
    role under another name)."""
    return version if name == role else f"{name}:{version}"


class _ScorecardScore:
    """The registry's active scorecard as the engine's credit score (points from features)."""

    def __init__(self, card: Any, version: str) -> None:
        self.card = card
        self.version = version

    def score(self, owner_id: str, features: Mapping[str, float]) -> float:
        row = {name: features.get(name) for name in self.card.features}
        return float(self.card.score([row])[0])


def load_scorer(settings: Settings) -> ScoreProvider:
    """The active scorecard from the registry, or the documented bureau points model."""
    from riskline.scoring import ModelNotFound, ModelRegistry

    if not settings.model_dir.is_dir():
        return BureauScore()
    registry = ModelRegistry(settings.model_dir)
    try:
        name, version = registry.serving("scorecard")
    except ModelNotFound:
        return BureauScore()
    card, _ = registry.load(name, version)
    return _ScorecardScore(card, _served("scorecard", name, version))


def _replay(engine: Engine, resumable: Any) -> None:
    """Replay the ledger into feature and graph state; features resume from their snapshot.

    A snapshot that does not match the ledger (another ledger, a shorter one) is discarded and
    the ledger replayed again from empty state.
    """
    try:
        engine.rebuild()
        if resumable is not None:
            resumable.check_resumed()
    except Conflict as err:
        if resumable is None:
            raise
        log.warning("feature snapshot not used (%s): replaying the whole ledger", err)
        resumable.discard_snapshot()
        engine.rebuild()


@functools.cache
def _warn_dev_secret() -> None:
    """The development-secret warning, logged once per process however many runtimes start."""
    log.warning("RISKLINE_PII_SECRET is not set: using the development secret")


def build_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    features: FeatureSource | None = None,
    migrate: bool = True,
    replay: bool = True,
    models: ModelSignals | None = None,
    graph: GraphSource | None = None,
    analyst_rules: bool = True,
    scorer: ScoreProvider | None = None,
    projections: bool = True,
    pii_warning: bool = True,
) -> Runtime:
    """Connect, migrate, load policy, replay the ledger into feature state, start the writer.

    ``pii_warning``: warn (once per process) when identifiers would be hashed with the
    development secret; commands whose database is thrown away pass False.
    """
    if pii_warning and settings.pii_secret.get_secret_value() == DEV_PII_SECRET:
        _warn_dev_secret()
    shared = shared_sources_for(settings)  # None unless a store is redis; Unavailable if down
    if features is None and shared is not None and shared.features is not None:
        features = shared.features
    if graph is None and shared is not None and shared.graph is not None:
        graph = shared.graph
    features = features or default_features(settings)  # config errors before touching the db
    resumable = features if hasattr(features, "check_resumed") else None
    consortium = SignalBook()
    features = ConsortiumFeatures(features, consortium)
    db = connect(settings.database_url)
    if migrate:
        upgrade(db)
    risk = EntityRiskFeatures(features, SqlLabelFeed(db), delay_days=settings.label_delay_days)
    features = risk
    from riskline.stream.outbox import Outbox  # the stream package imports this module

    clock = clock or SystemClock()
    outbox = Outbox(db, clock, stream_topics=frozenset())  # webhooks; stream workers add theirs
    store = SqlStore(db, outbox=outbox.record_in)
    lists = (shared.lists(db) if shared is not None else None) or SqlListStore(db)
    policy = Policy.from_file(settings.policy_path) if settings.policy_path else Policy.default()
    merchant_book = SqlMerchantBook(db, clock)
    engine = Engine(
        store=store,
        features=features,
        policy=policy,
        bands=BandTable.from_file(settings.bands_path)
        if settings.bands_path
        else BandTable.default(),
        scorer=load_scorer(settings) if scorer is None else scorer,
        clock=clock,
        models=load_models(settings) if models is None else models,
        graph=_GraphAdapter() if graph is None else graph,
        rules=(settings.rules_path or EXAMPLE_RULESET) if analyst_rules else None,
        lists=lists,
        max_future_skew=settings.max_future_skew,
        merchants=merchant_book,
    )
    drafts = _published(engine, db, policy) if analyst_rules and migrate else None
    if replay:
        if shared is None:
            _replay(engine, resumable)
        else:  # shared state survives restarts: join it (or rebuild it once), never replay into it
            shared.attach(engine)
        gc.freeze()  # long-lived state replayed from the ledger: keep it out of full collections
    # The engine allocates many small long-lived objects (feature state, graph links); a larger
    # young generation cut full-pipeline CPU by ~7 % and the worst pause from 185 ms to 33 ms.
    gc.set_threshold(50_000, 50, 100)
    hasher = PiiHasher(settings.pii_key)
    ingestor = Ingestor(engine)
    cases, notices, followers = _cases_and_notices(
        db, store, lists, engine, ingestor, projections, outbox, settings
    )
    runtime = Runtime(
        settings,
        db,
        store,
        KeyStore(db),
        engine,
        ingestor,
        hasher,
        lists,
        cases,
        notices,
        followers,
        shared=shared,
        consortium=consortium,
        screening=build_screening(settings.consortium),
        resumable=resumable,
        entity_risk=risk,
        merchants=MerchantDesk(merchant_book, writer=ingestor, appeals=AppealBook()),
    )
    runtime.stepup = build_stepup(runtime)
    runtime.drafts = drafts
    return runtime


def _published(engine: Engine, db: SqlEngine, configured: Policy) -> DraftStore:
    """Serve published rule-set and policy versions (console authoring) when there are any,
    the configured files otherwise; a publish or rollback takes effect on the next event."""
    drafts = DraftStore(db, check_document(engine.schema))
    assert engine.rules is not None  # built with analyst rules

    def policy(version: Version | None) -> None:
        engine.use(policy=Policy.from_text(version.text) if version else configured)

    source = PublishedRules(drafts, engine.rules, engine.schema, on_policy=policy)
    engine.use(rules=source)
    drafts.on_publish.append(source.refresh)  # this process: from the very next event
    source.maybe_reload()
    return drafts


_HIGH_MARKS = select(
    select(func.max(tables.events.c.seq)).scalar_subquery(),
    select(func.max(tables.line_history.c.id)).scalar_subquery(),
    select(func.max(case_tables.case_events.c.id)).scalar_subquery(),
)
"""The newest position of every source the projections follow."""


def _cases_and_notices(
    db: SqlEngine,
    store: SqlStore,
    lists: SqlListStore,
    engine: Engine,
    ingestor: Ingestor,
    projections: bool,
    outbox: Outbox,
    settings: Settings,
) -> tuple[CaseService, NoticeService, tuple[CaseFollower, NoticeFollower]]:
    """Review cases and user notices, projected by the writer after every commit (unless
    ``projections`` is false: then ``riskline cases project`` or the followers bring them up)."""
    policy = CasePolicy.default()
    rings = engine.graph if isinstance(engine.graph, RingLookup) else None
    case_follower = CaseFollower(db, policy, engine.clock, rings=rings, emit=outbox.emit)
    notice_follower = NoticeFollower(db, engine.clock)
    cases = CaseService(
        db,
        store,
        lists,
        engine.clock,
        policy,
        writer=ingestor,
        graph=engine.graph,
        appeals=AppealBook(),
        rings=rings,
        attachments_dir=settings.attachments_dir,
        attachment_max_bytes=settings.attachment_max_bytes,
    )
    appeals = Appeals(db, engine.clock, policy, writer=ingestor, emit=outbox.emit)
    followers = (case_follower, notice_follower)

    seen: list[tuple[Any, ...]] = []

    def project() -> int:
        """Cases then notices, one transaction per step (one commit, not one per follower);
        skipped when no ledger, line-history or case-event row arrived since the last pass."""
        with db.connect() as conn:
            marks = tuple(conn.execute(_HIGH_MARKS).one())
        if seen and seen[0] == marks:
            return 0
        total = 0
        while True:
            with db.begin() as conn:
                steps = [f.step(conn) for f in followers]
            total += sum(n for n, _ in steps)
            if not any(more for _, more in steps):
                break
        if total:  # new cases: the analysts on shift take them (cases.assign)
            cases.assigner.assign_open()
        with db.connect() as conn:  # the pass itself may have added case events
            seen[:] = [tuple(conn.execute(_HIGH_MARKS).one())]
        return total

    if projections:
        ingestor.call(project).result()  # catch up before serving
        ingestor.after_commit.append(project)
    return cases, NoticeService(db, appeals), followers
