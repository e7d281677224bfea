"""Evidence attachments: checked by content, stored outside the web root under a random name.

A file is accepted when its extension is on the allow-list (png, jpeg, pdf, txt, csv), its size
is within the limit (``RISKLINE_ATTACHMENT_MAX_BYTES``) and its content is what the extension
says: images and PDFs by their magic bytes, text as UTF-8 without NUL bytes and without markup
(an HTML page renamed ``.png`` or ``.txt`` is refused). The content type stored and served is
the sniffed one, never the uploader's. Files go to ``RISKLINE_ATTACHMENTS_DIR`` under a random
name; the original name is kept (sanitised) for the download's ``Content-Disposition``.

>>> sniff("shot.png", b"\\x89PNG\\r\\n\\x1a\\n" + bytes(8))
'image/png'
>>> sniff("page.png", b"<html><script>alert(1)</script></html>")
Traceback (most recent call last):
...
riskline.errors.InvalidInput: page.png: the content is not a PNG image (it looks like text)
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path

from sqlalchemy import Engine, select

from riskline.cases import repo
from riskline.cases import tables as ct
from riskline.cases.types import Attachment, Reviewer
from riskline.clock import Clock
from riskline.errors import InvalidInput, NotFound, PayloadTooLarge

__all__ = ["ALLOWED", "Attachments", "safe_filename", "sniff"]

ALLOWED = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}
"""Extensions accepted, and the content type each must sniff as."""
_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    "image/jpeg": (b"\xff\xd8\xff", "a JPEG image"),
    "application/pdf": (b"%PDF-", "a PDF document"),
}
_MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|iframe|svg|object|embed|meta)\b", re.I)


def _looks_like_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def sniff(filename: str, data: bytes) -> str:
    """The content type of ``data`` when it matches its allowed extension, else
    :class:`InvalidInput` saying what is wrong."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    wanted = ALLOWED.get(ext)
    if wanted is None:
        allowed = ", ".join(sorted(ALLOWED))
        raise InvalidInput(f"{filename}: file type .{ext or '?'} is not accepted (use {allowed})")
    if not data:
        raise InvalidInput(f"{filename}: the file is empty")
    magic = _MAGIC.get(wanted)
    if magic is not None:
        if not data.startswith(magic[0]):
            seen = "text" if _looks_like_text(data[:4096]) else "something else"
            raise InvalidInput(f"{filename}: the content is not {magic[1]} (it looks like {seen})")
        return wanted
    if not _looks_like_text(data):
        raise InvalidInput(f"{filename}: the content is not UTF-8 text")
    if _MARKUP.search(data[:65536]):
        raise InvalidInput(f"{filename}: HTML or other markup is not accepted as text evidence")
    return wanted


def safe_filename(name: str) -> str:
    """The last path part of an uploaded name, with only safe characters (for display and the
    download header).

    >>> safe_filename('../../etc/pa ss"wd.txt')
    'pa_ss_wd.txt'
    """
    base = re.split(r"[\\/]", name)[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", base).lstrip(".")[:100]
    return cleaned or "file"


class Attachments:
    """Stores, lists and reads a case's evidence files."""

    def __init__(self, db: Engine, clock: Clock, root: Path, max_bytes: int) -> None:
        self.db = db
        self.clock = clock
        self.root = root
        self.max_bytes = max_bytes

    def add(self, case_id: str, filename: str, data: bytes, by: Reviewer) -> Attachment:
        """Check and store one file for a case; recorded in the case trail."""
        name = safe_filename(filename)
        if len(data) > self.max_bytes:
            raise PayloadTooLarge(
                f"{name}: {len(data)} bytes is over the limit of {self.max_bytes} bytes"
            )
        content_type = sniff(name, data)
        now = self.clock.now()
        att = Attachment(
            attachment_id="att_" + secrets.token_hex(12),
            case_id=case_id,
            filename=name,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            stored_name=secrets.token_hex(20),
            uploaded_by=by.id,
            uploaded_at=now,
        )
        with self.db.begin() as conn:
            repo.load_case(conn, case_id)
            self._write(att.stored_name, data)
            conn.execute(ct.case_attachments.insert().values(**_values(att)))
            details = {"attachment_id": att.attachment_id, "filename": name, "size": att.size}
            details["sha256"] = att.sha256
            repo.record(conn, case_id, "attachment_added", by.id, by.role.value, now, "", details)
        return att

    def _write(self, stored_name: str, data: bytes) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.root / stored_name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)

    def list(self, case_id: str) -> list[Attachment]:
        """A case's attachments, oldest first."""
        a = ct.case_attachments.c
        q = select(ct.case_attachments).where(a.case_id == case_id).order_by(a.uploaded_at)
        with self.db.connect() as conn:
            return [Attachment(**dict(r)) for r in conn.execute(q).mappings()]

    def read(self, case_id: str, attachment_id: str) -> tuple[Attachment, bytes]:
        """One attachment of a case and its bytes, or :class:`NotFound`."""
        a = ct.case_attachments.c
        q = select(ct.case_attachments).where(
            a.case_id == case_id, a.attachment_id == attachment_id
        )
        with self.db.connect() as conn:
            row = conn.execute(q).mappings().first()
        if row is None:
            raise NotFound(f"case {case_id} has no attachment {attachment_id}")
        att = Attachment(**dict(row))
        try:
            return att, (self.root / att.stored_name).read_bytes()
        except OSError:
            raise NotFound(f"the file of attachment {attachment_id} is missing") from None


def _values(att: Attachment) -> dict[str, object]:
    return {
        "attachment_id": att.attachment_id,
        "case_id": att.case_id,
        "filename": att.filename,
        "content_type": att.content_type,
        "size": att.size,
        "sha256": att.sha256,
        "stored_name": att.stored_name,
        "uploaded_by": att.uploaded_by,
        "uploaded_at": att.uploaded_at,
    }
