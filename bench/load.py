"""A closed-loop load generator: a mixed signing and health-records load at 8, 32 and 128 clients.

Each client sends one request, waits for the answer and sends the next, for a fixed time per
level; each level prints requests/s, p50, p99 and the non-2xx answers by operation and status
of every answer to a request sent in the level's time (503s included). A level's clients start
at random moments of a ramp (--ramp, 1 s) before its time begins: started in the same
millisecond, most of them on new connections, they made a burst that held about 40 % of the
slowest 1 % of a 10-second level's answers at 128 clients, where independent callers make none.
Each client has its own connections, as separate callers do, and a client refused with 503 or
429 waits its Retry-After before its next request (`--ignore-retry-after`: at once, a retry storm).
The clients are aiohttp's: the generator shares the platform's cores, and httpx spent about
2 ms of CPU a request here (a sixth of the machine at 128 clients), aiohttp a tenth of that.

The mix: each client repeats the cycle sign, read, visit, sign, read (40% / 40% / 20%):
  sign   POST /contracts on signing: a new resident (a valid, unique identity number), a fresh
         Idempotency-Key, one of many teams (so no team's cap is hit and few commands meet on
         the same team), package "basic";
  read   GET /contracts/{id} on signing, of a contract this run signed;
  visit  POST /residents/{ref}/visits on health-records, as the family doctor of the resident's
         team, for a resident signed at least --visit-lag seconds earlier: health-records opens
         a resident's care from signing's events on Kafka, so a resident signed a moment ago is
         not yet known there (403).
Before the first level it creates the teams and signs one resident per team, then waits until
health-records accepts a visit for each of them (which proves the events flow end to end).

Against `make run` (from the repository's root, where the development keys are):
  SIMULATE_RESIDENTS=0 .venv/bin/python -m fdcs run &
  .venv/bin/python bench/load.py --levels 8,32,128 --seconds 10 --rounds 3 --json load.json
A test can call run_levels(LoadSettings.tiny(signing_url, health_records_url)) against
services it started: about 1 s at 2 and 4 clients.
A benchmark, not a test: it asserts nothing and prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import dataclasses
import json
import random
import secrets
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), *(str(p) for p in sorted((ROOT / "services").iterdir()))]

from shared.devkeys import KEYS, mint  # noqa: E402
from signing.domain.identity import with_check_digit  # noqa: E402

CYCLE = ("sign", "read", "visit", "sign", "read")
AREA = "440106"  # the teams' area and the residents' (the example session's)
DOCTOR = "doc-1"
TIMEOUT = 120.0  # long enough that a slow answer is measured, not turned into an error


@dataclass(frozen=True)
class LoadSettings:
    signing_url: str = "http://127.0.0.1:8001"
    health_records_url: str = "http://127.0.0.1:8005"
    levels: tuple[int, ...] = (8, 32, 128)
    seconds: float = 10.0
    rounds: int = 3
    teams: int = 200
    visit_lag: float = 10.0
    cycle: tuple[str, ...] = CYCLE
    keys: Path = ROOT / KEYS  # the keys the platform verifies tokens with (make run: .local/jwt)
    honour_retry_after: bool = True  # a refused client waits as told (503/429), as the platform's callers should
    ramp: float = 1.0  # seconds over which a level's clients start, before it is measured

    @classmethod
    def tiny(cls, signing_url: str, health_records_url: str, keys: Path = ROOT / KEYS) -> LoadSettings:
        """About a second at each of two small levels: for a test, so the script can't rot."""
        # Visits only to the residents set-up saw known to health-records: within a second, one
        # signed a moment ago may not have come through Kafka yet (403), on a busy machine.
        return cls(signing_url, health_records_url, (2, 4), 1.0, 1, teams=4, visit_lag=60, keys=keys, ramp=0.1)


