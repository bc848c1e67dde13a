"""The province's identity provider (OpenID Connect): the keys it signs with, fetched from its
key set (JWKS) and cached, and which of its claims carry the platform's role and scope.

The key set's address comes from discovery (`<issuer>/.well-known/openid-configuration`) unless
set. Both fetches are bounded by a timeout: a provider that does not answer makes a 503, never a
hang. A token whose key id is unknown refreshes the set (a rotated key), at most every 30 s, so
forged key ids cannot make the service hammer the provider.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from typing import Any

import jwt
from jwt import PyJWKClient, PyJWKClientConnectionError

from shared.principal import CLAIMS, ROLES

REFRESH_AT_MOST_EVERY = 30  # seconds between two fetches for an unknown key id
OURS = ("sub", "role", *CLAIMS)


class IdentityProvider:
    def __init__(  # noqa: PLR0913
        self,
        issuer: str,
        audience: str,
        algorithms: list[str],
        claims: Mapping[str, str] | None = None,
        jwks_url: str = "",
        timeout: float = 5,
        refresh_every: float = REFRESH_AT_MOST_EVERY,
    ) -> None:
        self.issuer, self._audience, self._algorithms = issuer, audience, algorithms
        self._names = {ours: (claims or {}).get(ours, ours) for ours in OURS}
        self._jwks_url, self._timeout, self._refresh_every = jwks_url, timeout, refresh_every
        self._client: PyJWKClient | None = None

    def claims_of(self, token: str) -> dict[str, Any]:
        """The token's claims, verified and renamed to the platform's; raises jwt's errors."""
        key = self._keys().get_signing_key_from_jwt(token)
        theirs = jwt.decode(
            token,
            key,
            algorithms=self._algorithms,
            issuer=self.issuer,
            audience=self._audience,
            options={"require": ["exp", "sub"]},
        )
        return platform_claims(theirs, self._names) | {"exp": theirs["exp"]}

    def _keys(self) -> PyJWKClient:
        if self._client is None:
            url = self._jwks_url or self._discovered()["jwks_uri"]
            self._client = PyJWKClient(
                url, cache_jwk_set=True, lifespan=300, timeout=self._timeout, cooldown_duration=self._refresh_every
            )
        return self._client

    def _discovered(self) -> dict[str, Any]:
        address = f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"
        try:
            with urllib.request.urlopen(address, timeout=self._timeout) as answer:
                document: dict[str, Any] = json.load(answer)
        except (OSError, ValueError) as failed:
            raise PyJWKClientConnectionError(f"no discovery document at {address}: {failed}") from failed
        if document.get("issuer") != self.issuer or not isinstance(document.get("jwks_uri"), str):
            # OpenID Connect Discovery 4.3: a document for another issuer is not this provider's.
            raise PyJWKClientConnectionError(f"the discovery document at {address} is not {self.issuer}'s")
        return document


def platform_claims(theirs: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """The provider's claims under the platform's names (`names`: ours → a dotted path in theirs).
    A role given as a list (a provider's roles) is the one platform role in it. Nothing else is
    kept: a provider's token is never the simulation's."""
    found = {ours: _at(theirs, path) for ours, path in names.items()}
    if isinstance(found.get("role"), list):
        roles = [role for role in found["role"] if role in ROLES]
        if len(roles) != 1:
            raise jwt.InvalidTokenError(f"the token must carry exactly one of the platform's roles, not {roles}")
        found["role"] = roles[0]
    return {ours: value for ours, value in found.items() if value is not None}


def _at(claims: Mapping[str, Any], path: str) -> Any:
    if path in claims:  # a namespaced name may hold dots itself (https://province.gov.cn/role)
        return claims[path]
    value: Any = claims
    for name in path.split("."):
        value = value.get(name) if isinstance(value, Mapping) else None
    return value
