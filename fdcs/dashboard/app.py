"""The dashboard's web app: the page, its script and chart library, and one data endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import httpx
from fastapi import FastAPI, Header, Query
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from fdcs.dashboard.answers import Answers
from fdcs.dashboard.overview import Sources
from fdcs.dashboard.settings import DashboardSettings
from shared.metrics.http import instrument
from shared.web import problems
from shared.web.auth import verifier_for
from shared.web.bounds import YEAR
from shared.web.problems import Problem

STATIC = Path(__file__).with_name("static")


def create_app(settings: DashboardSettings | None = None) -> FastAPI:
    settings = settings or DashboardSettings()
    answers = Answers(settings.cache_entries, settings.cache_seconds)
    # The identity provider's public key, as the services verify with: a forged or garbage
    # token is refused here, costing no call to the services (asking them once per token
    # and remembering the refusal would still cost one call per new garbage token).
    verifier = verifier_for(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=60) as http:
            urls = settings.appraisal_url, settings.billing_url, settings.signing_url, settings.health_records_url
            app.state.sources = Sources(http, *urls)
            yield

    app = FastAPI(title="Dashboard", description="Appraisal and settlement at a glance.", lifespan=lifespan)
    app.state.answers = answers
    problems.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    @app.get(settings.dashboard_oidc_redirect_path, include_in_schema=False)  # the provider sends officials back here
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/api/settings", summary="How often the page refreshes, and how an official signs in")
    async def page_settings() -> dict[str, Any]:
        return {"refresh_seconds": settings.refresh_seconds, **sign_in(settings)}

    @app.get("/api/overview", summary="The figures of the page, for the caller's own scope")
    async def overview(
        authorization: Annotated[str | None, Header()] = None,
        period: Annotated[str, Query(pattern=rf"^{YEAR}$")] = "2026",
        area: Annotated[str, Query(pattern=r"^\d{6}(\d{3})?$")] = "440183",
    ) -> dict[str, Any]:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Problem(
                401, "missing-token", "sign in: the page needs your bearer token", {"WWW-Authenticate": "Bearer"}
            )
        who = await verifier.verify_async(token.strip())
        key = (token.strip(), period, area)
        cached: dict[str, Any] | None = answers.get(key)
        if cached is not None:
            return cached
        member = who.subject if who.role == "family_doctor" else None  # billing decides what they see
        fresh: dict[str, Any] = await app.state.sources.overview(f"Bearer {token.strip()}", period, area, member)
        answers.put(key, fresh)
        return fresh

    @app.get("/health/live", include_in_schema=False)
    @app.get("/health/ready", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "up"}

    instrument(app)
    return app


def sign_in(settings: DashboardSettings) -> dict[str, Any]:
    """What the page needs to sign in: public values only (a public client has no secret)."""
    provider = None
    if settings.dashboard_oidc_issuer:
        provider = {
            "issuer": settings.dashboard_oidc_issuer,
            "client_id": settings.dashboard_oidc_client_id,
            "redirect_path": settings.dashboard_oidc_redirect_path,
            "scopes": settings.dashboard_oidc_scopes,
        }
    return {"sign_in": provider, "token_in_link": settings.dashboard_token_in_link}
