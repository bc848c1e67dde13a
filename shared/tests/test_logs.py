"""Log lines: JSON with the work's ids, personal data scrubbed, ids from callers checked."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from shared import logs
from shared.web.correlation import Correlated

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture
def lines() -> io.StringIO:
    """What the root logger writes, configured as a service process is."""
    logging.config.dictConfig(logs.config("signing", "INFO", "json"))
    out = io.StringIO()
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(out)
    yield out
    logging.config.dictConfig(logs.config("fdcs", fmt="text"))


def _read(out: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_line_is_json_with_the_service_and_the_bound_ids(lines: io.StringIO) -> None:
    with logs.bound(correlation_id="c-1", causation_id="e-9"):
        logging.getLogger("signing.relay").info("published %d events", 3)
    logging.getLogger("signing.relay").warning("outside")
    inside, outside = _read(lines)
    assert inside["service"] == "signing" and inside["level"] == "info" and inside["logger"] == "signing.relay"
    assert inside["message"] == "published 3 events"
    assert (inside["correlation_id"], inside["causation_id"]) == ("c-1", "e-9")
    assert "correlation_id" not in outside and outside["level"] == "warning"


def test_identity_numbers_and_phones_are_scrubbed_from_messages_and_errors(lines: io.StringIO) -> None:
    try:
        raise ValueError("Key (identity_number)=(44010619900307123X) already exists; phone 13800138000")
    except ValueError:
        logging.getLogger("x").exception("insert failed for 440106199003071234")
    (line,) = _read(lines)
    assert "440106199003071234" not in line["message"] and "[redacted]" in line["message"]
    assert "44010619900307123X" not in line["error"] and "13800138000" not in line["error"]
    assert "ValueError" in line["error"]


def test_offsets_times_and_amounts_are_not_mistaken_for_personal_data() -> None:
    text = "offset 1234567 at 1767225600123 (1733184000123456789 ns), due 172800 fen, partition 12"
    assert logs.scrub(text) == text


@pytest.mark.parametrize(
    ("given", "kept"),
    [("req-42.a:b", True), ("", False), (None, False), ("x" * 65, False), ("张三 13800138000", False), ("a b", False)],
)
def test_a_callers_correlation_id_is_kept_only_when_it_is_a_plain_id(given: str | None, kept: bool) -> None:
    chosen = logs.correlation_id(given)
    assert (chosen == given) is kept
    assert len(chosen) <= 64


def test_the_trace_id_comes_from_a_w3c_traceparent() -> None:
    assert logs.trace_id(TRACEPARENT) == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert logs.trace_id("00-" + "0" * 32 + "-00f067aa0ba902b7-01") is None
    assert logs.trace_id("garbage") is None and logs.trace_id(None) is None


def test_a_requests_lines_carry_its_ids_and_the_response_echoes_the_correlation(lines: io.StringIO) -> None:
    async def route(_: Request) -> PlainTextResponse:
        logging.getLogger("signing.http").info("handling")
        return PlainTextResponse(logs.current("correlation_id") or "")

    app = Correlated(Starlette(routes=[Route("/", route)]))
    with TestClient(app) as client:
        given = client.get("/", headers={"X-Correlation-Id": "abc-1", "traceparent": TRACEPARENT})
        made = client.get("/", headers={"X-Correlation-Id": "not an id"})
    assert given.headers["X-Correlation-Id"] == given.text == "abc-1"
    assert made.headers["X-Correlation-Id"] == made.text != "not an id"
    first, second = _read(lines)
    assert (first["correlation_id"], first["trace_id"]) == ("abc-1", "4bf92f3577b34da6a3ce929d0e0e4736")
    assert second["correlation_id"] == made.text and "trace_id" not in second
