"""The main job end to end: a small county's year through every service's API, its summary
read from the platform's views, and the dashboard drawing it in a real headless browser while
the year runs: every panel has a figure within a minute of the county's start, teams by name,
every axis with its unit, the live ranking's as-of time and the published result beside it; after
the year, the appointment indicators per team and, once billing's year-end commands have run, each
team's capitation budget against spending and its performance-pay pool."""

from __future__ import annotations

import asyncio
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from fdcs.launcher import onboard_simulated_partners
from fdcs.simulation.platform import Platform
from fdcs.simulation.runner import simulate
from fdcs.simulation.summary import summarise
from shared.testing.processes import ROOT, Processes

if TYPE_CHECKING:
    from playwright.sync_api import Page

ARTIFACTS = ROOT / "test-artifacts"
SERVICES = ("signing", "health-records", "referral", "billing", "appraisal")
CHROMIUM = "/usr/bin/chromium"  # Debian's package (make test installs it); never a downloaded browser
CHARTS = ("coverage", "dimensions", "fulfilment", "referrals", "satisfaction", "settlement", "withheld")
# Filled later: the appointment indicators are 2026.2's (from July), the money billing's year-end.
LATER = ("appointments", "waiting", "capitation", "kept")
FULL_WITHIN = 60  # seconds from the county's start to a figure in every panel (issue 20)
# A chart has data: a value, zero included, in a series that is not a reference line (a target).
DRAWN = (
    "(id) => { const c = Chart.getChart(id); return !!c && c.data.datasets.some("
    "d => !d.reference && d.data.some(v => v !== null && v !== undefined)); }"
)


@pytest.fixture(scope="module")
def county(
    platform: Processes, run_id: str, jwt_keys: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    assert platform.broker is not None
    onboard_simulated_partners(platform.broker)
    yield platform.start_county(SERVICES, run_id)


def test_a_simulated_year_shows_on_the_dashboard(
    county: dict[str, str],
    platform: Processes,
    mint_token: Callable[..., str],
    jwt_keys: Path,
    tmp_path: Path,
) -> None:
    dashboard = platform.start_dashboard(
        county["appraisal"], county["billing"], county["signing"], county["health-records"]
    )
    started = time.monotonic()  # as `make run` starts its county once the dashboard answers
    with ThreadPoolExecutor(1) as background:
        year = background.submit(asyncio.run, _year(Platform(county, seed=11, keys=jwt_keys), tmp_path))
        with _browser(dashboard, mint_token("official", area="44")) as page:
            _empty_panels_say_so(page)
            filled = _every_panel_filled(page, started)
            print(
                f"\ntime to a full dashboard: {max(filled.values()):.1f} s from the county's start; by panel {filled}"
            )
            _charts_are_honest(page)
            summary = year.result(timeout=900)
            _published_beside_live(page)
            _year_end(county["billing"], mint_token("admin", simulation=True))
            _later_panels(page)
            _another_year(page)

    assert "contracts signed" in summary and "Best team" in summary
    assert re.search(r"overall \d+\.\d%, key populations \d+\.\d%", summary), summary
    for done in ("appointments booked", "appointments attended", "appointments missed", "readings sent"):
        assert re.search(rf"^  {done}: [1-9]", summary, re.MULTILINE), summary  # residents book, devices report
    assert "appointments booked: refused" not in summary and "reading batches: refused" not in summary, summary
    assert max(filled.values()) <= FULL_WITHIN, filled


async def _year(sim: Platform, checkpoints: Path) -> str:
    try:
        state = await simulate(300, 2026, 11, sim, concurrency=8, fresh=True, quiet=True, checkpoints=checkpoints)
        return await summarise(sim, state)
    finally:
        await sim.close()


@contextmanager
def _browser(url: str, token: str) -> Iterator[Page]:
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
        page = browser.new_page(viewport={"width": 1400, "height": 1900})
        page.goto(f"{url}/#token={token}")
        yield page
        browser.close()


def _empty_panels_say_so(page: Page) -> None:
    """Drawn once while the county has barely begun: what has no figure yet says "no data yet"."""
    page.wait_for_function("() => document.body.dataset.loadedArea", timeout=30_000)
    assert page.locator(".no-data:visible").count() > 0
    assert page.locator(".no-data:visible").first.inner_text() == "no data yet"
    page.screenshot(path=str(ARTIFACTS / "dashboard-2026-starting.png"), full_page=True)


def _every_panel_filled(page: Page, started: float) -> dict[str, float]:
    """Seconds from the county's start to each panel's first figure (a chart: a value that is
    not a reference line; the ranking: a row)."""
    filled: dict[str, float] = {}
    while len(filled) < len(CHARTS) + 1 and time.monotonic() - started < FULL_WITHIN * 3:
        has = page.evaluate(f"(ids) => Object.fromEntries(ids.map((id) => [id, ({DRAWN})(id)]))", list(CHARTS))
        has["ranking"] = page.locator("#ranking tbody tr").count() > 0
        for panel in (p for p, yes in has.items() if yes and p not in filled):
            filled[panel] = round(time.monotonic() - started, 1)
        page.wait_for_timeout(500)
    assert len(filled) == len(CHARTS) + 1, f"still empty after {FULL_WITHIN * 3} s: {filled}"
    assert page.locator("article:not(.later) .no-data:visible").count() == 0
    page.screenshot(path=str(ARTIFACTS / "dashboard-2026-full.png"), full_page=True)
    return filled


def _charts_are_honest(page: Page) -> None:
    """Teams by name; every axis titled with its unit; the score and its parts on one 0-100
    scale, not stacked; the live ranking's as-of time."""
    ids = re.compile(r"\bT-\d{9}-")
    assert not ids.search(page.locator("#ranking tbody").inner_text())
    for chart in CHARTS + LATER:
        labels = page.evaluate(f"() => Chart.getChart('{chart}').data.labels.join(' | ')")
        assert chart in ("coverage", "settlement", "withheld", *LATER[2:]) or not ids.search(labels), (chart, labels)
        x, y = page.evaluate(
            f"() => ['x', 'y'].map((a) => Chart.getChart('{chart}').options.scales[a].title)"
            ".map((t) => t.display ? t.text : '')"
        )
        assert x and re.search(r"%|yuan|points|days", y), (chart, x, y)
    scales = page.evaluate("() => Chart.getChart('dimensions').options.scales")
    assert not scales["y"].get("stacked") and scales["y"]["max"] == 100
    assert re.match(r"live, as of .+", page.locator("#as-of").inner_text())


def _published_beside_live(page: Page) -> None:
    """Once the year is published, its results show beside the live ones."""
    page.wait_for_function("() => /· published \\d/.test(document.getElementById('as-of').textContent)", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "dashboard-2026.png"), full_page=True)
    published = page.locator("#ranking tbody tr td:nth-child(5)").all_inner_texts()
    assert any(re.fullmatch(r"\d+\.\d", score) for score in published), published
    # The simulated teams score low: the withheld share is forfeited, and the page says how much.
    page.wait_for_function(
        "() => /¥[\\d,.]+ of the withheld share was forfeited/.test(document.getElementById('forfeited').textContent)",
        timeout=60_000,
    )


