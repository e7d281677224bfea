"""CaseNotes: analysts' notes (append-only) and tags on cases, each recorded in the case trail.

Notes and tags change no credit line or list, so they do not wait for the writer thread; each
is stored with its ``note_added`` / ``tag_added`` / ``tag_removed`` entry in one transaction.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, delete, select

from riskline.cases import repo
from riskline.cases import tables as ct
from riskline.cases.types import Note, Reviewer
from riskline.clock import Clock
from riskline.errors import InvalidInput, NotFound

__all__ = ["MAX_NOTE", "TAG_PATTERN", "CaseNotes", "check_tag"]

MAX_NOTE = 5000
"""Characters in one note."""
TAG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
"""A tag: lower-case letters, digits, ``_`` and ``-``, up to 40 characters."""


def check_tag(tag: str) -> str:
    """The tag, normalised to lower case, or :class:`InvalidInput` naming the rule.

    >>> check_tag(" Ring-7 ")
    'ring-7'
    """
    t = tag.strip().lower()
    if not TAG_PATTERN.match(t):
        raise InvalidInput(
            f"tag {tag!r}: use 1-40 lower-case letters, digits, '_' or '-', starting with a "
            "letter or digit"
        )
    return t


class CaseNotes:
    """Notes and tags of cases."""

    def __init__(self, db: Engine, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def add_note(self, case_id: str, text: str, by: Reviewer) -> Note:
        """Append a note to a case (closed cases too: findings come late)."""
        body = text.strip()
        if not body:
            raise InvalidInput("a note needs some text")
        if len(body) > MAX_NOTE:
            raise InvalidInput(f"a note is at most {MAX_NOTE} characters (got {len(body)})")
        now = self.clock.now()
        with self.db.begin() as conn:
            repo.load_case(conn, case_id)
            res = conn.execute(
                ct.case_notes.insert().values(case_id=case_id, author=by.id, at=now, text=body)
            )
            (note_id,) = res.inserted_primary_key or (0,)
            details = {"note_id": int(note_id), "chars": len(body)}
            repo.record(conn, case_id, "note_added", by.id, by.role.value, now, "", details)
        return Note(int(note_id), case_id, by.id, now, body)

    def notes(self, case_id: str) -> list[Note]:
        """A case's notes, oldest first."""
        n = ct.case_notes.c
        q = select(ct.case_notes).where(n.case_id == case_id).order_by(n.id)
        with self.db.connect() as conn:
            return [
                Note(int(r["id"]), r["case_id"], r["author"], r["at"], r["text"])
                for r in conn.execute(q).mappings()
            ]

    def add_tag(self, case_id: str, tag: str, by: Reviewer) -> list[str]:
        """Tag a case (a tag it already has is kept); its tags."""
        t = check_tag(tag)
        now = self.clock.now()
        with self.db.begin() as conn:
            repo.load_case(conn, case_id)
            row = {"case_id": case_id, "tag": t, "added_by": by.id, "added_at": now}
            done = conn.execute(repo.insert_ignore(conn, ct.case_tags).values(row))
            if done.rowcount:
                repo.record(conn, case_id, "tag_added", by.id, by.role.value, now, "", {"tag": t})
        return self.tags(case_id)

    def remove_tag(self, case_id: str, tag: str, by: Reviewer) -> list[str]:
        """Take a tag off a case; :class:`NotFound` when it does not carry it."""
        t = check_tag(tag)
        now = self.clock.now()
        c = ct.case_tags.c
        with self.db.begin() as conn:
            done = conn.execute(delete(ct.case_tags).where(c.case_id == case_id, c.tag == t))
            if not done.rowcount:
                raise NotFound(f"case {case_id} has no tag {t}")
            repo.record(conn, case_id, "tag_removed", by.id, by.role.value, now, "", {"tag": t})
        return self.tags(case_id)

    def tags(self, case_id: str) -> list[str]:
        """A case's tags, sorted."""
        c = ct.case_tags.c
        q = select(c.tag).where(c.case_id == case_id).order_by(c.tag)
        with self.db.connect() as conn:
            return [str(t) for t in conn.execute(q).scalars()]
