"""The PSI wrapper: tiny sets sized for big batches, both modes, wrong-key answers."""

from __future__ import annotations

from riskline.consortium.psi import PsiClient, PsiServer, make_setups
from tests.consortium.conftest import needs_psi

pytestmark = needs_psi


def test_tiny_set_sized_for_a_big_batch_still_publishes_and_matches() -> None:
    # openmined-psi 2.0.x cannot build a GCS here; the wrapper falls back to a Bloom filter.
    key, setups = make_setups(None, {"cash_out": ["cph_1", "cph_2"]}, 100_000, 1e-9, "gcs")
    client = PsiClient(reveal=True)
    response, size = PsiServer(key).answer(client.request(["cph_0", "cph_2", "cph_3"]), True)
    assert size == 3
    assert client.matches(setups["cash_out"], response) == [1]


def test_cardinality_mode_counts_and_an_old_key_matches_nothing() -> None:
    items = [f"cph_{i}" for i in range(50)]
    key, setups = make_setups(None, {"applicants": items}, 64, 1e-9, "bloom")
    client = PsiClient(reveal=False)
    request = client.request(["cph_3", "cph_7", "cph_x"])
    response, _ = PsiServer(key).answer(request, reveal=False)
    assert client.count(setups["applicants"], response) == 2
    # Re-keyed publication: an answer under the new key tests nothing against the old setup.
    new_key, _ = make_setups(None, {"applicants": items}, 64, 1e-9, "bloom")
    stale, _ = PsiServer(new_key).answer(request, reveal=False)
    assert client.count(setups["applicants"], stale) == 0
