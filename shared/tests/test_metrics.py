"""What the metrics say and how their labels stay bounded (no ids, no personal data)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from shared.commands.processor import command_type
from shared.messaging.lag import LagGauge
from shared.web.app import service_app
from shared.web.auth import CurrentPrincipal, TokenVerifier

router = APIRouter()


@router.get("/residents-of-test/{resident_ref}")
async def resident(resident_ref: str, _: CurrentPrincipal) -> dict[str, str]:
    return {"resident_ref": resident_ref}


def _seconds_count(method: str, route: str, status: str) -> float:
    labels = {"method": method, "route": route, "status": status}
    return REGISTRY.get_sample_value("fdcs_http_request_duration_seconds_count", labels) or 0


@pytest.fixture
def client(jwt_keys: Path) -> TestClient:
    verifier = TokenVerifier.from_file(jwt_keys / "public.pem", ["RS256"], "fdcs-dev", "fdcs")
    return TestClient(service_app("t", "t", [router], verifier))


def test_requests_are_timed_by_route_template_and_status_and_scraped_without_a_token(
    client: TestClient, mint_token: Any
) -> None:
    route = "/residents-of-test/{resident_ref}"
    before = {status: _seconds_count("GET", route, status) for status in ("200", "401")}
    admin = {"Authorization": f"Bearer {mint_token('admin')}"}

    assert client.get("/residents-of-test/R-123456", headers=admin).status_code == 200
    assert client.get("/residents-of-test/R-654321").status_code == 401  # refused by the guard, still timed
    scrape = client.get("/metrics")

    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    assert _seconds_count("GET", route, "200") == before["200"] + 1
    assert _seconds_count("GET", route, "401") == before["401"] + 1
    assert "R-123456" not in scrape.text and "R-654321" not in scrape.text


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
def test_metrics_are_not_served_through_the_ingress(client: TestClient, header: str) -> None:
    """The ingress routes every path of an API's host; the scrape comes straight to the pod."""
    assert client.get("/metrics", headers={header: "203.0.113.7"}).status_code == 404


def test_paths_no_route_matches_and_unknown_methods_share_one_label(client: TestClient) -> None:
    unmatched = _seconds_count("other", "unmatched", "401")

    client.request("BREW", "/coffee/pot-7")

    assert _seconds_count("other", "unmatched", "401") == unmatched + 1
    assert "pot-7" not in client.get("/metrics").text


class Signing:
    def sign_contract(self) -> Any:
        def handle(_: object) -> dict[str, Any]:
            return {}

        return handle


def test_a_command_is_named_by_the_method_that_made_its_handler() -> None:
    assert command_type(Signing().sign_contract()) == "Signing.sign_contract"


@dataclass
class _Position:
    topic: str
    partition: int
    offset: int


class _Consumer:
    """What the lag gauge asks of a confluent-kafka consumer: its partitions, their commits and ends."""

    def __init__(self, committed: dict[int, int], ends: dict[int, int]) -> None:
        self.held, self.ends = committed, ends

    def assignment(self) -> list[_Position]:
        return [_Position("fdcs.test.lag", p, -1001) for p in self.held]

    def committed(self, partitions: list[_Position], timeout: float) -> list[_Position]:
        return [_Position(p.topic, p.partition, self.held[p.partition]) for p in partitions]

    def get_watermark_offsets(self, position: _Position, timeout: float, cached: bool) -> tuple[int, int]:
        return 0, self.ends[position.partition]


def _lag(partition: int) -> float | None:
    labels = {"group": "test.lag", "topic": "fdcs.test.lag", "partition": str(partition)}
    return REGISTRY.get_sample_value("fdcs_consumer_lag_messages", labels)


def test_consumer_lag_is_reported_for_the_partitions_the_consumer_holds() -> None:
    gauge = LagGauge("test.lag", every_seconds=0)

    gauge.measure(_Consumer({0: 7, 1: -1001}, {0: 10, 1: 4}))  # 1: nothing committed yet
    assert (_lag(0), _lag(1)) == (3, 4)

    gauge.measure(_Consumer({1: 4}, {1: 6}))  # partition 0 went to another replica
    assert (_lag(0), _lag(1)) == (None, 2)
