"""Step-up verification routes: challenges, device fingerprints, faces, the JS collector.

The app backend (an ``ingest`` key) fetches the challenge of a challenged decision, forwards
the collector's fingerprint and the user's selfie (or a vendor's liveness result), and learns
when the challenge passed and what the released action's decision was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, File, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from riskline.api.auth import require
from riskline.api.strictjson import StrictJsonRoute
from riskline.errors import InvalidInput, NotFound
from riskline.identity import Challenge, Components, DeviceCheck, FaceResult, StepUp
from riskline.storage import ApiKey, Role

__all__ = [
    "ComponentsIn",
    "DeviceIn",
    "VendorIn",
    "router",
    "stepup_service",
    "stepup_service_for",
]

router = APIRouter(tags=["stepup"], route_class=StrictJsonRoute)
COLLECTOR = Path(__file__).resolve().parents[2] / "identity" / "static" / "collector.js"
Short = Annotated[str, StringConstraints(max_length=512)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@-]+$")]
CLIENT = (Role.INGEST, Role.ADMIN)
READ = (Role.INGEST, Role.ANALYST, Role.SUPERVISOR, Role.ADMIN)
MAX_IMAGE = 5 * 1024 * 1024
Image = Annotated[UploadFile, File(description="JPEG or PNG showing exactly one face")]


class ScreenIn(BaseModel):
    """Screen size in CSS pixels."""

    model_config = ConfigDict(extra="forbid")
    width: int = Field(ge=1, le=20_000)
    height: int = Field(ge=1, le=20_000)


class ComponentsIn(BaseModel):
    """Raw components exactly as ``collector.js`` posts them (every one optional)."""

    model_config = ConfigDict(extra="forbid")
    canvas: Short | None = None
    audio: Short | None = None
    webglVendor: Short | None = None  # noqa: N815 - the browser's names
    webglRenderer: Short | None = None  # noqa: N815
    fonts: Annotated[
        list[Annotated[str, StringConstraints(max_length=100)]], Field(max_length=500)
    ] = []
    screen: ScreenIn | None = None
    colorDepth: int | None = Field(default=None, ge=0, le=64)  # noqa: N815
    pixelRatio: float | None = Field(default=None, gt=0, le=16, allow_inf_nan=False)  # noqa: N815
    timezone: Short | None = None
    languages: Annotated[
        list[Annotated[str, StringConstraints(max_length=35)]], Field(max_length=20)
    ] = []
    platform: Short | None = None
    hardwareConcurrency: int | None = Field(default=None, ge=0, le=1024)  # noqa: N815
    deviceMemory: float | None = Field(default=None, ge=0, le=1024, allow_inf_nan=False)  # noqa: N815
    maxTouchPoints: int | None = Field(default=None, ge=0, le=256)  # noqa: N815
    userAgent: Short | None = None  # noqa: N815
    webdriver: bool = False

    def domain(self) -> Components:
        """The domain value."""
        return Components(
            canvas=self.canvas,
            audio=self.audio,
            webgl_vendor=self.webglVendor,
            webgl_renderer=self.webglRenderer,
            fonts=tuple(self.fonts),
            screen_width=self.screen.width if self.screen else None,
            screen_height=self.screen.height if self.screen else None,
            color_depth=self.colorDepth,
            pixel_ratio=self.pixelRatio,
            timezone=self.timezone,
            languages=tuple(self.languages),
            platform=self.platform,
            hardware_concurrency=self.hardwareConcurrency,
            device_memory=self.deviceMemory,
            max_touch_points=self.maxTouchPoints,
            user_agent=self.userAgent,
            webdriver=self.webdriver,
        )


class DeviceIn(BaseModel):
    """A device check: the collector's components and, if the backend knows it, the client
    IP's country (ISO 3166 alpha-2) for the timezone check."""

    model_config = ConfigDict(extra="forbid")
    components: ComponentsIn
    geo_country: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")] | None = None


class VendorIn(BaseModel):
    """A face-and-liveness vendor's result for the challenge's user."""

    model_config = ConfigDict(extra="forbid")
    vendor: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    score: float = Field(ge=0.0, le=1.0, allow_inf_nan=False)


def stepup_service(request: Request) -> StepUp:
    """The runtime's :class:`StepUp` (built with everything else in ``riskline.runtime``)."""
    return stepup_service_for(request.app)


def stepup_service_for(app: FastAPI) -> StepUp:
    """:func:`stepup_service` for code that holds the app, not a request (periodic work)."""
    service: StepUp | None = app.state.runtime.stepup
    if service is None:
        raise NotFound("step-up verification is not set up in this process")
    return service


