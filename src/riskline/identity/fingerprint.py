"""Browser fingerprints: raw components, their minimised stored form, and fuzzy similarity.

The collector (``static/collector.js``) posts raw components of the kind FingerprintJS reads.
Before anything is stored or compared they are *minimised*: every identifying value becomes a
keyed hash (HMAC-SHA256, 64 bits), fonts become a set of keyed hashes, the user agent is reduced
to browser family, major version and OS. Similarity is a weighted mean of per-component
similarities, so a browser update, a new font or a changed screen lowers it only a little.

>>> fp = Components(canvas="c1", audio="a1", fonts=("Arial", "Menlo"), timezone="Asia/Shanghai",
...                 user_agent="Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Chrome/120.0")
>>> m = minimise(fp, b"k" * 16)
>>> similarity(m, m)
1.0
>>> newer = minimise(Components(canvas="c1", audio="a1", fonts=("Arial", "Menlo", "Fira"),
...     timezone="Asia/Shanghai", user_agent="Mozilla/5.0 (Macintosh) Chrome/121.0"), b"k" * 16)
>>> round(similarity(newer, m), 3)
0.876
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "WEIGHTS",
    "Components",
    "Minimised",
    "blocking_keys",
    "minimise",
    "parse_user_agent",
    "similarity",
]


@dataclass(frozen=True, slots=True)
class Components:
    """Raw browser signals as the collector sends them (any may be missing)."""

    canvas: str | None = None
    audio: str | None = None
    webgl_vendor: str | None = None
    webgl_renderer: str | None = None
    fonts: tuple[str, ...] = ()
    screen_width: int | None = None
    screen_height: int | None = None
    color_depth: int | None = None
    pixel_ratio: float | None = None
    timezone: str | None = None
    languages: tuple[str, ...] = ()
    platform: str | None = None
    hardware_concurrency: int | None = None
    device_memory: float | None = None
    max_touch_points: int | None = None
    user_agent: str | None = None
    webdriver: bool = False


Minimised = Mapping[str, Any]
"""The stored form: component name -> keyed hash, number, or sorted list of font hashes."""

WEIGHTS: Mapping[str, float] = {
    "canvas": 3.0,
    "audio": 2.0,
    "webgl": 2.5,
    "fonts": 3.0,
    "screen": 1.0,
    "depth": 0.5,
    "ratio": 0.5,
    "tz": 1.0,
    "langs": 1.0,
    "platform": 1.5,
    "ua": 1.5,
    "cores": 1.0,
    "memory": 0.5,
    "touch": 0.5,
}
"""How much each component counts: high-entropy and stable ones most."""

_UA_BROWSERS = (
    ("edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+)")),
    ("opera", re.compile(r"OPR/(\d+)")),
    ("samsung", re.compile(r"SamsungBrowser/(\d+)")),
    ("firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+)")),
    ("chrome", re.compile(r"(?:Chrome|CriOS|HeadlessChrome)/(\d+)")),
    ("safari", re.compile(r"Version/(\d+).*Safari/")),
)
_UA_OS = (
    ("ios", re.compile(r"iPhone|iPad|iPod")),
    ("android", re.compile(r"Android")),
    ("windows", re.compile(r"Windows")),
    ("macos", re.compile(r"Macintosh|Mac OS X")),
    ("linux", re.compile(r"Linux|X11")),
)
_UA_OS_VERSION = re.compile(r"(?:iPhone OS|CPU OS|Android) (\d+)(?:[_.](\d+))?")
_RENDERED = ("canvas", "audio")
_UPDATE_DISCOUNT = 0.25
"""A canvas or audio hash that changed together with a browser or OS update counts a quarter."""


def parse_user_agent(ua: str) -> tuple[str, int, str, float]:
    """(browser family, major version, OS family, OS version as major + minor / 100, or 0);
    unknown parts are ``"other"`` and 0.

    >>> parse_user_agent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) "
    ...                  "AppleWebKit/605.1.15 Version/17.2 Mobile/15E148 Safari/604.1")
    ('safari', 17, 'ios', 17.02)
    """
    family, major = "other", 0
    for name, pattern in _UA_BROWSERS:
        found = pattern.search(ua)
        if found:
            family, major = name, int(found.group(1))
            break
    os_family = next((name for name, p in _UA_OS if p.search(ua)), "other")
    found_os = _UA_OS_VERSION.search(ua)
    version = 0.0
    if found_os:
        version = int(found_os.group(1)) + int(found_os.group(2) or 0) / 100
    return family, major, os_family, version


def _h(key: bytes, name: str, value: object) -> str:
    return hmac.new(key, f"{name}:{value}".encode(), hashlib.sha256).hexdigest()[:16]


def minimise(c: Components, key: bytes) -> dict[str, Any]:
    """The stored, comparable form of ``c``: identifying values keyed-hashed with ``key``."""
    out: dict[str, Any] = {}
    for name, value in (("canvas", c.canvas), ("audio", c.audio), ("tz", c.timezone)):
        if value:
            out[name] = _h(key, name, value)
    if c.webgl_vendor or c.webgl_renderer:
        out["webgl"] = _h(key, "webgl", f"{c.webgl_vendor}|{c.webgl_renderer}")
    if c.fonts:
        out["fonts"] = sorted({_h(key, "font", f.strip().lower()) for f in c.fonts})
    if c.screen_width and c.screen_height:
        out["screen"] = sorted((c.screen_width, c.screen_height))
    if c.languages:
        out["langs"] = _h(key, "langs", ",".join(x.lower() for x in c.languages))
    if c.platform:
        out["platform"] = _h(key, "platform", c.platform)
    if c.user_agent:
        out["ua"] = list(parse_user_agent(c.user_agent))
    for name, num in (
        ("depth", c.color_depth),
        ("ratio", c.pixel_ratio),
        ("cores", c.hardware_concurrency),
        ("memory", c.device_memory),
        ("touch", c.max_touch_points),
    ):
        if num is not None:
            out[name] = num
    return out


def _ua_similarity(new: list[Any], known: list[Any]) -> tuple[float, bool]:
    """Similarity of parsed user agents, and whether ``new`` is an update of ``known``."""
    if new[0] != known[0] or new[2] != known[2]:
        return 0.0, False
    browser, system = int(new[1]) - int(known[1]), float(new[3]) - float(known[3])
    if browser == system == 0:
        return 1.0, False
    if 0 <= browser <= 3 and 0 <= system <= 2:
        return 0.8, True
    return 0.3, False


def _component_similarity(name: str, a: Any, b: Any) -> float:
    if name == "fonts":
        sa, sb = set(a), set(b)
        return len(sa & sb) / len(sa | sb) if sa | sb else 1.0
    return 1.0 if a == b else 0.0


def similarity(new: Minimised, known: Minimised, min_coverage: float = 0.5) -> float:
    """How alike a new fingerprint is to a known device's, in [0, 1]: the weighted mean of
    component similarities over the components both carry.

    When the user agent shows a browser or OS update, changed canvas and audio hashes (which
    updates often change) count a quarter. 0 when the two share less than ``min_coverage`` of
    the total weight (too little to tell).
    """
    total = sum(WEIGHTS.values())
    updated = False
    weight = score = 0.0
    if "ua" in new and "ua" in known:
        ua, updated = _ua_similarity(new["ua"], known["ua"])
        weight, score = WEIGHTS["ua"], WEIGHTS["ua"] * ua
    for name, w in WEIGHTS.items():
        if name == "ua" or name not in new or name not in known:
            continue
        s = _component_similarity(name, new[name], known[name])
        if updated and s == 0.0 and name in _RENDERED:
            w *= _UPDATE_DISCOUNT
        weight += w
        score += w * s
    if weight < min_coverage * total:
        return 0.0
    return score / weight


def blocking_keys(m: Minimised) -> list[str]:
    """Index keys for finding candidate devices: a drifted fingerprint still shares one.

    >>> blocking_keys({"canvas": "ab", "audio": "cd"})
    ['canvas:ab', 'audio:cd']
    """
    keys = [f"{name}:{m[name]}" for name in ("canvas", "audio") if name in m]
    if "fonts" in m:
        keys.append("fonts:" + hashlib.sha256(",".join(m["fonts"]).encode()).hexdigest()[:16])
    env = [str(m.get(n)) for n in ("webgl", "tz", "langs", "platform", "screen", "cores")]
    if any(v != "None" for v in env):
        keys.append("env:" + hashlib.sha256("|".join(env).encode()).hexdigest()[:16])
    return keys
