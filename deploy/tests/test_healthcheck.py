"""The image's health check: HTTP for the API, the process and its database for workers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from deploy.docker.healthcheck import healthy, role_of


class _Api(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/health/live" else 503)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def api_port() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield str(server.server_address[1])
    server.shutdown()


def test_the_role_is_read_from_the_main_command_line() -> None:
    assert role_of(["python", "-m", "fdcs", "serve", "signing"]) == "serve"
    assert role_of(["python", "-m", "fdcs", "relay", "signing"]) == "relay"
    assert role_of(["sh"]) == "unknown"


def test_an_api_is_alive_and_ready_as_its_health_endpoints_say(api_port: str) -> None:
    assert healthy("serve", ready=False, env={"HTTP_PORT": api_port})
    assert not healthy("serve", ready=True, env={"HTTP_PORT": api_port})


def test_a_worker_is_ready_when_its_database_answers(postgres_url: str) -> None:
    assert healthy("relay", ready=False, env={})
    assert healthy("project", ready=True, env={"DATABASE_URL": postgres_url})
    assert not healthy("relay", ready=True, env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
