"""Step-up identity verification: challenges, device fingerprints, face checks, release.

A decision with outcome ``challenge`` holds its action; the follower turns it into a
:class:`Challenge`; the user passes device and face checks; the held action is released
through the engine. See ``docs/identity.md``.
"""

from riskline.identity.challenges import Challenge, ChallengeRules, ChallengeStatus, Check
from riskline.identity.devices import (
    DeviceMatch,
    DeviceRegistry,
    DeviceStore,
    KnownDevice,
    MemoryDeviceStore,
    SqlDeviceStore,
)
from riskline.identity.face import (
    FaceResult,
    FaceVerifier,
    NoFace,
    SeveralFaces,
    SqlFaceStore,
    UnreadableImage,
    vendor_result,
)
from riskline.identity.fingerprint import Components, minimise, similarity
from riskline.identity.follower import ChallengeFollower
from riskline.identity.release import EngineRelease, HeldActionRelease, Released
from riskline.identity.service import DeviceCheck, StepUp
from riskline.identity.spoofing import Flag, spoofing_flags
from riskline.identity.store import SqlChallengeStore

__all__ = [
    "Challenge",
    "ChallengeFollower",
    "ChallengeRules",
    "ChallengeStatus",
    "Check",
    "Components",
    "DeviceCheck",
    "DeviceMatch",
    "DeviceRegistry",
    "DeviceStore",
    "EngineRelease",
    "FaceResult",
    "FaceVerifier",
    "Flag",
    "HeldActionRelease",
    "KnownDevice",
    "MemoryDeviceStore",
    "NoFace",
    "Released",
    "SeveralFaces",
    "SqlChallengeStore",
    "SqlDeviceStore",
    "SqlFaceStore",
    "StepUp",
    "UnreadableImage",
    "minimise",
    "similarity",
    "spoofing_flags",
    "vendor_result",
]
