"""Private set intersection (OpenMined PSI, ECDH + Golomb-compressed sets), imported lazily.

The list holder (server) hashes its items to the curve and raises them to a fresh secret key
``k`` at every publish; the *setup* is a compressed set of those points, sized for the largest
batch it will answer. The querier (client) blinds its items with its own key ``c`` and sends
them; the server returns them raised to ``k``; the client strips ``c`` and tests each against
the setup. The server sees only ``len(batch)`` blinded points; the client learns only which of
its own items are in the set (``reveal=True``) or only how many (``reveal=False``: the server
shuffles the response so positions mean nothing).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from riskline.errors import InvalidInput, Unavailable

__all__ = ["PsiClient", "PsiServer", "load_psi", "make_setups"]

_INSTALL = "the consortium needs openmined-psi: pip install 'riskline[consortium]'"


def load_psi() -> ModuleType:
    """The ``private_set_intersection.python`` module, or a clear error when it is missing."""
    try:
        return importlib.import_module("private_set_intersection.python")
    except ImportError:
        raise Unavailable(_INSTALL) from None


def _ds(name: str) -> Any:
    psi = load_psi()
    try:
        return {"gcs": psi.DataStructure.GCS, "bloom": psi.DataStructure.BLOOM_FILTER}[name]
    except KeyError:
        raise InvalidInput(f"unknown PSI data structure {name!r}; use gcs or bloom") from None


def make_setups(
    key: bytes | None,
    sets: Mapping[str, Sequence[str]],
    max_batch: int,
    fpr: float,
    ds: str = "gcs",
) -> tuple[bytes, dict[str, bytes]]:
    """Serialised setup messages, one per named set, all under one server key.

    A fresh key is drawn when ``key`` is None (every publish). ``fpr`` is the chance that a
    batch of ``max_batch`` items shows any false match across *all* sets, so each set gets an
    equal share of it.
    """
    psi = load_psi()
    server = (
        psi.server.CreateWithNewKey(True) if key is None else psi.server.CreateFromKey(key, True)
    )
    share = fpr / max(1, len(sets))
    structure = _ds(ds)
    out = {name: _setup(server, share, max_batch, items, structure) for name, items in sets.items()}
    return server.GetPrivateKeyBytes(), out


def _setup(server: Any, fpr: float, max_batch: int, items: Sequence[str], structure: Any) -> bytes:
    """One setup message. openmined-psi 2.0.x fails to build a GCS for sets much smaller than
    the batch it is sized for (``basic_string::_M_replace_aux``); a Bloom filter is used for
    those (tiny anyway; the querier reads the structure from the message)."""
    try:
        msg = server.CreateSetupMessage(fpr, max_batch, list(items), structure)
    except ValueError:
        bloom = load_psi().DataStructure.BLOOM_FILTER
        msg = server.CreateSetupMessage(fpr, max_batch, list(items), bloom)
    return bytes(msg.SerializeToString())


@dataclass(frozen=True, slots=True)
class PsiServer:
    """Answers blinded requests with a publication's key (either mode)."""

    key: bytes

    def answer(self, request: bytes, reveal: bool) -> tuple[bytes, int]:
        """The serialised response and the batch size (all the server learns)."""
        psi = load_psi()
        req = psi.Request()
        try:
            req.ParseFromString(request)
        except Exception:
            raise InvalidInput("the body is not a PSI request") from None
        if req.reveal_intersection != reveal:
            mode = "intersection" if reveal else "cardinality"
            raise InvalidInput(f"this endpoint answers {mode} requests only")
        server = psi.server.CreateFromKey(self.key, reveal)
        try:
            response = server.ProcessRequest(req)
        except RuntimeError as err:
            raise InvalidInput(f"malformed PSI request: {err}") from None
        return response.SerializeToString(), len(req.encrypted_elements)


class PsiClient:
    """The querier's side: blind a batch, then read a response against the setups."""

    def __init__(self, reveal: bool) -> None:
        self.reveal = reveal
        self._client = load_psi().client.CreateWithNewKey(reveal)

    def request(self, items: Sequence[str]) -> bytes:
        """The blinded, serialised request for ``items`` (a fresh blinding per call is not
        needed: the key never leaves this object and each response is tied to one request)."""
        return bytes(self._client.CreateRequest(list(items)).SerializeToString())

    def matches(self, setup: bytes, response: bytes) -> list[int]:
        """Indices of my items that are in the set (reveal mode)."""
        psi = load_psi()
        s, r = psi.ServerSetup(), psi.Response()
        s.ParseFromString(setup)
        r.ParseFromString(response)
        return sorted(self._client.GetIntersection(s, r))

    def count(self, setup: bytes, response: bytes) -> int:
        """How many of my items are in the set (cardinality mode)."""
        psi = load_psi()
        s, r = psi.ServerSetup(), psi.Response()
        s.ParseFromString(setup)
        r.ParseFromString(response)
        return int(self._client.GetIntersectionSize(s, r))
