"""Who is calling: a bearer JWT (OIDC-style claims) verified with the configured public key.

Claims: `sub`, `role`, and the role's scope: `team` and `institution` (family doctor),
`hospital`, `bureau` (insurance bureau), `area` (health commission official), `resident`
(the resident's pseudonymous ref), each a string; `simulation: true` marks the simulation's
own tokens (the only ones that may set a simulated clock). What each role may do is decided by each service's
access rules, in one module; this only says who the caller is.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from time import time
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.principal import ROLES, Principal
from shared.web.problems import Problem

CLAIMS = {
    "team": "team_id",
    "institution": "institution_id",
    "hospital": "hospital_id",
    "bureau": "bureau_id",
    "area": "area_code",
    "resident": "resident_ref",
}


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
    until they expire, since a client sends the same token many times."""

    def __init__(self, public_key: str, algorithms: list[str], issuer: str, audience: str) -> None:
        self._key, self._algorithms = public_key, algorithms
        self._issuer, self._audience = issuer, audience
        self._recent: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    @classmethod
    def from_file(cls, path: Path, algorithms: list[str], issuer: str, audience: str) -> TokenVerifier:
        if not path.is_file():
            raise FileNotFoundError(f"JWT public key {path} not found (dev keys: python -m fdcs keys)")
        return cls(path.read_text(), algorithms, issuer, audience)

    def verify(self, token: str) -> Principal:
        known = self._recent.get(token)
        if known is not None and known[1] > time():
            return known[0]
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=self._algorithms,
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["exp", "sub", "role"]},
            )
            principal = principal_from_claims(claims)
        except (jwt.InvalidTokenError, KeyError) as bad:
            raise Problem(
                401,
                "invalid-token",
                f"invalid bearer token: {bad}",
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            ) from bad
        self._remember(token, principal, float(claims["exp"]))
        return principal

    def _remember(self, token: str, principal: Principal, expires: float) -> None:
        self._recent[token] = (principal, expires)
        if len(self._recent) > 10_000:
            self._recent.popitem(last=False)


_bearer = HTTPBearer(auto_error=False, description="JWT from the identity provider")


async def _principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None:
        raise Problem(401, "missing-token", "a bearer token is required", {"WWW-Authenticate": "Bearer"})
    verifier: TokenVerifier = request.app.state.verifier
    return verifier.verify(credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(_principal)]
