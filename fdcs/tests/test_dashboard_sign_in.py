"""An official signs in to the dashboard with the province's identity provider (OpenID Connect,
authorization code flow with PKCE) and sees the figures; the token never enters the address bar,
storage or a link. In Chromium (Debian's), against a small provider the test starts."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest

from fdcs.dashboard.app import create_app
from fdcs.dashboard.settings import DashboardSettings
from shared.servers import free_port
from shared.testing.oidc_provider import Client, Provider, running_provider
from shared.testing.served import served

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = "/usr/bin/chromium"  # Debian's package (make test installs it); never a downloaded browser
USERS = {"official-44": {"fdcs_role": "official", "fdcs_area": "44"}}
DRAWN = "() => Chart.getChart('coverage')?.data.datasets.some((d) => !d.reference && d.data.some((v) => v !== null))"
OVERVIEW: dict[str, Any] = {
    "as_of": "2026-06-01T00:00:00+00:00",
    "coverage": {"months": ["2026-01", "2026-02"], "coverage": [0.5, 0.6], "key_population_coverage": [0.7, None]},
    "teams": [],
    "settlement": {
        "periods": [],
        "due_by_payer": {},
        "totals_fen": {"due": 0, "withheld": 0, "adjusted": 0, "settled": 0},
    },
    "reconciliation": {"balanced": None},
    "readings": {"teams": [{"team_id": "T1", "name": "Team one", "open_alerts": 3, "out_of_target": 5, "flagged": 2}]},
}


class RecordingSources:
    """Stands for the appraisal, billing and signing APIs: keeps the tokens the dashboard forwards."""

    def __init__(self) -> None:
        self.tokens: list[str] = []

    async def overview(self, token: str, period: str, area: str, member: str | None = None) -> dict[str, Any]:
        self.tokens.append(token)
        return OVERVIEW | {"period": period, "area": area}


Site = tuple[str, Provider, RecordingSources]  # the dashboard's URL, the provider, what the dashboard forwarded


@pytest.fixture(scope="module")
def site(jwt_keys: Path) -> Iterator[Site]:
    port = free_port()
    dashboard = f"http://127.0.0.1:{port}"
    with running_provider({"fdcs-dashboard": Client([f"{dashboard}/"])}, USERS) as provider:
        settings = DashboardSettings(
            auth_jwt_public_key_file=jwt_keys / "public.pem",
            auth_oidc_issuer=provider.issuer,
            auth_oidc_claims={"role": "fdcs_role", "area": "fdcs_area"},
            dashboard_oidc_issuer=provider.issuer,
            refresh_seconds=1,
        )
        app = create_app(settings)
        with served(app, port):
            sources = RecordingSources()
            app.state.sources = sources
            yield dashboard, provider, sources


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    assert shutil.which(CHROMIUM) or Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `apt-get install chromium`"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()  # its own storage: no sign-in carried from another test
    yield context.new_page()
    context.close()


def status(page: Page, pattern: str) -> str:
    page.wait_for_function(f"() => /{pattern}/.test(document.getElementById('status').textContent)", timeout=10_000)
    return page.locator("#status").inner_text()


def test_an_official_signs_in_with_the_provider_and_sees_the_figures(site: Site, page: Page) -> None:
    dashboard, provider, sources = site
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.on("framenavigated", lambda frame: seen.append(frame.url))

    page.goto(dashboard)
    page.wait_for_url(f"{provider.issuer}/authorize?*")
    asked = parse_qs(urlsplit(page.url).query)
    page.select_option("select[name=user]", "official-44")
    page.click("button[type=submit]")
    page.wait_for_function(DRAWN, timeout=10_000)
    alerts = (
        "() => { const c = Chart.getChart('readings'); return [c.data.labels, c.data.datasets.map((d) => d.data)]; }"
    )
    assert page.evaluate(alerts) == [["Team one"], [[3], [2]]]  # open alerts, flagged readings per team

    assert (asked["code_challenge_method"], len(asked["code_challenge"][0])) == (["S256"], 43)
    assert asked["redirect_uri"] == [f"{dashboard}/"] and asked["state"] and asked["nonce"]
    token = provider.issued[-1]
    assert sources.tokens[-1] == f"Bearer {token}"  # the dashboard verified it and forwarded it
    assert page.url == f"{dashboard}/"  # the code and state left the address bar
    assert not [url for url in seen if token in url or "token=" in url]
    stored = page.evaluate("() => JSON.stringify([{...sessionStorage}, {...localStorage}])")
    assert stored == "[{},{}]"  # the verifier was used once; the tokens live in memory only

    page.click("#sign-out")
    assert status(page, "signed out") == "signed out"
    assert page.url == f"{dashboard}/"


def test_the_page_computes_pkce_and_checks_state_and_nonce(site: Site, page: Page) -> None:
    dashboard = site[0]
    no_sign_in = {"refresh_seconds": 60, "sign_in": None, "token_in_link": False}
    page.route(f"{dashboard}/api/settings", lambda route: route.fulfill(json=no_sign_in))
    page.goto(dashboard)
    status(page, "not configured")
    checks = """async () => {
      const refused = (check) => { try { check(); return "accepted"; } catch (e) { return e.message; } };
      const expected = { issuer: "https://idp", clientId: "fdcs-dashboard", nonce: "n1", now: Date.now() };
      const good = { iss: "https://idp", aud: ["fdcs-dashboard"], nonce: "n1", exp: Date.now() / 1000 + 60 };
      return {
        challenge: await SignIn.challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        state: refused(() => SignIn.checkReturn(new URLSearchParams("code=c&state=forged"), { state: "s1" })),
        noPending: refused(() => SignIn.checkReturn(new URLSearchParams("code=c&state=s1"), null)),
        goodState: refused(() => SignIn.checkReturn(new URLSearchParams("code=c&state=s1"), { state: "s1" })),
        good: refused(() => SignIn.checkIdToken(good, expected)),
        nonce: refused(() => SignIn.checkIdToken({ ...good, nonce: "replayed" }, expected)),
        audience: refused(() => SignIn.checkIdToken({ ...good, aud: "another-app" }, expected)),
        issuer: refused(() => SignIn.checkIdToken({ ...good, iss: "https://elsewhere" }, expected)),
        expired: refused(() => SignIn.checkIdToken({ ...good, exp: 1 }, expected)),
      };
    }"""

    result = page.evaluate(checks)

    assert result["challenge"] == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  # RFC 7636, appendix B
    assert (result["goodState"], result["good"]) == ("accepted", "accepted")
    assert "state does not match" in result["state"] and "no sign-in was started" in result["noPending"]
    assert "nonce" in result["nonce"] and "not for this page" in result["audience"]
    assert "elsewhere" in result["issuer"] and "expired" in result["expired"]


def test_a_forged_return_from_the_provider_is_refused(site: Site, page: Page) -> None:
    dashboard, provider, sources = site
    forwarded, issued = len(sources.tokens), len(provider.issued)
    page.goto(dashboard)
    page.wait_for_url(f"{provider.issuer}/authorize?*")  # a sign-in is pending in this tab

    page.goto(f"{dashboard}/?code=stolen&state=forged")

    assert "state does not match" in status(page, "could not sign in")
    assert page.url == f"{dashboard}/"
    page.wait_for_timeout(1500)  # no loop back to the provider, no token asked for or used
    assert page.url == f"{dashboard}/" and page.locator("#sign-in").is_visible()
    assert (len(sources.tokens), len(provider.issued)) == (forwarded, issued)


def test_a_token_in_the_link_is_refused_without_the_development_setting(
    site: Site, page: Page, mint_token: Callable[..., str]
) -> None:
    dashboard, _, sources = site
    forwarded = len(sources.tokens)

    page.goto(f"{dashboard}/#token={mint_token('official', area='44')}")

    assert "a token in the link is refused" in status(page, "refused")
    assert page.url == f"{dashboard}/" and len(sources.tokens) == forwarded


def test_in_development_the_token_in_the_link_still_opens_the_page(
    jwt_keys: Path, page: Page, mint_token: Callable[..., str]
) -> None:
    """What `make run` prints: the link with an official's development token."""
    settings = DashboardSettings(auth_jwt_public_key_file=jwt_keys / "public.pem", dashboard_token_in_link=True)
    app = create_app(settings)
    with served(app) as dashboard:
        app.state.sources = sources = RecordingSources()
        token = mint_token("official", area="44")

        page.goto(f"{dashboard}/#token={token}")
        page.wait_for_function(DRAWN, timeout=10_000)

    assert sources.tokens[-1] == f"Bearer {token}" and page.url == f"{dashboard}/"
