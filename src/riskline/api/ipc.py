"""Frames between the front processes and the writer process of ``riskline serve --workers N``.

A frame is a 4-byte big-endian length and a pickle. Both ends are processes of one server on
one machine, talking over a unix socket in a directory only its user may open
(:func:`riskline.api.workers.serve_workers`), so what is unpickled was pickled by a sibling.
Domain events hold read-only mappings (``types.MappingProxyType``), which pickle cannot write
by itself; they travel as plain dicts and are wrapped again on arrival.

>>> from types import MappingProxyType
>>> reader = FrameReader()
>>> raw = encode((7, {"a": MappingProxyType({"b": 1})}))
>>> reader.feed(raw[:3]), reader.feed(raw[3:] + encode("next"))
([], [(7, {'a': mappingproxy({'b': 1})}), 'next'])
"""

from __future__ import annotations

import asyncio
import copyreg
import io
import pickle
import struct
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from riskline.errors import Unavailable

__all__ = ["FrameReader", "FrameWriter", "encode"]

_HEADER = struct.Struct(">I")
MAX_FRAME = 1 << 30
"""The largest frame (1 GiB); a longer length is a broken stream, not a request."""


def _proxy(items: dict[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(items)


def _reduce_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Callable[..., Any], tuple[Any]]:
    return _proxy, (dict(proxy),)


class _Pickler(pickle.Pickler):
    dispatch_table = MappingProxyType({**copyreg.dispatch_table, MappingProxyType: _reduce_proxy})


def encode(obj: object) -> bytes:
    """One frame holding ``obj``."""
    buf = io.BytesIO()
    buf.write(b"\0\0\0\0")
    _Pickler(buf, pickle.HIGHEST_PROTOCOL).dump(obj)
    raw = buf.getbuffer()
    _HEADER.pack_into(raw, 0, len(raw) - _HEADER.size)
    del raw  # release the view before reading the bytes
    return buf.getvalue()


class FrameReader:
    """Cuts a byte stream into frames: feed what arrived, get the whole frames it completed."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[Any]:
        """The objects of every frame completed by ``data`` (a partial frame is kept)."""
        buf = self._buf
        buf += data
        out: list[Any] = []
        start = 0
        while len(buf) - start >= _HEADER.size:
            (size,) = _HEADER.unpack_from(buf, start)
            if size > MAX_FRAME:
                raise Unavailable(f"a frame of {size} bytes: the stream is broken")
            end = start + _HEADER.size + size
            if len(buf) < end:
                break
            out.append(pickle.loads(buf[start + _HEADER.size : end]))
            start = end
        if start:
            del buf[:start]
        return out


class FrameWriter:
    """Frames out on a transport, those of one turn of the event loop in one write: a group
    commit answers many requests at once, and a burst of requests goes out in one system call."""

    def __init__(self, transport: asyncio.WriteTransport) -> None:
        self.transport = transport
        self._frames: list[bytes] = []

    def send(self, frame: bytes) -> None:
        """Queue ``frame``; it is written at the end of this turn of the loop."""
        if not self._frames:
            asyncio.get_running_loop().call_soon(self._flush)
        self._frames.append(frame)

    def _flush(self) -> None:
        frames, self._frames = self._frames, []
        if not self.transport.is_closing():
            self.transport.write(b"".join(frames))
