"""`make bench`: durable signing commands over HTTP against the raw PostgreSQL ceiling and
against what a team might build instead.

In one run on one machine, alternating rounds (the machines are noisy, so medians):
  (a) raw PostgreSQL single-insert transactions/s from 16 concurrent clients (psycopg);
  (b) durable signing commands/s through the platform's HTTP API from 16 concurrent clients,
      with p50/p99 latency (each command: a contract, a team place and an enrolment,
      committed before the 201 is sent);
  (c) the same rule as conventional CRUD (bench/peers/crud.py: FastAPI, SQLAlchemy, the team
      row locked);
  (d) the same rule on the eventsourcing library's default application (bench/peers/library.py);
and the ratios b/a, b/c and b/d. Every server gets the same requests, token and worker count.
A benchmark, not a test: it asserts nothing and prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), *(str(p) for p in sorted((ROOT / "services").iterdir()))]

from shared.devkeys import ensure_keys, mint  # noqa: E402
from shared.servers import free_port  # noqa: E402
from shared.servers.postgres import postgres, scratch_database  # noqa: E402
from shared.testing.processes import Processes  # noqa: E402
from signing.domain.identity import with_check_digit  # noqa: E402

CLIENTS = 16
TEAMS = 200
ROW = b"x" * 600  # about one stored event with its metadata


async def raw_inserts(url: str, seconds: float) -> float:
    """(a) Each client: INSERT one row, COMMIT, repeat."""
    setup = await psycopg.AsyncConnection.connect(url, autocommit=True)
    await setup.execute("CREATE TABLE IF NOT EXISTS raw_bench (id bigserial PRIMARY KEY, k text, v bytea)")
    conns = [await psycopg.AsyncConnection.connect(url, autocommit=True) for _ in range(CLIENTS)]
    done = 0
    stop = time.perf_counter() + seconds

    async def client(conn: psycopg.AsyncConnection) -> None:
        nonlocal done
        while time.perf_counter() < stop:
            await conn.execute("INSERT INTO raw_bench (k, v) VALUES (%s, %s)", (str(uuid.uuid4()), ROW))
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(c) for c in conns))
    rate = done / (time.perf_counter() - started)
    for c in [*conns, setup]:
        await c.close()
    return rate


class Load:
    """16 keep-alive HTTP/1.1 connections posting prepared signing requests."""

    def __init__(self, port: int, token: str, teams: list[str]) -> None:
        self.port, self.token, self.teams, self.serial = port, token, teams, 0

    def request(self) -> bytes:
        self.serial += 1
        n = self.serial
        born = date(1930, 1, 1) + timedelta(days=n // 900)
        number = with_check_digit(f"440106{born:%Y%m%d}{n % 900 + 100:03d}")
        body = json.dumps(
            {
                "resident": {"identity_number": number, "name": "R", "area_code": "440106"},
                "team_id": self.teams[n % len(self.teams)],
                "packages": ["basic"],
            }
        ).encode()
        head = (
            f"POST /contracts HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {self.token}\r\n"
            f"Idempotency-Key: {uuid.uuid4()}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    async def run(self, seconds: float) -> tuple[float, list[float], dict[int, int]]:
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        stop = time.perf_counter() + seconds

        async def client() -> None:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            while time.perf_counter() < stop:
                request = self.request()
                sent = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - sent)
                status = int(head[9:12])
                statuses[status] = statuses.get(status, 0) + 1
            writer.close()

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(CLIENTS)))
        ok = statuses.get(201, 0)
        return ok / (time.perf_counter() - started), latencies, statuses


def register_teams(url: str, token: str) -> list[str]:
    import httpx

    teams = [f"B-{i:03d}" for i in range(TEAMS)]
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
        for team in teams:
            http.post(
                "/teams",
                headers={"Idempotency-Key": team},
                json={
                    "team_id": team,
                    "name": team,
                    "institution_id": "CHC-B",
                    "institution_kind": "community_health_centre",
                    "area_code": "440106",
                    "members": [{"member_id": "doc", "role": "family_doctor"}],
                    "resident_cap": 100_000,
                },
            ).raise_for_status()
    return teams


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="our API's processes, each count side by side"
    )
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    servers = ExitStack()  # PostgreSQL: DATABASE_URL's, or one of our own for this run
    server = servers.enter_context(postgres(ROOT / ".local" / "postgres" / "bench", keep=False))
    url = servers.enter_context(scratch_database(server, "fdcs_bench"))
    keys = ROOT / ".local" / "bench-jwt"
    ensure_keys(keys)
    token = mint({"sub": "bench", "role": "admin"}, folder=keys, hours=2)
    logs = ROOT / "bench" / "results"
    logs.mkdir(parents=True, exist_ok=True)
    processes = Processes(
        {
            "DATABASE_URL": url,
            "DATABASE_SCHEMA": "signing",
            "LOG_LEVEL": "WARNING",
            "AUTH_JWT_PUBLIC_KEY_FILE": str(keys / "public.pem"),
            "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
        },
        logs,
    )
    try:
        targets = {}
        for workers in args.workers:  # each on its own schema: the same store, fresh
            own = {"HTTP_WORKERS": str(workers), "DATABASE_SCHEMA": f"signing_{workers}w"}
            targets[f"ours {workers}w"] = processes.start("serve", "signing", replica=workers, **own) or ""
        most = max(args.workers)  # the peers get the most processes ours gets
        for peer in PEERS:
            peer_db = servers.enter_context(scratch_database(server, f"fdcs_bench_{peer}"))
            targets[peer] = servers.enter_context(serving_peer(peer, peer_db, keys, most, logs))
        loads = {name: Load(_port(at), token, register_teams(at, token)) for name, at in targets.items()}
        for load in loads.values():
            asyncio.run(load.run(2))  # warm-up: connections, caches, prepared statements
        report(asyncio.run(rounds(url, loads, args.rounds, args.seconds)))
        for name, at in targets.items():
            if name.startswith("ours"):
                print(f"{name}, where a batch's time went (one process's, means): {stages(at)}")
    finally:
        processes.stop()
        servers.close()


PEERS = ("crud", "library")
Round = dict[str, tuple[float, list[float], dict[int, int]]]  # target → (rate, latencies, statuses)


@contextmanager
def serving_peer(peer: str, url: str, keys: Path, workers: int, logs: Path) -> Iterator[str]:
    """A peer under uvicorn (httptools, uvloop, as ours), on its own database."""
    port = free_port()
    env = os.environ | {"DATABASE_URL": url, "AUTH_JWT_PUBLIC_KEY_FILE": str(keys / "public.pem")}
    arguments = ["--factory", "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    with open(logs / f"peer-{peer}.log", "ab") as log:
        server = subprocess.Popen(  # our own arguments
            [sys.executable, "-m", "uvicorn", f"bench.peers.{peer}:create_app", *arguments, "--loop", "uvloop"],
            env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        try:
            _wait_up(f"http://127.0.0.1:{port}", server)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(10)


def stages(url: str) -> str:
    """The batch's size and stages from the server's own metrics (`fdcs_command_stage_seconds`,
    `fdcs_command_commit_seconds`): the run's, warm-up included; one worker's where there are more."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=5) as answer:
        text = answer.read().decode()

    def mean(name: str, labels: str = "") -> float:
        sums = [re.search(rf"^{name}_{part}{re.escape(labels)} (\S+)$", text, re.M) for part in ("sum", "count")]
        total, count = (float(found[1]) if found else 0.0 for found in sums)
        return total / count if count else 0.0

    spent = [(s, mean("fdcs_command_stage_seconds", f'{{stage="{s}"}}')) for s in ("read", "decide", "seal")]
    spent.append(("append", mean("fdcs_command_commit_seconds")))
    times = ", ".join(f"{stage} {seconds * 1000:.2f} ms" for stage, seconds in spent)
    return f"{mean('fdcs_command_batch_size'):.1f} commands a batch; {times}"


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _wait_up(url: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/openapi.json", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start (see bench/results/peer-*.log)")


