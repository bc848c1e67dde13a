"""The appraisal at a city's size, through Kafka and the real processes.

Generates a synthetic city's year (--residents split between --counties counties 440103,
440104, …, each a `Year` of its own seed and residents) and produces its public events to the
real topics, as signing's, health-records' and referral's relays do. Then:
  (1) projection: one worker (`python -m fdcs project appraisal`) into a fresh schema with a
      new consumer group, timed until the group has committed every partition's end (a batch is
      committed once projected); then two workers into another, likewise: events/s of each and
      the ratio, each also the time to rebuild the appraisal from the city's events; how much of
      the time a worker waited on a lock (a resident another worker holds, say), sampled; and
      whether the two schemas give the same figures;
  then waits until the strata keeper has written nothing for --settle seconds (its first pass
      after a rebuild keeps a year's Mondays: minutes at a million residents) and says how long;
  (2) reads over HTTP (`python -m fdcs serve appraisal` on the two workers' schema), as an
      official of the city, the population register recorded: GET /scores, /indicators?level=county
      and /indicators of the whole city for the year, each the first request after a new fact (a
      visit produced and projected), then --repeats more; an as-of in the past likewise; the
      API's memory (RSS) after the reads;
  (3) visit to figure: visits produced at --rate a second for --seconds, and among them a rating
      of one team every quarter second, while that team's satisfaction figure is polled: how long
      from producing a rating to the first answer that counts it (a rating rather than a visit:
      each one moves the figure by exactly one); and how many rows the keeper wrote meanwhile.
PostgreSQL: DATABASE_URL's, or one of its own; Kafka: KAFKA_BOOTSTRAP_SERVERS' (with the other
KAFKA_* settings given), or one of its own as the tests start it.
A benchmark, not a test: it asserts nothing and prints figures.

    make bench-scale                 # 1,000,000 residents: hours; ~1.5 GB a county, a few GB on disk
    .venv/bin/python bench/appraisal_scale.py --residents 20000
"""

from __future__ import annotations

import argparse
import heapq
import os
import pickle
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from confluent_kafka import Consumer, KafkaException, TopicPartition

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), *(str(p) for p in sorted((ROOT / "services").iterdir()))]

from appraisal.adapters.files.catalogue import load_catalogue  # noqa: E402
from appraisal.adapters.projections.figures_reader import FiguresReader  # noqa: E402
from appraisal.application.appraising import Appraising  # noqa: E402
from appraisal.bootstrap import SUBSCRIBED, engine_for, migrate  # noqa: E402
from appraisal.domain.periods import Period  # noqa: E402
from appraisal.settings import AppraisalSettings  # noqa: E402
from bench.appraisal_year import CHINA, Year  # noqa: E402
from bench.settlement_view import percentiles, rss_mb  # noqa: E402
from fdcs import compiled  # noqa: E402
from shared.contracts import topics  # noqa: E402
from shared.devkeys import ensure_keys, mint  # noqa: E402
from shared.messaging import Delivery, KafkaPublisher, Message, ensure_topics  # noqa: E402
from shared.messaging.kafka import client_config  # noqa: E402
from shared.servers.broker import platform_kafka  # noqa: E402
from shared.servers.postgres import postgres, scratch_database  # noqa: E402
from shared.settings import ServiceSettings  # noqa: E402
from shared.testing.processes import Processes  # noqa: E402

CITY = "4401"
COUNTY_SIZE = 50_000  # residents a county by default: a county's events are all held while generated
WAITING = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
KEPT = r"""SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables
           WHERE schemaname = %s AND relname LIKE 'stratum\_totals\_%%'"""  # the keeper's writes, every city's
SERVER = {"shared_buffers": "4GB", "max_wal_size": "8GB", "shared_preload_libraries": "pg_stat_statements"}
"""Our own PostgreSQL's, sized for a city as production's `appraisal-db` is (8 GB of buffers): with
the defaults (128 MB, a checkpoint every GB of WAL) a city's key of changes is read and written
back from outside the buffers, a cost production does not have."""
Clock = Callable[[], datetime]
Span = dict[tuple[str, int], tuple[int, int]]  # (topic, partition) → the city's events: (first offset, end offset)


