"""Development signing keys and tokens, for make run, the tests and the simulation.

Production verifies the real identity provider's tokens and never sees a private key;
these exist so a newcomer can call the APIs."""

from __future__ import annotations

import time
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEYS = Path(".local/jwt")
# Wraps the residents' personal-data keys in development and tests (base64 of 32 bytes);
# production sets PERSONAL_DATA_KEY from its secret store and refuses this one.
DEV_PERSONAL_DATA_KEY = "ZGV2ZWxvcG1lbnQtb25seS1wZXJzb25hbC1kYXRhLWs="


def ensure_keys(folder: Path = KEYS) -> Path:
    """Create an RSA key pair once; returns the public key's path."""
    private, public = folder / "private.pem", folder / "public.pem"
    if not private.exists():
        folder.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        private.chmod(0o600)
        public.write_bytes(
            key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
    return public


def mint(
    claims: dict[str, Any], folder: Path = KEYS, hours: float = 12, issuer: str = "fdcs-dev", audience: str = "fdcs"
) -> str:
    now = int(time.time())
    body = {
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + int(hours * 3600),
        "jti": str(uuid.uuid4()),
        **{k: v for k, v in claims.items() if v is not None},
    }
    return jwt.encode(body, _private_key(folder / "private.pem", (folder / "private.pem").stat().st_mtime_ns), "RS256")


@cache
def _private_key(path: Path, modified: int) -> rsa.RSAPrivateKey:
    """The key, loaded once per file and version (`modified`): loading checks the key, which took
    from 0.1 to 0.4 s, against a millisecond to sign; the simulation mints a token per resident."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey), f"{path} holds no RSA key"
    return key
