"""Step-up verification as one service: find challenges, take check results, release.

Every check result is applied to the stored challenge optimistically (a concurrent update is a
:class:`~riskline.errors.Conflict`); when the last required check passes, the device becomes
trusted for the subject and the held action is released. A release that failed (the writer
was down, the process died) is retried by :meth:`StepUp.release_due`, which the API process
runs every few seconds (``riskline.api.periodic``) next to the writer a release needs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from riskline.clock import Clock
from riskline.errors import Conflict, InvalidInput, NotFound
from riskline.identity.challenges import Challenge, ChallengeStatus, Check
from riskline.identity.devices import DeviceMatch, DeviceRegistry, DeviceStore
from riskline.identity.face import FaceResult, FaceVerifier, SqlFaceStore, vendor_result
from riskline.identity.fingerprint import Components, minimise
from riskline.identity.follower import ChallengeFollower
from riskline.identity.release import HeldActionRelease
from riskline.identity.spoofing import Flag, blocking, spoofing_flags
from riskline.identity.store import SqlChallengeStore

__all__ = ["DeviceCheck", "StepUp"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeviceCheck:
    """A device check: the device, whether the subject passed a challenge on it before, flags."""

    match: DeviceMatch
    known_to_subject: bool
    flags: tuple[Flag, ...]
    passed: bool


class StepUp:
    """Challenges, device and face checks, release of held actions."""

    def __init__(
        self,
        *,
        challenges: SqlChallengeStore,
        follower: ChallengeFollower,
        devices: DeviceRegistry,
        device_store: DeviceStore,
        faces: SqlFaceStore,
        verifier: FaceVerifier | None,
        release: HeldActionRelease,
        clock: Clock,
        key: bytes,
        vendor_threshold: float = 0.9,
    ) -> None:
        self.challenges = challenges
        self.follower = follower
        self.devices = devices
        self.device_store = device_store
        self.faces = faces
        self.verifier = verifier
        self.releaser = release
        self.clock = clock
        self.key = key
        self.vendor_threshold = vendor_threshold

    def get(self, challenge_id: str) -> Challenge:
        """A challenge as it stands now (following the ledger first if it is not there yet)."""
        try:
            found = self.challenges.get(challenge_id)
        except NotFound:
            self.follower.catch_up()
            found = self.challenges.get(challenge_id)
        return found.at(self.clock.now())

    def for_decision(self, decision_id: str) -> Challenge:
        """The challenge of a decision (following the ledger first if needed)."""
        try:
            found = self.challenges.by_decision(decision_id)
        except NotFound:
            self.follower.catch_up()
            found = self.challenges.by_decision(decision_id)
        return found.at(self.clock.now())

    def check_device(
        self, challenge_id: str, components: Components, geo_country: str | None = None
    ) -> tuple[Challenge, DeviceCheck]:
        """Identify the device and look for spoofing; passes without blocking flags."""
        challenge = self.get(challenge_id)
        now = self.clock.now()
        self._accepting(challenge, Check.DEVICE)
        match = self.devices.identify(minimise(components, self.key), now, challenge.subject)
        flags = tuple(spoofing_flags(components, geo_country))
        ok = not blocking(list(flags))
        known = self.device_store.trusted(match.device_id, challenge.subject)
        after = challenge.record(Check.DEVICE, ok, now, device_id=match.device_id)
        after = after.with_flags(tuple(f.code for f in flags))
        return self._store(challenge, after), DeviceCheck(match, known, flags, ok)

    def check_face(self, challenge_id: str, image: bytes) -> tuple[Challenge, FaceResult]:
        """Compare a selfie with the person's enrolled face (built-in matcher, no liveness).

        No face, several faces or an unreadable image raise a clear error and use no attempt.
        """
        challenge = self.get(challenge_id)
        self._accepting(challenge, Check.FACE)
        if self.verifier is None:
            raise InvalidInput("no face matcher is configured; submit a vendor liveness result")
        if challenge.person_id is None:
            raise InvalidInput("no person is known for this challenge; use a vendor result")
        reference = self.faces.reference(challenge.person_id, self.verifier.model)
        result = self.verifier.verify(reference, image)
        return self._face(challenge, result), result

    def check_vendor(
        self, challenge_id: str, score: float, vendor: str
    ) -> tuple[Challenge, FaceResult]:
        """Accept a face-and-liveness vendor's score against the configured threshold."""
        challenge = self.get(challenge_id)
        self._accepting(challenge, Check.FACE)
        result = vendor_result(score, threshold=self.vendor_threshold, vendor=vendor)
        return self._face(challenge, result), result

    def enrol(self, person_id: str, image: bytes) -> None:
        """Store a person's reference face (its embedding; the image is not kept)."""
        if self.verifier is None:
            raise InvalidInput("no face matcher is configured")
        embedding = self.verifier.embed(image)
        self.faces.enrol(person_id, embedding, self.verifier.model, self.clock.now())

    def release_due(self) -> int:
        """Follow the ledger and release every passed challenge not released yet; how many
        were released (a release that fails again stays due for the next call)."""
        self.follower.catch_up()
        done = 0
        for challenge in self.challenges.awaiting_release():
            done += self._release(challenge).release_decision_id is not None
        return done

    def _face(self, challenge: Challenge, result: FaceResult) -> Challenge:
        after = challenge.record(Check.FACE, result.passed, self.clock.now())
        return self._store(challenge, after)

    def _accepting(self, challenge: Challenge, check: Check) -> None:
        challenge.record(check, True, self.clock.now())  # raises unless it would be accepted

    def _store(self, before: Challenge, after: Challenge) -> Challenge:
        saved = self.challenges.save(before, after)
        if saved.status is not ChallengeStatus.PASSED:
            return saved
        if saved.device_id is not None:
            self.device_store.link(saved.device_id, saved.subject, self.clock.now(), trusted=True)
        return self._release(saved)

    def _release(self, challenge: Challenge) -> Challenge:
        try:
            released = self.releaser.release(challenge)
        except Exception:  # retried by release_due; the pass itself is stored
            log.exception("release of challenge %s failed; will retry", challenge.challenge_id)
            return challenge
        done = challenge.with_release(
            released.event_id, released.decision_id, released.outcome, self.clock.now()
        )
        try:
            return self.challenges.save(challenge, done)
        except Conflict:  # released meanwhile by the other path (request or retry): same result
            return self.challenges.get(challenge.challenge_id)
