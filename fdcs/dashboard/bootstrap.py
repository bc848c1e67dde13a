"""Wiring of the dashboard (no store: it reads the services' APIs)."""

from __future__ import annotations

from fastapi import FastAPI

from fdcs.dashboard.app import create_app as _create_app
from fdcs.dashboard.settings import DashboardSettings


def create_app(settings: DashboardSettings | None = None) -> FastAPI:
    return _create_app(settings)


def migrate(settings: DashboardSettings) -> None:
    """Nothing to create: the dashboard keeps no state."""
