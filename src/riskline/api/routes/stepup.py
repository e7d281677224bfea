"""HTTP routes of the stepup package."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(tags=["stepup"])
