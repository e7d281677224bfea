"""Device registry on every store: stable ids, new devices, subject links and trust."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from riskline.identity import DeviceRegistry, MemoryDeviceStore, SqlDeviceStore, minimise
from riskline.storage import connect, upgrade
from tests.factories import T0
from tests.identity.test_fingerprint import KEY, MAC


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The same suite on every device store."""
    if request.param == "memory":
        yield MemoryDeviceStore()
        return
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    db = connect(str(url))
    upgrade(db)
    yield SqlDeviceStore(db)
    db.dispose()


def test_same_device_after_drift_keeps_its_id(store: Any) -> None:
    reg = DeviceRegistry(store)
    first = reg.identify(minimise(MAC, KEY), T0)
    assert first.new
    ua = MAC.user_agent.replace("Chrome/120", "Chrome/121")  # type: ignore[union-attr]
    step1 = dataclasses.replace(MAC, user_agent=ua, canvas="canvas-121")
    step2 = dataclasses.replace(
        step1, fonts=(*MAC.fonts, "Inter"), screen_width=2560, screen_height=1440
    )
    for i, fp in enumerate((step1, step2)):
        got = reg.identify(minimise(fp, KEY), T0 + timedelta(days=i + 1))
        assert (got.device_id, got.new) == (first.device_id, False)
        assert got.score >= 0.8


def test_another_device_gets_a_new_id(store: Any) -> None:
    reg = DeviceRegistry(store)
    mine = reg.identify(minimise(MAC, KEY), T0)
    other = dataclasses.replace(
        MAC,
        canvas="c2",
        audio="a2",
        webgl_renderer="Apple M1",
        fonts=("Arial",),
        hardware_concurrency=10,
    )
    theirs = reg.identify(minimise(other, KEY), T0)
    assert theirs.new and theirs.device_id != mine.device_id


def test_a_subjects_own_device_wins_over_an_identical_one(store: Any) -> None:
    reg = DeviceRegistry(store)
    mine = reg.identify(minimise(MAC, KEY), T0, "a1")
    twin = reg.identify(minimise(dataclasses.replace(MAC, timezone="Asia/Tokyo"), KEY), T0, "a2")
    assert not twin.new  # indistinguishable enough to be taken for the same device
    drifted = dataclasses.replace(MAC, fonts=(*MAC.fonts, "Inter"))
    assert reg.identify(minimise(drifted, KEY), T0, "a1").device_id == mine.device_id
    assert store.linked("a1") == {mine.device_id}


def test_trust_is_per_subject_and_sticky(store: Any) -> None:
    store.link("dv_1", "a1", T0, trusted=False)
    assert not store.trusted("dv_1", "a1")
    store.link("dv_1", "a1", T0, trusted=True)
    store.link("dv_1", "a1", T0, trusted=False)
    assert store.trusted("dv_1", "a1") and not store.trusted("dv_1", "a2")
    assert store.linked("a1") == {"dv_1"} and store.linked("a2") == set()
