"""What billing does for each contract signed, as a year's contracts arrive: the contract's
charge and account, and the resident's coverage noted for capitation (their own stream, and
the year's roster once). Feeds `ContractSigned` events of a city's year (new residents, three
teams an institution, 100 institutions or --institutions), each resident's outpatient claims
after their contract (--claims a resident, spread over their year), through billing's
consumer handler (`inputs`, batches of 500, as the Kafka consumer hands them over) on
PostgreSQL, and prints events/s for each tenth of the year, so a cost that grows with what the
year already holds shows, and the process's memory. Then the year-end job over them, as the
scheduler calls it: the year's reconciliation, a command for each institution, its time and
the peak memory it added. A benchmark, not a test: it asserts nothing.

    .venv/bin/python bench/billing_capitation.py --contracts 100000
    .venv/bin/python bench/billing_capitation.py --contracts 100000 --institutions 2   # 50,000 residents each
"""

from __future__ import annotations

import argparse
import base64
import multiprocessing
import resource
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), *(str(p) for p in sorted((ROOT / "services").iterdir()))]

from billing.adapters.consumers import Inbound, inputs  # noqa: E402
from billing.application.capitation import institution_years, institutions  # noqa: E402
from billing.bootstrap import applications, capitation_for, store_for  # noqa: E402
from billing.settings import BillingSettings  # noqa: E402
from shared.commands import CommandContext, CommandProcessor  # noqa: E402
from shared.contracts import Envelope, parse_event, topics  # noqa: E402
from shared.messaging import Delivery  # noqa: E402
from shared.servers.postgres import postgres, scratch_database  # noqa: E402

BATCH = 500
FIXTURES = Path(topics.__file__).with_name("fixtures")
SIGNED = Envelope.model_validate_json((FIXTURES / "signing.ContractSigned.v1.json").read_text())
CLAIMED = Envelope.model_validate_json((FIXTURES / "claims.ClaimRecorded.v1.json").read_text())
SOURCE = "b4401"  # the claims' source: the topic they come from


def contracts(n: int, institutions: int = 100, claims: int = 0) -> Iterator[Delivery]:
    """`n` residents signing through the year, each a contract of a year from that day, and
    `claims` outpatient claims of each at their institution, a claim a month from their start
    (those after 31 December fall in the next year), each given as its resident's next one signs."""
    waiting: list[Delivery] = []
    for i in range(n):
        starts = date(2026, 1, 1) + timedelta(days=i * 365 // n)
        team = i % (3 * institutions)
        ref, institution = "r_" + base64.b32encode(i.to_bytes(16, "big")).decode().lower()[:26], f"CHC-{team // 3}"
        data = SIGNED.data | {
            "contract_id": f"c-{i}",
            "resident_ref": ref,
            "team_id": f"T-{team}",
            "institution_id": institution,
            "starts_on": starts.isoformat(),
            "ends_on": (starts + timedelta(days=364)).isoformat(),
        }
        yield from waiting
        yield _delivery(SIGNED, f"c-{i}", data, "bench")
        waiting = [_claim(i, k, ref, institution, starts + timedelta(days=30 * k + 1)) for k in range(claims)]
    yield from waiting


def _claim(i: int, k: int, ref: str, institution: str, day: date) -> Delivery:
    data = CLAIMED.data | {
        "claim_id": f"clm-{i}-{k}",
        "institution_id": institution,
        "resident_ref": ref,
        "amount_fen": 3_000 + (i * 7 + k * 13) % 20_000,
        "service_date": day.isoformat(),
        "kind": "own_outpatient",
        "referral_id": None,
    }
    return _delivery(CLAIMED, ref, data, topics.CLAIMS_PREFIX + SOURCE)


def _delivery(template: Envelope, subject: str, data: dict[str, object], topic: str) -> Delivery:
    envelope = template.model_copy(update={"id": str(uuid.uuid4()), "subject": subject, "data": data})
    return Delivery(envelope, parse_event(envelope), topic)


def run(
    n: int, settings: BillingSettings, say: Callable[[str], None] = print, institutions: int = 100, claims: int = 0
) -> list[float]:
    """Events/s for each tenth of the year's events (contracts and claims)."""
    processor = CommandProcessor(store_for(settings))
    charging, settlement = applications(settings)
    handler = inputs(processor, Inbound(charging, settlement, settings.timezone, capitation_for(settings)))
    events = n * (1 + claims)
    arriving, rates, tenth = contracts(n, institutions, claims), [], max(events // 10, 1)
    try:
        for done in range(0, events, tenth):
            size, spent = min(tenth, events - done), 0.0
            for at in range(0, size, BATCH):
                # Each batch made as it is handed over (a tenth made at once held a gigabyte at a
                # million contracts), and only the handling timed.
                batch = [d for _, d in zip(range(min(BATCH, size - at)), arriving, strict=False)]
                started = time.perf_counter()
                handler.handle(batch)
                spent += time.perf_counter() - started
            rates.append(size / spent)
            say(f"events {done + 1:>9,} to {done + size:>9,}: {rates[-1]:7,.0f} events/s")
    finally:
        processor.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    fed = f"{n:,} contracts, {n * claims:,} claims"
    say(f"{fed}: first tenth {rates[0]:,.0f} events/s, last {rates[-1]:,.0f}; peak memory {peak:,.0f} MB")
    return rates


def reconcile(settings: BillingSettings, say: Callable[[str], None] = print) -> float:
    """The year's reconciliation once it is over, in a process of its own (what the feed left
    in this one would hide its memory): seconds, and the process's peak memory."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        took, line = pool.apply(_reconcile, (settings,))
    say(line)
    return took


def _reconcile(settings: BillingSettings) -> tuple[float, str]:
    store, capitation = store_for(settings), capitation_for(settings)
    processor, now = CommandProcessor(store), datetime(2027, 2, 1, 2, tzinfo=UTC)
    started = time.perf_counter()
    try:
        found, before = institutions(store, 2026)
        subjects = 0
        for i in found:
            context = CommandContext("bench", f"reconcile-2026/{i}", "", "bench", "bench", now)
            subjects += processor.execute_now(capitation.reconcile(2026, i, now.date(), store, before), context).result[
                "reconciled"
            ]
    finally:
        processor.close()
    took = time.perf_counter() - started
    years = institution_years(store, 2026, found, before.year).values()
    spent = sum(r.figures.spending_fen for y in years for (kind, _), r in y.latest.items() if kind == "institution")
    # VmHWM, not ru_maxrss: a spawned process's starts from its parent's at the fork.
    peak = int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]) / 1024
    return took, (
        f"the year reconciled: {subjects:,} teams and institutions of {len(found)} institutions"
        f" in {took:,.1f} s (their claims {spent / 100:,.2f} yuan); the process's peak memory {peak:,.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--institutions", type=int, default=100, help="three teams each")
    parser.add_argument("--claims", type=int, default=0, help="outpatient claims a resident")
    args = parser.parse_args()
    with ExitStack() as servers:  # PostgreSQL: DATABASE_URL's, or one of our own for this run
        server = servers.enter_context(postgres(ROOT / ".local" / "postgres" / "bench", keep=False))
        url = servers.enter_context(scratch_database(server, "fdcs_bench"))
        settings = BillingSettings(database_url=url, database_schema="billing_bench")
        run(args.contracts, settings, institutions=args.institutions, claims=args.claims)
        reconcile(settings)


if __name__ == "__main__":
    main()
