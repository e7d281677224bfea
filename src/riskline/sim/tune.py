"""Fit the thresholds of the analyst rules and the policy checks on a labelled training world.

``riskline tune WORLD`` streams a training world through the engine once, keeps the feature
values every rule and check reads on the events they look at, and then moves each numeric
threshold of the form ``feature >= constant`` (any comparison of a feature with a number)
to the value that catches the most fraud actors, averaged over typologies, while the honest
persons it touches stay within a budget: a share of good persons and, for every kind of hard
negative, a share of that kind. It writes the tuned rule set and policy (same checks, same
reasons and actions, new constants and version) and ``tuning.json`` with the figures.
Checks whose reason is a credit gate (``ACCOUNT_DELINQUENT``: new credit paused while a bill
is overdue) are credit decisions, not fraud findings: they are left as written and out of
the figures.

The search replays recorded features offline, so it does not see what its own decisions
would have changed later (a line frozen earlier stops later events; a flag spreads over the
link graph): the tuned files must be checked with ``riskline evaluate`` on another world.
The training world's labels are the only labels it reads; it never sees the report world.

>>> knobs_of("device.accounts_30d >= 4 and 30 > account.age_days", "r")
[Knob(item='r', feature='device.accounts_30d', op='>=', value=4.0, line=1, column=24), \
Knob(item='r', feature='account.age_days', op='<', value=30.0, line=1, column=30)]
>>> set_constants("a >= 4 and b < 30", {(1, 6): 5.0, (1, 16): 14.5})
'a >= 5 and b < 14.5'
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import yaml

from riskline.errors import InvalidInput
from riskline.rules import load_ruleset_text
from riskline.rules.ast import Call, Compare, Feature, Literal, Node, children, features_of
from riskline.rules.backtest import hit_matrix
from riskline.rules.parser import parse
from riskline.rules.types import Type
from riskline.sim.evaluate import CREDIT_GATES, IMPOSTORS
from riskline.sim.labels import Labels

__all__ = [
    "Budget",
    "Knob",
    "TuneResult",
    "TuningTable",
    "knobs_of",
    "set_constants",
    "tune",
    "write_tuned",
]

_FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_OUTCOMES = {"review", "challenge", "decline"}


@dataclass(frozen=True, slots=True)
class Knob:
    """One tunable constant: ``feature op value`` in item ``item`` at ``line``/``column``."""

    item: str
    feature: str
    op: str
    value: float
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Budget:
    """How many honest persons the tuned checks may touch (shares of each group)."""

    good: float = 0.005
    hard: float = 0.03
    """Each kind may lose this share of its persons, and at least one person (a kind of 17
    friends in circles may see one of them touched, not all)."""


@dataclass(frozen=True, slots=True)
class _Item:
    doc: str  # "rules" or "policy"
    index: int
    id: str
    when: str
    events: tuple[str, ...]


@dataclass
class TuningTable:
    """Feature values each item reads, on the events it looks at, with whose events they are.

    Built by :meth:`collector` while the training world streams through the engine.
    """

    columns: tuple[str, ...]
    types: frozenset[str] | None
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    person_of: dict[str, str] = field(default_factory=dict)
    """Account → person, from the account openings seen."""

    def collector(self, prefix: str = "") -> Callable[[Any, Any], None]:
        """A callback for each event and its engine decision (event type, subject, feature
        values; the person of an account from its opening). ``prefix`` goes before every id
        (several training worlds in one table, as :meth:`Labels.load_many` reads them)."""
        names, types, person_of = self.columns, self.types, self.person_of

        def keep(event: Any, decision: Any) -> None:
            if decision.event_type == "account_opened":
                person_of[prefix + event.account_id] = prefix + event.person_id
            if types is not None and decision.event_type not in types:
                return
            values = decision.features
            self.rows.append(
                (decision.event_type, prefix + decision.subject, *(values.get(n) for n in names))
            )

        return keep

    def frame(self) -> pl.DataFrame:
        """The rows as a frame: ``event_type``, ``subject`` and one column per feature."""
        schema: dict[str, Any] = {"event_type": pl.String, "subject": pl.String}
        schema.update(dict.fromkeys(self.columns, pl.Float64))
        data = [(t, s, *(_number(v) for v in rest)) for t, s, *rest in self.rows]
        return pl.DataFrame(data, schema=schema, orient="row")


@dataclass(frozen=True, slots=True)
class TuneResult:
    """What tuning moved and the training-world figures before and after (offline)."""

    changes: tuple[tuple[Knob, float], ...]
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    budget: Budget
    rows: int
    calibration: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Per policy check id: how it did with the tuned thresholds (persons it fired on, the
    fraud actors among them, p_fraud, impostor share, typology shares)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "changes": [
                {**asdict(k), "tuned": v} for k, v in self.changes if not math.isclose(v, k.value)
            ],
            "unchanged": [asdict(k) for k, v in self.changes if math.isclose(v, k.value)],
            "before": dict(self.before),
            "after": dict(self.after),
            "budget": asdict(self.budget),
            "rows": self.rows,
            "calibration": {k: dict(v) for k, v in self.calibration.items()},
        }


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float) and not math.isnan(float(value)):
        return float(value)
    return None


def knobs_of(when: str, item: str) -> list[Knob]:
    """The numeric comparisons of a feature (or ``coalesce(feature, default)``) with a
    constant in a DSL expression."""
    found: list[Knob] = []

    def walk(node: Node) -> None:
        if isinstance(node, Compare) and node.op in _FLIP:
            left, right, op = node.left, node.right, node.op
            if isinstance(left, Literal) and isinstance(right, Feature | Call):
                left, right, op = right, left, _FLIP[op]
            if isinstance(left, Call) and left.name == "coalesce" and left.args:
                left = left.args[0]  # coalesce(feature, default) compares the feature
            if (
                isinstance(left, Feature)
                and isinstance(right, Literal)
                and right.type is Type.NUMBER
                and op not in ("==", "!=")
            ):
                value = float(right.value)
                found.append(Knob(item, left.name, op, value, right.line, right.column))
        for child in children(node):
            walk(child)

    walk(parse(when, item))
    return found


def set_constants(when: str, values: Mapping[tuple[int, int], float]) -> str:
    """``when`` with the number literal at each (line, column) replaced by its new value."""
    lines = when.split("\n")
    for (line, column), value in sorted(values.items(), key=lambda kv: (-kv[0][0], -kv[0][1])):
        text = lines[line - 1]
        match = _NUMBER.match(text, column - 1)
        if match is None:
            raise InvalidInput(f"no number at line {line}, column {column} of {when!r}")
        lines[line - 1] = text[: match.start()] + _format(value) + text[match.end() :]
    return "\n".join(lines)


def _format(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def _items(rules_doc: Mapping[str, Any], policy_doc: Mapping[str, Any]) -> list[_Item]:
    items: list[_Item] = []
    for doc, key, data in (("rules", "rules", rules_doc), ("policy", "checks", policy_doc)):
        for i, raw in enumerate(data.get(key) or []):
            if not isinstance(raw, Mapping) or not isinstance(raw.get("when"), str):
                continue
            if doc == "rules" and (
                raw.get("mode") == "shadow" or raw.get("outcome") not in _OUTCOMES
            ):
                continue
            if _credit_gate(raw):
                continue
            events = tuple(raw.get("events") or ())
            items.append(_Item(doc, i, f"{doc}:{raw['id']}", raw["when"], events))
    return items


def _credit_gate(raw: Mapping[str, Any]) -> bool:
    """A check whose reason is a credit gate (new credit paused while a bill is overdue): a
    credit decision, not a fraud finding, so it is neither tuned to catch fraud nor counted
    as touching the honest persons it declines.

    >>> _credit_gate({"reason": {"code": "ACCOUNT_DELINQUENT"}}), _credit_gate({"reason_code": "X"})
    (True, False)
    """
    reason = raw.get("reason")
    code = reason.get("code") if isinstance(reason, Mapping) else raw.get("reason_code")
    return code in CREDIT_GATES


def table_for(
    rules_doc: Mapping[str, Any], policy_doc: Mapping[str, Any], schema: Mapping[str, str]
) -> TuningTable:
    """An empty table with the feature columns the tunable items read."""
    items = _items(rules_doc, policy_doc)
    columns = sorted(
        {
            f
            for it in items
            for f in features_of(parse(it.when, it.id))
            if schema.get(f) in ("number", "bool")
        }
    )
    scoped = all(it.events for it in items)
    types = frozenset(t for it in items for t in it.events) if scoped else None
    return TuningTable(tuple(columns), types)


class _Scorer:
    """Persons caught and touched by a set of per-row hit arrays."""

    def __init__(self, frame: pl.DataFrame, labels: Labels, person_of: Mapping[str, str]) -> None:
        subjects = frame["subject"].to_list()
        persons = [person_of.get(s, s) for s in subjects]
        index: dict[str, int] = {}
        self.row_person = np.array([index.setdefault(p, len(index)) for p in persons])
        names = list(index)
        typology: dict[str, str] = {}
        for r in labels.actors():
            if r["level"] == "account":
                typology[str(r.get("person_id") or person_of.get(r["id"], r["id"]))] = r["typology"]
            elif r["level"] in ("person", "enterprise"):
                typology.setdefault(str(r["id"]), r["typology"])
        self.typologies = sorted(set(typology.values()))
        self.actor = {t: np.array([typology.get(p) == t for p in names]) for t in self.typologies}
        self.actors = {t: int(m.sum()) for t, m in self.actor.items()}
        all_persons = set(person_of.values())
        honest = [p for p in all_persons if p not in typology]
        hard = labels.hard_negatives
        self.good_total = sum(1 for p in honest if p not in hard)
        kinds: dict[str, int] = {}
        for p in honest:
            for k in hard.get(p, {}).get("kinds", ()):
                kinds[k] = kinds.get(k, 0) + 1
        self.kind_total = kinds
        self.good = np.array([p not in typology and p not in hard for p in names])
        self.kind = {
            k: np.array([k in hard.get(p, {}).get("kinds", ()) for p in names]) for k in kinds
        }
        self.size = len(names)
        fraud = np.zeros(self.size, dtype=np.bool_)
        for mask in self.actor.values():
            fraud |= mask
        self.fraud = fraud
        self.actor_rows = fraud[self.row_person]

    def calibration(self, rows: npt.NDArray[np.bool_]) -> dict[str, Any] | None:
        """How often the persons ``rows`` fire on are fraud actors (a Beta(1, 1) prior
        updated with the counts), the impostors among them and their typologies; None when
        the rows touch nobody."""
        who = self.persons(rows)
        persons = int(who.sum())
        if persons == 0:
            return None
        caught = {t: int((who & m).sum()) for t, m in self.actor.items()}
        fraud = int((who & self.fraud).sum())
        impostors = sum(n for t, n in caught.items() if t in IMPOSTORS)
        return {
            "p_fraud": round((fraud + 1) / (persons + 2), 4),
            "impostor_share": round(impostors / fraud, 4) if fraud else 0.0,
            "persons": persons,
            "fraud_persons": fraud,
            "typologies": {t: round(n / fraud, 4) for t, n in sorted(caught.items()) if n},
        }

    def persons(self, rows: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        hit = np.bincount(self.row_person[rows], minlength=self.size)
        return hit > 0

    def figures(self, rows: npt.NDArray[np.bool_]) -> dict[str, Any]:
        who = self.persons(rows)
        recall = {
            t: float((who & m).sum()) / self.actors[t]
            for t, m in self.actor.items()
            if self.actors[t]
        }
        good = float((who & self.good).sum()) / max(self.good_total, 1)
        kinds = {k: float((who & m).sum()) / self.kind_total[k] for k, m in self.kind.items()}
        return {"recall": recall, "good_rate": good, "hard_rates": kinds}

    def value(self, rows: npt.NDArray[np.bool_], budget: Budget) -> float:
        f = self.figures(rows)
        over = max(0.0, f["good_rate"] - budget.good)
        for k, rate in f["hard_rates"].items():
            n = self.kind_total[k]
            over += max(0.0, rate - max(budget.hard, 1.0 / n))
        if over > 0:  # outside the budget: only less harm is better
            return -1.0 - float(over)
        mean = sum(f["recall"].values()) / max(len(f["recall"]), 1)
        return float(mean - 0.1 * f["good_rate"])


def _hits(item: _Item, when: str, frame: pl.DataFrame, schema: Mapping[str, str]) -> Any:
    doc = {
        "version": "tune",
        "rules": [
            {
                "id": "x",
                "when": when,
                "outcome": "review",
                "reason_code": "X",
                "text_key": "x",
                "owner": "tune",
                **({"events": list(item.events)} if item.events else {}),
            }
        ],
    }
    rs = load_ruleset_text(yaml.safe_dump(doc), dict(schema), item.id)
    hits, _ = hit_matrix(rs, frame, now=datetime.now(UTC))
    return hits["x"]


def _candidates(knob: Knob, item: _Item, frame: pl.DataFrame, actor_rows: Any) -> list[float]:
    """The current value, the values actors' events show (the thresholds that catch one more
    of them) and a spread of everybody's, each at most 40, rounded like the current value."""
    if knob.feature not in frame.columns:
        return [knob.value]
    scope = frame["event_type"].is_in(list(item.events)).to_numpy() if item.events else True
    column = frame[knob.feature].to_numpy()
    pools = (column[scope & actor_rows], column[scope & ~actor_rows])
    whole = knob.value.is_integer()
    out = {knob.value}
    for pool, span in zip(pools, (np.linspace(0, 1, 40), np.linspace(0.5, 0.999, 20)), strict=True):
        pool = pool[np.isfinite(pool)]
        for q in np.quantile(pool, span) if pool.size else ():
            out.add(float(round(q)) if whole else float(np.round(q, 3)))
    seen = column[scope & np.isfinite(column)] if column.size else column
    if seen.size:  # just past everything seen: the check stands down if it only does harm
        step = 1.0 if whole else max(abs(float(seen.max())), 1.0) * 1e-3
        out.add(float(seen.max()) + step if knob.op in (">=", ">") else float(seen.min()) - step)
    return sorted(out)


