"""Property: any mix of good and bad lines in a JSONL file is ingested line by line exactly.

Every good line is decided and stored once, every bad line is reported by its number with a
message, and nothing else reaches the ledger, whatever the bad lines look like.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskline.config import Settings
from riskline.ingest import ingest_file
from riskline.runtime import build_runtime
from tests.conftest import SECRET, ScriptedFeatures
from tests.factories import EVENT_TYPES, wire

_BROKEN: dict[str, Any] = {
    "missing field": lambda w: {k: v for k, v in w.items() if k != "occurred_at"},
    "unknown field": lambda w: {**w, "surprise": 1},
    "unknown type": lambda w: {**w, "type": "teleport"},
    "bad amount": lambda w: {**w, "amount": "-1"} if "amount" in w else {**w, "type": 7},
    "naive time": lambda w: {**w, "occurred_at": "2026-03-01T09:00:00"},
}

line = st.one_of(
    st.tuples(st.just("good"), st.sampled_from(EVENT_TYPES)),
    st.tuples(st.sampled_from(sorted(_BROKEN)), st.sampled_from(EVENT_TYPES)),
    st.tuples(st.just("text"), st.text(max_size=40).filter(lambda s: "\n" not in s)),
    st.tuples(st.just("json"), st.one_of(st.integers(), st.lists(st.integers(), max_size=3))),
)


def _render(kind: str, arg: Any, n: int) -> tuple[str, bool]:
    if kind == "good":
        return json.dumps(wire(arg, event_id=f"ok-{n}")), True
    if kind in _BROKEN:
        return json.dumps(_BROKEN[kind](wire(arg, event_id=f"bad-{n}"))), False
    if kind == "text":
        try:
            json.loads(arg)
        except ValueError:
            return arg, False
        return json.dumps([arg]), False
    return json.dumps(arg), False


@given(st.lists(line, min_size=1, max_size=25))
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_line_is_accepted_or_reported_exactly(lines: list[tuple[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rendered = [_render(kind, arg, n) for n, (kind, arg) in enumerate(lines)]
        rendered = [(text, ok) for text, ok in rendered if text.strip()]
        path = Path(tmp) / "events.jsonl"
        path.write_text("".join(text + "\n" for text, _ in rendered))
        rt = build_runtime(
            Settings(database_url=f"sqlite:///{tmp}/r.db", pii_secret=SECRET),
            features=ScriptedFeatures(),
        )
        try:
            report = ingest_file(path, rt.ingestor, rt.hasher, batch_size=4)
            good = [i + 1 for i, (_, ok) in enumerate(rendered) if ok]
            bad = [i + 1 for i, (_, ok) in enumerate(rendered) if not ok]
            assert report.accepted == len(good)
            assert [no for no, _ in report.errors] == bad
            assert all(message.strip() for _, message in report.errors)
            assert rt.store.count_events() == len(good)
        finally:
            rt.close()
