"""The PostgreSQL the project starts for itself (`shared/servers/postgres.py`)."""

from __future__ import annotations

import uuid

import psycopg

from shared.servers.postgres import EmbeddedPostgres
from shared.testing.fixtures import ROOT


def test_a_folder_an_interrupted_run_left_without_a_cluster_is_made_afresh() -> None:
    folder = ROOT / ".local" / "postgres" / f"left-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    (folder / "server.log").write_text("what a start or a removal interrupted left behind\n")
    server = EmbeddedPostgres(folder)
    try:
        server.start()
        with psycopg.connect(server.url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        server.stop()
        server.remove()


def test_a_server_takes_the_settings_it_is_given_at_every_start() -> None:
    """A benchmark's city-sized database wants more than the default buffers, say."""
    folder = ROOT / ".local" / "postgres" / f"set-{uuid.uuid4().hex[:8]}"
    server = EmbeddedPostgres(folder, settings={"shared_buffers": "48MB", "max_wal_size": "2GB"})
    try:
        for _ in range(2):  # the first start makes the cluster, the second finds it
            server.start()
            with psycopg.connect(server.url) as conn:
                found = [conn.execute(f"SHOW {name}").fetchone() for name in ("shared_buffers", "max_wal_size")]
            server.stop()
            assert found == [("48MB",), ("2GB",)]
    finally:
        server.stop()
        server.remove()
