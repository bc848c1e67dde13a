"""The settlement view at a city's size: charges, settlements and releases of a year.

Generates a synthetic city's public settlement stream (300 institutions, three payers,
twelve months; charges as contracts are signed, a settlement per ledger and month, a release
per ledger), feeds it through the view's own `apply` in batches of 500 (as the Kafka consumer
does), and times, over HTTP against the real API (`python -m fdcs serve billing`) as an
official of the city: the city's figures for the year (their first page, with the whole city's
totals) and its reconciliation, and a drill-down page (the first, one deep behind a cursor, one
figure row's). The same is done for a city of the same institutions with a tenth of the
charges, each with an API of its own, whose memory (RSS) is read after the reads: the two
differ only in the number of charges.
A benchmark, not a test: it asserts nothing and prints figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), *(str(p) for p in sorted((ROOT / "services").iterdir()))]

from billing.adapters.projections.settlement_view import SettlementView  # noqa: E402
from billing.bootstrap import engine_for  # noqa: E402
from billing.domain.periods import Calendar  # noqa: E402
from billing.settings import BillingSettings  # noqa: E402
from shared.contracts import Envelope, PublicEvent, topics  # noqa: E402
from shared.contracts.billing import ContractCharged, FeeSettled, WithheldReleased  # noqa: E402
from shared.devkeys import ensure_keys, mint  # noqa: E402
from shared.messaging import Delivery  # noqa: E402
from shared.servers import free_port  # noqa: E402
from shared.servers.postgres import postgres, scratch_database  # noqa: E402
from shared.testing.processes import Processes  # noqa: E402

CITY, YEAR = "4401", 2026
PAYERS = ("insurance_fund", "public_health_fund", "resident")


@dataclass(frozen=True)
class Size:
    charges: int = 500_000
    first: int = 50_000  # a city with these charges first, then one with `charges`
    institutions: int = 300
    repeats: int = 20
    batch: int = 500
    page: int = 500
    cities: int = 1  # of `institutions` each: 4401, 4402, … (a province's scopes)

    @classmethod
    def tiny(cls) -> Size:
        return cls(charges=3_000, first=300, institutions=6, repeats=3, page=10)


@dataclass(frozen=True)
class Api:
    url: str
    pid: int
    token: str


def institution(i: int, city: str = CITY) -> dict[str, str]:
    county = f"{city}{1 + i % 11:02d}"
    return {"institution_id": f"CHC-{county}-{i:03d}", "area_code": county, "bureau_id": f"MIB-{county}"}


def parties(i: int, payer: str, size: Size) -> dict[str, Any]:
    """Institution `i`'s, in the city of its number (the first `institutions` in CITY)."""
    where = institution(i, f"{CITY[:2]}{int(CITY[2:]) + i // size.institutions:02d}")
    return where | {"payer": payer, "bureau_id": where["bureau_id"] if payer == "insurance_fund" else None}


def stream(size: Size) -> Iterator[PublicEvent]:
    """Month by month: each contract charged by each payer, then each ledger settled (the
    figures the view only stores), and at the year's end a release per ledger."""
    contracts, institutions = size.charges // len(PAYERS), range(size.institutions * size.cities)
    per_month = contracts // 12
    for month in range(1, 13):
        period, due = f"{YEAR}-{month:02d}", dict.fromkeys(institutions, 0)
        counted = dict.fromkeys(institutions, 0)
        for n in range((month - 1) * per_month, month * per_month if month < 12 else contracts):
            i, refund = n % len(institutions), n % 50 == 0
            due[i], counted[i] = due[i] + (-3000 if refund else 9000), counted[i] + 1
            for payer in PAYERS:
                yield ContractCharged(
                    charge_id=f"ch-{n}-{payer}",
                    contract_id=f"c-{n:07d}",
                    resident_ref="r_" + f"{n:026d}".translate(str.maketrans("0123456789", "abcdefghij")),
                    contract_year=1,
                    period=period,
                    amount_fen=-3000 if refund else 9000,
                    reason="pro_rata_refund" if refund else "annual_fee",
                    charged_at=datetime(YEAR, month, 2, tzinfo=UTC),
                    **parties(i, payer, size),
                )
        for i in institutions:
            for payer in PAYERS:
                yield FeeSettled(
                    settlement_id=f"st-{period}-{payer}-{i}",
                    period=period,
                    contracts_charged=counted[i],
                    due_fen=due[i],
                    withheld_fen=0,
                    adjustments_fen=0,
                    payable_fen=due[i],
                    settled_at=datetime(YEAR, month, 28, tzinfo=UTC),
                    **parties(i, payer, size),
                )
    for i in institutions:
        for payer in PAYERS:
            yield WithheldReleased(
                release_id=f"rl-{payer}-{i}",
                appraisal_result_id=f"ar-{i}",
                appraisal_period=str(YEAR),
                withheld_fen=0,
                released_fen=0,
                forfeited_fen=0,
                released_at=datetime(YEAR, 12, 30, tzinfo=UTC),
                **parties(i, payer, size),
            )


def deliveries(events: Iterator[PublicEvent]) -> Iterator[Delivery]:
    at = datetime(YEAR, 1, 1, tzinfo=UTC)
    for event in events:
        # The view reads the parsed event and the envelope's id only.
        envelope = Envelope(id=str(uuid.uuid4()), source="/bench", type=event.TYPE, time=at, correlationid="b",
                            causationid="b", data={})  # fmt: skip
        yield Delivery(envelope, event, topics.SETTLEMENTS.name)


