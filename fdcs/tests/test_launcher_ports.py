"""`make run` refuses to start beside another platform holding its ports, rather than quietly
waiting on, and printing, that other platform's services."""

from __future__ import annotations

import socket

import pytest

from fdcs import launcher


def test_a_port_in_use_stops_make_run_before_it_starts_anything(capsys: pytest.CaptureFixture[str]) -> None:
    port = next(p for p in launcher._fixed_ports() if launcher._port_free(p))
    with socket.socket() as held:
        held.bind(("127.0.0.1", port))
        held.listen()

        assert launcher.run_platform() == 1

    assert f"ports [{port}] are in use" in capsys.readouterr().out
