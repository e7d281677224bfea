"""Backtest a candidate rule set on labelled history before it goes live.

Rules are evaluated over the whole frame as polars expressions where they can be (see
:mod:`riskline.rules.vectorise`) and row by row through the compiled closures otherwise
(``in_list``), with ``now`` taken from ``time_col`` per row or fixed at ``now``.

>>> import polars as pl
>>> from riskline.rules import load_ruleset_text
>>> rs = load_ruleset_text('''
... version: "2"
... rules:
...   - {id: big, when: p.amount > 100, outcome: review, reason_code: BIG, text_key: t, owner: o}
... ''', {"p.amount": "number"})
>>> df = pl.DataFrame({"p.amount": [50, 150, 300, 20], "label": [0, 1, 0, 1]})
>>> r = backtest(rs, df, "label")
>>> r.rules[0].hits, r.rules[0].precision, r.rules[0].recall, dict(r.candidate.mix)
(2, 0.5, 0.5, {'approve': 2, 'review': 2, 'challenge': 0, 'decline': 0})
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from riskline.errors import InvalidInput
from riskline.rules.functions import Frame
from riskline.rules.lists import EmptyLists, ListLookup
from riskline.rules.report import BacktestReport, DecisionStats, Overlap, RuleStats
from riskline.rules.ruleset import Mode, Outcome, RuleSet
from riskline.rules.types import Type
from riskline.rules.vectorise import NotVectorisable, feature_column, to_polars

__all__ = ["backtest", "hit_matrix"]

Bools = npt.NDArray[np.bool_]
_SEVERITY = {o: o.severity for o in Outcome}
_OUTCOMES = list(Outcome)


def _now_expr(history: pl.DataFrame, time_col: str | None, now: datetime) -> pl.Expr:
    if time_col is None:
        return pl.repeat(now.timestamp(), pl.len(), dtype=pl.Float64)
    column = feature_column(time_col, Type.TIME, history.schema[time_col])
    return column.fill_null(now.timestamp())


def _row_times(history: pl.DataFrame, time_col: str | None, now: datetime) -> Iterator[datetime]:
    if time_col is None:
        return (now for _ in range(history.height))
    seconds = history.select(_now_expr(history, time_col, now).alias("t"))["t"].to_list()
    fallback = now.timestamp()
    return (datetime.fromtimestamp(fallback if s is None else s, UTC) for s in seconds)


def _row_hits(
    ruleset: RuleSet,
    ids: list[str],
    history: pl.DataFrame,
    lists: ListLookup,
    times: list[datetime],
) -> dict[str, Bools]:
    """Evaluate ``ids`` through the compiled closures, one row at a time."""
    rules = [ruleset[i] for i in ids]
    needed = sorted({f for r in rules for f in r.when.features} & set(history.columns))
    evaluators: list[tuple[Callable[[Frame], object], list[bool]]]
    evaluators = [(r.when.evaluate, []) for r in rules]
    rows = history.select(needed).iter_rows(named=True) if needed else ({} for _ in times)
    for row, at in zip(rows, times, strict=True):
        frame = Frame(row, lists, at)
        for evaluate, fired in evaluators:
            fired.append(_fires(evaluate, frame))
    pairs = zip(rules, evaluators, strict=True)
    return {r.id: np.array(fired, dtype=np.bool_) for r, (_, fired) in pairs}


def _fires(evaluate: Callable[[Frame], object], frame: Frame) -> bool:
    try:
        return evaluate(frame) is True
    except Exception:  # same isolation as RuleSet.evaluate: a failing rule does not fire
        return False


def _vector_hits(
    ruleset: RuleSet, history: pl.DataFrame, now_expr: pl.Expr, vectorise: bool
) -> tuple[dict[str, Bools], list[str]]:
    """Hits of the rules polars can evaluate, and the ids of those it cannot."""
    exprs: dict[str, pl.Expr] = {}
    rows: list[str] = []
    for rule in ruleset.rules:
        try:
            if not vectorise:
                raise NotVectorisable("disabled")
            expr = to_polars(rule.when.tree, rule.when.schema, history.schema, now_expr)
            exprs[rule.id] = expr.fill_null(False).alias(rule.id)
        except NotVectorisable:
            rows.append(rule.id)
    hits: dict[str, Bools] = {}
    # one query per rule: a rule that folds to a constant yields one value, broadcast here
    frames = pl.collect_all([history.lazy().select(e) for e in exprs.values()]) if exprs else []
    for rule_id, frame in zip(exprs, frames, strict=True):
        column = frame.to_series().to_numpy().astype(np.bool_)
        hits[rule_id] = np.broadcast_to(column, (history.height,)).copy()
    return hits, rows


def hit_matrix(
    ruleset: RuleSet,
    history: pl.DataFrame,
    lists: ListLookup | None = None,
    time_col: str | None = None,
    now: datetime | None = None,
    vectorise: bool = True,
) -> tuple[dict[str, Bools], int]:
    """Per rule, a boolean array of the rows it fires on; and how many rules were vectorised.

    ``now`` (default: the wall clock) is the evaluation time, or the fallback for rows whose
    ``time_col`` is null.
    """
    at = now or datetime.now(UTC)
    hits, rows = _vector_hits(ruleset, history, _now_expr(history, time_col, at), vectorise)
    if rows:
        times = list(_row_times(history, time_col, at))
        hits.update(_row_hits(ruleset, rows, history, lists or EmptyLists(), times))
    types = _event_types(history)
    for rule in ruleset.rules:
        if rule.events and types is not None:
            hits[rule.id] = hits[rule.id] & np.isin(types, list(rule.events))
    return {r.id: hits[r.id] for r in ruleset.rules}, len(ruleset.rules) - len(rows)


def _event_types(history: pl.DataFrame) -> Any:
    """The event type of each row (column ``event_type`` or ``type``), None when absent:
    a rule scoped to some event types then looks at every row, as the engine does when it
    does not know the type."""
    for name in ("event_type", "type"):
        if name in history.columns and history.schema[name] == pl.String:
            return history[name].to_numpy()
    return None


def _labels(history: pl.DataFrame, label_col: str) -> Bools:
    if label_col not in history.columns:
        raise InvalidInput(f"label column {label_col!r} is not in the history")
    labels = history[label_col]
    if labels.null_count():
        raise InvalidInput(f"label column {label_col!r} has {labels.null_count()} missing values")
    values = labels.cast(pl.Int64).to_numpy()
    if not np.isin(values, (0, 1)).all():
        raise InvalidInput(f"label column {label_col!r} must hold only 0 and 1")
    return values.astype(np.bool_)


def _severity(ruleset: RuleSet, hits: dict[str, Bools], rows: int, promote: bool) -> Any:
    level = np.zeros(rows, dtype=np.int8)
    for rule in ruleset.rules:
        decides = rule.mode is Mode.ACTIVE or promote
        if decides and rule.outcome is not None:
            level = np.maximum(level, np.where(hits[rule.id], _SEVERITY[rule.outcome], 0))
    return level


def _decision(version: str, level: Any, labels: Bools) -> DecisionStats:
    counts = np.bincount(level, minlength=len(_OUTCOMES))
    mix = {o.value: int(counts[i]) for i, o in enumerate(_OUTCOMES)}
    flagged = level > 0
    pos = int(labels.sum())
    tp = int((flagged & labels).sum())
    return DecisionStats(version, mix, int(flagged.sum()), tp, pos, len(labels) - pos)


def _overlaps(hits: dict[str, Bools]) -> tuple[Overlap, ...]:
    ids = list(hits)
    if len(ids) < 2:
        return ()
    matrix = np.column_stack([hits[i] for i in ids]).astype(np.int64)
    shared = matrix.T @ matrix
    sizes = np.diag(shared)
    found = [
        Overlap(ids[a], ids[b], int(shared[a, b]), float(shared[a, b] / union))
        for a in range(len(ids))
        for b in range(a + 1, len(ids))
        if shared[a, b] and (union := sizes[a] + sizes[b] - shared[a, b])
    ]
    return tuple(sorted(found, key=lambda o: (-o.jaccard, -o.shared, o.a, o.b)))


def _transitions(before: Any, after: Any) -> dict[tuple[str, str], int]:
    """Rows whose outcome changed, counted by (before, after) outcome."""
    changed = before != after
    pairs = zip(before[changed], after[changed], strict=True)
    counts = Counter((_OUTCOMES[a].value, _OUTCOMES[b].value) for a, b in pairs)
    return dict(sorted(counts.items()))


def _rule_stats(ruleset: RuleSet, hits: dict[str, Bools], labels: Bools) -> tuple[RuleStats, ...]:
    pos = int(labels.sum())
    neg = len(labels) - pos
    return tuple(
        RuleStats(
            rule.id,
            rule.mode.value,
            rule.outcome.value if rule.outcome else None,
            int(hits[rule.id].sum()),
            int((hits[rule.id] & labels).sum()),
            pos,
            neg,
        )
        for rule in ruleset.rules
    )


def backtest(
    candidate: RuleSet,
    history: pl.DataFrame,
    label_col: str,
    baseline: RuleSet | None = None,
    *,
    lists: ListLookup | None = None,
    time_col: str | None = None,
    now: datetime | None = None,
    promote_shadow: bool = False,
    vectorise: bool = True,
) -> BacktestReport:
    """Per-rule hits, precision, recall, FPR and overlaps of ``candidate`` on labelled history,
    and its decision mix against ``baseline``.

    ``history`` has one row per event, feature columns named as in the schema and a 0/1
    ``label_col``. ``now`` (default: the wall clock) is the evaluation time unless ``time_col``
    gives one per row. ``promote_shadow`` counts shadow rules in the candidate's decisions
    (what would happen if they went live).
    """
    started = time.perf_counter()
    labels = _labels(history, label_col)
    if time_col is not None and time_col not in history.columns:
        raise InvalidInput(f"time column {time_col!r} is not in the history")
    at = now or datetime.now(UTC)
    hits, vectorised = hit_matrix(candidate, history, lists, time_col, at, vectorise)
    level = _severity(candidate, hits, history.height, promote_shadow)
    base_stats, transitions = None, {}
    if baseline is not None:
        base_hits, _ = hit_matrix(baseline, history, lists, time_col, at, vectorise)
        base_level = _severity(baseline, base_hits, history.height, False)
        base_stats = _decision(baseline.version, base_level, labels)
        transitions = _transitions(base_level, level)
    read = {f for r in candidate.rules for f in r.when.features}
    return BacktestReport(
        rows=history.height,
        positives=int(labels.sum()),
        rules=_rule_stats(candidate, hits, labels),
        overlaps=_overlaps(hits),
        candidate=_decision(candidate.version, level, labels),
        baseline=base_stats,
        transitions=transitions,
        missing_columns=tuple(sorted(read - set(history.columns))),
        vectorised_rules=vectorised,
        row_rules=len(candidate.rules) - vectorised,
        seconds=time.perf_counter() - started,
    )