@dataclass(frozen=True)
class Projected:
    workers: int
    schema: str
    group: str
    events: int
    seconds: float  # from starting the workers to the last commit
    joined: float  # from starting the workers to the first commit (start-up, joining the group)
    waiting: float  # the share of the time a worker waited on a lock, sampled (another's resident, say)
    idle: float  # the share of the machine's processor time left idle meanwhile
    peak_mb: float  # the largest worker's peak resident memory

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def steady(self) -> float:
        return self.events / max(self.seconds - self.joined, 1e-9)


def city(residents: int, counties: int, year: int) -> list[Year]:
    """The counties, residents split between them, each with its own seed and resident serials."""
    sizes = [residents // counties + (i < residents % counties) for i in range(counties)]
    return [Year(f"{CITY}{3 + i:02d}", n, year, seed=7 + i, first=sum(sizes[:i])) for i, n in enumerate(sizes)]


def message(d: Delivery) -> Message:
    """As the relays publish: keyed by the topic's key (a resident's contracts, services and
    referrals by the resident, so all in the same-numbered partitions, as in production)."""
    return Message(d.topic, str(d.envelope.data[topics.by_name(d.topic).key]), d.envelope.encode())


def produce(kafka: ServiceSettings, counties: list[Year]) -> None:
    """As the relays publish: every county at once, so each partition's events come in the order
    they were recorded (merged by time). Each county's year is generated in turn and kept on disk,
    in time order, then the counties are merged from there: memory holds one county's events."""
    publisher, events, started = KafkaPublisher(kafka, timeout=300), 0, time.perf_counter()
    with tempfile.TemporaryDirectory(dir=ROOT / ".local") as folder:
        kept = [_kept(county, Path(folder) / f"{county.county}.pickle") for county in counties]
        batch: list[Message] = []
        for _, m in heapq.merge(*(_read(path) for path in kept), key=lambda timed: timed[0]):
            batch.append(m)
            if len(batch) == 20_000:
                publisher.publish(batch)
                events, batch = events + len(batch), []
        publisher.publish(batch)
        events += len(batch)
    publisher.close()
    took = time.perf_counter() - started
    print(f"generated and produced {events:,} events of {len(counties)} counties (merged by time) in {took:.0f} s")


def _kept(county: Year, path: Path) -> Path:
    """The county's messages with when each was recorded, in that order, in chunks."""
    timed = [(d.envelope.time.timestamp(), message(d)) for d in county.deliveries()]
    county.events.clear()
    with path.open("wb") as out:
        for start in range(0, len(timed), _CHUNK):
            pickle.dump(timed[start : start + _CHUNK], out, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _read(path: Path) -> Iterator[tuple[float, Message]]:
    with path.open("rb") as kept:
        while True:
            try:
                yield from pickle.load(kept)  # our own file, written just before
            except EOFError:
                return


_CHUNK = 5_000


def ends(kafka: ServiceSettings) -> dict[tuple[str, int], int]:
    """Where each partition of the subscribed topics ends now."""
    consumer = Consumer(client_config(kafka) | {"group.id": f"bench.ends.{uuid.uuid4().hex}"})
    try:
        described = consumer.list_topics(timeout=10).topics
        return {(t.name, p): _end(consumer, t.name, p) for t in SUBSCRIBED for p in described[t.name].partitions}
    finally:
        consumer.close()


def _end(consumer: Consumer, topic: str, partition: int) -> int:
    for _ in range(60):  # topics just created may have no leader for a few seconds
        try:
            return int(consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)[1])
        except KafkaException:
            time.sleep(0.5)
    return int(consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)[1])


class Group:
    """A consumer group's offsets, read and set without joining it: its workers commit a batch
    once they projected it."""

    def __init__(self, kafka: ServiceSettings, name: str) -> None:
        self.name = name
        self._consumer = Consumer(client_config(kafka) | {"group.id": name, "enable.auto.commit": False})

    def start_at(self, span: Span) -> None:
        """The new group begins with the city's events (the topics may hold others before)."""
        self._consumer.commit(offsets=[TopicPartition(t, p, first) for (t, p), (first, _) in span.items()],
                              asynchronous=False)  # fmt: skip

    def applied(self, span: Span) -> int:
        committed = self._consumer.committed([TopicPartition(t, p) for t, p in span], timeout=10)
        return sum(max(0, tp.offset - span[tp.topic, tp.partition][0]) for tp in committed)

    def caught_up(self, span: Span, timeout: float) -> None:
        total, deadline = sum(end - first for first, end in span.values()), time.monotonic() + timeout
        while self.applied(span) < total:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: {self.applied(span)} of {total} events applied in {timeout:.0f} s")
            time.sleep(0.05)

    def close(self) -> None:
        self._consumer.close()


