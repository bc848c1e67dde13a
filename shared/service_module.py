"""What a service's `bootstrap` module provides: the processes `python -m fdcs` runs.

`fdcs/services.py` loads each bootstrap by name (so a process imports only its own service),
and states there, for mypy, that each one is a `ServiceModule` of its settings class.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from fastapi import FastAPI

from shared.messaging import Relay
from shared.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings, contravariant=True)


class Worker(Protocol):
    """A background process's loop (a consumer, a projection, a log follower) until `stop`."""

    def run(self, stop: threading.Event) -> None: ...


class ServiceModule(Protocol[S]):
    def create_app(self, settings: S | None = None) -> FastAPI:
        """The HTTP API (`python -m fdcs serve <service>`)."""
        ...

    def create_relay(self, settings: S) -> Relay:
        """The outbox relay to Kafka (`relay`)."""
        ...

    def create_workers(self, settings: S) -> Sequence[Worker]:
        """The consumers and projections (`project`), each run in its own thread."""
        ...

    def migrate(self, settings: S) -> None:
        """Create the service's tables (`migrate`)."""
        ...


class Rebuilding(Protocol[S]):
    """A service whose view `python -m fdcs rebuild` replays from its own log (billing)."""

    def rebuild(self, settings: S) -> None: ...


class Restoring(Protocol[S]):
    """A service with more to do after its store is restored from a dump (fdcs/backups.py)."""

    def after_restore(self, settings: S, since: datetime) -> dict[str, int]: ...
