"""The built-in offline face matcher (extra ``riskline[face]``): dlib only, no liveness.

dlib's HOG frontal face detector finds the face, the 5-point shape predictor aligns it, and
the ResNet model (``dlib_face_recognition_resnet_model_v1``) turns it into a 128-d embedding.
Two images show the same person when the Euclidean distance of their embeddings is at most
``threshold`` (0.6, the model's published operating point). This matcher has no
anti-spoofing: a photo of a photo passes. Use a vendor liveness result where that matters.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from numpy.typing import NDArray

from riskline.errors import InvalidConfig, InvalidInput
from riskline.identity.face import FaceResult, NoFace, SeveralFaces, UnreadableImage

__all__ = ["DlibFaceMatcher", "face_extra_available"]

_MAX_SIDE = 1600


def face_extra_available() -> bool:
    """Whether ``riskline[face]`` (dlib, face_recognition_models, Pillow) is installed."""
    try:
        import dlib  # type: ignore[import-untyped]  # noqa: F401
        import face_recognition_models  # type: ignore[import-untyped]  # noqa: F401
        import PIL  # noqa: F401
    except ImportError:
        return False
    return True


class DlibFaceMatcher:
    """Embeds and compares faces with dlib.

    ``upsample`` lets the detector find small faces; detections scoring below ``min_score``
    (dlib's detector confidence) are ignored, so a faint false detection in the background
    does not turn a selfie into a "several faces" error.
    """

    model = "dlib_resnet_v1"

    def __init__(
        self, threshold: float = 0.6, upsample: int = 1, jitter: int = 1, min_score: float = 0.5
    ) -> None:
        if not 0.0 < threshold < 2.0:
            raise InvalidConfig("face distance threshold must lie in (0, 2)")
        try:
            import dlib
            import face_recognition_models as frm
        except ImportError:
            raise InvalidConfig(
                "the built-in face matcher needs the extra: pip install 'riskline[face]'"
            ) from None
        self.threshold = threshold
        self.upsample = upsample
        self.jitter = jitter
        self.min_score = min_score
        self._detector: Any = dlib.get_frontal_face_detector()
        self._shapes: Any = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
        self._net: Any = dlib.face_recognition_model_v1(frm.face_recognition_model_location())

    def embed(self, image: bytes) -> NDArray[np.float32]:
        """The 128-d embedding of the one face in ``image``; :class:`NoFace`,
        :class:`SeveralFaces` or :class:`UnreadableImage` otherwise."""
        pixels = _decode(image)
        found, scores, _ = self._detector.run(pixels, self.upsample, 0.0)
        faces = [f for f, s in zip(found, scores, strict=True) if s >= self.min_score]
        if len(faces) == 0:
            raise NoFace("no face found in the image")
        if len(faces) > 1:
            raise SeveralFaces(f"{len(faces)} faces found; the image must show exactly one")
        shape = self._shapes(pixels, faces[0])
        vector = self._net.compute_face_descriptor(pixels, shape, self.jitter)
        return np.asarray(vector, dtype=np.float32)

    def distance(self, reference: NDArray[np.float32], probe: bytes) -> float:
        """Euclidean distance between ``reference`` and the face in ``probe``."""
        return float(np.linalg.norm(np.asarray(reference, np.float32) - self.embed(probe)))

    def verify(self, reference: NDArray[np.float32], probe: bytes) -> FaceResult:
        """Passed when the probe's face lies within ``threshold`` of the reference."""
        d = self.distance(reference, probe)
        return FaceResult(d <= self.threshold, d, self.threshold, self.model, False)


def _decode(image: bytes) -> NDArray[np.uint8]:
    """RGB pixels of an encoded image (JPEG, PNG, ...), the longer side at most 1600 px."""
    from PIL import Image, UnidentifiedImageError

    if not image:
        raise UnreadableImage("the image is empty")
    try:
        with Image.open(io.BytesIO(image)) as img:
            img.load()
            rgb = img.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError) as err:
        raise UnreadableImage(f"cannot read the image: {err}") from None
    if max(rgb.size) > _MAX_SIDE:
        rgb.thumbnail((_MAX_SIDE, _MAX_SIDE))
    pixels = np.asarray(rgb, dtype=np.uint8)
    if pixels.ndim != 3 or min(pixels.shape[:2]) < 32:
        raise InvalidInput("the image is too small to find a face in")
    return np.ascontiguousarray(pixels)
