"""Synthetic identifiers: ids drawn from shuffled spaces, phones, ID numbers, cards, IPs.

Ids are mapped through an affine permutation so an id never reveals when, or by
which generator, its entity was made.

>>> space = IdSpace("P", 7, salt=3)
>>> a = space.take(2)
>>> len(set(a)), a[0].startswith("P"), len(a[0])
(2, True, 8)
>>> str(ip_strings(np.array([167772161]))[0])
'10.0.0.1'
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["IdSpace", "card_numbers", "id_numbers", "ip_strings", "phones"]

IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]

_MULTIPLIERS = (7_368_787, 2_654_435_761 % 10**9 | 1, 48_271, 69_621, 16_807, 39_373, 9_576_373)


class IdSpace:
    """A shuffled space of ``prefix`` + ``width`` digits handing out fresh ids in order."""

    def __init__(self, prefix: str, width: int, salt: int) -> None:
        self.prefix = prefix
        self.width = width
        self.cap = 10**width
        mult = _MULTIPLIERS[salt % len(_MULTIPLIERS)]
        while mult % 2 == 0 or mult % 5 == 0:
            mult += 1
        self._mult = mult % self.cap or 1
        self._offset = (salt * 982_451_653) % self.cap
        self.used = 0

    def numbers(self, count: int) -> IntArray:
        """The next ``count`` permuted numbers."""
        if self.used + count > self.cap:
            raise OverflowError(f"id space {self.prefix} exhausted")
        idx = np.arange(self.used, self.used + count, dtype=np.int64)
        self.used += count
        out: IntArray = (idx * self._mult + self._offset) % self.cap
        return out

    def take(self, count: int) -> StrArray:
        """The next ``count`` ids as strings."""
        nums = self.numbers(count)
        return np.char.add(self.prefix, np.char.zfill(nums.astype(str), self.width))

    def one(self) -> str:
        """One fresh id."""
        return str(self.take(1)[0])


def phones(numbers: IntArray) -> StrArray:
    """Mainland-style mobile numbers ``+861`` + 10 digits from integers."""
    return np.char.add("+861", np.char.zfill((numbers % 10**10).astype(str), 10))


def id_numbers(numbers: IntArray) -> StrArray:
    """18-digit national-ID-shaped strings from integers."""
    return np.char.add("1101", np.char.zfill((numbers % 10**14).astype(str), 14))


def card_numbers(numbers: IntArray) -> StrArray:
    """16-digit card numbers ``62`` + 14 digits."""
    return np.char.add("62", np.char.zfill((numbers % 10**14).astype(str), 14))


def ip_strings(numbers: IntArray) -> StrArray:
    """Dotted IPv4 strings from 32-bit integers."""
    parts = [((numbers >> s) & 255).astype(str) for s in (24, 16, 8, 0)]
    out = parts[0]
    for part in parts[1:]:
        out = np.char.add(np.char.add(out, "."), part)
    return out
