"""A small OpenID Connect provider for the tests: discovery, a key set, the authorization code flow
with PKCE (S256 only) and sign-out, as the province's identity provider offers them to a public
client. The sign-in page asks only which of its users signs in (no password: a test fixture).

Written here rather than taken from PyPI: the maintained mock providers need Python 3.12 (the
platform runs on 3.11) and bring a second web framework; this one is FastAPI and PyJWT, the
platform's own. Never for production.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from shared.servers import free_port
from shared.testing.served import served


def s256(verifier: str) -> str:
    """RFC 7636 4.2: the challenge a verifier answers."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@dataclass
class Client:
    redirect_uris: list[str]
    audience: str = "fdcs"  # the `aud` of its access tokens: the APIs it calls (an audience mapper)


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    user: str
    issued: float = field(default_factory=time.monotonic)


class Provider:
    """`users`: name → the claims its tokens carry (besides `sub`, the name)."""

    def __init__(self, issuer: str, clients: dict[str, Client], users: dict[str, dict[str, Any]]) -> None:
        self.issuer, self.clients, self.users = issuer, clients, users
        self.kid = "key-1"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.grants: dict[str, Grant] = {}
        self.issued: list[str] = []  # every access token given out
        self.key_sets_served = 0

    def rotate(self) -> None:
        """A new signing key under a new key id, as a provider rotates its keys."""
        self.kid = f"key-{int(self.kid.rsplit('-', 1)[1]) + 1}"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def mint(self, claims: dict[str, Any], seconds: int = 300, **header: Any) -> str:
        """A token signed with the provider's key: `claims` win over the defaults."""
        now = int(time.time())
        body = {"iss": self.issuer, "iat": now, "exp": now + seconds, "jti": secrets.token_hex(8), **claims}
        return jwt.encode(body, self.key, algorithm="RS256", headers={"kid": self.kid, **header})

    def jwks(self) -> dict[str, Any]:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [jwk | {"kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def grant(self, form: dict[str, str]) -> str | None:
        """Where a signed-in user goes back to, with the code of their grant and the client's
        state; None for a request it refuses."""
        if _refusal(self, form) or form.get("user") not in self.users:
            return None
        code = secrets.token_urlsafe(24)
        self.grants[code] = Grant(
            form["client_id"], form["redirect_uri"], form["code_challenge"], form.get("nonce"), form["user"]
        )
        back = {"code": code} | ({"state": form["state"]} if form.get("state") else {})
        return f"{form['redirect_uri']}?{urlencode(back)}"

    def redeem(self, form: dict[str, str]) -> Grant | None:
        """The grant a code stands for, once, to the client it was given to, whose verifier answers its challenge."""
        grant = self.grants.pop(form.get("code", ""), None)
        if grant is None or time.monotonic() - grant.issued > 60 or form.get("grant_type") != "authorization_code":
            return None
        if (form.get("client_id"), form.get("redirect_uri")) != (grant.client_id, grant.redirect_uri):
            return None
        return grant if s256(form.get("code_verifier", "")) == grant.challenge else None

    def tokens(self, grant: Grant) -> dict[str, Any]:
        user = {"sub": grant.user, **self.users[grant.user]}
        access = self.mint(user | {"aud": self.clients[grant.client_id].audience, "azp": grant.client_id})
        identity = self.mint({"sub": grant.user, "aud": grant.client_id, "nonce": grant.nonce})
        self.issued.append(access)
        return {"access_token": access, "id_token": identity, "token_type": "Bearer", "expires_in": 300}


@contextmanager
def running_provider(clients: dict[str, Client], users: dict[str, dict[str, Any]]) -> Iterator[Provider]:
    """A provider answering on a free local port (its issuer URL) until the block ends."""
    port = free_port()
    provider = Provider(f"http://127.0.0.1:{port}", clients, users)
    with served(provider_app(provider), port):
        yield provider


def provider_app(provider: Provider) -> FastAPI:
    app = FastAPI(title="test identity provider")
    # The dashboard's page calls discovery and the token endpoint from another origin.
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"], allow_headers=["*"])

    @app.get("/.well-known/openid-configuration")
    async def discovery() -> dict[str, Any]:
        at = provider.issuer
        return {
            "issuer": at,
            "authorization_endpoint": f"{at}/authorize",
            "token_endpoint": f"{at}/token",
            "jwks_uri": f"{at}/jwks",
            "end_session_endpoint": f"{at}/logout",
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["none"],
        }

    @app.get("/jwks")
    async def jwks() -> dict[str, Any]:
        provider.key_sets_served += 1
        return provider.jwks()

    _sign_in_routes(app, provider)

    @app.get("/logout")
    async def logout(post_logout_redirect_uri: str) -> Response:
        return RedirectResponse(post_logout_redirect_uri, 303)

    return app


def _sign_in_routes(app: FastAPI, provider: Provider) -> None:
    @app.get("/authorize")
    async def authorize(request: Request) -> Response:
        asked = dict(request.query_params)
        if refused := _refusal(provider, asked):
            return JSONResponse({"error": "invalid_request", "error_description": refused}, 400)
        return HTMLResponse(_sign_in_page(provider, asked))

    @app.post("/authorize")
    async def signed_in(request: Request) -> Response:
        back = provider.grant(_form(await request.body()))
        if back is None:
            return JSONResponse({"error": "invalid_request", "error_description": "refused"}, 400)
        return RedirectResponse(back, 303)

    @app.post("/token")
    async def token(request: Request) -> Response:
        grant = provider.redeem(_form(await request.body()))
        if grant is None:
            return JSONResponse({"error": "invalid_grant"}, 400)
        return JSONResponse(provider.tokens(grant), headers={"Cache-Control": "no-store"})


def _refusal(provider: Provider, asked: dict[str, str]) -> str | None:
    client = provider.clients.get(asked.get("client_id", ""))
    if client is None or asked.get("redirect_uri") not in client.redirect_uris:
        return "unknown client or redirect URI"
    if asked.get("response_type") != "code" or "openid" not in asked.get("scope", "").split():
        return "only the authorization code flow, with the openid scope"
    if asked.get("code_challenge_method") != "S256" or len(asked.get("code_challenge", "")) != 43:
        return "PKCE with S256 is required"
    return None


def _form(body: bytes) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(body.decode()).items()}


def _sign_in_page(provider: Provider, asked: dict[str, str]) -> str:
    kept = ("client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge")
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(asked[name])}">' for name in kept if name in asked
    )
    hidden += '<input type="hidden" name="code_challenge_method" value="S256">'
    options = "".join(f"<option>{html.escape(user)}</option>" for user in provider.users)
    return (
        "<!doctype html><title>Sign in</title><h1>Province identity provider (test)</h1>"
        f'<form method="post" action="/authorize">{hidden}'
        f'<label>User <select name="user">{options}</select></label> <button type="submit">Sign in</button></form>'
    )
