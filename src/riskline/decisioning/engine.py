"""The decision engine: event -> features -> scores -> policy -> line actions -> Decision.

``Engine.process_batch`` is the unit of work: it checks idempotency for the whole
batch first (a conflicting replay changes nothing), decides every new event in
order, and hands one :class:`~riskline.decisioning.ports.Batch` to the store,
which commits it atomically. Deterministic given its inputs: the clock, stores,
feature source, policy, band table and scorer are all injected.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType

from riskline.clock import Clock
from riskline.credit import BandTable, CreditLine, LineStatus, ScoreProvider
from riskline.decisioning.analyst_rules import RULES_SCHEMA, RuleSource, RulesVerdict, apply_rules
from riskline.decisioning.contagion import spread, spread_up
from riskline.decisioning.context import (
    CONTEXT_SCHEMA,
    ID_SCHEMA,
    event_features,
    event_ids,
    product_of,
)
from riskline.decisioning.effects import (
    LineBook,
    apply_specs,
    credit_effects,
    credit_gate,
    expire_freezes,
)
from riskline.decisioning.merchant_actions import (
    MemoryMerchantBook,
    MerchantBook,
    MerchantRestriction,
    MerchantState,
    merchant_of,
    requested,
    verdict_for,
)
from riskline.decisioning.models import MODEL_SCHEMA, ModelSignals
from riskline.decisioning.policy import ActionSpec, Policy
from riskline.decisioning.ports import Batch, EngineStore, FeatureSource, GraphSource, LedgerEntry
from riskline.decisioning.replay import FlagRecord, froze, protects_only, read_flags
from riskline.decisioning.types import (
    STEP_UP_CODE,
    Action,
    Decision,
    Outcome,
    Reason,
    decision_id_for,
)
from riskline.errors import (
    IdempotencyConflict,
    InvalidConfig,
    InvalidEvent,
    InvalidPolicy,
    Unavailable,
)
from riskline.events import types as t
from riskline.events.codec import ledger_form
from riskline.rules import EmptyLists, ListLookup, RuleSetHolder

__all__ = ["STEP_UP_CODE", "BatchResult", "Engine"]

log = logging.getLogger(__name__)

STEP_UP_TEXT = "You confirmed your identity, so the request you made went ahead."
_PASSED = frozenset({Outcome.CHALLENGE})
"""What a passed step-up challenge satisfies when its held event is re-submitted."""


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Decisions in input order; ``replayed[i]`` is true when event i was already known."""

    decisions: tuple[Decision, ...]
    replayed: tuple[bool, ...]


def signal_schema(features: Mapping[str, str], graph: Mapping[str, str]) -> dict[str, str]:
    """Every name a rule or policy check may read, with its type: the feature catalog, the
    graph signals, and what the engine itself adds (context, model scores, rules score, ids)."""
    return {**features, **graph, **CONTEXT_SCHEMA, **MODEL_SCHEMA, **RULES_SCHEMA, **ID_SCHEMA}


def _asks_again(
    gate: Reason,
    outcome: Outcome,
    line: CreditLine | None,
    specs: Sequence[tuple[ActionSpec, str]],
    event: t.Event,
) -> bool:
    """Whether credit asked for on a line held by an earlier step-up is challenged again
    rather than declined.

    A customer who has not yet answered a challenge and tries again is asked again; passing
    releases the hold (``identity.release``). That holds only while the line's freeze is no
    longer than the hold this challenge puts on it, so that lifting this challenge's hold
    lifts nothing else: a line frozen for longer (a fraud finding) is declined as before.
    """
    if outcome is not Outcome.CHALLENGE or gate.code != "LINE_NOT_USABLE" or line is None:
        return False
    if line.status is not LineStatus.FROZEN or line.frozen_until is None:
        return False
    if line.previous_limit is not None:
        return False
    hold = [
        spec.days or 30
        for spec, _ in specs
        if spec.kind == "freeze" and spec.product == line.product
    ]
    return bool(hold) and line.frozen_until <= event.occurred_at + timedelta(days=max(hold))