@dataclass(frozen=True)
class LevelResult:
    clients: int
    round: int
    seconds: float  # from the first request until the last client's last answer
    requests: int
    ok: int  # 2xx answers
    rate: float  # answers/s
    ok_rate: float  # 2xx answers/s
    p50_ms: float
    p99_ms: float
    errors: dict[str, int]  # "operation status" (or transport error) -> count, non-2xx only
    operations: dict[str, int]  # operation -> requests
    latency_ms: dict[str, tuple[float, float]]  # operation -> (p50, p99)


@dataclass
class Signed:
    """The contracts this run signed, oldest first, so visits can pick residents signed long enough ago."""

    at: list[float] = field(default_factory=list)  # time.monotonic() of each answer
    contracts: list[tuple[str, str, str]] = field(default_factory=list)  # (contract_id, resident_ref, team_id)
    known: int = 0  # the first so many are known to health-records already (`seed` waited for them)

    def add(self, contract: dict[str, str]) -> None:
        self.at.append(time.monotonic())
        self.contracts.append((contract["contract_id"], contract["resident_ref"], contract["team_id"]))

    def any(self) -> tuple[str, str, str] | None:
        return random.choice(self.contracts) if self.contracts else None

    def older_than(self, seconds: float) -> tuple[str, str, str] | None:
        known = max(bisect.bisect_right(self.at, time.monotonic() - seconds), self.known)
        return self.contracts[random.randrange(known)] if known else None


