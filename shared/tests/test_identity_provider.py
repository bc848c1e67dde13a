"""The APIs accept the province's identity provider's tokens, by the keys it publishes, and
refuse a forged, misdirected, expired or unknown one; a provider that does not answer is a
503 at once, not a hang. Against a small OpenID Connect provider the test starts."""

from __future__ import annotations

import asyncio
import secrets
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import ValidationError

from fdcs.dashboard.settings import DashboardSettings
from shared.principal import Principal
from shared.servers import free_port
from shared.settings import IdentitySettings
from shared.testing.oidc_provider import Client, Provider, running_provider, s256
from shared.web.app import service_app
from shared.web.auth import CurrentPrincipal, TokenVerifier, verifier_for
from shared.web.problems import Problem
from shared.web.provider import IdentityProvider, platform_claims

CALLBACK = "http://127.0.0.1:9/signed-in"  # the client's registered redirect URI (never called here)
MAPPED = {"role": "fdcs_role", "area": "fdcs_area"}
RFC_7636_VERIFIER, RFC_7636_CHALLENGE = (  # its appendix B
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
)
USERS: dict[str, dict[str, Any]] = {
    "official-44": {"fdcs_role": "official", "fdcs_area": "44", "simulation": True},
    "bureau-1": {"fdcs_role": "insurance_bureau", "bureau": "B1"},
}
router = APIRouter()


@router.get("/me")
async def me(caller: CurrentPrincipal) -> dict[str, Any]:
    return {"subject": caller.subject, "role": caller.role, "area": caller.area_code}


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider({"fdcs-dashboard": Client([CALLBACK])}, USERS) as running:
        yield running


@pytest.fixture
def verifier(provider: Provider, jwt_keys: Path) -> TokenVerifier:
    settings = IdentitySettings(
        auth_jwt_public_key_file=jwt_keys / "public.pem", auth_oidc_issuer=provider.issuer, auth_oidc_claims=MAPPED
    )
    return verifier_for(settings)


def sign_in(provider: Provider, user: str, verifier: str | None = None) -> httpx.Response:
    """The authorization code flow with PKCE, as the page runs it; the token endpoint's answer."""
    code_verifier = secrets.token_urlsafe(48)
    asked = {
        "response_type": "code",
        "client_id": "fdcs-dashboard",
        "redirect_uri": CALLBACK,
        "scope": "openid",
        "state": "s1",
        "nonce": "n1",
        "code_challenge": s256(code_verifier),
        "code_challenge_method": "S256",
    }
    with httpx.Client(base_url=provider.issuer) as http:
        assert http.get("/authorize", params=asked).status_code == 200  # the sign-in page
        back = http.post("/authorize", data=asked | {"user": user})
        assert back.status_code == 303
        returned = parse_qs(urlsplit(back.headers["location"]).query)
        assert returned["state"] == ["s1"]
        exchange = {"grant_type": "authorization_code", "code": returned["code"][0], "redirect_uri": CALLBACK}
        exchange |= {"client_id": "fdcs-dashboard", "code_verifier": verifier or code_verifier}
        answer = http.post("/token", data=exchange)
        answer.extensions["exchange"] = exchange
        return answer


def only(provider: IdentityProvider) -> TokenVerifier:
    """A verifier of the provider's tokens alone (no key file)."""
    return TokenVerifier(None, ["RS256"], "fdcs-dev", "fdcs", provider)


def refusal(verifier: TokenVerifier, token: str) -> Problem:
    with pytest.raises(Problem) as refused:
        verifier.verify(token)
    return refused.value


def test_the_pkce_challenge_is_rfc_7636s() -> None:
    assert s256(RFC_7636_VERIFIER) == RFC_7636_CHALLENGE


def test_a_token_from_the_provider_names_the_official_and_their_area(
    provider: Provider, verifier: TokenVerifier
) -> None:
    tokens = sign_in(provider, "official-44").json()

    caller = verifier.verify(tokens["access_token"])

    # The provider's `simulation` claim is not carried over: its tokens are never the simulation's.
    assert caller == Principal(subject="official-44", role="official", area_code="44")
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["nonce"] == "n1"


def test_the_provider_refuses_a_wrong_verifier_and_a_second_use_of_a_code(provider: Provider) -> None:
    assert sign_in(provider, "official-44", verifier="x" * 64).status_code == 400
    first = sign_in(provider, "official-44")
    with httpx.Client(base_url=provider.issuer) as http:
        again = http.post("/token", data=first.extensions["exchange"])
    assert (first.status_code, again.status_code) == (200, 400)


def test_an_api_accepts_the_providers_token_and_refuses_a_forged_one(
    provider: Provider, verifier: TokenVerifier
) -> None:
    api = TestClient(service_app("t", "t", [router], verifier))
    token = sign_in(provider, "official-44").json()["access_token"]
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode(claims | {"fdcs_role": "admin"}, forger, "RS256", headers={"kid": provider.kid})

    assert api.get("/me", headers={"Authorization": f"Bearer {token}"}).json() == {
        "subject": "official-44",
        "role": "official",
        "area": "44",
    }
    refused = api.get("/me", headers={"Authorization": f"Bearer {forged}"})
    assert (refused.status_code, refused.headers["content-type"]) == (401, "application/problem+json")
    assert refused.json()["type"] == "/problems/invalid-token"


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"aud": "another-api"}, "audience"),
        ({"exp": int(time.time()) - 60}, "expired"),
        ({"iss": "https://elsewhere.example"}, "unknown issuer"),
        ({"fdcs_role": "mayor"}, "role"),
        ({"fdcs_role": None}, "role"),
    ],
)
def test_a_misdirected_expired_or_strange_token_is_refused(
    provider: Provider, verifier: TokenVerifier, claims: dict[str, Any], why: str
) -> None:
    good = {"sub": "official-44", "aud": "fdcs", "fdcs_role": "official", "fdcs_area": "44"}

    refused = refusal(verifier, provider.mint(good | claims))

    assert refused.status == 401
    assert why in refused.detail.lower()


