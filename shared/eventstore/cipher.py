"""AES-256-GCM for personal values and for the residents' keys. Pure: no I/O but randomness.

A sealed value is base64 of a random 96-bit nonce and the ciphertext with its tag; the
associated data names where the value belongs (stream, field), so a ciphertext moved to
another stream or field fails to open instead of showing there.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.domain import ERASED

__all__ = ["ERASED", "SealBroken", "master_key", "new_key", "open_text", "seal", "seal_text", "unseal"]

NONCE_BYTES = 12
KEY_BYTES = 32


class SealBroken(Exception):
    """A sealed value does not open with its key and place: altered, moved, or a wrong key."""


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def seal(key: bytes, place: str, plain: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plain, place.encode())


def unseal(key: bytes, place: str, sealed: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], place.encode())
    except (InvalidTag, ValueError) as broken:
        raise SealBroken(f"a sealed value at {place} does not open") from broken


def seal_text(key: bytes | None, place: str, text: str) -> str:
    """`text` sealed for `place`; the placeholder when the key is gone (nothing new becomes readable)."""
    if key is None:
        return ERASED
    return base64.b64encode(seal(key, place, text.encode())).decode()


def open_text(key: bytes | None, place: str, sealed: str) -> str:
    if key is None:
        return ERASED
    try:
        raw = base64.b64decode(sealed, validate=True)
    except ValueError as broken:
        raise SealBroken(f"a sealed value at {place} is not base64") from broken
    return unseal(key, place, raw).decode()


def master_key(encoded: str) -> bytes:
    """The key that wraps the residents' keys, from its setting (base64 of 32 bytes)."""
    key = base64.b64decode(encoded, validate=True)
    if len(key) != KEY_BYTES:
        raise ValueError(f"the personal data key must be {KEY_BYTES} bytes, base64-encoded")
    return key