class Residents:
    """Valid, unique identity numbers (GB 11643), made as the simulation makes them.

    A random six-digit prefix per run keeps a second run against the same platform from
    meeting the first run's residents (who already hold a contract: 409)."""

    def __init__(self) -> None:
        self.prefix = f"{random.randrange(110000, 660000)}"
        self.serial = 0

    def next(self) -> str:
        n, self.serial = self.serial, self.serial + 1
        born = date(1950, 1, 1) + timedelta(days=n // 1000)
        return with_check_digit(f"{self.prefix}{born:%Y%m%d}{n % 1000:03d}")


@dataclass(frozen=True)
class Answer:
    status: int
    retry_after: float  # seconds, as a refusal said (0 if it did not)
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


async def ask(session: aiohttp.ClientSession, method: str, path: str, **request: Any) -> Answer:
    async with session.request(method, path, **request) as answer:
        return Answer(answer.status, float(answer.headers.get("Retry-After", 0)), await answer.read())


def once() -> dict[str, str]:
    """A command's headers: a fresh idempotency key."""
    return {"Idempotency-Key": str(uuid.uuid4())}


@dataclass
class Load:
    """What the clients share: the HTTP clients, the teams and their tokens, what was signed."""

    settings: LoadSettings
    signing: aiohttp.ClientSession
    records: aiohttp.ClientSession
    teams: list[str]
    doctors: dict[str, str]  # team -> a family doctor's bearer token
    residents: Residents = field(default_factory=Residents)
    signed: Signed = field(default_factory=Signed)

    async def sign(self) -> Answer:
        body = {
            "resident": {"identity_number": self.residents.next(), "name": "Load Test", "area_code": AREA},
            "team_id": random.choice(self.teams),
            "packages": ["basic"],
        }
        answer = await ask(self.signing, "POST", "/contracts", json=body, headers=once())
        if answer.status == 201:
            self.signed.add(answer.json())
        return answer

    async def read(self) -> Answer:
        contract = self.signed.any()
        if contract is None:
            return await self.sign()
        return await ask(self.signing, "GET", f"/contracts/{contract[0]}")

    async def visit(self) -> Answer:
        contract = self.signed.older_than(self.settings.visit_lag)
        if contract is None:  # only before any resident is old enough; setup's residents are
            return await self.read()
        return await self.visit_of(contract[1], contract[2])

    async def visit_of(self, resident_ref: str, team: str) -> Answer:
        return await ask(
            self.records,
            "POST",
            f"/residents/{resident_ref}/visits",
            json={"member_id": DOCTOR, "place": "clinic", "summary": "load test"},
            headers=once() | {"Authorization": f"Bearer {self.doctors[team]}"},
        )


Sample = tuple[str, int | str, float]  # (operation, status or transport error, seconds)


async def client(load: Load, first: int, window: Window, samples: list[Sample]) -> None:
    """One closed-loop client; clients start at different places in the cycle so the mix holds at every
    instant, and at different times in the ramp; only what it sends in the measured window counts."""
    operations: dict[str, Callable[[], Awaitable[Answer]]] = {
        "sign": load.sign,
        "read": load.read,
        "visit": load.visit,
    }
    cycle = load.settings.cycle
    step = first
    await asyncio.sleep(random.uniform(0, load.settings.ramp))
    while (now := time.monotonic()) < window.deadline:
        operation = cycle[step % len(cycle)]
        step += 1
        sent = time.perf_counter()
        try:
            answer = await operations[operation]()
        except (aiohttp.ClientError, TimeoutError) as error:
            window.note(samples, now, (operation, type(error).__name__, time.perf_counter() - sent))
            continue
        window.note(samples, now, (operation, answer.status, time.perf_counter() - sent))
        if load.settings.honour_retry_after and answer.status in (429, 503):
            await asyncio.sleep(min(answer.retry_after, window.deadline - time.monotonic()))


@dataclass(frozen=True)
class Window:
    """A level's measured time: from the end of its ramp (every client started, at its own
    moment, and connected) for the level's seconds. Clients started together, on fresh
    connections, made a burst no set of independent callers makes: the first 0.25 s of a level
    held about 40 % of the slowest 1 % of its answers at 128 clients (bench/README.md)."""

    start: float
    deadline: float

    def note(self, samples: list[Sample], sent: float, sample: Sample) -> None:
        if sent >= self.start:
            samples.append(sample)


Connections = list[tuple[aiohttp.ClientSession, aiohttp.ClientSession]]  # per client: to signing, to health-records


async def run_level(load: Load, connections: Connections, clients: int, round_: int) -> LevelResult:
    """Each client on its own connections, as separate callers are."""
    samples: list[Sample] = []
    start = time.monotonic() + load.settings.ramp
    window = Window(start, start + load.settings.seconds)
    own = (dataclasses.replace(load, signing=s, records=r) for s, r in connections[:clients])
    await asyncio.gather(*(client(mine, i, window, samples) for i, mine in enumerate(own)))
    return summarise(clients, round_, time.monotonic() - start, samples)


def summarise(clients: int, round_: int, seconds: float, samples: list[Sample]) -> LevelResult:
    latencies = [s[2] for s in samples]
    ok = sum(1 for _, status, _ in samples if isinstance(status, int) and 200 <= status < 300)
    errors = Counter(f"{op} {status}" for op, status, _ in samples if not (isinstance(status, int) and status < 300))
    return LevelResult(
        clients,
        round_,
        seconds,
        len(samples),
        ok,
        len(samples) / seconds,
        ok / seconds,
        percentile(latencies, 0.50),
        percentile(latencies, 0.99),
        dict(sorted(errors.items())),
        dict(Counter(op for op, _, _ in samples)),
        by_operation(samples),
    )


def by_operation(samples: list[Sample]) -> dict[str, tuple[float, float]]:
    latencies: dict[str, list[float]] = {}
    for op, _, seconds in samples:
        latencies.setdefault(op, []).append(seconds)
    return {op: (percentile(v, 0.50), percentile(v, 0.99)) for op, v in sorted(latencies.items())}


def percentile(values: list[float], q: float) -> float:
    """Nearest rank, in milliseconds (as bench/signing.py)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def create_teams(signing: aiohttp.ClientSession, count: int) -> list[str]:
    """Many teams with room for every resident the run signs; a per-run name so runs don't meet."""
    run = secrets.token_hex(3)
    teams = [f"LOAD-{run}-{i:03d}" for i in range(count)]
    gate = asyncio.Semaphore(8)

    async def create(team: str) -> None:
        body = {
            "team_id": team,
            "name": team,
            "institution_id": f"CHC-LOAD-{run}",
            "institution_kind": "community_health_centre",
            "area_code": AREA,
            "members": [{"member_id": DOCTOR, "role": "family_doctor", "resident_cap": 10_000}],
            "resident_cap": 100_000,
        }
        async with gate:
            answer = await ask(signing, "POST", "/teams", json=body, headers={"Idempotency-Key": team})
        if answer.status >= 300:
            raise RuntimeError(f"team {team} not created: {answer.status} {answer.content[:200]!r}")

    await asyncio.gather(*(create(t) for t in teams))
    return teams


async def seed(load: Load, timeout: float = 180) -> None:
    """One resident per team, then wait until health-records accepts a visit for each: their
    contracts and the teams' rosters have come through Kafka, so visits can start."""
    for team in load.teams:
        body = {
            "resident": {"identity_number": load.residents.next(), "name": "Load Seed", "area_code": AREA},
            "team_id": team,
            "packages": ["basic"],
        }
        answer = await ask(load.signing, "POST", "/contracts", json=body, headers=once())
        if answer.status != 201:
            raise RuntimeError(f"seed resident of {team} not signed: {answer.status} {answer.content[:200]!r}")
        load.signed.add(answer.json())
    pending = list(load.signed.contracts)
    deadline = time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            raise RuntimeError(f"health-records never accepted visits for {len(pending)} signed residents")
        statuses = await asyncio.gather(*(load.visit_of(ref, team) for _, ref, team in pending))
        pending = [c for c, answer in zip(pending, statuses, strict=True) if answer.status != 201]
        if pending:
            await asyncio.sleep(0.5)
    load.signed.known = len(load.signed.contracts)


async def measure(settings: LoadSettings) -> list[LevelResult]:
    """Set up, then every level once per round (levels interleaved, so drift spreads over all)."""
    admin = mint({"sub": "load-bench", "role": "admin"}, folder=settings.keys, hours=4)
    most = max(settings.levels)
    bearer = {"Authorization": f"Bearer {admin}"}
    async with (
        session(settings.signing_url, most, bearer) as signing,
        session(settings.health_records_url, most) as records,
        contextlib.AsyncExitStack() as stack,
    ):
        teams = await create_teams(signing, settings.teams)
        doctors = {t: mint({"sub": f"load-{t}", "role": "family_doctor", "team": t}, settings.keys, 4) for t in teams}
        load = Load(settings, signing, records, teams, doctors)
        await seed(load)
        connections = await stack.enter_async_context(own_connections(settings, max(settings.levels), bearer))
        results = []
        for round_ in range(1, settings.rounds + 1):
            for clients in settings.levels:
                results.append(await run_level(load, connections, clients, round_))
                print("done:", row(results[-1]), file=sys.stderr, flush=True)  # progress; the table follows
        return results


def session(url: str, connections: int, headers: dict[str, str] | None = None) -> aiohttp.ClientSession:
    # Idle connections closed before the server would (HTTP_KEEP_ALIVE_SECONDS, 5 s): set-up waits
    # between its tries, and a connection reused as the server closes it is an error.
    connector = aiohttp.TCPConnector(limit=connections, keepalive_timeout=2)
    return aiohttp.ClientSession(url, connector=connector, headers=headers, timeout=aiohttp.ClientTimeout(TIMEOUT))


@contextlib.asynccontextmanager
async def own_connections(settings: LoadSettings, count: int, bearer: dict[str, str]) -> AsyncIterator[Connections]:
    """`count` pairs of clients of one connection each."""
    async with contextlib.AsyncExitStack() as stack:
        yield [
            (
                await stack.enter_async_context(session(settings.signing_url, 1, bearer)),
                await stack.enter_async_context(session(settings.health_records_url, 1)),
            )
            for _ in range(count)
        ]


def run_levels(settings: LoadSettings) -> list[LevelResult]:
    """Measure every level against running services; for a test: run_levels(LoadSettings.tiny(...))."""
    return asyncio.run(measure(settings))


HEADER = f"{'clients':>7} {'round':>6} {'req/s':>8} {'2xx/s':>8} {'p50 ms':>8} {'p99 ms':>8}  non-2xx"


def row(r: LevelResult, label: str | None = None) -> str:
    errors = ", ".join(f"{k}: {v}" for k, v in r.errors.items()) or "-"
    return (
        f"{r.clients:>7} {label or r.round:>6} {r.rate:>8.1f} {r.ok_rate:>8.1f} {r.p50_ms:>8.0f} {r.p99_ms:>8.0f}"
        f"  {errors}"
    )


def median_of(results: list[LevelResult]) -> LevelResult:
    """Per level: the median round's rates and latencies; time, requests and errors summed over rounds."""
    errors: Counter[str] = Counter()
    operations: Counter[str] = Counter()
    for r in results:
        errors.update(r.errors)
        operations.update(r.operations)
    return LevelResult(
        results[0].clients,
        0,
        sum(r.seconds for r in results),
        sum(r.requests for r in results),
        sum(r.ok for r in results),
        statistics.median(r.rate for r in results),
        statistics.median(r.ok_rate for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        dict(sorted(errors.items())),
        dict(operations),
        {
            op: (
                statistics.median(r.latency_ms[op][0] for r in results if op in r.latency_ms),
                statistics.median(r.latency_ms[op][1] for r in results if op in r.latency_ms),
            )
            for op in sorted(operations)
        },
    )


def table(results: list[LevelResult]) -> str:
    lines = [HEADER]
    for clients in dict.fromkeys(r.clients for r in results):
        level = [r for r in results if r.clients == clients]
        lines += [row(r) for r in level]
        lines.append(row(median_of(level), "median"))
    lines += ["", "per operation, medians of the rounds: requests (all rounds), p50 / p99 ms"]
    for clients in dict.fromkeys(r.clients for r in results):
        summary = median_of([r for r in results if r.clients == clients])
        ops = (f"{op} {summary.operations[op]} {p50:.0f} / {p99:.0f}" for op, (p50, p99) in summary.latency_ms.items())
        lines.append(f"{clients:>7}  " + "   ".join(ops))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--signing-url", default=LoadSettings.signing_url)
    parser.add_argument("--health-records-url", default=LoadSettings.health_records_url)
    parser.add_argument("--levels", default="8,32,128", help="concurrent clients per level, comma-separated")
    parser.add_argument("--seconds", type=float, default=LoadSettings.seconds, help="per level and round")
    parser.add_argument("--rounds", type=int, default=LoadSettings.rounds)
    parser.add_argument("--ramp", type=float, default=LoadSettings.ramp, help="clients start over this, unmeasured (s)")
    parser.add_argument("--teams", type=int, default=LoadSettings.teams)
    parser.add_argument("--visit-lag", type=float, default=LoadSettings.visit_lag, help="visit residents this old (s)")
    parser.add_argument("--mix", default=",".join(CYCLE), help="each client's cycle of sign, read, visit")
    parser.add_argument("--keys", type=Path, default=LoadSettings.keys, help="folder of the development JWT keys")
    parser.add_argument("--tiny", action="store_true", help="about 1 s at 2 and 4 clients: does it still run?")
    parser.add_argument("--json", type=Path, help="also write every round's result to this file")
    parser.add_argument(
        "--ignore-retry-after", action="store_true", help="a refused client asks again at once (a retry storm)"
    )
    args = parser.parse_args()
    if args.tiny:
        settings = LoadSettings.tiny(args.signing_url, args.health_records_url, args.keys)
    else:
        levels = tuple(int(n) for n in args.levels.split(","))
        if not set(args.mix.split(",")) <= set(CYCLE):
            parser.error("--mix: a comma-separated cycle of sign, read and visit")
        settings = LoadSettings(
            args.signing_url, args.health_records_url, levels, args.seconds, args.rounds, args.teams, args.visit_lag
        )
        settings = dataclasses.replace(
            settings,
            cycle=tuple(args.mix.split(",")),
            keys=args.keys,
            ramp=args.ramp,
            honour_retry_after=not args.ignore_retry_after,
        )
    results = run_levels(settings)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps([dataclasses.asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
