"""Generated device fingerprints with realistic drift, and a measurement of device matching.

Devices are drawn from hardware archetypes (iPhones, Android phones, Windows and Mac desktops)
so that, as in real life, phones of one model on one OS and browser version share most
components (iPhones of a model are often indistinguishable). Rendering hashes depend on OS,
browser version and GPU driver, so a browser update sometimes changes the canvas or audio hash.
Mobile OS updates show in the user agent and change both hashes; desktop user agents hide
the OS version, and a desktop OS update re-renders the canvas half the time.
A revisit applies one or more drifts: browser or OS update, fonts installed or removed, another
screen, a zoom level, travel to another timezone, another language.

>>> gen = FingerprintGenerator(seed=1)
>>> d = gen.device()
>>> gen.drift(d) != d
True
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from riskline.identity.devices import DeviceRegistry, MemoryDeviceStore
from riskline.identity.fingerprint import Components, minimise

__all__ = ["FingerprintGenerator", "MatchReport", "SimDevice", "Tally", "measure"]

_T0 = datetime(2026, 1, 1, tzinfo=UTC)
_IPHONES = [
    ("iPhone13", 390, 844, 3.0),
    ("iPhone15", 393, 852, 3.0),
    ("iPhoneSE", 375, 667, 2.0),
    ("iPhone14Plus", 428, 926, 3.0),
    ("iPhone15ProMax", 430, 932, 3.0),
]
_ANDROID_GPUS = [
    *(f"Adreno (TM) {n}" for n in (619, 650, 730, 740)),
    *(f"Mali-G{n}" for n in (57, 78, 710)),
    "Maleoon 910",
]
_DESKTOP_GPUS = [
    *(
        f"ANGLE (NVIDIA, NVIDIA GeForce {m} Direct3D11)"
        for m in ("GTX 1050 Ti", "GTX 1650", "GTX 1660", "RTX 2060", "RTX 3060", "RTX 3070")
    ),
    *(f"ANGLE (NVIDIA, NVIDIA GeForce {m} Direct3D11)" for m in ("RTX 4060", "RTX 4070", "GT 730")),
    *(
        f"ANGLE (Intel, Intel(R) {m} Direct3D11)"
        for m in ("UHD Graphics 620", "UHD Graphics 630", "Iris(R) Xe Graphics", "HD Graphics 520")
    ),
    *(f"ANGLE (AMD, AMD Radeon {m} Direct3D11)" for m in ("RX 580", "RX 6600", "Vega 8")),
]
_MAC_GPUS = ["Apple M1", "Apple M2", "Apple M3", "Apple M1 Pro", "Intel Iris Plus Graphics"]
_SCREENS = [
    *((1920, 1080), (1366, 768), (2560, 1440), (1536, 864), (1440, 900)),
    *((1600, 900), (1280, 720), (3840, 2160), (1680, 1050), (2560, 1080)),
]
_MAC_SCREENS = [(1440, 900), (1512, 982), (1728, 1117), (1680, 1050), (2560, 1440)]
_ANDROID_SCREENS = [(360, 800), (393, 873), (412, 915), (384, 854), (360, 780), (412, 892)]
_ZONES = [
    ("Asia/Shanghai", "zh-CN", 60),
    ("Asia/Hong_Kong", "zh-HK", 6),
    ("Asia/Taipei", "zh-TW", 4),
    ("Asia/Singapore", "en-SG", 5),
    ("America/New_York", "en-US", 8),
    ("Europe/London", "en-GB", 5),
    ("Asia/Tokyo", "ja-JP", 5),
    ("Europe/Berlin", "de-DE", 4),
    ("America/Los_Angeles", "en-US", 3),
]
_WIN_FONTS = (
    *("Arial", "Calibri", "Cambria", "Consolas", "Segoe UI", "Tahoma", "Times New Roman"),
    *("Verdana", "Microsoft YaHei", "SimSun"),
)
_MAC_FONTS = ("Arial", "Helvetica Neue", "Menlo", "Monaco", "PingFang SC", "Times", "Avenir")
_IOS_FONTS = ("Arial", "Helvetica Neue", "Menlo", "PingFang SC", "Times New Roman")
_ANDROID_FONTS = ("Roboto", "Noto Sans CJK SC", "Droid Sans Mono", "Noto Serif")
_EXTRA_FONTS = tuple(f"AppFont{i:03d}" for i in range(400))


@dataclass(frozen=True, slots=True)
class SimDevice:
    """A generated device's true state (what it would report now)."""

    kind: str
    model: str
    gpu: str
    driver: int
    os_version: int
    browser: str
    browser_major: int
    render_salt: int
    audio_salt: int
    fonts: tuple[str, ...]
    screen: tuple[int, int]
    ratio: float
    zone: str
    language: str
    cores: int
    memory: float | None
    second_language: str = "en"

    def components(self) -> Components:
        """What the collector would post for this device."""
        system = self.os_version if self.kind in ("ios", "android") else 0
        r = f"{self.kind}|{self.model}|{self.gpu}|{self.driver}|{system}|{self.browser}"
        canvas = _hash(f"canvas|{r}|{self.render_salt}")
        audio = _hash(f"audio|{self.kind}|{system}|{self.browser}|{self.audio_salt}")
        return Components(
            canvas=canvas,
            audio=audio,
            webgl_vendor="Apple Inc." if "Apple" in self.gpu or self.kind == "ios" else "Google",
            webgl_renderer=self.gpu,
            fonts=self.fonts,
            screen_width=self.screen[0],
            screen_height=self.screen[1],
            color_depth=24 if self.kind != "mac" else 30,
            pixel_ratio=self.ratio,
            timezone=self.zone,
            languages=(self.language, self.second_language)
            if self.second_language
            else (self.language,),
            platform=_PLATFORM[self.kind],
            hardware_concurrency=self.cores,
            device_memory=self.memory,
            max_touch_points=5 if self.kind in ("ios", "android") else 0,
            user_agent=_user_agent(self),
        )


