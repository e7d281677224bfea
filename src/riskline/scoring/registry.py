"""Model registry on a directory: versioned artifacts, metadata JSON, hash-checked loads.

Layout: ``root/<name>/<version>/artifact.pkl`` + ``meta.json``; ``root/<name>/channels.json``
holds the active (champion) and challenger versions. Artifacts are pickles, so the SHA-256
recorded at registration is verified *before* unpickling; a changed file is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from riskline.errors import InvalidInput
from riskline.scoring.errors import ArtifactTampered, ModelNotFound

__all__ = ["ROLES", "ModelMeta", "ModelRegistry"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class _Clock(Protocol):
    def now(self) -> datetime: ...


class _Utc:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ModelMeta:
    """What the registry knows about one model version."""

    name: str
    version: str
    kind: str
    features: tuple[str, ...]
    data_window: tuple[str, str]
    metrics: Mapping[str, float]
    created_at: str
    sha256: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ModelMeta:
        """Parse ``meta.json``."""
        return cls(
            **{
                **raw,
                "features": tuple(raw["features"]),
                "data_window": (str(raw["data_window"][0]), str(raw["data_window"][1])),
            }
        )


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


ROLES = ("fraud", "anomaly", "scorecard")
"""The roles the engine serves a model in."""


class ModelRegistry:
    """Versioned model store with champion (active) and challenger channels."""

    def __init__(self, root: Path, *, clock: _Clock | None = None) -> None:
        self.root = Path(root)
        self.clock = clock or _Utc()

    def _dir(self, name: str, version: str | None = None) -> Path:
        for part in (name, version or "x"):
            if not _NAME.match(part):
                raise InvalidInput(f"invalid model name or version {part!r}")
        return self.root / name if version is None else self.root / name / version

    def versions(self, name: str) -> list[str]:
        """Registered versions of ``name``, oldest first."""
        d = self._dir(name)
        if not d.is_dir():
            return []
        found = [p.name for p in d.iterdir() if (p / "meta.json").is_file()]
        return sorted(found, key=lambda v: (len(v), v))

    def register(
        self,
        name: str,
        model: object,
        *,
        kind: str,
        features: Sequence[str],
        data_window: tuple[str, str],
        metrics: Mapping[str, float],
        version: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> ModelMeta:
        """Store ``model`` as a new version (``v1``, ``v2``, ... unless given); return its meta."""
        version = version or f"v{len(self.versions(name)) + 1}"
        d = self._dir(name, version)
        if d.exists():
            raise InvalidInput(f"model {name} version {version} already exists")
        d.mkdir(parents=True)
        blob = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
        _write_atomic(d / "artifact.pkl", blob)
        meta = ModelMeta(
            name=name,
            version=version,
            kind=kind,
            features=tuple(features),
            data_window=(str(data_window[0]), str(data_window[1])),
            metrics={k: float(v) for k, v in metrics.items()},
            created_at=self.clock.now().isoformat(),
            sha256=hashlib.sha256(blob).hexdigest(),
            extra=dict(extra or {}),
        )
        _write_atomic(d / "meta.json", json.dumps(asdict(meta), indent=2).encode())
        return meta

    def meta(self, name: str, version: str) -> ModelMeta:
        """Metadata of one version."""
        path = self._dir(name, version) / "meta.json"
        if not path.is_file():
            raise ModelNotFound(f"model {name} version {version} is not registered")
        return ModelMeta.from_json(json.loads(path.read_text()))

    def load(self, name: str, version: str | None = None) -> tuple[object, ModelMeta]:
        """The model and its meta; ``version=None`` loads the active one. Refuses tampered files."""
        version = version or self.active(name)
        meta = self.meta(name, version)
        blob = (self._dir(name, version) / "artifact.pkl").read_bytes()
        digest = hashlib.sha256(blob).hexdigest()
        if digest != meta.sha256:
            raise ArtifactTampered(
                f"artifact of model {name} version {version} does not match its registered "
                f"SHA-256 ({digest[:12]}… != {meta.sha256[:12]}…); refusing to load it"
            )
        return pickle.loads(blob), meta

    def _channels(self, name: str) -> dict[str, str]:
        path = self._dir(name) / "channels.json"
        return dict(json.loads(path.read_text())) if path.is_file() else {}

    def _set_channel(self, name: str, channel: str, version: str | None) -> None:
        if version is not None:
            self.meta(name, version)  # must exist
        channels = self._channels(name)
        if version is None:
            channels.pop(channel, None)
        else:
            channels[channel] = version
        _write_atomic(self._dir(name) / "channels.json", json.dumps(channels).encode())

    def set_active(self, name: str, version: str) -> None:
        """Make ``version`` the champion the engine scores with (for a model named like a role,
        this also ends a binding of that role to another model)."""
        self._set_channel(name, "active", version)
        roles = self.roles()
        if roles.pop(name, None) is not None:
            self._write_roles(roles)

    def set_challenger(self, name: str, version: str | None) -> None:
        """Make ``version`` the challenger that scores in shadow (``None`` clears it)."""
        self._set_channel(name, "challenger", version)

    def active(self, name: str) -> str:
        """Active version of ``name``."""
        found = self._channels(name).get("active")
        if found is None:
            raise ModelNotFound(f"model {name} has no active version")
        return found

    def challenger(self, name: str) -> str | None:
        """Challenger version of ``name``, if any."""
        return self._channels(name).get("challenger")

    def bind_role(self, role: str, name: str, version: str) -> None:
        """Serve ``name`` ``version`` in ``role`` (one of :data:`ROLES`): the engine reads roles.

        A model trained under any name (``fraud-history``, ``credit-lightgbm``) becomes the
        engine's fraud model, say, without being renamed; binding the model named like the role
        is the same as activating it there.
        """
        if role not in ROLES:
            raise InvalidInput(f"unknown role {role!r}; the engine reads {', '.join(ROLES)}")
        self.meta(name, version)  # must exist
        if name == role:
            self.set_active(name, version)
            return
        roles = self.roles()
        roles[role] = (name, version)
        self._write_roles(roles)

    def _write_roles(self, roles: Mapping[str, tuple[str, str]]) -> None:
        raw = {r: {"name": n, "version": v} for r, (n, v) in sorted(roles.items())}
        self.root.mkdir(parents=True, exist_ok=True)
        _write_atomic(self.root / "roles.json", json.dumps(raw, indent=2).encode())

    def roles(self) -> dict[str, tuple[str, str]]:
        """Explicit role bindings: role -> (name, version)."""
        path = self.root / "roles.json"
        if not path.is_file():
            return {}
        raw = json.loads(path.read_text())
        return {r: (str(b["name"]), str(b["version"])) for r, b in raw.items()}

    def serving(self, role: str) -> tuple[str, str]:
        """(name, version) the engine serves in ``role``: its binding, else the active version of
        the model named like the role; :class:`ModelNotFound` when there is neither."""
        bound = self.roles().get(role)
        return bound if bound is not None else (role, self.active(role))
