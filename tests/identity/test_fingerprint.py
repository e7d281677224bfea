"""Fingerprints: minimised storage, drift-tolerant similarity, spoofing flags, measured rates."""

from __future__ import annotations

import dataclasses
import json

import pytest

from riskline.bench.fingerprints import FingerprintGenerator, measure
from riskline.identity import Components, minimise, similarity
from riskline.identity.spoofing import blocking, spoofing_flags, timezone_countries

KEY = b"fingerprint-test-key"
MAC = Components(
    canvas="canvas-7f3a",
    audio="audio-91c2",
    webgl_vendor="Apple Inc.",
    webgl_renderer="Apple M2",
    fonts=("Arial", "Menlo", "PingFang SC", "Fira Code", "Source Han Sans"),
    screen_width=1512,
    screen_height=982,
    color_depth=30,
    pixel_ratio=2.0,
    timezone="Asia/Shanghai",
    languages=("zh-CN", "en"),
    platform="MacIntel",
    hardware_concurrency=8,
    device_memory=8.0,
    max_touch_points=0,
    user_agent="Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Chrome/120.0.0.0 Safari/537.36",
)


def test_stored_form_keeps_no_identifying_value_in_clear() -> None:
    text = json.dumps(minimise(MAC, KEY))
    for clear in ("canvas-7f3a", "audio-91c2", "Fira Code", "Asia/Shanghai", "zh-CN", "Apple M2"):
        assert clear not in text
    assert minimise(MAC, KEY) != minimise(MAC, b"another-key-entirely")


def test_browser_update_with_new_canvas_stays_similar() -> None:
    updated = dataclasses.replace(
        MAC,
        canvas="canvas-new",
        user_agent=MAC.user_agent.replace("Chrome/120", "Chrome/121"),  # type: ignore[union-attr]
        fonts=(*MAC.fonts, "JetBrains Mono"),
    )
    assert similarity(minimise(updated, KEY), minimise(MAC, KEY)) >= 0.85
    # the same canvas change without an update to explain it costs more
    repainted = dataclasses.replace(MAC, canvas="canvas-new")
    assert similarity(minimise(repainted, KEY), minimise(MAC, KEY)) < similarity(
        minimise(updated, KEY), minimise(MAC, KEY)
    )


def test_another_machine_is_not_similar() -> None:
    other = dataclasses.replace(
        MAC,
        canvas="canvas-0000",
        audio="audio-0000",
        webgl_renderer="Apple M1",
        fonts=("Arial", "Menlo", "PingFang SC"),
        screen_width=1440,
        screen_height=900,
    )
    assert similarity(minimise(other, KEY), minimise(MAC, KEY)) < 0.6


def test_too_little_in_common_is_no_match() -> None:
    sparse = Components(timezone="Asia/Shanghai", languages=("zh-CN",))
    assert similarity(minimise(sparse, KEY), minimise(MAC, KEY)) == 0.0


def _codes(c: Components, geo: str | None = None) -> set[str]:
    return {f.code for f in spoofing_flags(c, geo)}


def test_a_real_browser_raises_no_flag() -> None:
    assert _codes(MAC, "CN") == set()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"webdriver": True}, "webdriver"),
        (
            {"webgl_renderer": "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device))"},
            "software_renderer",
        ),
        ({"webgl_renderer": "llvmpipe (LLVM 15.0.7, 256 bits)"}, "software_renderer"),
        ({"webgl_renderer": "Android Emulator OpenGL ES Translator"}, "emulator_renderer"),
        (
            {"user_agent": "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0"},
            "headless_user_agent",
        ),
        ({"platform": "Win32"}, "platform_mismatch"),
    ],
)
def test_automation_and_impossible_mixes_block(change: dict[str, object], code: str) -> None:
    flags = spoofing_flags(dataclasses.replace(MAC, **change))  # type: ignore[arg-type]
    assert code in {f.code for f in flags} and blocking(flags)


IPHONE = Components(
    platform="iPhone",
    max_touch_points=5,
    hardware_concurrency=4,
    languages=("zh-CN",),
    user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
    "Version/17.2 Mobile/15E148 Safari/604.1",
    fonts=("Arial", "PingFang SC"),
)


def test_impossible_iphones() -> None:
    assert _codes(IPHONE) == set()
    windows_fonts = dataclasses.replace(IPHONE, fonts=("Arial", "Segoe UI", "Calibri"))
    assert "fonts_mismatch" in _codes(windows_fonts)
    assert "cores_mismatch" in _codes(dataclasses.replace(IPHONE, hardware_concurrency=32))
    assert "touch_mismatch" in _codes(dataclasses.replace(IPHONE, max_touch_points=0))
    assert "platform_mismatch" in _codes(dataclasses.replace(IPHONE, platform="Win32"))


@pytest.mark.skipif(not timezone_countries(), reason="no tz database zone.tab on this machine")
def test_timezone_against_ip_country_only_warns() -> None:
    flags = spoofing_flags(MAC, "US")
    assert [f.code for f in flags] == ["timezone_mismatch"] and not blocking(flags)
    assert _codes(MAC, "cn") == set()
    assert _codes(dataclasses.replace(MAC, timezone="Etc/UTC"), "US") == set()


def test_generator_is_reproducible_and_drifts() -> None:
    a, b = FingerprintGenerator(7), FingerprintGenerator(7)
    first = a.device()
    assert first == b.device()
    assert a.drift(first) != first


def test_measured_rates_on_a_small_population() -> None:
    """Distinguishable desktops keep their id through drift and are not confused; the phones
    of one model are often indistinguishable, which the report shows as clones."""
    report = measure(devices=300, drifts=3, threshold=0.8, seed=3)
    desktops = [report.by_kind[k] for k in ("windows", "mac")]
    assert all(t.true_match_rate >= 0.85 and t.false_match_rate <= 0.05 for t in desktops)
    assert report.total.devices == 300 and report.total.revisits == 900
    assert report.by_kind["ios"].clones > 0
    assert any(line.startswith("all") for line in report.lines())
