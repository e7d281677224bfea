"""Face verification: the :class:`FaceVerifier` interface, vendor liveness results, enrolment.

The built-in matcher (:class:`riskline.identity.face_dlib.DlibFaceMatcher`, extra
``riskline[face]``) compares a selfie with the person's enrolled reference by the distance
between 128-d face embeddings. It has NO anti-spoofing: a printed photo or a screen replay
of the right face passes it. Where presentation attacks matter, accept a vendor's liveness
result instead (:func:`vendor_result`), which carries the vendor's own liveness score.

>>> vendor_result(0.93, threshold=0.9, vendor="acme").passed
True
>>> vendor_result(0.5, threshold=0.9, vendor="acme").passed
False
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, delete, select

from riskline.errors import InvalidInput, NotFound
from riskline.identity import tables as it

__all__ = [
    "FaceResult",
    "FaceVerifier",
    "NoFace",
    "SeveralFaces",
    "SqlFaceStore",
    "UnreadableImage",
    "vendor_result",
]


class NoFace(InvalidInput):
    """The image shows no face."""

    code = "no_face"


class SeveralFaces(InvalidInput):
    """The image shows more than one face; a verification selfie must show exactly one."""

    code = "several_faces"


class UnreadableImage(InvalidInput):
    """The bytes are not an image the matcher can decode."""

    code = "unreadable_image"


@dataclass(frozen=True, slots=True)
class FaceResult:
    """One face check: passed or not, the figure that decided it, and how it was made."""

    passed: bool
    score: float
    """Embedding distance for the built-in matcher (lower is closer); liveness score for a
    vendor (higher is better)."""
    threshold: float
    method: str
    liveness: bool
    """Whether the result includes a liveness (anti-spoofing) check."""


class FaceVerifier(Protocol):
    """Turns images into reference embeddings and compares a probe image with one."""

    model: str

    def embed(self, image: bytes) -> NDArray[np.float32]: ...

    def verify(self, reference: NDArray[np.float32], probe: bytes) -> FaceResult: ...


def vendor_result(score: float, *, threshold: float, vendor: str) -> FaceResult:
    """Accept a face-and-liveness vendor's score: passed when ``score >= threshold``."""
    if not 0.0 <= score <= 1.0 or not 0.0 < threshold <= 1.0:
        raise InvalidInput("vendor score and threshold must lie in [0, 1]")
    return FaceResult(score >= threshold, score, threshold, f"vendor:{vendor}", True)


class SqlFaceStore:
    """Reference embeddings by person (the embedding only; images are never stored)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def enrol(
        self, person_id: str, embedding: NDArray[np.float32], model: str, at: datetime
    ) -> None:
        """Store (or replace) a person's reference embedding."""
        blob = np.asarray(embedding, dtype="<f4").tobytes()
        with self.engine.begin() as conn:
            conn.execute(delete(it.faces).where(it.faces.c.person_id == person_id))
            conn.execute(
                it.faces.insert().values(
                    person_id=person_id, embedding=blob, model=model, enrolled_at=at
                )
            )

    def reference(self, person_id: str, model: str) -> NDArray[np.float32]:
        """A person's reference embedding made by ``model``, or :class:`NotFound`."""
        q = select(it.faces.c.embedding, it.faces.c.model).where(it.faces.c.person_id == person_id)
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        if row is None or row.model != model:
            raise NotFound(f"no reference face enrolled for person {person_id} with {model}")
        return np.frombuffer(row.embedding, dtype="<f4").copy()
