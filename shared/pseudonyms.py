"""Pseudonymous resident ids: what public events, logs and tokens carry instead of identities.

A keyed hash (HMAC-SHA256) of the identity number: stable, so every service agrees on
it, and not reversible without the key, which only services that hold identities have.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def resident_ref(identity_number: str, key: str) -> str:
    digest = hmac.new(key.encode(), identity_number.upper().encode(), hashlib.sha256).digest()
    return "r_" + base64.b32encode(digest).decode().lower()[:26]