async def rounds(url: str, loads: dict[str, Load], n: int, seconds: float) -> list[tuple[float, Round]]:
    """Each round: the raw ceiling, then every target in turn."""
    results = []
    for _ in range(n):
        raw = await raw_inserts(url, seconds)
        results.append((raw, {name: await load.run(seconds) for name, load in loads.items()}))
    return results


def report(results: list[tuple[float, Round]]) -> None:
    names = list(results[0][1])
    print(f"{'round':<6}{'(a) raw PG tx/s':>16}" + "".join(f"{name + ' /s':>14}" for name in names))
    for i, (raw, by_target) in enumerate(results, 1):
        print(f"{i:<6}{raw:>16.0f}" + "".join(f"{by_target[name][0]:>14.0f}" for name in names))
    raw_med = statistics.median(raw for raw, _ in results)
    print(f"\n(a) raw PostgreSQL single-insert transactions/s, {CLIENTS} clients: {raw_med:.0f}")
    labels = {"crud": "(c) CRUD peer", "library": "(d) library peer"}
    ours = [name for name in names if name.startswith("ours")]
    labels |= {name: f"(b) the platform's durable signings, {name.split()[1]}" for name in ours}
    for name in names:
        rates = [by_target[name][0] for _, by_target in results]
        latencies = [x for _, by_target in results for x in by_target[name][1]]
        statuses: dict[int, int] = {}
        for _, by_target in results:
            for status, count in by_target[name][2].items():
                statuses[status] = statuses.get(status, 0) + count
        print(
            f"{labels.get(name, name)}/s over HTTP, {CLIENTS} clients: {statistics.median(rates):.0f} "
            f"(p50 {percentile(latencies, 0.5):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms) {statuses}"
        )

    def ratio(top: str, bottom: str) -> float:
        return statistics.median(by_target[top][0] / by_target[bottom][0] for _, by_target in results)

    best = ours[-1]  # the most processes, as the peers have
    print(f"ratio b/a ({best}): {statistics.median(t[best][0] / raw for raw, t in results):.2f}  (goal >= 1.0)")
    print(f"ratio b/c ({best}): {ratio(best, 'crud'):.2f}  (goal >= 3)")
    print(f"ratio b/d ({best}): {ratio(best, 'library'):.2f}")
    if len(ours) > 1:
        print(f"ratio {ours[-1]} / {ours[0]}: {ratio(ours[-1], ours[0]):.2f}")


if __name__ == "__main__":
    main()
