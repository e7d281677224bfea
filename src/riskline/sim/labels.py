"""Ground truth of a world: rings, labeled entities, hard negatives and fraud events.

Written to ``labels.jsonl`` one record a line, each with a ``level``: ``ring``,
``account``, ``person``, ``merchant``, ``enterprise``, ``hard_negative`` or ``event``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from riskline.errors import InvalidInput
from riskline.sim.world import World

__all__ = ["Labels", "entity_labels", "json_lines", "world_prefix"]

ENTITY_LEVELS = ("account", "person", "merchant", "enterprise")


def entity_labels(world: World) -> list[dict[str, Any]]:
    """Ring, entity and hard-negative records of a generated world (event labels excluded)."""
    records = list(world.labels)
    fraud = {r["id"] for r in records if r["level"] == "person"}
    fraud |= {r["person_id"] for r in records if r["level"] == "account" and "person_id" in r}
    pop = world.pop
    accounts: dict[int, list[str]] = {}
    for a, p in enumerate(pop.a_person):
        accounts.setdefault(int(p), []).append(str(pop.a_id[a]))
    for person in sorted(world.hard_negatives):
        pid = str(pop.p_id[person])
        if pid in fraud:
            continue
        records.append(
            {
                "level": "hard_negative",
                "id": pid,
                "kinds": sorted(world.hard_negatives[person]),
                "accounts": accounts.get(person, []),
            }
        )
    return records


_IDS = ("id", "person_id", "account_id", "ring_id")
"""Label fields that hold an id (prefixed when several worlds' labels are read as one)."""


@dataclass(frozen=True)
class Labels:
    """Labels of a world, indexed for evaluation."""

    rings: dict[str, dict[str, Any]] = field(default_factory=dict)
    entities: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    hard_negatives: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]]) -> Labels:
        """Index plain label records."""
        labels = cls()
        for r in records:
            level = r["level"]
            if level == "ring":
                labels.rings[r["id"]] = r
            elif level == "hard_negative":
                labels.hard_negatives[r["id"]] = r
            elif level == "event":
                labels.events[r["id"]] = r
            else:
                labels.entities.setdefault(r["id"], []).append(r)
        return labels

    @classmethod
    def load(cls, path: Path) -> Labels:
        """Read ``labels.jsonl``."""
        return cls.from_records(_read_jsonl(path))

    @classmethod
    def load_many(cls, paths: Iterable[Path]) -> Labels:
        r"""The labels of several worlds as one: with more than one, every id is prefixed with
        ``w<i>:`` (the world's position) so that ``p000001`` of one is not that of another.

        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> _ = (d / "a.jsonl").write_text('{"level": "hard_negative", "id": "p1", "kinds": []}\n')
        >>> sorted(Labels.load_many([d / "a.jsonl", d / "a.jsonl"]).hard_negatives)
        ['w0:p1', 'w1:p1']
        """
        paths = list(paths)
        if len(paths) == 1:
            return cls.load(paths[0])
        return cls.from_records(
            _prefixed(r, world_prefix(i, len(paths)))
            for i, path in enumerate(paths)
            for r in _read_jsonl(path)
        )

    def actors(self) -> Iterator[dict[str, Any]]:
        """Account and enterprise labels: the subjects a detector should flag."""
        for records in self.entities.values():
            for r in records:
                if r["level"] in ("account", "enterprise"):
                    yield r

    def fraud_persons(self) -> set[str]:
        """Persons involved in any ring (actors, organisers, victims)."""
        out = {k for k, rs in self.entities.items() if any(r["level"] == "person" for r in rs)}
        out |= {r["person_id"] for r in self.actors() if "person_id" in r}
        return out


def world_prefix(index: int, count: int) -> str:
    """What goes before every id of world ``index`` of ``count`` read as one (nothing when
    there is only one), in :meth:`Labels.load_many` and wherever else those ids are kept.

    >>> world_prefix(0, 1), world_prefix(1, 2)
    ('', 'w1:')
    """
    return f"w{index}:" if count > 1 else ""


def _prefixed(record: dict[str, Any], prefix: str) -> dict[str, Any]:
    out = dict(record)
    for k in _IDS:
        if isinstance(out.get(k), str):
            out[k] = prefix + out[k]
    if isinstance(out.get("accounts"), list):
        out["accounts"] = [prefix + str(a) for a in out["accounts"]]
    return out


def json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The JSON objects of a JSONL file with their line numbers; blank lines are skipped and any
    other line that is not a JSON object is refused by number."""
    with path.open("rb") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as err:
                raise InvalidInput(f"{path}:{number}: not JSON ({err})") from None
            if not isinstance(record, dict):
                raise InvalidInput(f"{path}:{number}: not a JSON object")
            yield number, record


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)