def challenge_to_dict(c: Challenge) -> dict[str, Any]:
    """A challenge as the API shows it."""
    release = None
    if c.release_decision_id is not None:
        release = {
            "event_id": c.release_event_id,
            "decision_id": c.release_decision_id,
            "outcome": c.release_outcome,
        }
    return {
        "challenge_id": c.challenge_id,
        "decision_id": c.decision_id,
        "event_id": c.event_id,
        "subject": c.subject,
        "person_id": c.person_id,
        "status": c.status.value,
        "required": sorted(x.value for x in c.required),
        "passed": sorted(x.value for x in c.passed),
        "missing": sorted(x.value for x in c.missing),
        "attempts": c.attempts,
        "attempts_left": max(0, c.max_attempts - c.attempts),
        "created_at": c.created_at.isoformat(),
        "expires_at": c.expires_at.isoformat(),
        "device_id": c.device_id,
        "flags": list(c.flags),
        "release": release,
    }


def _device(check: DeviceCheck) -> dict[str, Any]:
    return {
        "passed": check.passed,
        "device_id": check.match.device_id,
        "new_device": check.match.new,
        "similarity": round(check.match.score, 4),
        "known_to_subject": check.known_to_subject,
        "flags": [
            {"code": f.code, "severity": f.severity, "detail": f.detail} for f in check.flags
        ],
    }


def _face(result: FaceResult) -> dict[str, Any]:
    return {
        "passed": result.passed,
        "score": round(result.score, 4),
        "threshold": result.threshold,
        "method": result.method,
        "liveness": result.liveness,
    }


@router.get("/v1/stepup/challenges/{challenge_id}", summary="A step-up challenge")
async def get_challenge(
    request: Request,
    challenge_id: str = PathParam(min_length=1, max_length=40),
    _: ApiKey = Depends(require(*READ)),
) -> dict[str, Any]:
    """The challenge and where it stands (status, checks missing, attempts left, release)."""
    service = stepup_service(request)
    return challenge_to_dict(await run_in_threadpool(service.get, challenge_id))


@router.get("/v1/stepup/decisions/{decision_id}", summary="The challenge of a decision")
async def get_challenge_for_decision(
    request: Request,
    decision_id: str = PathParam(min_length=1, max_length=40),
    _: ApiKey = Depends(require(*READ)),
) -> dict[str, Any]:
    """The challenge created for a decision with outcome ``challenge`` (404 for others)."""
    service = stepup_service(request)
    return challenge_to_dict(await run_in_threadpool(service.for_decision, decision_id))


@router.post("/v1/stepup/challenges/{challenge_id}/device", summary="Submit a fingerprint")
async def post_device(
    request: Request,
    body: DeviceIn,
    challenge_id: str = PathParam(min_length=1, max_length=40),
    _: ApiKey = Depends(require(*CLIENT)),
) -> dict[str, Any]:
    """Identify the device and check it for spoofing; the challenge afterwards."""
    service = stepup_service(request)
    challenge, check = await run_in_threadpool(
        service.check_device, challenge_id, body.components.domain(), body.geo_country
    )
    return {"challenge": challenge_to_dict(challenge), "device": _device(check)}


@router.post("/v1/stepup/challenges/{challenge_id}/face", summary="Submit a selfie")
async def post_face(
    request: Request,
    image: Image,
    challenge_id: str = PathParam(min_length=1, max_length=40),
    _: ApiKey = Depends(require(*CLIENT)),
) -> dict[str, Any]:
    """Compare with the enrolled face (built-in matcher: no liveness check)."""
    service = stepup_service(request)
    data = await _read(image)
    challenge, result = await run_in_threadpool(service.check_face, challenge_id, data)
    return {"challenge": challenge_to_dict(challenge), "face": _face(result)}


@router.post("/v1/stepup/challenges/{challenge_id}/vendor", summary="Submit a vendor result")
async def post_vendor(
    request: Request,
    body: VendorIn,
    challenge_id: str = PathParam(min_length=1, max_length=40),
    _: ApiKey = Depends(require(*CLIENT)),
) -> dict[str, Any]:
    """Accept a face-and-liveness vendor's score (passes at or above the threshold)."""
    service = stepup_service(request)
    challenge, result = await run_in_threadpool(
        service.check_vendor, challenge_id, body.score, body.vendor
    )
    return {"challenge": challenge_to_dict(challenge), "face": _face(result)}


@router.post("/v1/stepup/persons/{person_id}/face", summary="Enrol a reference face")
async def post_enrol(
    request: Request,
    person_id: Id,
    image: Image,
    _: ApiKey = Depends(require(*CLIENT)),
) -> dict[str, Any]:
    """Store the person's reference face embedding (the image itself is not kept)."""
    service = stepup_service(request)
    data = await _read(image)
    await run_in_threadpool(service.enrol, person_id, data)
    return {"person_id": person_id, "enrolled": True}


@router.get("/stepup/collector.js", summary="The fingerprint collector", include_in_schema=False)
async def get_collector() -> FileResponse:
    """The dependency-free browser collector (public, cacheable)."""
    return FileResponse(
        COLLECTOR,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=3600"},
    )


async def _read(upload: UploadFile) -> bytes:
    data = await upload.read(MAX_IMAGE + 1)
    if len(data) > MAX_IMAGE:
        raise InvalidInput(f"the image must be at most {MAX_IMAGE} bytes")
    return data
