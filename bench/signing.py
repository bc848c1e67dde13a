"""`make bench`: durable signing commands over HTTP against the raw PostgreSQL ceiling.

In one run on one machine, alternating rounds (the machines are noisy, so medians):
  (a) raw PostgreSQL single-insert transactions/s from 16 concurrent clients (psycopg);
  (b) durable signing commands/s through the HTTP API from 16 concurrent clients,
      with p50/p99 latency (each command: a contract, a team place and an enrolment,
      committed before the 201 is sent);
  (c) b / a.
A benchmark, not a test: it asserts nothing and prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from contextlib import ExitStack
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
    parser.add_argument("--workers", type=int, default=1)
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
        service = processes.start("serve", "signing", HTTP_WORKERS=str(args.workers))
        assert service is not None
        load = Load(int(service.rsplit(":", 1)[1]), token, register_teams(service, token))
        asyncio.run(load.run(2))  # warm-up: connections, caches, prepared statements
        report(asyncio.run(rounds(url, load, args.rounds, args.seconds)))
    finally:
        processes.stop()
        servers.close()


async def rounds(
    url: str, load: Load, n: int, seconds: float
) -> list[tuple[float, float, list[float], dict[int, int]]]:
    results = []
    for _ in range(n):
        raw = await raw_inserts(url, seconds)
        rate, latencies, statuses = await load.run(seconds)
        results.append((raw, rate, latencies, statuses))
    return results


def report(results: list[tuple[float, float, list[float], dict[int, int]]]) -> None:
    print(
        f"{'round':<6}{'(a) raw PG tx/s':>17}{'(b) signings/s':>16}{'p50 ms':>9}{'p99 ms':>9}{'(c) b/a':>9}  statuses"
    )
    for i, (raw, rate, lat, statuses) in enumerate(results, 1):
        print(
            f"{i:<6}{raw:>17.0f}{rate:>16.0f}{percentile(lat, 0.5):>9.1f}{percentile(lat, 0.99):>9.1f}"
            f"{rate / raw:>9.2f}  {statuses}"
        )
    raw_med = statistics.median(r[0] for r in results)
    rate_med = statistics.median(r[1] for r in results)
    all_lat = [x for r in results for x in r[2]]
    print(
        f"{'median':<6}{raw_med:>17.0f}{rate_med:>16.0f}{percentile(all_lat, 0.5):>9.1f}"
        f"{percentile(all_lat, 0.99):>9.1f}{statistics.median(r[1] / r[0] for r in results):>9.2f}"
    )
    print(f"\n(a) raw PostgreSQL single-insert transactions/s, {CLIENTS} clients: {raw_med:.0f}")
    print(
        f"(b) durable signing commands/s over HTTP, {CLIENTS} clients: {rate_med:.0f} "
        f"(p50 {percentile(all_lat, 0.5):.1f} ms, p99 {percentile(all_lat, 0.99):.1f} ms)"
    )
    print(f"(c) ratio b/a: {statistics.median(r[1] / r[0] for r in results):.2f}  (goal >= 1.0, p99 <= 50 ms)")


if __name__ == "__main__":
    main()