_PLATFORM = {"ios": "iPhone", "android": "Linux armv8l", "windows": "Win32", "mac": "MacIntel"}


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _user_agent(d: SimDevice) -> str:
    if d.kind == "ios":
        major, minor = divmod(d.os_version, 10)
        return (
            f"Mozilla/5.0 (iPhone; CPU iPhone OS {major}_{minor} like Mac OS X) "
            f"AppleWebKit/605.1.15 Version/{major}.{minor} Mobile/15E148 Safari/604.1"
        )
    system = {
        "android": f"Linux; Android {d.os_version}; {d.model}",
        "windows": "Windows NT 10.0; Win64; x64",
        "mac": f"Macintosh; Intel Mac OS X 10_15_{d.os_version}",
    }[d.kind]
    if d.browser == "firefox":
        v = d.browser_major
        return f"Mozilla/5.0 ({system}; rv:{v}.0) Gecko/20100101 Firefox/{v}.0"
    return f"Mozilla/5.0 ({system}) AppleWebKit/537.36 Chrome/{d.browser_major}.0 Safari/537.36"


class FingerprintGenerator:
    """Draws devices from archetypes and drifts them; reproducible by ``seed``."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)

    def device(self) -> SimDevice:
        """A new device: 35 % iPhone, 35 % Android, 20 % Windows, 10 % Mac."""
        second = self.rng.choice(["", "en", "en-US", "zh-TW", "ja"])
        return replace(self._hardware(), second_language=second)

    def _hardware(self) -> SimDevice:
        rng = self.rng
        zone, lang = self._zone()
        kind = rng.choices(["ios", "android", "windows", "mac"], [35, 35, 20, 10])[0]
        if kind == "ios":
            model, w, h, ratio = rng.choice(_IPHONES)
            ios = rng.choice([16, 17]) * 10 + rng.randint(0, 6)  # 16.0 .. 17.6, Safari alike
            return SimDevice(
                kind,
                model,
                "Apple GPU",
                0,
                ios,
                "safari",
                ios,
                0,
                0,
                _IOS_FONTS,
                (w, h),
                ratio,
                zone,
                lang,
                4,
                None,
            )
        if kind == "android":
            gpu = rng.choice(_ANDROID_GPUS)
            fonts = _ANDROID_FONTS + tuple(rng.sample(_EXTRA_FONTS, rng.randint(0, 3)))
            return SimDevice(
                kind,
                f"{gpu[:4]}-{rng.randint(1, 12)}",
                gpu,
                rng.randint(1, 6),
                rng.choice([12, 13, 14]),
                "chrome",
                rng.randint(118, 122),
                0,
                0,
                fonts,
                rng.choice(_ANDROID_SCREENS),
                rng.choice([2.625, 2.75, 3.0]),
                zone,
                lang,
                8,
                rng.choice([4.0, 8.0]),
            )
        gpus, base, screens = (
            (_DESKTOP_GPUS, _WIN_FONTS, _SCREENS)
            if kind == "windows"
            else (_MAC_GPUS, _MAC_FONTS, _MAC_SCREENS)
        )
        fonts = base + tuple(rng.sample(_EXTRA_FONTS, rng.randint(2, 30)))
        return SimDevice(
            kind,
            kind,
            rng.choice(gpus),
            rng.randint(1, 40),
            rng.randint(5, 7),
            rng.choice(["chrome", "chrome", "chrome", "firefox", "edge"]),
            rng.randint(116, 122),
            0,
            0,
            fonts,
            rng.choice(screens),
            rng.choice([1.0, 1.25, 1.5]) if kind == "windows" else 2.0,
            zone,
            lang,
            rng.choice([4, 6, 8, 12, 16]),
            8.0,
        )

    def _zone(self) -> tuple[str, str]:
        zone, lang, _ = self.rng.choices(_ZONES, [z[2] for z in _ZONES])[0]
        return zone, lang

    def drift(self, d: SimDevice) -> SimDevice:
        """The device after one or more everyday changes (at least one)."""
        rng = self.rng
        changed = d

        def coin(p: float) -> bool:
            return rng.random() < p

        while changed == d:
            if changed.kind == "ios" and coin(0.5):  # Safari ships with iOS: x.y -> x.y+1
                ios = changed.os_version + 1
                changed = replace(changed, os_version=ios, browser_major=ios)
            elif rng.random() < 0.5:
                changed = replace(
                    changed,
                    browser_major=changed.browser_major + 1,
                    render_salt=changed.render_salt + (rng.random() < 0.3),
                    audio_salt=changed.audio_salt + (rng.random() < 0.15),
                )
            if (
                changed.kind != "ios" and rng.random() < 0.1
            ):  # desktop user agents do not show it; it may re-render text
                salt = changed.render_salt + (changed.kind in ("windows", "mac") and coin(0.5))
                changed = replace(changed, os_version=changed.os_version + 1, render_salt=salt)
            if changed.kind in ("windows", "mac", "android") and rng.random() < 0.25:
                extra = tuple(rng.sample(_EXTRA_FONTS, rng.randint(1, 2)))
                changed = replace(changed, fonts=tuple(dict.fromkeys(changed.fonts + extra)))
            if changed.kind in ("windows", "mac") and rng.random() < 0.15:
                screens = _SCREENS if changed.kind == "windows" else _MAC_SCREENS
                changed = replace(changed, screen=rng.choice(screens))
            if changed.kind == "windows" and rng.random() < 0.1:
                changed = replace(changed, ratio=rng.choice([1.0, 1.25, 1.5, 1.75]))
            if rng.random() < 0.05:
                changed = replace(changed, zone=self._zone()[0])
            if rng.random() < 0.05:
                changed = replace(changed, language=self._zone()[1])
        return changed


@dataclass(slots=True)
class Tally:
    """Counts for one kind of device (or all)."""

    devices: int = 0
    revisits: int = 0
    true_matches: int = 0
    false_matches: int = 0
    new_ids: int = 0
    clones: int = 0

    @property
    def true_match_rate(self) -> float:
        """Share of revisits given the device's own first id."""
        return self.true_matches / self.revisits if self.revisits else 0.0

    @property
    def false_match_rate(self) -> float:
        """Share of all observations (first visits and revisits) given another device's id."""
        total = self.devices + self.revisits
        return self.false_matches / total if total else 0.0

    def line(self, label: str) -> str:
        """One printable row."""
        return (
            f"{label:<8} {self.devices:>6} {self.revisits:>8} {self.true_match_rate:>8.4f} "
            f"{self.false_match_rate:>8.4f} {self.new_ids:>7} {self.clones:>7}"
        )


