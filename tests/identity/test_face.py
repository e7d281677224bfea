"""The built-in face matcher on real photos (skipped without ``riskline[face]``), vendors."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import Engine

from riskline.errors import InvalidConfig, InvalidInput, NotFound
from riskline.identity import NoFace, SeveralFaces, SqlFaceStore, UnreadableImage, vendor_result
from riskline.identity.face_dlib import DlibFaceMatcher, face_extra_available
from tests.factories import T0
from tests.identity import faces

needs_face = pytest.mark.skipif(
    not face_extra_available(), reason="riskline[face] (dlib-bin, face_recognition_models) absent"
)


@pytest.fixture(scope="module")
def matcher() -> DlibFaceMatcher:
    if not face_extra_available():
        pytest.skip("riskline[face] (dlib-bin, face_recognition_models) absent")
    return DlibFaceMatcher()


@needs_face
def test_the_same_face_transformed_matches(matcher: DlibFaceMatcher) -> None:
    reference = matcher.embed(faces.astronaut())
    assert reference.shape == (128,)
    result = matcher.verify(reference, faces.astronaut_transformed())
    assert result.passed and result.score < 0.4 and not result.liveness


@needs_face
def test_another_person_does_not_match(matcher: DlibFaceMatcher) -> None:
    other = faces.grace_hopper()
    if other is None:
        pytest.skip("matplotlib's sample photo is not installed")
    result = matcher.verify(matcher.embed(faces.astronaut()), other)
    assert not result.passed and result.score > matcher.threshold


@needs_face
def test_images_without_one_face_are_clear_errors(matcher: DlibFaceMatcher) -> None:
    with pytest.raises(NoFace, match="no face"):
        matcher.embed(faces.cat())
    with pytest.raises(SeveralFaces, match="2 faces"):
        matcher.embed(faces.two_astronauts())
    with pytest.raises(UnreadableImage):
        matcher.embed(b"certainly not an image")
    with pytest.raises(UnreadableImage):
        matcher.embed(b"")
    assert issubclass(NoFace, InvalidInput) and NoFace.status == 422


@needs_face
def test_threshold_is_configurable(matcher: DlibFaceMatcher) -> None:
    strict = DlibFaceMatcher(threshold=0.05)
    assert not strict.verify(matcher.embed(faces.astronaut()), faces.astronaut_transformed()).passed
    with pytest.raises(InvalidConfig):
        DlibFaceMatcher(threshold=0)


def test_vendor_liveness_threshold() -> None:
    ok = vendor_result(0.95, threshold=0.9, vendor="acme")
    assert ok.passed and ok.liveness and ok.method == "vendor:acme"
    assert not vendor_result(0.89, threshold=0.9, vendor="acme").passed
    with pytest.raises(InvalidInput):
        vendor_result(1.5, threshold=0.9, vendor="acme")


def test_reference_faces_round_trip(db: Engine) -> None:
    store = SqlFaceStore(db)
    vector = np.linspace(-0.2, 0.2, 128, dtype=np.float32)
    store.enrol("p1", vector, "dlib_resnet_v1", T0)
    assert np.array_equal(store.reference("p1", "dlib_resnet_v1"), vector)
    store.enrol("p1", vector * 2, "dlib_resnet_v1", T0)
    assert np.allclose(store.reference("p1", "dlib_resnet_v1"), vector * 2)
    with pytest.raises(NotFound):
        store.reference("p1", "another_model")
    with pytest.raises(NotFound):
        store.reference("p2", "dlib_resnet_v1")