def project(workers: Processes, kafka: ServiceSettings, url: str, span: Span, n: int) -> Projected:
    """`n` workers into a fresh schema with a new consumer group, until every event is applied."""
    tag = uuid.uuid4().hex[:6]
    schema, group = f"appraisal_scale_{n}w_{tag}", f"appraisal.scale-{tag}-{n}w"
    migrate(AppraisalSettings(database_url=url, database_schema=schema))  # else the workers race to create tables
    total, progress = sum(end - first for first, end in span.values()), Group(kafka, group)
    progress.start_at(span)
    started, joined, waits, db = time.monotonic(), 0.0, [], psycopg.connect(url, autocommit=True)
    cpu = _cpu()
    try:
        for _ in range(n):
            workers.start("project", "appraisal", DATABASE_SCHEMA=schema, CONSUMER_GROUP=group)
        while (applied := progress.applied(span)) < total:
            joined = joined or ((time.monotonic() - started) if applied else 0.0)
            if time.monotonic() - started > (300 if not joined else 600 + total / 50):
                raise TimeoutError(f"{applied} of {total} events applied; logs: {workers.logs()}")
            waits.append(db.execute(WAITING).fetchone()[0])  # type: ignore[index]
            time.sleep(0.05)
    finally:
        progress.close()
        db.close()
    waiting = statistics.mean(waits) / n if waits else 0.0
    idle, busy = (b - a for a, b in zip(cpu, _cpu(), strict=True))
    peak = max(_peak_mb(pid) for pid in workers.pids())
    return Projected(n, schema, group, total, time.monotonic() - started, joined, waiting, idle / (idle + busy), peak)


class Statements:
    """What the database spent its time on during a phase (pg_stat_statements, loaded by `SERVER`):
    at a city's size, the statement whose cost grows with the city shows at the top."""

    def __init__(self, url: str) -> None:
        self._db, self._missing = psycopg.connect(url, autocommit=True), ""
        try:
            self._db.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            self._db.execute("SELECT pg_stat_statements_reset()")
        except psycopg.errors.ObjectNotInPrerequisiteState:  # a server of DATABASE_URL's, not ours
            self._missing = "not measured: pg_stat_statements is not loaded on the server of DATABASE_URL"

    def print_top(self, n: int) -> None:
        print(f"  the database's {n} costliest statements meanwhile (ms in all, calls, ms each, rows):")
        if self._missing:
            print(f"    {self._missing}")
            return
        query = """SELECT total_exec_time, calls, mean_exec_time, rows, regexp_replace(query, '\\s+', ' ', 'g')
                   FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                   ORDER BY total_exec_time DESC LIMIT %s"""
        for total, calls, mean, rows, text in self._db.execute(query, (n,)):
            text = re.sub(r"\bappraisal_scale_\w+?\.", "", text)  # the run's schema: the tables' names say enough
            print(f"    {total:9,.0f} {calls:7,} {mean:8.2f} {rows:9,}  {text[:110]}")
        self._db.close()


class Keeps:
    """The strata keeper's writes to a schema, from the server's statistics (cheap whatever the
    city): after a rebuild the keeper's first pass keeps a year's Mondays, minutes of the
    database's time at a million residents, and a phase it overlaps would measure it too."""

    def __init__(self, url: str, schema: str) -> None:
        self._db, self._schema = psycopg.connect(url, autocommit=True), schema

    def rows(self) -> int:
        self._db.execute("SELECT pg_stat_clear_snapshot()")  # else the transaction's first look is kept
        return int(self._db.execute(KEPT, (self._schema,)).fetchone()[0])  # type: ignore[index]

    def settled(self, quiet: float, limit: float = 3600) -> float:
        """Wait until the keeper has written nothing for `quiet` seconds (longer than between its
        passes); the seconds waited."""
        started = still = time.monotonic()
        seen = self.rows()
        while (now := time.monotonic()) - still < quiet and now - started < limit:
            time.sleep(1)
            if (rows := self.rows()) != seen:
                seen, still = rows, time.monotonic()
        return still - started

    def close(self) -> None:
        self._db.close()


def _peak_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    return int(next(line.split()[1] for line in status if line.startswith("VmHWM:"))) / 1024