def tune(
    table: TuningTable,
    labels: Labels,
    person_of: Mapping[str, str],
    rules_doc: Mapping[str, Any],
    policy_doc: Mapping[str, Any],
    schema: Mapping[str, str],
    budget: Budget | None = None,
    passes: int = 2,
) -> TuneResult:
    """Coordinate search over every knob, ``passes`` times, on the recorded table (none with
    ``passes=0``: the thresholds stay, the checks are only calibrated); then each policy
    check's calibration with the thresholds chosen."""
    budget = budget or Budget()
    frame = table.frame()
    if frame.height == 0:
        raise InvalidInput("the training world gave no events the rules or checks look at")
    items = _items(rules_doc, policy_doc)
    scorer = _Scorer(frame, labels, person_of)
    knobs = {it.id: knobs_of(it.when, it.id) for it in items}
    chosen = {(it.id, k.line, k.column): k.value for it in items for k in knobs[it.id]}
    when = {it.id: it.when for it in items}
    hits = {it.id: _hits(it, it.when, frame, schema) for it in items}

    def union(skip: str | None = None) -> Any:
        rows = np.zeros(frame.height, dtype=np.bool_)
        for name, h in hits.items():
            if name != skip:
                rows |= h
        return rows

    before = scorer.figures(union())
    for _ in range(passes):
        for it in items:
            for knob in knobs[it.id]:
                key = (it.id, knob.line, knob.column)
                rest = union(skip=it.id)
                best = (
                    scorer.value(rest | hits[it.id], budget),
                    chosen[(it.id, knob.line, knob.column)],
                )
                for value in _candidates(knob, it, frame, scorer.actor_rows):
                    trial = {(ln, col): v for (i, ln, col), v in chosen.items() if i == it.id}
                    trial[(knob.line, knob.column)] = value
                    text = set_constants(it.when, trial)
                    h = _hits(it, text, frame, schema)
                    score = scorer.value(rest | h, budget)
                    if score > best[0] + 1e-9:
                        best = (score, value)
                chosen[key] = best[1]
                mine = {(ln, col): v for (i, ln, col), v in chosen.items() if i == it.id}
                when[it.id] = set_constants(it.when, mine)
                hits[it.id] = _hits(it, when[it.id], frame, schema)
    after = scorer.figures(union())
    changes = tuple((k, chosen[(it.id, k.line, k.column)]) for it in items for k in knobs[it.id])
    calibration = {
        it.id.removeprefix("policy:"): cal
        for it in items
        if it.doc == "policy" and (cal := scorer.calibration(hits[it.id])) is not None
    }
    return TuneResult(changes, before, after, budget, frame.height, calibration)


