"""Logs as JSON lines a log pipeline can index: the service, the level, and the correlation,
causation and trace ids of the work at hand, so one request can be followed across processes.

The ids live in context variables: the HTTP middleware binds a request's, a consumer binds an
event's, and every line logged meanwhile carries them (asyncio copies the context into tasks).
With tracing on, each span binds its own trace id as it starts (shared/tracing), so a line's
`trace_id` finds its spans; off, it is the caller's `traceparent`'s, if any.
A message that would carry personal data is the caller's bug, but identity numbers and mobile
phone numbers are also scrubbed here (a driver's error can quote a row's values).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

Format = Literal["json", "text"]
IDS = ("correlation_id", "causation_id", "trace_id")

_bound: ContextVar[dict[str, str]] = ContextVar("log_ids", default={})  # noqa: B039 - never mutated, replaced
# An 18-character resident identity number (last may be X), an 11-digit mainland mobile number,
# each not part of a longer run of digits (offsets, ids and fen amounts stay).
_PERSONAL = re.compile(r"(?<![0-9])(?:[1-9][0-9]{16}[0-9Xx]|1[3-9][0-9]{9})(?![0-9])")
# What a caller may name its correlation with: ids, not prose (it is copied into every event).
_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}")


def scrub(text: str) -> str:
    return _PERSONAL.sub("[redacted]", text)


@contextmanager
def bound(**ids: str | None) -> Iterator[None]:
    """Lines logged inside carry these ids (None leaves one out)."""
    token = _bound.set({**_bound.get(), **{k: v for k, v in ids.items() if v}})
    try:
        yield
    finally:
        _bound.reset(token)


def current(name: str) -> str | None:
    return _bound.get().get(name)


def correlation_id(header: str | None) -> str:
    """The caller's correlation id if it is a plain id, else a new one."""
    return header if header and _ID.fullmatch(header) else str(uuid.uuid4())


def trace_id(traceparent: str | None) -> str | None:
    """The trace id of a W3C `traceparent` header, if it is one."""
    found = _TRACEPARENT.fullmatch(traceparent.strip().lower()) if traceparent else None
    return found.group(1) if found and found.group(1) != "0" * 32 else None


class JsonLines(logging.Formatter):
    def __init__(self, service: str = "fdcs") -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            **_bound.get(),
        }
        if record.exc_info:
            line["error"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class Text(logging.Formatter):
    """For a developer's terminal: the usual line, scrubbed the same way."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(name)s %(levelname)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def config(service: str, level: str = "INFO", fmt: Format = "json") -> dict[str, Any]:
    """A `logging.config.dictConfig` for a process, also given to uvicorn so that each of its
    workers logs the same way (uvicorn applies it in every process it starts)."""
    formatter = {"()": JsonLines, "service": service} if fmt == "json" else {"()": Text}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "line", "stream": "ext://sys.stderr"}},
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        # uvicorn's own loggers carry handlers of their own by default: route them to ours.
        "loggers": {
            name: {"level": level.upper(), "handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        }
        | {"httpx": {"level": "WARNING"}},  # a line per request drowns the simulation's progress
    }
