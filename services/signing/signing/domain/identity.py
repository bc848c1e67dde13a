"""The 18-character resident identity number (GB 11643): its last character is a check digit."""

from __future__ import annotations

import re
from datetime import date

from signing.domain.errors import InvalidIdentityNumber

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"  # ISO 7064 MOD 11-2: index is the weighted sum mod 11
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_identity_number(number: str) -> str:
    """The number in canonical form (upper-case X), or InvalidIdentityNumber saying why."""
    canonical = number.strip().upper()
    if not _SHAPE.match(canonical):
        raise InvalidIdentityNumber("an identity number is 17 digits and a check digit (0-9 or X)")
    total = sum(int(d) * w for d, w in zip(canonical[:17], _WEIGHTS, strict=True))
    if _CHECK[total % 11] != canonical[17]:
        raise InvalidIdentityNumber("the identity number's check digit does not match")
    try:
        date(int(canonical[6:10]), int(canonical[10:12]), int(canonical[12:14]))
    except ValueError:
        raise InvalidIdentityNumber("the identity number's birth date is not a date") from None
    return canonical


def birth_date(canonical: str) -> date:
    return date(int(canonical[6:10]), int(canonical[10:12]), int(canonical[12:14]))


def with_check_digit(first17: str) -> str:
    """Complete 17 digits (area, birth date, sequence) with their check digit."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return first17 + _CHECK[total % 11]


def is_male(canonical: str) -> bool:
    """The 17th character is a sequence number: odd for men, even for women."""
    return int(canonical[16]) % 2 == 1


def age_on(canonical: str, day: date) -> int:
    born = birth_date(canonical)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