def _cpu() -> tuple[int, int]:
    """The machine's idle and busy processor time so far, in ticks (Linux's /proc/stat)."""
    user, nice, system, idle, iowait, *rest = map(int, Path("/proc/stat").read_text().split("\n")[0].split()[1:])
    return idle + iowait, user + nice + system + sum(rest[:3])


def show(done: Projected, one: Projected | None = None) -> None:
    workers = f"{done.workers} worker{'s' if done.workers > 1 else ''}"
    print(f"  {workers}: {done.events:,} events in {done.seconds:.1f} s ({done.rate:,.0f} events/s; "
          f"{done.steady:,.0f}/s after the first commit, at {done.joined:.1f} s); waiting on a lock "
          f"{done.waiting:.0%} of the time; the machine idle {done.idle:.0%}; a worker's peak memory "
          f"{done.peak_mb:.0f} MB")  # fmt: skip
    if one:
        ratio, steady = done.rate / one.rate, done.steady / one.steady
        print(f"  2 workers against 1: {ratio:.2f}x ({steady:.2f}x after the first commit)")
        print(f"  rebuilding the appraisal from the city's events: {one.seconds:.0f} s with 1 worker, "
              f"{done.seconds:.0f} s with 2")  # fmt: skip
    else:
        print(f"  rebuilding the appraisal from the city's events: {done.seconds:.0f} s with {workers}")


def same_figures(url: str, *schemas: str, year: int) -> bool:
    """The whole city's figures as of 1 October, read from each schema as the API reads them."""
    as_of, found = datetime(year, 10, 1, tzinfo=CHINA), []
    for schema in schemas:
        engine = engine_for(AppraisalSettings(database_url=url, database_schema=schema, database_create_tables=False))
        appraising = Appraising(load_catalogue(), FiguresReader(engine, CHINA), CHINA)
        found.append(appraising.appraise(Period.parse(str(year)), as_of, as_of, CITY).appraisal.figures)
        engine.dispose()
    return all(f == found[0] for f in found)


class Official:
    """An official of the city reading the view as the year ends: "now" is 31 December, 21:00 (after
    the year's last synthetic fact), plus the time elapsed. The facts the benchmark adds are known
    at that "now" too, as live facts are: a fact known before the midnight of a read would make
    the read add up the totals by that midnight again (a late fact's cost, not a live one's)."""

    def __init__(self, url: str, token: str, year: int) -> None:
        self.http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=600)
        self.start, self.began = datetime(year, 12, 31, 21, tzinfo=CHINA), time.monotonic()
        self.year = str(year)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.began)

    def get(self, path: str, **params: Any) -> tuple[float, Any]:
        now = self.now()
        started = time.perf_counter()
        answer = self.http.get(path, params={"period": self.year, "area": CITY} | params,
                               headers={"X-Simulated-Time": now.isoformat()})  # fmt: skip
        took = time.perf_counter() - started
        if answer.status_code != 200:
            raise RuntimeError(f"GET {path} {params}: {answer.status_code} {answer.text[:500]}")
        return took, answer.json()

    def timed(self, path: str, **params: Any) -> float:
        return self.get(path, **params)[0]


def register(url: str, admin: str, official: Official, counties: list[Year]) -> None:
    """Each county's population for the year, then wait until the workers projected the register."""
    for county in counties:
        body = {"population": county.residents, "key_population": county.tagged["any"],
                "by_key_population": {t: n for t, n in county.tagged.items() if t != "any"}}  # fmt: skip
        headers = {"Authorization": f"Bearer {admin}", "Idempotency-Key": str(uuid.uuid4())}
        put = httpx.put(f"{url}/population-register/{county.year}/{county.county}", json=body, headers=headers)
        put.raise_for_status()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        coverage = official.get("/indicators", level="county", indicator="coverage")[1]["figures"]
        if len(coverage) == len(counties) and all(f["denominator"] for f in coverage):
            return
        time.sleep(0.2)
    raise TimeoutError("the population register was not projected within 60 s")


