"""How events look, apart from what anybody does: one model for honest and fraudulent actors.

Every non-behavioural field of an event (time of day to the second, IP address and its
network, device fingerprint, identity-check method and score, amount precision, bureau
history) is drawn here, from the same distributions whoever acts. Fraud differs only in
behaviour (who pays whom, how fast, how much, from which devices and accounts) and in a
few real markers (proxy IPs, emulators), each at a documented, configurable rate that
honest people carry too. ``riskline sim audit`` checks that no artifact is left.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> ts = daytime(rng, 86_400 * 3 + 5, night=False)
>>> 86_400 * 3 <= ts < 86_400 * 4
True
>>> fingerprint_text(0).startswith('{"os":')
True
>>> price_cents(rng, 123.456, round_share=0.0) % 1 == 0
True
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "CARRIER_BLOCKS",
    "DEVICES",
    "FINGERPRINTS",
    "HOSTING_BLOCKS",
    "HOUR_P",
    "NIGHT_P",
    "ONBOARDING",
    "REVERIFY",
    "batch_times",
    "bureau_overdue_cents",
    "day_times",
    "daytime",
    "device_codes",
    "fingerprint_text",
    "ip_from",
    "ip_kinds",
    "loan_cents",
    "loan_due_cents",
    "price_cents",
    "price_shape",
    "transfer_cents",
    "transfer_shape",
    "verifications",
]

DAY = 86_400
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

_HOURS = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2.5, 4, 5, 5.5, 7, 8, 6, 5, 5, 5.5, 6, 7.5, 8.5, 8.5, 7, 5, 2.5]
)
_NIGHT = np.array([6, 6, 5, 4, 3, 2, 1, 1, 1, 1, 1.5, 2, 2, 2, 2, 2, 2, 3, 3, 4, 5, 6, 6, 6.0])
HOUR_P = _HOURS / _HOURS.sum()
"""Share of a day-person's activity in each hour (UTC+8 clock, as the events are written)."""
NIGHT_P = _NIGHT / _NIGHT.sum()
"""The same for night owls."""


def day_times(rng: np.random.Generator, d0: int, night: npt.NDArray[np.bool_]) -> I64:
    """Times on the day starting at ``d0``: hour from the person's profile, second uniform."""
    size = night.size
    hours = np.where(night, rng.choice(24, size, p=NIGHT_P), rng.choice(24, size, p=HOUR_P))
    return (d0 + hours * 3600 + rng.integers(0, 3600, size)).astype(np.int64)


def daytime(rng: np.random.Generator, ts: int, *, night: bool) -> int:
    """A time on the day of ``ts`` drawn like :func:`day_times` (for one event)."""
    hour = int(rng.choice(24, p=NIGHT_P if night else HOUR_P))
    return ts - ts % DAY + hour * 3600 + int(rng.integers(0, 3600))


def batch_times(rng: np.random.Generator, d0: int, size: int) -> I64:
    """Times of the platform's nightly settlement batch (01:00-05:00) on the day of ``d0``."""
    return (d0 + rng.integers(3600, 5 * 3600, size)).astype(np.int64)


# ---------------------------------------------------------------------------------------------
# devices: (os, model, screen, market share); fingerprints add a marker (none, rooted, emulator)
DEVICES: tuple[tuple[str, str, str, float], ...] = (
    ("ios-18", "iPhone15,2", "1179x2556", 0.10),
    ("ios-18", "iPhone16,2", "1290x2796", 0.07),
    ("ios-17", "iPhone14,7", "1170x2532", 0.08),
    ("ios-16", "iPhone13,2", "1170x2532", 0.04),
    ("harmonyos-4", "ALN-AL00", "1260x2720", 0.08),
    ("harmonyos-4", "NOH-AN00", "1344x2772", 0.05),
    ("android-14", "23127PN0CC", "1440x3200", 0.06),
    ("android-13", "22081212C", "1220x2712", 0.07),
    ("android-14", "PHB110", "1080x2412", 0.07),
    ("android-13", "V2241A", "1080x2400", 0.08),
    ("android-12", "M2006C3LC", "720x1600", 0.05),
    ("android-14", "RMX3700", "1080x2400", 0.04),
    ("android-13", "SM-S9180", "1080x2340", 0.03),
    ("android-11", "V2054A", "1080x2408", 0.04),
    ("android-12", "PGT110", "1080x2412", 0.04),
    ("ipados-17", "iPad13,18", "1640x2360", 0.03),
    ("android-13", "BAH3-W59", "2000x1200", 0.02),
    ("harmonyos-3", "MRX-W09", "2560x1600", 0.05),
)
"""Device models with their market shares (normalised when drawn)."""