def owner_of(event: t.Event) -> str | None:
    """Whose credit lines an event concerns."""
    owner = getattr(event, "account_id", None) or getattr(event, "enterprise_id", None)
    return owner if isinstance(owner, str) else None


def _check_model_features(models: ModelSignals, schema: Mapping[str, str]) -> None:
    """Refuse a model that reads features the engine does not serve (it would score them as
    missing on every event, silently)."""
    for role, model in (
        ("fraud", models.fraud),
        ("fraud.challenger", models.challenger),
        ("anomaly", models.anomaly),
    ):
        missing = sorted(set(getattr(model, "features_", ())) - set(schema))
        if missing:
            version = models.versions.get(f"model.{role}", "?")
            shown = ", ".join(missing[:20]) + (
                f" (and {len(missing) - 20} more)" * (len(missing) > 20)
            )
            raise InvalidConfig(
                f"the {role} model ({version}) reads {len(missing)} feature(s) the engine does "
                f"not serve: {shown}; retrain it on the engine's features (riskline train fraud "
                "without those columns) or activate another version"
            )


class Engine:
    """Decides events; one writer per store."""

    def __init__(
        self,
        *,
        store: EngineStore,
        features: FeatureSource,
        policy: Policy,
        bands: BandTable,
        scorer: ScoreProvider,
        clock: Clock,
        models: ModelSignals | None = None,
        graph: GraphSource | None = None,
        rules: Path | RuleSource | None = None,
        lists: ListLookup | None = None,
        texts: Mapping[str, str] | None = None,
        max_future_skew: timedelta = timedelta(minutes=5),
        merchants: MerchantBook | None = None,
    ) -> None:
        self.store = store
        self.merchants: MerchantBook = merchants or MemoryMerchantBook()
        """Holds and caps on merchants (asked for by the policy, released by analysts)."""
        self._imposed: list[MerchantRestriction] = []
        self.features = features
        self.models = models or ModelSignals()
        self.graph = graph
        self.bands = bands
        self.scorer = scorer
        self.clock = clock
        self.max_future_skew = max_future_skew
        self.needs_rebuild = False
        self._flags = FlagRecord()
        self.person_of: dict[str, str] = {}
        self.accounts_of: dict[str, list[str]] = {}
        graph_schema = graph.schema() if graph is not None else {}
        self.schema = signal_schema(features.schema(), graph_schema)
        self.rules = RuleSetHolder(rules, self.schema) if isinstance(rules, Path) else rules
        self.lists: ListLookup = lists or EmptyLists()
        self.texts = dict(texts or {})
        unknown = sorted(set(policy.features) - set(self.schema))
        if unknown:
            raise InvalidPolicy(
                f"policy {policy.version} reads unknown features: {', '.join(unknown)}"
            )
        self.policy = policy.bind(self.schema)
        _check_model_features(self.models, self.schema)
        self._reads_ids = self.rules is not None or any(
            f in ID_SCHEMA for f in self.policy.features
        )
        self._versions = {"policy": policy.version, "bands": bands.version, **self.models.versions}
        self._fixed_versions = MappingProxyType(self._versions)

    @property
    def versions(self) -> Mapping[str, str]:
        """Versions of the policy, band table, models and rule set in use now."""
        if self.rules is None:
            return self._fixed_versions
        return MappingProxyType({**self._versions, "rules": self.rules.current.version})

    def passive_codes(self) -> frozenset[str]:
        """Reason codes that never change an outcome by themselves: those of policy checks
        that approve (a merchant's settlement held while the buyer's payment goes through)
        and of score-only rules, unless a check or rule that does change the outcome gives
        the same code. On a decline they say nothing about why the customer was declined."""
        checks = self.policy.checks
        passive = {c.spec.reason.code for c in checks if c.spec.outcome is Outcome.APPROVE}
        active = {c.spec.reason.code for c in checks if c.spec.outcome is not Outcome.APPROVE}
        if self.rules is not None:
            for rule in self.rules.current.rules:
                (active if rule.outcome else passive).add(rule.reason_code)
        return frozenset(passive - active)

    def use(self, *, rules: RuleSource | None = None, policy: Policy | None = None) -> None:
        """Decide the next events with ``rules`` and / or ``policy`` (a what-if's candidate
        from its period's start); ``InvalidPolicy`` when the policy reads unknown features."""
        if policy is not None:
            unknown = sorted(set(policy.features) - set(self.schema))
            if unknown:
                raise InvalidPolicy(
                    f"policy {policy.version} reads unknown features: {', '.join(unknown)}"
                )
            self.policy = policy.bind(self.schema)
            self._versions["policy"] = policy.version
        if rules is not None:
            self.rules = rules
            self._reads_ids = True

    def process(self, event: t.Event) -> Decision:
        """Decide one event (a batch of one)."""
        return self.process_batch([event]).decisions[0]

    def check(
        self, events: Sequence[t.Event]
    ) -> tuple[Mapping[str, str], Mapping[str, tuple[str, str]]]:
        """Reject the whole batch on a future timestamp or a conflicting replay.

        Returns the stored decision id of every event already in the ledger, and the
        canonical JSON and fingerprint of every event.
        """
        horizon = self.clock.now() + self.max_future_skew
        for e in events:
            if e.occurred_at > horizon:
                raise InvalidEvent(
                    f"{e.event_id}: occurred_at is in the future ({e.occurred_at.isoformat()})"
                )
        known = self.store.find_events([e.event_id for e in events])
        seen: dict[str, str] = {k: v.fingerprint for k, v in known.items()}
        encoded: dict[str, tuple[str, str]] = {}
        for e in events:
            payload, fp = ledger_form(e)
            if seen.setdefault(e.event_id, fp) != fp:
                raise IdempotencyConflict(
                    f"event {e.event_id} was already received with different content"
                )
            encoded[e.event_id] = (payload, fp)
        return {k: v.decision_id for k, v in known.items()}, encoded

    def process_batch(self, events: Sequence[t.Event]) -> BatchResult:
        """Decide every event, commit once, return decisions in order."""
        if self.needs_rebuild:
            raise Unavailable("engine state is being rebuilt after a failed commit; retry shortly")
        reload = getattr(self.rules, "maybe_reload", None)  # a file holder, published versions
        if reload is not None:
            reload()
        known, encoded = self.check(events)
        batch = Batch()
        owners = {o for e in events if (o := owner_of(e)) is not None}
        book = LineBook(batch, owners, self.store.lines_for)
        fresh: dict[str, Decision] = {}
        self._imposed = []
        for event in events:
            if event.event_id in known or event.event_id in fresh:
                continue
            fresh[event.event_id] = self._decide(event, book, encoded[event.event_id])
        self._commit(batch)
        if self._imposed:  # only once the decisions asking for them are stored
            self.merchants.impose(self._imposed)
        stored = self.store.get_decisions(
            [known[e.event_id] for e in events if e.event_id in known]
        )
        decisions = tuple(fresh.get(e.event_id) or stored[known[e.event_id]] for e in events)
        replayed = tuple(e.event_id in known for e in events)
        return BatchResult(decisions, replayed)

    def _commit(self, batch: Batch) -> None:
        try:
            self.store.commit(batch)
        except Exception as err:
            self.needs_rebuild = True
            raise Unavailable(f"could not store the batch, nothing was applied: {err}") from err

    def rebuild(self) -> int:
        """Reset feature and graph state and replay the ledger into it; returns events replayed.

        Graph flags set by decisions and analysts are set again where they were first set
        (``riskline.decisioning.replay``).
        """
        self.features.reset()
        if self.graph is not None:
            self.graph.reset()
        self.person_of.clear()
        self.accounts_of.clear()
        flags = self._read_flags()
        self._flag_all(flags.blocked.get(None, ()))
        count = 0
        for event in self.store.iter_events():
            self._observe(event)
            if event.event_id in flags.frozen:
                self._flag_frozen(flags.frozen[event.event_id])
            self._flag_all(flags.blocked.get(event.event_id, ()))
            count += 1
        self.needs_rebuild = False
        return count

    def _read_flags(self) -> FlagRecord:
        """The flags ``rebuild`` sets again: read from the store, or the last record read when
        the store cannot answer (a stream worker rebuilds from the stream alone while the
        database is away; flags set since come back at the next rebuild)."""
        if self.graph is None:
            return self._flags
        try:
            self._flags = read_flags(self.store, self.policy.contagion)
        except Unavailable as err:
            log.warning("graph flags set again from the last record read (%s)", err)
        return self._flags

    def _flag_all(self, flags: Iterable[tuple[str, str, str]]) -> None:
        for kind, key, reason in flags:
            assert self.graph is not None
            self.graph.flag(kind, key, reason)

    def observe(self, event: t.Event) -> None:
        """Update feature and graph state with an event without deciding it (replicas that
        follow another writer's stream, replays)."""
        self._observe(event)

    def _observe(self, event: t.Event) -> dict[str, float]:
        """Update feature and graph state with ``event``; its feature values.

        A released step-up event (``step_up`` set) re-submits a held one that was observed when
        it arrived: its features are read, nothing is counted or linked again.
        """
        values = dict(self.features.process(event))
        if self.graph is not None:
            self.graph.observe(event)  # a release links nothing (graph.extract)
            values.update(self.graph.features_for(event))
        if isinstance(event, t.AccountOpened):
            self.person_of[event.account_id] = event.person_id
            self.accounts_of.setdefault(event.person_id, []).append(event.account_id)
        return values

    def _decide(self, event: t.Event, book: LineBook, encoded: tuple[str, str]) -> Decision:
        started = time.perf_counter_ns()
        decision_id = decision_id_for(event.event_id)
        owner = owner_of(event)
        if owner:
            expire_freezes(book, owner, event.occurred_at)
        product = product_of(event)
        line = book.get(owner, product) if owner and product else None
        values = {**self._observe(event), **event_features(event, line)}
        score = self._credit_score(event, owner, values)
        model_scores = self.models.score(values, event.type)
        dsl = {**values, **model_scores, **(event_ids(event) if self._reads_ids else {})}
        verdict = self._rules(event, dsl)
        if verdict is not None:
            dsl["rules.score"] = verdict.score
        waived = _PASSED if event.step_up is not None else frozenset()
        result = self.policy.evaluate(event.type, dsl, self.lists, event.occurred_at, waived)
        reasons, outcome = list(result.reasons), result.outcome
        if verdict is not None and verdict.outcome in waived:
            verdict = None
        if verdict is not None:
            reasons.extend(verdict.reasons)
            outcome = Outcome.worst([outcome, verdict.outcome])
        if event.step_up is not None:
            reasons.append(Reason(STEP_UP_CODE, STEP_UP_TEXT, {"challenge": event.step_up}))
        if any("score.fraud" in c for c in result.read):
            reasons.extend(self.models.reasons(values))
        gate = credit_gate(event, line, product)
        if gate is not None:
            reasons.append(gate)
            if not _asks_again(gate, outcome, line, result.actions, event):
                outcome = Outcome.DECLINE
        actions = apply_specs(result.actions, owner, book, decision_id, event.occurred_at)
        outcome = self._merchant(event, result.actions, decision_id, reasons, actions, outcome)
        outcome = self._contagion(owner, actions, reasons, book, decision_id, event, outcome)
        actions += credit_effects(event, outcome, book, self.bands, score, owner)
        if verdict is not None:
            actions += [a for a in verdict.actions if a.kind not in {x.kind for x in actions}]
        decision = Decision(
            decision_id=decision_id,
            event_id=event.event_id,
            event_type=event.type,
            subject=owner or event.subject,
            outcome=outcome,
            reasons=tuple(reasons),
            actions=tuple(actions),
            scores=MappingProxyType(
                {**({"credit_score": score} if score is not None else {}), **model_scores}
            ),
            features=MappingProxyType(values),
            versions=self.versions,
            occurred_at=event.occurred_at,
            decided_at=self.clock.now(),
            latency_us=(time.perf_counter_ns() - started) // 1000,
            shadow=verdict.shadow if verdict is not None else (),
        )
        _record(book.batch, event, encoded, decision)
        return decision

    def _merchant(
        self,
        event: t.Event,
        specs: Sequence[tuple[ActionSpec, str]],
        decision_id: str,
        reasons: list[Reason],
        actions: list[Action],
        outcome: Outcome,
    ) -> Outcome:
        """Restrictions the policy asks for on the event's merchant (in force for the rest of
        the batch at once), and what those in force do to this event."""
        merchant = merchant_of(event)
        if merchant is None:
            return outcome
        at = event.occurred_at
        state = self.merchants.state(merchant, at)
        pending = tuple(r for r in self._imposed if r.merchant_id == merchant and r.in_force(at))
        if pending:
            state = MerchantState((*state.restrictions, *pending), state.released_until)
        new, asked = requested(specs, event, state, decision_id)
        self._imposed.extend(new)
        actions.extend(asked)
        verdict = verdict_for(event, state)
        reasons.extend(verdict.reasons)
        actions.extend(verdict.actions)
        return Outcome.worst([outcome, verdict.outcome])

    def _credit_score(
        self, event: t.Event, owner: str | None, values: Mapping[str, float]
    ) -> float | None:
        """The credit score, computed only where it sets a limit (new account, application)."""
        asks = isinstance(event, t.AccountOpened | t.LoanApplication | t.EnterpriseLoanApplication)
        return self.scorer.score(owner or event.subject, values) if asks else None

    def _rules(self, event: t.Event, values: Mapping[str, object]) -> RulesVerdict | None:
        if self.rules is None:
            return None
        application = isinstance(event, t.LoanApplication | t.EnterpriseLoanApplication)
        rules = self.rules.current
        return apply_rules(
            rules, values, self.lists, event.occurred_at, self.texts, application, event.type
        )

    def _contagion(
        self,
        owner: str | None,
        actions: list[Action],
        reasons: list[Reason],
        book: LineBook,
        decision_id: str,
        event: t.Event,
        outcome: Outcome,
    ) -> Outcome:
        """Spread a freeze both ways: a person's to the enterprises they control, an
        enterprise's to the accounts of its controllers (policy-defined). A challenge's
        protective freeze neither spreads nor flags the owner in the graph."""
        spec = self.policy.contagion
        if spec is None or self.graph is None or owner is None or not froze(actions, owner):
            return outcome
        if outcome is Outcome.CHALLENGE:  # a hold pending step-up: nothing confirmed to spread
            return outcome
        if protects_only([r.code for r in reasons], spec):  # a victim's line held, not a suspect's
            return outcome
        at = event.occurred_at
        person = self._flag_frozen(owner)
        if person is not None:
            more_reasons, more_actions = spread(person, self.graph, spec, book, decision_id, at)
        else:
            more_reasons, more_actions = spread_up(
                owner, self.graph, spec, self.accounts_of, book, decision_id, at
            )
        reasons.extend(more_reasons)
        actions.extend(more_actions)
        return Outcome.worst([outcome, spec.outcome]) if more_reasons else outcome

    def _flag_frozen(self, owner: str) -> str | None:
        """Flag the owner of a frozen line in the graph: its person (returned), or the
        enterprise itself."""
        assert self.graph is not None
        person = self.person_of.get(owner)
        if person is not None:
            self.graph.flag("person", person, "line_frozen")
        else:
            self.graph.flag("enterprise", owner, "line_frozen")
        return person


def _record(batch: Batch, event: t.Event, encoded: tuple[str, str], decision: Decision) -> None:
    batch.events.append(LedgerEntry(event, encoded[0], encoded[1], decision.decision_id))
    batch.decisions.append(decision)
    if isinstance(event, t.AccountOpened):
        batch.accounts.append((event.account_id, event.person_id, event.occurred_at.isoformat()))
