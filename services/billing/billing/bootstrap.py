"""Wiring of Billing. Its domain is still to be built: for now it serves its health endpoints."""

from __future__ import annotations

from fastapi import FastAPI

from billing.settings import Settings
from shared.web.app import service_app, verifier_for


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return service_app("Billing", "Contract fees split between payers, settled per period.", [], verifier_for(settings))


def migrate(settings: Settings) -> None:
    """Nothing to create yet: the service keeps no state so far."""
