"""The embedded back end (`make run`): the library's SQLite recorder in one file per service."""

from __future__ import annotations

from eventsourcing.sqlite import SQLiteDatastore, SQLiteProcessRecorder

from shared.eventstore.store import EventStore, Row


def open_sqlite(url: str, create: bool) -> EventStore:
    path = url.split("://", 1)[1]
    path = path[1:] if path.startswith("/") else path  # sqlite:///relative, sqlite:////absolute
    name = "file::memory:?cache=shared" if path in ("", ":memory:") else path
    datastore = SQLiteDatastore(name, originator_id_type="text")
    recorder = SQLiteProcessRecorder(datastore)
    if create:
        recorder.create_table()

    def select_many(ids: list[str]) -> list[Row]:
        marks = ",".join("?" * len(ids))
        with datastore.transaction(commit=False) as cursor:
            cursor.execute(
                "SELECT originator_id, originator_version, topic, state FROM stored_events "
                f"WHERE originator_id IN ({marks}) ORDER BY originator_id, originator_version",
                ids,
            )
            return [tuple(r) for r in cursor.fetchall()]

    return EventStore(recorder, url, "main", select_many)
