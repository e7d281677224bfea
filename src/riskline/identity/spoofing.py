"""Spoofing signals in raw fingerprint components: automation, emulators, impossible mixes.

``block`` flags fail a device check (automation or a fingerprint that no real device
produces); ``warn`` flags are recorded for review (a traveller's timezone, say).

>>> c = Components(webgl_renderer="Google SwiftShader", webdriver=True, languages=("en",),
...                user_agent="Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0")
>>> [f.code for f in spoofing_flags(c)]
['webdriver', 'headless_user_agent', 'software_renderer']
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from riskline.identity.fingerprint import Components, parse_user_agent

__all__ = ["Flag", "blocking", "spoofing_flags", "timezone_countries"]

_SOFTWARE_GL = re.compile(r"swiftshader|llvmpipe|softpipe|mesa offscreen|software rasterizer", re.I)
_VIRTUAL_GL = re.compile(r"virtualbox|vmware|parallels|android emulator|bluestacks|emulator", re.I)
_HEADLESS_UA = re.compile(r"HeadlessChrome|PhantomJS|puppeteer|playwright", re.I)
_WINDOWS_FONTS = frozenset(
    {
        "segoe ui",
        "calibri",
        "cambria",
        "tahoma",
        "ms gothic",
        "microsoft yahei",
        "simsun",
        "consolas",
    }
)
_MOBILE_MAX_CORES = 12
_PLATFORMS = {
    "ios": ("iphone", "ipad", "ipod", "macintel"),
    "android": ("linux", "android"),
    "windows": ("win32", "win64", "windows"),
    "macos": ("macintel", "macppc", "mac"),
    "linux": ("linux", "x11"),
}


@dataclass(frozen=True, slots=True)
class Flag:
    """One spoofing signal: a code, ``block`` or ``warn``, and a plain explanation."""

    code: str
    severity: str
    detail: str


def blocking(flags: list[Flag]) -> bool:
    """Whether any flag fails a device check."""
    return any(f.severity == "block" for f in flags)


def spoofing_flags(c: Components, geo_country: str | None = None) -> list[Flag]:
    """Every spoofing signal in ``c``; ``geo_country`` (ISO 3166 alpha-2 of the client IP, when
    the caller knows it) enables the timezone check."""
    flags: list[Flag] = []
    ua = c.user_agent or ""
    renderer = f"{c.webgl_vendor or ''} {c.webgl_renderer or ''}"
    if c.webdriver:
        flags.append(Flag("webdriver", "block", "navigator.webdriver is set (browser automation)"))
    if _HEADLESS_UA.search(ua):
        flags.append(Flag("headless_user_agent", "block", "the user agent names a headless tool"))
    if _SOFTWARE_GL.search(renderer):
        flags.append(Flag("software_renderer", "block", "WebGL runs on a software renderer"))
    elif _VIRTUAL_GL.search(renderer):
        flags.append(Flag("emulator_renderer", "block", "WebGL renderer of a VM or emulator"))
    flags.extend(_impossible(c, ua))
    if geo_country:
        flags.extend(_timezone_mismatch(c.timezone, geo_country.upper()))
    return flags


def _impossible(c: Components, ua: str) -> list[Flag]:
    if not ua:
        return []
    os_family = parse_user_agent(ua)[2]
    mobile = os_family in ("ios", "android")
    out: list[Flag] = []
    platform = (c.platform or "").lower()
    allowed = _PLATFORMS.get(os_family)
    if allowed and platform and not platform.startswith(allowed):
        out.append(
            Flag("platform_mismatch", "block", f"{os_family} user agent on platform {c.platform}")
        )
    if os_family == "ios" and {f.lower() for f in c.fonts} & _WINDOWS_FONTS:
        out.append(Flag("fonts_mismatch", "block", "Windows-only fonts on an iOS device"))
    if mobile and (c.hardware_concurrency or 0) > _MOBILE_MAX_CORES:
        out.append(
            Flag("cores_mismatch", "block", f"{c.hardware_concurrency} cores on a mobile device")
        )
    if mobile and c.max_touch_points == 0:
        out.append(Flag("touch_mismatch", "block", "a mobile device without touch support"))
    if not c.languages:
        out.append(Flag("no_languages", "warn", "the browser reports no languages"))
    return out


def _timezone_mismatch(timezone: str | None, country: str) -> list[Flag]:
    if not timezone:
        return []
    countries = timezone_countries().get(timezone)
    if countries is None or country in countries:
        return []
    return [Flag("timezone_mismatch", "warn", f"timezone {timezone} is not used in {country}")]


@functools.cache
def timezone_countries() -> dict[str, frozenset[str]]:
    """IANA zone -> countries using it, from the tz database's ``zone.tab`` (empty if absent)."""
    text = _zone_tab()
    out: dict[str, set[str]] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) >= 3:
            for code in parts[0].split(","):
                out.setdefault(parts[2], set()).add(code)
    return {k: frozenset(v) for k, v in out.items()}


def _zone_tab() -> str:
    try:
        return resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        pass
    system = Path("/usr/share/zoneinfo/zone.tab")
    return system.read_text("utf-8") if system.is_file() else ""