class Loader:
    """Applies a city's stream a batch at a time; counts the time spent inside `apply` only."""

    def __init__(self, view: SettlementView, size: Size) -> None:
        self._view, self._size = view, size
        self.events, self.charges, self.seconds = 0, 0, 0.0

    def load(self) -> None:
        batch: list[Delivery] = []
        for delivery in deliveries(stream(self._size)):
            batch.append(delivery)
            self.charges += isinstance(delivery.event, ContractCharged)
            if len(batch) == self._size.batch:
                self._apply(batch)
                batch = []
        self._apply(batch)

    def _apply(self, batch: list[Delivery]) -> None:
        started = time.perf_counter()
        self._view.apply(batch)
        self.seconds += time.perf_counter() - started
        self.events += len(batch)


def percentiles(samples: list[float]) -> str:
    p50 = statistics.median(samples) * 1000
    p99 = statistics.quantiles(samples, n=100, method="inclusive")[98] * 1000 if len(samples) > 1 else p50
    return f"p50 {p50:7.1f} ms   p99 {p99:7.1f} ms"


def timed(http: httpx.Client, repeats: int, path: str, **params: Any) -> tuple[list[float], Any]:
    samples, answer = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        answer = http.get(path, params={"period": str(YEAR), **params})
        samples.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.text
    return samples, answer.json() if answer else None


def rss_mb(pid: int) -> float:
    """The process's resident memory with its children's (a server may fork workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    kb = 0
    for each in [pid, *map(int, children)]:
        status = Path(f"/proc/{each}/status").read_text().splitlines()
        kb += int(next(line.split()[1] for line in status if line.startswith("VmRSS:")))
    return kb / 1024


def reads(api: Api, size: Size, say: Callable[[str], None]) -> dict[str, Any]:
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {api.token}"}, timeout=600) as http:
        figures, answer = timed(http, size.repeats, "/settlement-view/figures")
        reconciled, balance = timed(http, size.repeats, "/settlement-view/reconciliation")
        first, page = timed(http, size.repeats, "/settlement-view/charges", limit=size.page)
        for _ in range(10):  # ten pages in: a cursor deep into the city's charges
            on = {"period": str(YEAR), "cursor": page["next_cursor"], "limit": size.page}
            page = http.get("/settlement-view/charges", params=on).json()
        deep, _ = timed(http, size.repeats, "/settlement-view/charges", limit=size.page, cursor=page["next_cursor"])
        one = institution(0)
        row, _ = timed(http, size.repeats, "/settlement-view/charges", limit=size.page, payer="insurance_fund",
                       institution_id=one["institution_id"], **{"period": f"{YEAR}-06"})  # fmt: skip
    say(f"  figures of the city, first page of {len(answer['rows'])} rows:  {percentiles(figures)}")
    say(f"  reconciliation of the city (balanced: {balance['balanced']}):  {percentiles(reconciled)}")
    say(f"  drill-down, first page of {size.page}:  {percentiles(first)}")
    say(f"  drill-down, a page 10 pages in:  {percentiles(deep)}")
    say(f"  drill-down, one figure row's page:  {percentiles(row)}")
    rss = rss_mb(api.pid)
    say(f"  API memory after the reads: {rss:.0f} MB")
    return {"figures": figures, "rss_mb": rss, "rows": len(answer["rows"])}


def run(
    size: Size,
    settings: Callable[[str], BillingSettings],
    serve: Callable[[str], Api],
    say: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Two cities of the same institutions and year, one with a tenth of the charges, each in a
    schema of its own with an API of its own: load it, then read it. Returns each city's figures."""
    steps = []
    for charges in (size.first, size.charges):
        schema = f"billing_city_{charges}"
        city = settings(schema)
        engine = engine_for(city)
        try:
            loader = Loader(SettlementView(engine, Calendar(city.settlement_period_months), city.timezone),
                            replace(size, charges=charges))  # fmt: skip
            loader.load()
        finally:
            engine.dispose()
        rate = loader.events / loader.seconds
        say(f"{loader.charges:,} charges ({loader.events:,} events): projection {rate:,.0f} events/s")
        steps.append(reads(serve(schema), size, say) | {"charges": loader.charges, "events_per_second": rate})
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true", help="a few thousand charges (what `make test` runs)")
    parser.add_argument("--charges", type=int, default=Size.charges)
    args = parser.parse_args()
    size = Size.tiny() if args.tiny else Size(charges=args.charges, first=args.charges // 10)
    servers = ExitStack()  # PostgreSQL: DATABASE_URL's, or one of our own for this run
    server = servers.enter_context(postgres(ROOT / ".local" / "postgres" / "bench", keep=False))
    url = servers.enter_context(scratch_database(server, "fdcs_bench"))
    keys = ROOT / ".local" / "bench-jwt"
    ensure_keys(keys)
    environment = {
        "DATABASE_URL": url, "LOG_LEVEL": "WARNING",
        "AUTH_JWT_PUBLIC_KEY_FILE": str(keys / "public.pem"), "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
    }  # fmt: skip
    logs = ROOT / "bench" / "results"
    logs.mkdir(parents=True, exist_ok=True)
    processes = Processes(environment, logs)
    token = mint({"sub": "bench", "role": "official", "area": CITY}, folder=keys, hours=2)

    def serve(schema: str) -> Api:
        service = processes.start("serve", "billing", DATABASE_SCHEMA=schema)
        assert service is not None
        return Api(service, processes.pids()[-1], token)

    try:
        run(size, lambda schema: BillingSettings(database_url=url, database_schema=schema), serve)
    finally:
        processes.stop()
        servers.close()


if __name__ == "__main__":
    main()