def write_tuned(
    result: TuneResult,
    rules_doc: Mapping[str, Any],
    policy_doc: Mapping[str, Any],
    out: Path,
    origin: str,
    loss: Mapping[str, Any] | None = None,
) -> tuple[Path, Path, Path]:
    """Write ``rules.yaml``, ``policy.yaml`` (with each check's calibration, and ``loss`` as
    its friction costs when it has none) and ``tuning.json`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    by_item: dict[str, dict[tuple[int, int], float]] = {}
    for knob, value in result.changes:
        by_item.setdefault(knob.item, {})[(knob.line, knob.column)] = value
    docs = {"rules": _copy(rules_doc), "policy": _copy(policy_doc)}
    for doc, key in (("rules", "rules"), ("policy", "checks")):
        for raw in docs[doc].get(key) or []:
            values = by_item.get(f"{doc}:{raw.get('id')}")
            if values:
                raw["when"] = set_constants(raw["when"], values)
            if doc == "policy":  # calibrated anew with the thresholds written
                raw.pop("calibration", None)
                cal = result.calibration.get(str(raw.get("id")))
                if cal is not None:
                    raw["calibration"] = {**cal, "fitted_on": origin}
        docs[doc]["version"] = f"{docs[doc].get('version', '0')}+tuned.{stamp}"
    if result.calibration and loss is not None and "loss" not in docs["policy"]:
        docs["policy"]["loss"] = dict(loss)  # the costs the calibrated checks are weighed with
    header = (
        f"# Tuned by `riskline tune` on {origin} at {stamp} (see tuning.json for the figures).\n"
    )
    paths = (out / "rules.yaml", out / "policy.yaml", out / "tuning.json")
    for path, data in zip(paths[:2], (docs["rules"], docs["policy"]), strict=True):
        path.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    paths[2].write_text(json.dumps({"world": origin, **result.to_dict()}, indent=2) + "\n")
    return paths


def _copy(doc: Mapping[str, Any]) -> dict[str, Any]:
    copied: dict[str, Any] = json.loads(json.dumps(doc))
    return copied


def summary_rows(result: TuneResult) -> Sequence[tuple[str, str, str]]:
    """(figure, before, after) rows for printing."""
    rows: list[tuple[str, str, str]] = []
    for t in sorted(result.after["recall"]):
        b, a = result.before["recall"].get(t, 0.0), result.after["recall"][t]
        rows.append((f"recall {t}", f"{b:.1%}", f"{a:.1%}"))
    rows.append(
        (
            "good persons touched",
            f"{result.before['good_rate']:.2%}",
            f"{result.after['good_rate']:.2%}",
        )
    )
    worst_b = max(result.before["hard_rates"].values(), default=0.0)
    worst_a = max(result.after["hard_rates"].values(), default=0.0)
    rows.append(("worst hard-negative kind touched", f"{worst_b:.1%}", f"{worst_a:.1%}"))
    return rows
