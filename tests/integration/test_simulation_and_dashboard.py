"""The main job end to end: a small county's year through every service's API, its summary
read from the platform's views, and the dashboard drawing it in a real headless browser."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fdcs.launcher import onboard_simulated_partners
from fdcs.simulation.platform import Platform
from fdcs.simulation.runner import simulate
from fdcs.simulation.summary import summarise
from shared.testing.processes import ROOT, Processes

ARTIFACTS = ROOT / "test-artifacts"
SERVICES = ("signing", "health-records", "referral", "billing", "appraisal")
CHROMIUM = "/usr/bin/chromium"  # Debian's package (make test installs it); never a downloaded browser


@pytest.fixture(scope="module")
def county(
    platform: Processes, run_id: str, jwt_keys: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    urls: dict[str, str] = {}
    assert platform.broker is not None
    onboard_simulated_partners(platform.broker)
    for service in SERVICES:
        schema = {"DATABASE_SCHEMA": f"{service.replace('-', '_')}_{run_id}", "SIMULATED_CLOCK": "true"}
        own = service.replace("-", "_")
        groups = {"CONSUMER_GROUP": f"{own}.sim-{run_id}", "VIEW_CONSUMER_GROUP": f"{own}.sim-view-{run_id}"}
        urls[service] = str(platform.start("serve", service, **schema))
        platform.start("relay", service, **schema)
        platform.start("project", service, **schema, **groups)
    yield urls


def test_a_simulated_year_shows_on_the_dashboard(
    county: dict[str, str],
    platform: Processes,
    mint_token: Callable[..., str],
    jwt_keys: Path,
    tmp_path: Path,
) -> None:
    summary = asyncio.run(_year(Platform(county, seed=11, keys=jwt_keys), tmp_path))

    assert "contracts signed" in summary and "Best team" in summary
    assert re.search(r"overall \d+\.\d%, key populations \d+\.\d%", summary), summary

    dashboard = platform.start_dashboard(county["appraisal"], county["billing"])
    _browse(dashboard, mint_token("official", area="44"))


async def _year(sim: Platform, checkpoints: Path) -> str:
    try:
        state = await simulate(300, 2026, 11, sim, concurrency=8, fresh=True, quiet=True, checkpoints=checkpoints)
        return await summarise(sim, state)
    finally:
        await sim.close()


def _browse(url: str, token: str) -> None:
    from playwright.sync_api import sync_playwright

    assert shutil.which(CHROMIUM) or Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `apt-get install chromium`"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1700})
        page.goto(f"{url}/#token={token}")
        drawn = "(id) => { const c = Chart.getChart(id); return c && c.data.datasets.some(d => d.data.some(v => v)); }"
        for chart in ("coverage", "dimensions", "fulfilment", "satisfaction", "settlement", "withheld"):
            page.wait_for_function(f"() => ({drawn})('{chart}')", timeout=60_000)
        assert page.locator("#ranking tbody tr").count() > 0
        page.screenshot(path=str(ARTIFACTS / "dashboard-2026.png"), full_page=True)
        before = page.evaluate("() => JSON.stringify(Chart.getChart('settlement').data.labels)")
        page.select_option("#period", "2025")
        page.wait_for_function(
            f"() => JSON.stringify(Chart.getChart('settlement').data.labels) !== {before!r}", timeout=60_000
        )
        assert page.evaluate("() => Chart.getChart('settlement').data.labels.every(l => l.startsWith('2025'))")
        page.screenshot(path=str(ARTIFACTS / "dashboard-2025.png"), full_page=True)
        browser.close()
