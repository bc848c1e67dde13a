"""Backing up one service's store, and restoring it so that its relay and the views converge
by themselves (`python -m fdcs backup|restore <service>`; docs: deploy/k8s/README.md).

A backup is `pg_dump` of the service's schema, custom format: one consistent snapshot of its
event log, its relay's position, its receipts, its read models and its personal-data keys.

A restore, with the service's processes stopped:
1. replaces the schema by the dump's, in one transaction (refused while the relay holds its lock);
2. rewinds each of the service's consumer groups to the offsets of the dump's time, less a
   margin: they read again what came since, and what the restored store had already applied
   replays its receipt (an inbound event's id is its idempotency key), so nothing applies twice
   and nothing received is missing;
3. lets the service do what else the dump cannot know (signing erases again whoever it
   published as erased since: a restore must not bring an erased person's key back).
Then the relay resumes from the position in the dump: it publishes again what it had not
recorded as published, under the same ids, which consumers deduplicate.

What the service itself recorded after the dump is not in it (the recovery point is the
backup's time); production keeps WAL archives for a point-in-time restore (deploy/k8s/README.md).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from fdcs.services import Service
from shared.eventstore.store import plain_url
from shared.messaging import KafkaSubscription
from shared.messaging.rewind import rewind
from shared.servers.postgres import binaries
from shared.settings import ServiceSettings

MARGIN = timedelta(minutes=10)
"""How far before the dump's start the consumer groups go back: what the store had applied by
then replays its receipts, so a generous margin costs reading time only."""
_CREATED = re.compile(r"^; Archive created at (.+)$", re.MULTILINE)


@dataclass
class Restored:
    taken_at: datetime
    replayed: dict[str, dict[str, int]] = field(default_factory=dict)  # group → topic → messages read again
    done_again: dict[str, int] = field(default_factory=dict)


def backup(settings: ServiceSettings, to: Path) -> Path:
    schema = settings.database_schema
    _run("pg_dump", "--format=custom", "--no-owner", f"--schema={schema}", f"--file={to}", _url(settings))
    return to


def restore(service: Service, settings: ServiceSettings, dump: Path, margin: timedelta = MARGIN) -> Restored:
    taken_at = taken(dump)
    _refuse_while_relaying(settings)
    workers = [w for w in service.bootstrap().create_workers(settings) if isinstance(w, KafkaSubscription)]
    restored = Restored(taken_at)
    # One transaction: each object of the dump dropped and made again; if anything fails (a
    # table the dump does not know blocks dropping the schema, say), the store stays as it was.
    _run(
        "pg_restore",
        "--clean",
        "--if-exists",
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",
        f"--dbname={_url(settings)}",
        str(dump),
    )
    for worker in workers:
        restored.replayed[worker.group] = rewind(settings, worker.group, worker.topics, taken_at - margin)
    more = service.restoring()
    if more is not None:
        restored.done_again = more.after_restore(settings, taken_at - margin)
    return restored


def taken(dump: Path) -> datetime:
    """When the dump began (its snapshot's time), as pg_restore reads it from the archive."""
    listing = _run("pg_restore", "--list", str(dump))
    found = _CREATED.search(listing)
    if found is None:
        raise ValueError(f"{dump} is not a pg_dump archive")
    stamp = found.group(1).strip()
    when = datetime.strptime(stamp.rsplit(" ", 1)[0], "%Y-%m-%d %H:%M:%S")
    zone = stamp.rsplit(" ", 1)[1]
    if zone != "UTC":  # _run reads archives in UTC
        raise ValueError(f"{dump}: stamped in {zone}, not UTC")
    return when.replace(tzinfo=UTC)


def _refuse_while_relaying(settings: ServiceSettings) -> None:
    """The relay holds an advisory lock while it runs (Store.exclusive): if we can take it, it is stopped."""
    with psycopg.connect(_url(settings), autocommit=True) as conn:
        name = f"{settings.database_schema}:kafka-relay"
        row = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (name,)).fetchone()
        if not (row and row[0]):
            raise RuntimeError("the service's relay is running: stop the service's processes before restoring")
        conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (name,))


def _url(settings: ServiceSettings) -> str:
    return plain_url(settings.database_url)


def _run(tool: str, *arguments: str) -> str:
    """The PostgreSQL client tools of the server binaries the platform ships (the same major
    version as the servers it starts), else those on the PATH."""
    found = binaries() / tool
    program = str(found) if found.exists() else shutil.which(tool) or tool
    # Times in UTC: the archive's stamp is written and read in the tools' own time zone.
    env = os.environ | {"TZ": "UTC", "PGTZ": "UTC"}
    done = subprocess.run([program, *arguments], capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{tool} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout
