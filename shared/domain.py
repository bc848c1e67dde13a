"""What every service's domain may share: the shape of a refusal, the mark of personal data.
Standard library only."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal


class DomainError(Exception):
    """A business rule said no. `kind` tells the adapters how to report it, `code` which rule."""

    kind: ClassVar[Literal["not_found", "invalid", "conflict", "forbidden"]] = "invalid"
    code: ClassVar[str] = "rule-violated"


class NotFound(DomainError):
    kind = "not_found"
    code = "not-found"


class Forbidden(DomainError):
    """The caller's role or scope does not allow this (decided by the service's access rules)."""

    kind = "forbidden"
    code = "forbidden"


class PersonalData:
    """Marks a field as a resident's personal data (a name, an identity number, a phone, an
    address, text a person wrote): the store keeps it encrypted with the resident's key,
    so erasing the resident makes every stored copy unreadable."""

    def __repr__(self) -> str:
        return "PERSONAL"


PERSONAL = PersonalData()
Personal = Annotated[str, PERSONAL]
ERASED = "[erased]"  # what a personal value reads as once its resident has been erased
