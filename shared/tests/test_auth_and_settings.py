"""Who is calling (bearer tokens) and what a service is told (settings), checked at the door."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import jwt
import pytest
from pydantic import ValidationError

from shared.settings import ServiceSettings
from shared.web.auth import TokenVerifier
from shared.web.problems import Problem


@pytest.fixture
def verifier(jwt_keys: Path) -> TokenVerifier:
    return TokenVerifier.from_file(jwt_keys / "public.pem", ["RS256"], "fdcs-dev", "fdcs")


def token(jwt_keys: Path, **claims: object) -> str:
    now = int(time.time())
    body = {
        "iss": "fdcs-dev",
        "aud": "fdcs",
        "sub": "u1",
        "role": "family_doctor",
        "team": "T1",
        "iat": now,
        "exp": now + 60,
        **claims,
    }
    return jwt.encode(body, (jwt_keys / "private.pem").read_text(), algorithm="RS256")


def test_a_good_token_names_the_caller_and_scope(verifier: TokenVerifier, jwt_keys: Path) -> None:
    who = verifier.verify(token(jwt_keys))
    assert (who.subject, who.role, who.team_id, who.resident_ref) == ("u1", "family_doctor", "T1", None)


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(time.time()) - 10},
        {"aud": "another-platform"},
        {"iss": "someone-else"},
        {"role": "superuser"},
        {"role": None},
    ],
)
def test_expired_foreign_or_roleless_tokens_are_refused(
    verifier: TokenVerifier, jwt_keys: Path, claims: dict[str, object]
) -> None:
    with pytest.raises(Problem) as refused:
        verifier.verify(token(jwt_keys, **claims))
    assert refused.value.status == 401


def test_a_token_signed_with_another_key_is_refused(verifier: TokenVerifier, tmp_path: Path) -> None:
    from shared.devkeys import ensure_keys

    ensure_keys(tmp_path)
    with pytest.raises(Problem):
        verifier.verify(token(tmp_path))


REAL_KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.mark.parametrize(
    "bad",
    [
        {"database_url": "mysql://x/y"},
        {"kafka_session_timeout_ms": 1000, "kafka_heartbeat_interval_ms": 500},
        {"http_port": 0},
        {"environment": "production", "database_url": "postgresql://db/x"},
        {"database_url": "sqlite:///x.db"},
        {"environment": "production", "pseudonym_key": "real-secret"},  # no DATABASE_URL
        {"environment": "production", "pseudonym_key": "real-secret", "database_url": "postgresql://db/x"},  # dev key
        {"personal_data_key": "c2hvcnQ="},  # not 32 bytes
        {"timezone": "Mars/Olympus"},
    ],
)
def test_settings_refuse_bad_values_at_start(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ServiceSettings(**bad)  # type: ignore[arg-type]


def test_production_settings_are_accepted_when_complete() -> None:
    settings = ServiceSettings(
        environment="production",
        pseudonym_key="real-secret",  # type: ignore[arg-type]
        personal_data_key=REAL_KEY,  # type: ignore[arg-type]
        database_url="postgresql://svc:pw@db:5432/fdcs",
    )
    assert settings.database_url.startswith("postgresql")


def test_production_refuses_a_simulated_clock() -> None:
    with pytest.raises(ValidationError):
        ServiceSettings(
            environment="production",
            pseudonym_key="real-secret",  # type: ignore[arg-type]
            personal_data_key=REAL_KEY,  # type: ignore[arg-type]
            database_url="postgresql://svc:pw@db:5432/fdcs",
            simulated_clock=True,
        )


@pytest.mark.parametrize(
    "claims", [{"team": 7}, {"team": ["T1", "T2"]}, {"hospital": {"id": "H1"}}, {"area": 44}, {"resident": "r" * 201}]
)
def test_a_scope_claim_that_is_not_a_short_string_is_an_invalid_token(
    verifier: TokenVerifier, jwt_keys: Path, claims: dict[str, object]
) -> None:
    with pytest.raises(Problem) as refused:
        verifier.verify(token(jwt_keys, **claims))

    assert (refused.value.status, refused.value.code) == (401, "invalid-token")