@dataclass(frozen=True, slots=True)
class MatchReport:
    """Counts of :func:`measure`, overall and per device kind."""

    threshold: float
    per_account: bool
    total: Tally
    by_kind: dict[str, Tally]

    def lines(self) -> list[str]:
        """The report as a printable table."""
        names = ("devices", "revisits", "TMR", "FMR", "new id", "clones")
        widths = (6, 8, 8, 8, 7, 7)
        head = f"{'kind':<8} " + " ".join(f"{n:>{w}}" for n, w in zip(names, widths, strict=True))
        rows = [self.by_kind[k].line(k) for k in sorted(self.by_kind)]
        mode = "per account" if self.per_account else "global"
        return [f"threshold {self.threshold}, {mode}", head, *rows, self.total.line("all")]


def measure(
    devices: int = 2000,
    drifts: int = 5,
    threshold: float = 0.85,
    seed: int = 0,
    per_account: bool = False,
) -> MatchReport:
    """Enrol ``devices`` generated devices, then revisit each ``drifts`` times with cumulative
    drift. TMR: revisits given the device's first id; FMR: observations given another device's
    id; clones: devices identical to an earlier one at their first visit (no fingerprint can
    tell them apart). ``per_account``: every device belongs to its own account and is identified
    with that account as the subject (its own earlier devices preferred); a revisit then counts
    as a true match when it gets the id of the account's first visit, even if that id was
    first created for an identical device of another account."""
    gen = FingerprintGenerator(seed)
    key = b"measurement-key-0123456789"
    registry = DeviceRegistry(MemoryDeviceStore(), threshold=threshold)
    states = [gen.device() for _ in range(devices)]
    total, kinds = Tally(), {d.kind: Tally() for d in states}
    owner: dict[str, int] = {}
    first: list[str] = []
    seen: set[str] = set()
    for i, dev in enumerate(states):
        comps = minimise(dev.components(), key)
        text = repr(sorted(comps.items()))
        got = registry.identify(comps, _T0, f"acct{i}" if per_account else None)
        owner.setdefault(got.device_id, i)
        first.append(got.device_id)
        for t in (total, kinds[dev.kind]):
            t.devices += 1
            t.clones += text in seen
            t.false_matches += owner[got.device_id] != i
        seen.add(text)
    for r in range(drifts):
        for i in range(devices):
            states[i] = gen.drift(states[i])
            comps = minimise(states[i].components(), key)
            subject = f"acct{i}" if per_account else None
            got = registry.identify(comps, _T0 + timedelta(r + 1), subject)
            if got.new:
                owner[got.device_id] = i
            for t in (total, kinds[states[i].kind]):
                t.revisits += 1
                t.new_ids += got.new
                t.true_matches += got.device_id == first[i] and (
                    per_account or owner[got.device_id] == i
                )
                t.false_matches += not got.new and owner[got.device_id] != i
    return MatchReport(threshold, per_account, total, kinds)
