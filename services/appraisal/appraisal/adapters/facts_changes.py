"""Which facts changed since an appraisal was computed, so a remembered one is shown only
while it still holds: every batch that adds facts (or register figures) bumps a version in
its own transaction and logs the earliest time the facts it added were known. An appraisal
as of T computed at version v holds while nothing logged after v was known by T."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.postgresql import insert

from appraisal.adapters.facts_tables import FACTS_CHANGES, FACTS_VERSION
from appraisal.application.remembered import Mark

EVERYTHING = datetime.min.replace(tzinfo=UTC)
"""What may have changed when the facts started again from nothing (a rebuild): everything."""


def record_change(conn: Connection, earliest_known_at: datetime) -> None:
    """In the batch's transaction; the version's row lock orders concurrent batches."""
    t = FACTS_VERSION
    bump = (
        insert(t)
        .values(name="facts", epoch=uuid.uuid4().hex, version=1)
        .on_conflict_do_update(index_elements=["name"], set_={"version": t.c.version + 1})
        .returning(t.c.version)
    )
    version = conn.execute(bump).scalar_one()
    conn.execute(insert(FACTS_CHANGES).values(version=version, earliest_known_at=earliest_known_at.astimezone(UTC)))


def current_mark(conn: Connection) -> Mark:
    found = conn.execute(select(FACTS_VERSION.c.epoch, FACTS_VERSION.c.version)).first()
    return Mark(found.epoch, found.version) if found else Mark()


def known_since(conn: Connection, mark: Mark) -> datetime | None:
    """The earliest time any fact recorded after `mark` was known (None: nothing was recorded)."""
    now = current_mark(conn)
    if now == mark:
        return None
    if now.epoch != mark.epoch:
        return EVERYTHING
    earliest = select(func.min(FACTS_CHANGES.c.earliest_known_at)).where(FACTS_CHANGES.c.version > mark.version)
    found: datetime | None = conn.execute(earliest).scalar()
    return EVERYTHING if found is None else _aware(found)


def _aware(instant: datetime) -> datetime:
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)
