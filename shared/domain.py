"""What every service's domain may share: the shape of a refusal. Standard library only."""

from __future__ import annotations

from typing import ClassVar, Literal


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
