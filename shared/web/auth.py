"""Who is calling: a bearer JWT (OIDC-style claims) verified with the configured public key,
or with the province's identity provider's published keys where one is configured (provider.py).

Claims: `sub`, `role`, and the role's scope: `team` and `institution` (family doctor),
`hospital`, `bureau` (insurance bureau), `area` (health commission official), `resident`
(the resident's pseudonymous ref), each a string; `simulation: true` marks the simulation's
own tokens (the only ones that may set a simulated clock). What each role may do is decided by each service's
access rules, in one module; this only says who the caller is.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from pathlib import Path
from time import time
from typing import Annotated, Any

import jwt
from fastapi import Depends
from fastapi.security import HTTPBearer
from starlette.requests import HTTPConnection

from shared.principal import CLAIMS, ROLES, Principal
from shared.settings import IdentitySettings
from shared.web.problems import Problem
from shared.web.provider import IdentityProvider


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    if claims.get("role") not in ROLES:
        raise jwt.InvalidTokenError(f"unknown role {claims.get('role')!r}")
    scope = {field: claims[claim] for claim, field in CLAIMS.items() if claims.get(claim)}
    strange = sorted(claim for claim, field in CLAIMS.items() if field in scope and not _text(scope[field]))
    if strange or not _text(claims["sub"]):
        raise jwt.InvalidTokenError(f"claims {strange or ['sub']} must be short strings")
    simulation = claims.get("simulation", False) is True
    return Principal(subject=claims["sub"], role=claims["role"], simulation=simulation, **scope)


def _text(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 200


class TokenVerifier:
    """Verifies signature, expiry, issuer and audience; remembers recent good tokens
    until they expire, since a client sends the same token many times. A token's `iss` picks
    how: the identity provider's published keys, or the public key (`public_key`, None where
    only the provider's tokens are accepted); another issuer is refused."""

    def __init__(
        self,
        public_key: str | None,
        algorithms: list[str],
        issuer: str,
        audience: str,
        provider: IdentityProvider | None = None,
    ) -> None:
        self._key, self._algorithms = public_key, algorithms
        self._issuer, self._audience, self._provider = issuer, audience, provider
        self._recent: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    @classmethod
    def from_file(
        cls, path: Path, algorithms: list[str], issuer: str, audience: str, provider: IdentityProvider | None = None
    ) -> TokenVerifier:
        if path.is_file():
            return cls(path.read_text(), algorithms, issuer, audience, provider)
        if provider is None:
            raise FileNotFoundError(f"JWT public key {path} not found (dev keys: python -m fdcs keys)")
        return cls(None, algorithms, issuer, audience, provider)

    async def verify_async(self, token: str) -> Principal:
        """`verify`, in a worker thread where it may have to fetch the provider's keys (bounded by
        its timeout, but never on the event loop); a token seen before costs no thread."""
        known = self._recent.get(token)
        if self._provider is None or (known is not None and known[1] > time()):
            return self.verify(token)
        return await asyncio.to_thread(self.verify, token)

    def verify(self, token: str) -> Principal:
        known = self._recent.get(token)
        if known is not None and known[1] > time():
            return known[0]
        try:
            claims = self._claims(token)
            principal = principal_from_claims(claims)
        except jwt.PyJWKClientConnectionError as unreachable:
            raise Problem(
                503, "identity-provider-unavailable", f"cannot check the token now: {unreachable}", {"Retry-After": "5"}
            ) from unreachable
        except (jwt.InvalidTokenError, jwt.PyJWKClientError, KeyError) as bad:
            raise Problem(
                401,
                "invalid-token",
                f"invalid bearer token: {bad}",
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            ) from bad
        self._remember(token, principal, float(claims["exp"]))
        return principal

    def _claims(self, token: str) -> dict[str, Any]:
        # Read unverified only to choose the key; whichever is chosen verifies everything.
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        if self._provider is not None and issuer == self._provider.issuer:
            return self._provider.claims_of(token)
        if self._key is None or issuer != self._issuer:
            raise jwt.InvalidIssuerError(f"unknown issuer {str(issuer)[:100]!r}")
        claims: dict[str, Any] = jwt.decode(
            token,
            self._key,
            algorithms=self._algorithms,
            issuer=self._issuer,
            audience=self._audience,
            options={"require": ["exp", "sub", "role"]},
        )
        return claims

    def _remember(self, token: str, principal: Principal, expires: float) -> None:
        self._recent[token] = (principal, expires)
        if len(self._recent) > 10_000:
            self._recent.popitem(last=False)


def verifier_for(settings: IdentitySettings) -> TokenVerifier:
    provider = None
    if settings.auth_oidc_issuer:
        provider = IdentityProvider(
            settings.auth_oidc_issuer,
            settings.auth_oidc_audience,
            list(settings.auth_jwt_algorithms),
            settings.auth_oidc_claims,
            settings.auth_oidc_jwks_url,
            settings.auth_oidc_timeout_seconds,
        )
    return TokenVerifier.from_file(
        settings.auth_jwt_public_key_file,
        list(settings.auth_jwt_algorithms),
        settings.auth_jwt_issuer,
        settings.auth_jwt_audience,
        provider,
    )


class _Bearer(HTTPBearer):
    """Who is calling, from the bearer token, as one dependency: the scheme OpenAPI shows
    (still "HTTPBearer") and the verification in one call. As two (the principal depending on
    the scheme), FastAPI solved a nested dependency for every request: 4.7% of a signing API's CPU."""

    async def __call__(self, request: HTTPConnection) -> Principal:  # type: ignore[override]
        credentials = await super().__call__(request)
        if credentials is None:
            raise Problem(401, "missing-token", "a bearer token is required", {"WWW-Authenticate": "Bearer"})
        verifier: TokenVerifier = request.app.state.verifier
        return await verifier.verify_async(credentials.credentials)


_principal = _Bearer(auto_error=False, scheme_name="HTTPBearer", description="JWT from the identity provider")
CurrentPrincipal = Annotated[Principal, Depends(_principal)]
