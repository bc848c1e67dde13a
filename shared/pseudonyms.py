"""Pseudonymous resident ids: what public events, logs and tokens carry instead of identities.

A keyed hash (HMAC-SHA256) of the identity number: stable, so every service agrees on
it, and not reversible without the key, which only services that hold identities have.
"""

from __future__ import annotations

import base64
import hmac


def resident_ref(identity_number: str, key: str) -> str:
    digest = hmac.digest(key.encode(), identity_number.upper().encode(), "sha256")  # no HMAC object
    # 26 characters of base 32 are the first 17 bytes: 20 (no padding) encode them as the 32 did,
    # in 6 µs a ref instead of 8.5 (one per signing).
    return "r_" + base64.b32encode(digest[:20]).decode().lower()[:26]
