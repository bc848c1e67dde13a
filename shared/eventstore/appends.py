"""Readers of a store's log woken by its appends, rather than asking it every 50 ms.

Every append NOTIFYs the log's channel in its own transaction (the library's recorder and
`BatchPath` alike), so PostgreSQL tells a connection that LISTENs there at each commit. Until
now each relay and follower asked the log twenty times a second, several round trips each,
whether or not anything was new: with five relays and nine followers, a large share of the
platform's CPU on a small machine (`bench/cpu_share.py`). One connection per store now listens
and wakes the process's readers; each still asks at least once a second, so a notification
missed while that connection is made again delays an event by a second at most.
"""

from __future__ import annotations

import logging
import threading
import time

import psycopg
from psycopg.sql import SQL, Identifier

log = logging.getLogger(__name__)
LONGEST = 1.0  # seconds a reader waits without a notification before it asks the log anyway
CHECK = 0.1  # how often a waiting reader or the listener looks whether it was stopped


class Appends:
    """A store's appends, as events: each reader takes its own `signal()`, set at each commit."""

    def __init__(self, conninfo: str, channel: str) -> None:
        self._conninfo, self._channel = conninfo, channel
        self._signals: list[threading.Event] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._listener: threading.Thread | None = None

    def signal(self) -> threading.Event:
        """Set now (the reader's first look) and at each append's commit; the reader clears it."""
        event = threading.Event()
        event.set()
        with self._lock:
            self._signals.append(event)
            if self._listener is None:
                self._listener = threading.Thread(target=self._listen, name=f"appends {self._channel}", daemon=True)
                self._listener.start()
        return event

    def close(self) -> None:
        """The listener ends within `CHECK` seconds, closing its connection."""
        self._closed.set()

    def _ring(self) -> None:
        with self._lock:
            for event in self._signals:
                event.set()

    def _listen(self) -> None:
        while not self._closed.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=2) as conn:
                    conn.execute(SQL("LISTEN {}").format(Identifier(self._channel)))
                    self._ring()  # what was appended while no one listened
                    while not self._closed.is_set():
                        for _ in conn.notifies(timeout=CHECK, stop_after=1):
                            self._ring()
            except psycopg.Error as away:  # the database restarted, say: readers fall back on LONGEST
                log.warning("listening for appends on %s failed (%s); again in a second", self._channel, away)
                self._closed.wait(1.0)


def wait_for_appends(stop: threading.Event, appended: threading.Event | None, seconds: float) -> None:
    """Until something is appended or `stop` is set, and at most `LONGEST`; without a signal
    (a store no one can listen to), `seconds`. Cleared on return, before the reader looks, so
    an append committed while it reads sets it again."""
    if appended is None:
        stop.wait(seconds)
        return
    deadline = time.monotonic() + LONGEST
    while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
        if appended.wait(min(CHECK, left)):
            break
    appended.clear()