def _year_end(billing: str, admin: str) -> None:
    """The scheduler's year-end commands on billing, in January: the capitation reconciliation, and
    performance pay once billing has read the teams' published appraisals."""
    when = {"Authorization": f"Bearer {admin}", "X-Simulated-Time": "2027-01-20T02:00:00+08:00"}
    for command in ("/capitation-years/2026/reconciliation", "/performance-pay/2026"):
        for _ in range(60):
            answer = httpx.post(billing + command, headers=when | {"Idempotency-Key": str(uuid.uuid4())}, timeout=60)
            if answer.status_code != 409:
                break
            time.sleep(1)  # appraisal-not-published: billing's consumer has not read the results yet
        assert answer.status_code == 200, (command, answer.text)


def _later_panels(page: Page) -> None:
    """The appointment indicators per team (of the second half, under 2026.2) and each team's money."""
    page.wait_for_function(f"(ids) => ids.every((id) => ({DRAWN})(id))", arg=list(LATER), timeout=60_000)
    assert page.locator(".no-data:visible").count() == 0
    assert page.locator("#appointments-period").inner_text() == "of 2026-H2"
    budgets = page.evaluate("() => Chart.getChart('capitation').data.datasets[0].data")
    assert budgets and all(b > 0 for b in budgets), budgets  # every team's contracted residents have a budget
    page.screenshot(path=str(ARTIFACTS / "dashboard-2026-year-end.png"), full_page=True)


def _another_year(page: Page) -> None:
    before = page.evaluate("() => JSON.stringify(Chart.getChart('settlement').data.labels)")
    page.select_option("#period", "2025")
    page.wait_for_function(
        f"() => JSON.stringify(Chart.getChart('settlement').data.labels) !== {before!r}", timeout=60_000
    )
    assert page.evaluate("() => Chart.getChart('settlement').data.labels.every(l => l.startsWith('2025'))")
    # A figure with no data is a gap that says so, never a 0.
    for chart in CHARTS + LATER:
        gaps = page.evaluate(
            f"() => Chart.getChart('{chart}').data.datasets.filter((d) => !d.reference && d.data.includes(null))"
            ".map((d) => d.label)"
        )
        assert all("(no data" in label for label in gaps), (chart, gaps)
    page.screenshot(path=str(ARTIFACTS / "dashboard-2025.png"), full_page=True)