def test_a_rotated_key_is_fetched_but_unknown_key_ids_do_not_hammer_the_provider(provider: Provider) -> None:
    keys = IdentityProvider(provider.issuer, "fdcs", ["RS256"], MAPPED, refresh_every=30)
    verifier = only(keys)
    claims = {"sub": "official-44", "aud": "fdcs", "fdcs_role": "official"}
    verifier.verify(provider.mint(claims))
    served = provider.key_sets_served

    for _ in range(5):  # made-up key ids: at most one refresh within the cooldown
        assert refusal(verifier, provider.mint(claims, kid=secrets.token_hex(4))).status == 401
    assert provider.key_sets_served - served <= 1

    rotating = only(IdentityProvider(provider.issuer, "fdcs", ["RS256"], MAPPED, refresh_every=0))
    rotating.verify(provider.mint(claims))
    provider.rotate()
    assert rotating.verify(provider.mint(claims)).role == "official"


def test_a_provider_that_does_not_answer_is_a_503_within_the_timeout() -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        issuer = f"http://127.0.0.1:{silent.getsockname()[1]}"
        verifier = only(IdentityProvider(issuer, "fdcs", ["RS256"], timeout=0.5))
        token = jwt.encode({"iss": issuer, "sub": "x", "exp": time.time() + 60}, "k" * 32, "HS256")
        started = time.monotonic()

        refused = refusal(verifier, token)

    assert (refused.status, refused.code) == (503, "identity-provider-unavailable")
    assert time.monotonic() - started < 3
    nobody = only(IdentityProvider(f"http://127.0.0.1:{free_port()}", "fdcs", ["RS256"]))  # nothing listens
    token = jwt.encode({"iss": nobody._provider.issuer, "sub": "x", "exp": time.time() + 60}, "k" * 32, "HS256")  # type: ignore[union-attr]
    assert refusal(nobody, token).status == 503


def test_while_one_request_waits_for_a_silent_provider_the_others_are_answered() -> None:
    """The keys are fetched in a worker thread: the event loop serves everyone else meanwhile."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        issuer = f"http://127.0.0.1:{silent.getsockname()[1]}"
        api = service_app("t", "t", [router], only(IdentityProvider(issuer, "fdcs", ["RS256"], timeout=1)))
        token = jwt.encode({"iss": issuer, "sub": "x", "exp": time.time() + 60}, "k" * 32, "HS256")

        async def both() -> tuple[int, int, float]:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://t") as http:
                started = time.monotonic()
                waiting = asyncio.create_task(http.get("/me", headers={"Authorization": f"Bearer {token}"}))
                await asyncio.sleep(0.05)
                live = await http.get("/health/live")
                live_took = time.monotonic() - started
                return live.status_code, (await waiting).status_code, live_took

        live, waited, live_took = asyncio.run(both())

    assert (live, waited) == (200, 503)
    assert live_took < 0.5  # not behind the 1 s wait


def test_without_the_key_file_only_the_providers_tokens_pass(
    provider: Provider, mint_token: Any, tmp_path: Path
) -> None:
    settings = IdentitySettings(
        auth_jwt_public_key_file=tmp_path / "none.pem", auth_oidc_issuer=provider.issuer, auth_oidc_claims=MAPPED
    )
    verifier = verifier_for(settings)

    assert verifier.verify(sign_in(provider, "bureau-1").json()["access_token"]).bureau_id == "B1"
    assert "unknown issuer" in refusal(verifier, mint_token("admin")).detail
    with pytest.raises(FileNotFoundError):
        verifier_for(IdentitySettings(auth_jwt_public_key_file=tmp_path / "none.pem"))


@pytest.mark.parametrize(
    ("theirs", "names", "ours"),
    [
        ({"sub": "a", "role": "official", "area": "44"}, {}, {"sub": "a", "role": "official", "area": "44"}),
        (
            {"sub": "a", "realm_access": {"roles": ["offline_access", "official"]}},
            {"role": "realm_access.roles"},
            {"sub": "a", "role": "official"},
        ),
        ({"sub": "a", "https://gov.cn/role": "admin"}, {"role": "https://gov.cn/role"}, {"sub": "a", "role": "admin"}),
        ({"sub": "a", "role": "official", "simulation": True, "email": "x@y"}, {}, {"sub": "a", "role": "official"}),
    ],
)
def test_the_providers_claims_map_to_the_platforms(
    theirs: dict[str, Any], names: dict[str, str], ours: dict[str, Any]
) -> None:
    full = {
        name: names.get(name, name)
        for name in ("sub", "role", "team", "institution", "hospital", "bureau", "area", "resident")
    }
    assert platform_claims(theirs, full) == ours


def test_two_platform_roles_in_one_token_are_refused() -> None:
    with pytest.raises(jwt.InvalidTokenError):
        platform_claims({"roles": ["official", "admin"]}, {"role": "roles"})


def test_settings_refuse_a_claim_the_platform_does_not_read_and_a_token_link_in_production() -> None:
    with pytest.raises(ValidationError):
        IdentitySettings(auth_oidc_claims={"salary": "pay"})
    with pytest.raises(ValidationError):
        DashboardSettings(environment="production", dashboard_token_in_link=True)