def reads(official: Official, fact: Callable[[], None], repeats: int, year: int) -> None:
    past = {"as_of": f"{year}-07-01T00:00:00+08:00"}
    asked = {"/scores": {}, "/indicators?level=county": {"level": "county"}, "/indicators": {}}
    print(f"GET …?area={CITY}&period={year} as an official of the city, the first after a new fact, then {repeats}:")
    for label, params in asked.items():
        fact()
        first = official.timed(label.split("?")[0], **params)
        again = [official.timed(label.split("?")[0], **params) for _ in range(repeats)]
        print(f"  {label:<26} first {first * 1000:7.0f} ms, then {percentiles(again)}")
    print(f"the same as of 1 July (a past as-of), the first, then {repeats}:")
    for label, params in asked.items():
        first = official.timed(label.split("?")[0], **params, **past)
        again = [official.timed(label.split("?")[0], **params, **past) for _ in range(repeats)]
        print(f"  {label:<26} first {first * 1000:7.0f} ms, then {percentiles(again)}")


class Load:
    """Visits produced at `rate` a second, a rating of the county's first team every quarter
    second among them; when each rating was handed to the producer. Each recorded as it is
    produced, as live events are: at the official's "now"."""

    def __init__(self, kafka: ServiceSettings, county: Year, rate: int, seconds: float, clock: Clock) -> None:
        self._kafka, self._county, self._rate, self._seconds, self._clock = kafka, county, rate, seconds, clock
        self.rated: list[float] = []
        self.visits = 0
        self._thread = threading.Thread(target=self._run)

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._thread.join()

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def _run(self) -> None:
        publisher, began = KafkaPublisher(self._kafka), time.monotonic()
        while (elapsed := time.monotonic() - began) < self._seconds:
            due, ratings, at = int(elapsed * self._rate), int(elapsed * 4) + 1, self._clock()
            batch = [self._visit(n, at) for n in range(self.visits, due)]
            batch += [self._rating(n, at) for n in range(len(self.rated), ratings)]
            self.rated += [time.monotonic()] * (ratings - len(self.rated))  # stamped first: counted once sent
            publisher.publish([message(d) for d in batch])
            self.visits = due
            time.sleep(0.01)
        publisher.close()

    def _rating(self, n: int, at: datetime) -> Delivery:
        """By a resident from beyond the city (a serial no county has): the first to rate the team."""
        return self._county.late_rating(100_000 + n, resident=10**9 + n, at=at)

    def _visit(self, n: int, at: datetime) -> Delivery:
        return self._county.late_visit(100_000 + n, resident=n * 7919 % self._county.residents, at=at)


def latency(official: Official, kafka: ServiceSettings, county: Year, rate: int, seconds: float) -> None:
    team = county.teams()[0]
    scope = {"area": county.county, "team": team[0], "indicator": "satisfaction"}

    def ratings() -> int:
        figures = official.get("/indicators", **scope)[1]["figures"]
        return int(next((f["denominator"] for f in figures if f["level"] == "team"), 0) or 0)

    before, seen, polls = ratings(), [], []
    with Load(kafka, county, rate, seconds, official.now) as load:
        deadline = time.monotonic() + seconds + 120
        while (not load.done or len(seen) < len(load.rated)) and time.monotonic() < deadline:
            started = time.monotonic()
            counted = ratings() - before
            answered = time.monotonic()
            polls.append(answered - started)
            seen += [answered - at for at in load.rated[len(seen) : counted]]
    every = statistics.median(polls) * 1000
    print(f"visit to figure: {load.visits:,} visits in {seconds:.0f} s ({load.visits / seconds:,.0f}/s), among them "
          f"{len(load.rated)} ratings of team {team[0]}; its satisfaction polled every {every:.0f} ms:")  # fmt: skip
    print(f"  from producing a rating to the first answer counting it ({len(seen)} seen): {percentiles(seen)}")


