"""The label feed reads chargebacks/reports and case outcomes, each after its own cursor, known
from when they reached the engine (received, or the case closed)."""

from __future__ import annotations

from datetime import UTC, datetime

from riskline.cases import tables as ct
from riskline.storage import connect, upgrade
from riskline.storage.labels import ReportedLabel, SqlLabelFeed, SqlLabelStore

T = datetime(2026, 5, 1, 12, tzinfo=UTC)


def _case_label(conn: object, event_id: str, label: str, at: datetime) -> None:
    conn.execute(  # type: ignore[attr-defined]
        ct.case_labels.insert(),
        {
            "case_id": "c1",
            "decision_id": f"d_{event_id}",
            "event_id": event_id,
            "subject": "a1",
            "person_id": None,
            "label": label,
            "occurred_at": at,
            "labelled_at": at,
            "labelled_by": "rev",
        },
    )


def test_feed_reads_both_sources_after_their_cursors(sqlite_url: str) -> None:
    db = connect(sqlite_url)
    upgrade(db)
    store, feed = SqlLabelStore(db), SqlLabelFeed(db)
    reported = datetime(2026, 4, 20, tzinfo=UTC)
    store.add([ReportedLabel("e1", True, reported)], "api", T)
    with db.begin() as conn:
        _case_label(conn, "e2", "fraud", datetime(2026, 5, 2, tzinfo=UTC))
        _case_label(conn, "e3", "legit", datetime(2026, 5, 3, tzinfo=UTC))
    first, cursor = feed.read(None)
    assert [(x.event_id, x.fraud, x.known_at) for x in first] == [
        ("e1", True, T.timestamp()),  # known when received, not when reported
        ("e2", True, datetime(2026, 5, 2, tzinfo=UTC).timestamp()),
        ("e3", False, datetime(2026, 5, 3, tzinfo=UTC).timestamp()),
    ]
    assert feed.read(cursor)[0] == []
    store.add([ReportedLabel("e4", False, reported)], "file", T, backdate=True)
    with db.begin() as conn:
        _case_label(conn, "e5", "fraud", T)
    later, _ = feed.read(cursor)
    assert [(x.event_id, x.known_at) for x in later] == [
        ("e4", reported.timestamp()),  # backdated: known from when it was reported
        ("e5", T.timestamp()),
    ]
    assert store.latest() == {"e1": (True, T), "e4": (False, reported)}
    db.dispose()


def test_a_group_is_stored_whole_and_replays_are_counted(sqlite_url: str) -> None:
    db = connect(sqlite_url)
    upgrade(db)
    store = SqlLabelStore(db)
    one = ReportedLabel("e1", True, T)
    done = store.add([one, one, ReportedLabel("e2", False, T)], "api", T)
    assert (done.added, done.replayed, done.unknown_events) == (2, 1, 2)
    again = store.add([one], "api", T)
    assert (again.added, again.replayed) == (0, 1)
    db.dispose()