_SHARE = np.array([d[3] for d in DEVICES]) / sum(d[3] for d in DEVICES)
_MARKERS = ("", ',"rooted":true', ',"emulator":true')
FINGERPRINTS: tuple[str, ...] = tuple(
    f'{{"os":"{os}","model":"{model}","screen":"{screen}","tz":"+08:00"{marker}}}'
    for os, model, screen, _ in DEVICES
    for marker in _MARKERS
)
"""Every fingerprint text, indexed by device code (model index x 3 + marker)."""


def device_codes(rng: np.random.Generator, size: int, *, rooted: float, emulator: float) -> I64:
    """Fingerprint codes of ``size`` new devices: a model by market share, then a marker."""
    model = rng.choice(len(DEVICES), size, p=_SHARE)
    u = rng.random(size)
    marker = np.where(u < emulator, 2, np.where(u < emulator + rooted, 1, 0))
    return (model * 3 + marker).astype(np.int64)


def fingerprint_text(code: int) -> str:
    """The login fingerprint JSON of a device code."""
    return FINGERPRINTS[code]


# ---------------------------------------------------------------------------------------------
# network: home broadband (anywhere in public space), carrier NAT blocks, hosting / proxies
CARRIER_BLOCKS: tuple[tuple[int, int], ...] = (
    (117, 136),
    (117, 151),
    (223, 104),
    (223, 72),
    (112, 96),
    (112, 97),
    (36, 152),
    (39, 144),
    (111, 30),
    (120, 229),
    (183, 192),
    (106, 39),
)
"""Mobile-carrier address blocks (/16): many subscribers share each address (CGNAT)."""
HOSTING_BLOCKS: tuple[tuple[int, int], ...] = (
    (47, 92),
    (47, 100),
    (101, 32),
    (119, 28),
    (43, 129),
    (45, 77),
    (104, 28),
    (8, 210),
)
"""Cloud and proxy address blocks (/16): VPNs, proxies, hosted emulators."""

BROADBAND, CARRIER, HOSTING = 0, 1, 2


def ip_from(rng: np.random.Generator, kinds: I64) -> npt.NDArray[np.str_]:
    """IPv4 text of one address per kind (broadband, carrier or hosting), host part uniform."""
    size = kinds.size
    carrier = np.array(CARRIER_BLOCKS)[rng.integers(0, len(CARRIER_BLOCKS), size)]
    hosting = np.array(HOSTING_BLOCKS)[rng.integers(0, len(HOSTING_BLOCKS), size)]
    home_a = rng.integers(14, 214, size)
    home_b = rng.integers(0, 256, size)
    a = np.where(kinds == CARRIER, carrier[:, 0], np.where(kinds == HOSTING, hosting[:, 0], home_a))
    b = np.where(kinds == CARRIER, carrier[:, 1], np.where(kinds == HOSTING, hosting[:, 1], home_b))
    c = rng.integers(0, 256, size)
    d = rng.integers(1, 255, size)
    out = a.astype(str)
    for part in (b, c, d):
        out = np.char.add(np.char.add(out, "."), part.astype(str))
    return out


