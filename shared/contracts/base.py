"""Base of every public event."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class PublicEvent(BaseModel):
    """A fact one service publishes for others. Resident identities are pseudonymous refs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str]
    """The stable type name, `<service>.<EventName>.v<version>`."""
