"""Servers the project starts itself for `make run` and the tests (never in production)."""

import socket


def free_port() -> int:
    """A port nothing listens on now (another copy of the platform may hold the usual ones)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