def ip_kinds(rng: np.random.Generator, size: int, *, carrier: float, hosting: float) -> I64:
    """Draw network kinds: hosting with ``hosting``, carrier with ``carrier``, else broadband."""
    u = rng.random(size)
    kinds = np.where(u < hosting, HOSTING, np.where(u < hosting + carrier, CARRIER, BROADBAND))
    return kinds.astype(np.int64)


# ---------------------------------------------------------------------------------------------
# amounts: how precise a price, a transfer or a loan is does not depend on who pays


def price_shape(rng: np.random.Generator, yuan: F64, round_share: F64 | float) -> I64:
    """Cents of prices: rounded to 10 yuan with the category's share, else to the cent."""
    rounded = rng.random(yuan.size) < round_share
    value = np.where(rounded, np.maximum(np.round(yuan, -1), 10), yuan)
    return np.maximum(np.round(value * 100), 100).astype(np.int64)


def price_cents(rng: np.random.Generator, yuan: float, *, round_share: float) -> int:
    """One price shaped like :func:`price_shape`."""
    return int(price_shape(rng, np.array([yuan]), round_share)[0])


def transfer_shape(rng: np.random.Generator, cents: I64) -> I64:
    """Person-to-person transfers: 35 % to 100 yuan, 20 % to 10, 20 % whole yuan, rest exact."""
    u = rng.random(cents.size)
    step = np.where(u < 0.35, 10_000, np.where(u < 0.55, 1_000, np.where(u < 0.75, 100, 1)))
    out = np.maximum(np.round(cents / step) * step, step)
    return out.astype(np.int64)


def transfer_cents(rng: np.random.Generator, yuan: float) -> int:
    """One transfer amount shaped like :func:`transfer_shape`."""
    return int(transfer_shape(rng, np.array([round(yuan * 100)], dtype=np.int64))[0])


def loan_cents(rng: np.random.Generator, yuan: float) -> int:
    """A loan amount as people ask for it: to 1,000 yuan (60 %) or 100 yuan, at least 500."""
    step = 1000 if rng.random() < 0.6 else 100
    return int(max(round(yuan / step) * step, 500) * 100)


def loan_due_cents(rng: np.random.Generator, principal: int, months: float) -> int:
    """Amount due on a loan: principal with interest at 1.2-2.0 % a month, to the cent."""
    rate = float(rng.uniform(0.012, 0.02))
    return round(principal * (1 + rate * months))


# ---------------------------------------------------------------------------------------------
# identity checks: the method depends on the moment (onboarding or re-verification), not on who
ONBOARDING = {"face": 0.8, "document": 0.2}
REVERIFY = {"sms": 0.55, "face": 0.4, "document": 0.05}


def verifications(
    rng: np.random.Generator, size: int, methods: dict[str, float]
) -> tuple[npt.NDArray[np.str_], I64, npt.NDArray[np.bool_]]:
    """Method, score (thousandths) and result of ``size`` identity checks.

    Face and document checks score like a vendor's matcher (pass at 0.600); an SMS code
    scores 1.0 and fails when mistyped or expired (3 %).
    """
    names = list(methods)
    p = np.array([methods[m] for m in names])
    method = np.array(names)[rng.choice(len(names), size, p=p / p.sum())]
    face = np.round(rng.beta(12, 1.5, size) * 1000)
    doc = np.round(rng.beta(10, 1.6, size) * 1000)
    sms = np.where(rng.random(size) < 0.03, 0, 1000)
    score = np.where(method == "face", face, np.where(method == "document", doc, sms))
    score = np.clip(score, 0, 1000).astype(np.int64)
    return method, score, score >= 600


def bureau_overdue_cents(rng: np.random.Generator, overdue: I64) -> I64:
    """Amount overdue elsewhere for a count of overdue accounts (0 when none), to the cent."""
    yuan = rng.lognormal(7.6, 1.0, overdue.size) * np.maximum(overdue, 1)
    return np.where(overdue > 0, np.round(yuan * 100), 0).astype(np.int64)