@contextmanager
def kafka_servers() -> Iterator[dict[str, str]]:
    """The KAFKA_* settings given, or those of a broker of our own (as the tests start it)."""
    given = {k: v for k, v in os.environ.items() if k.startswith("KAFKA_")}
    if "KAFKA_BOOTSTRAP_SERVERS" in given:
        yield given
        return
    folder = ROOT / ".local" / "kafka" / f"bench-{os.getpid()}"
    try:
        with platform_kafka(folder) as broker:
            yield broker.environment() | broker.timing()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument(
        "--counties", type=int, default=0, help=f"default: one per {COUNTY_SIZE:,} residents, two at least"
    )
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--rate", type=int, default=500, help="visits a second for the visit-to-figure latency")
    parser.add_argument("--seconds", type=float, default=20, help="how long; 0: not measured")
    parser.add_argument(
        "--settle", type=float, default=45, help="seconds the strata keeper is still before the reads; 0: no wait"
    )
    parser.add_argument(
        "--statements", type=int, default=0, help="the database's N costliest statements in the visit-to-figure phase"
    )
    parser.add_argument(
        "--interpreted", action="store_true", help="run the appraisal's sources, not its arithmetic compiled"
    )
    parser.add_argument(
        "--two-only", action="store_true", help="skip the run of one worker (at a million residents, hours alone)"
    )
    args = parser.parse_args()
    counties = city(args.residents, args.counties or max(2, -(-args.residents // COUNTY_SIZE)), args.year)
    teams = sum(len(c.teams()) for c in counties)
    how = "interpreted" if args.interpreted else "compiled"
    print(f"a city of {args.residents:,} residents in {len(counties)} counties, {teams} teams, year {args.year}; "
          f"the appraisal's arithmetic {how}")  # fmt: skip
    servers = ExitStack()
    server = servers.enter_context(postgres(ROOT / ".local" / "postgres" / "bench", keep=False, settings=SERVER))
    url = servers.enter_context(scratch_database(server, "fdcs_bench"))
    kafka_env = servers.enter_context(kafka_servers())
    kafka = ServiceSettings.model_validate({k.lower(): v for k, v in kafka_env.items()})
    keys = ROOT / ".local" / "bench-jwt"
    ensure_keys(keys)
    environment = kafka_env | {
        "DATABASE_URL": url, "LOG_LEVEL": "WARNING", "SIMULATED_CLOCK": "true",
        "AUTH_JWT_PUBLIC_KEY_FILE": str(keys / "public.pem"),
    }  # fmt: skip
    logs = ROOT / "bench" / "results"
    logs.mkdir(parents=True, exist_ok=True)
    built = None if args.interpreted else compiled.copy(ROOT)  # as the image runs the workers and the API
    one, two, api = (Processes(environment, logs, first=built) for _ in range(3))
    try:
        ensure_topics(kafka, SUBSCRIBED)
        before = ends(kafka)
        produce(kafka, counties)
        span = {where: (before.get(where, 0), end) for where, end in ends(kafka).items()}
        partitions = {t: sum(1 for topic, _ in span if topic == t.name) for t in SUBSCRIBED}
        print("partitions: " + ", ".join(f"{t.name} {n}" for t, n in partitions.items()))
        print("projection of the city's events into a fresh schema with a new consumer group:")
        alone = None if args.two_only else project(one, kafka, url, span, 1)
        if alone:
            show(alone)
            one.stop()
        pair = project(two, kafka, url, span, 2)
        show(pair, alone)
        if alone:
            same = same_figures(url, alone.schema, pair.schema, year=args.year)
            print(f"  the same figures from both schemas (the city, as of 1 October): {same}")
        keeps = Keeps(url, pair.schema)
        print(f"  the strata keeper's first pass after the catch-up: done {keeps.settled(args.settle):.0f} s later "
              f"({keeps.rows():,} rows written), the machine otherwise idle")  # fmt: skip
        service = api.start("serve", "appraisal", DATABASE_SCHEMA=pair.schema)
        assert service is not None
        official = Official(
            service, mint({"sub": "bench", "role": "official", "area": CITY, "simulation": True}, folder=keys, hours=4),
            args.year,
        )  # fmt: skip
        admin = mint({"sub": "bench", "role": "admin", "simulation": True}, folder=keys)
        register(service, admin, official, counties)
        progress, late = Group(kafka, pair.group), iter(range(1, 1_000_000))

        def fact() -> None:
            KafkaPublisher(kafka).publish([message(counties[0].late_visit(next(late), at=official.now()))])
            progress.caught_up({where: (span[where][0], end) for where, end in ends(kafka).items()}, timeout=120)

        reads(official, fact, args.repeats, args.year)
        progress.close()
        print(f"  API memory after the reads: {rss_mb(api.pids()[-1]):.0f} MB")
        if args.seconds > 0:
            kept, statements = keeps.rows(), Statements(url) if args.statements else None
            latency(official, kafka, counties[0], args.rate, args.seconds)
            print(f"  the strata keeper meanwhile: {keeps.rows() - kept:,} rows written")
            if statements is not None:
                statements.print_top(args.statements)
    finally:
        for processes in (api, two, one):
            processes.stop()
        servers.close()


if __name__ == "__main__":
    main()
