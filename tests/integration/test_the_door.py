"""A service's door, on a real `python -m fdcs serve` process: no token, no body read; a body
past its limit refused as soon as it is known; a client too slow to send its request let go."""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from shared.testing.processes import Processes

LIMIT = 65_536
TWENTY_MB = 20 * 1024 * 1024


@pytest.fixture(scope="module")
def signing(platform: Processes, run_id: str) -> str:
    url = platform.start(
        "serve",
        "signing",
        DATABASE_SCHEMA=f"door_{run_id}",
        HTTP_MAX_BODY_BYTES=str(LIMIT),
        HTTP_READ_SECONDS="1",
    )
    assert url is not None
    return url


@pytest.fixture
def connect(signing: str) -> Iterator[Callable[[], socket.socket]]:
    opened: list[socket.socket] = []

    def _connect() -> socket.socket:
        where = urlsplit(signing)
        sock = socket.create_connection((where.hostname, where.port), timeout=60)  # a hang fails, it does not time
        opened.append(sock)
        return sock

    yield _connect
    for sock in opened:
        sock.close()


def post_head(length: int, token: str | None = None, chunked: bool = False) -> bytes:
    lines = ["POST /contracts HTTP/1.1", "Host: signing", "Content-Type: application/json", "Idempotency-Key: k1"]
    lines += [f"Authorization: Bearer {token}"] if token else []
    lines += ["Transfer-Encoding: chunked"] if chunked else [f"Content-Length: {length}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def status_of(sock: socket.socket) -> int:
    head = b""
    while b"\r\n" not in head:
        chunk = sock.recv(4096)
        assert chunk, "the server closed without answering"
        head += chunk
    return int(head.split(b" ", 2)[1])


def live(signing: str) -> int:
    with urllib.request.urlopen(f"{signing}/health/live", timeout=60) as answer:
        status: int = answer.status
        return status


def test_twenty_megabytes_without_a_token_are_refused_from_the_headers(
    connect: Callable[[], socket.socket], signing: str
) -> None:
    sock = connect()
    sock.sendall(post_head(TWENTY_MB) + b"{" * LIMIT)  # the rest is never sent: the answer comes first

    assert status_of(sock) == 401
    assert live(signing) == 200  # while that request is still open


def test_a_body_past_its_limit_is_refused_as_soon_as_its_length_is_known(
    connect: Callable[[], socket.socket], mint_token: Callable[..., str]
) -> None:
    sock = connect()
    sock.sendall(post_head(TWENTY_MB, mint_token("admin")) + b"{")

    assert status_of(sock) == 413


def test_a_streamed_body_is_refused_once_it_passes_its_limit(
    connect: Callable[[], socket.socket], mint_token: Callable[..., str]
) -> None:
    sock = connect()
    piece = b"x" * 16_384
    sock.sendall(post_head(0, mint_token("admin"), chunked=True))
    for _ in range(LIMIT // len(piece) + 1):
        sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")

    assert status_of(sock) == 413


@pytest.mark.parametrize(
    "half",
    [b"", b"GET /health/live HTTP/1.1\r\nHost: sig", post_head(100, "t")[:-2], post_head(100) + b'{"team_id"'],
    ids=["nothing", "half the headers", "headers without their end", "half the body"],
)
def test_a_client_too_slow_to_send_its_request_is_let_go(connect: Callable[[], socket.socket], half: bytes) -> None:
    sock = connect()
    sock.sendall(half)

    answer = b""
    while chunk := sock.recv(4096):  # returns b"" once the server closed the connection
        answer += chunk

    assert answer == b"" or answer.startswith((b"HTTP/1.1 408", b"HTTP/1.1 401"))
