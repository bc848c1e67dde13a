"""The dashboard's web app: the page, its script and chart library, and one data endpoint."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import httpx
from fastapi import FastAPI, Header, Query
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from fdcs.dashboard.overview import Sources
from fdcs.dashboard.settings import DashboardSettings
from shared.web import problems
from shared.web.problems import Problem

STATIC = Path(__file__).with_name("static")


def create_app(settings: DashboardSettings | None = None) -> FastAPI:
    settings = settings or DashboardSettings()
    answers: dict[tuple[str, str, str], tuple[float, dict[str, Any]]] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=60) as http:
            app.state.sources = Sources(http, settings.appraisal_url, settings.billing_url)
            yield

    app = FastAPI(title="Dashboard", description="Appraisal and settlement at a glance.", lifespan=lifespan)
    problems.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/api/settings", summary="How often the page refreshes")
    async def page_settings() -> dict[str, float]:
        return {"refresh_seconds": settings.refresh_seconds}

    @app.get("/api/overview", summary="The figures of the page, for the caller's own scope")
    async def overview(
        authorization: Annotated[str | None, Header()] = None,
        period: Annotated[str, Query(pattern=r"^\d{4}$")] = "2026",
        area: Annotated[str, Query(pattern=r"^\d{6}(\d{3})?$")] = "440183",
    ) -> dict[str, Any]:
        if not authorization:
            raise Problem(
                401, "missing-token", "sign in: the page needs your bearer token", {"WWW-Authenticate": "Bearer"}
            )
        key = (authorization, period, area)
        cached = answers.get(key)
        if cached and time.monotonic() - cached[0] < settings.cache_seconds:
            return cached[1]
        fresh: dict[str, Any] = await app.state.sources.overview(authorization, period, area)
        answers[key] = (time.monotonic(), fresh)
        return fresh

    @app.get("/health/live", include_in_schema=False)
    @app.get("/health/ready", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "up"}

    return app
