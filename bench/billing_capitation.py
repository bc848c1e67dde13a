"""What billing does for each contract signed, as a year's contracts arrive: the contract's
charge and account, and the resident's coverage noted for capitation (their own stream, and
the year's roster once). Feeds `ContractSigned` events of a city's year (new residents, 300
teams of 100 institutions) through billing's consumer handler (`inputs`, batches of 500, as
the Kafka consumer hands them over) on PostgreSQL, and prints events/s for each tenth of the
year, so a cost that grows with what the year already holds shows, and the process's memory.
A benchmark, not a test: it asserts nothing.

    .venv/bin/python bench/billing_capitation.py --contracts 100000
"""

from __future__ import annotations

import argparse
import base64
import resource
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), *(str(p) for p in sorted((ROOT / "services").iterdir()))]

from billing.adapters.consumers import Inbound, inputs  # noqa: E402
from billing.bootstrap import applications, capitation_for, store_for  # noqa: E402
from billing.settings import BillingSettings  # noqa: E402
from shared.commands import CommandProcessor  # noqa: E402
from shared.contracts import Envelope, parse_event, topics  # noqa: E402
from shared.messaging import Delivery  # noqa: E402
from shared.servers.postgres import postgres, scratch_database  # noqa: E402

BATCH = 500
GOLDEN = (Path(topics.__file__).with_name("fixtures") / "signing.ContractSigned.v1.json").read_text()


def contracts(n: int) -> Iterator[Delivery]:
    """`n` residents signing through the year, each a contract of a year from that day."""
    template = Envelope.model_validate_json(GOLDEN)
    for i in range(n):
        starts = date(2026, 1, 1) + timedelta(days=i * 365 // n)
        team, institution = i % 300, i % 300 // 3
        data = template.data | {
            "contract_id": f"c-{i}",
            "resident_ref": "r_" + base64.b32encode(i.to_bytes(16, "big")).decode().lower()[:26],
            "team_id": f"T-{team}",
            "institution_id": f"CHC-{institution}",
            "starts_on": starts.isoformat(),
            "ends_on": (starts + timedelta(days=364)).isoformat(),
        }
        envelope = template.model_copy(update={"id": str(uuid.uuid4()), "subject": f"c-{i}", "data": data})
        yield Delivery(envelope, parse_event(envelope), "bench")


def run(n: int, settings: BillingSettings, say: Callable[[str], None] = print) -> list[float]:
    """Events/s for each tenth of the year's contracts."""
    processor = CommandProcessor(store_for(settings))
    charging, settlement = applications(settings)
    handler = inputs(processor, Inbound(charging, settlement, settings.timezone, capitation_for(settings)))
    arriving, rates, tenth = contracts(n), [], max(n // 10, 1)
    try:
        for done in range(0, n, tenth):
            block = [d for _, d in zip(range(min(tenth, n - done)), arriving, strict=False)]
            started = time.perf_counter()
            for at in range(0, len(block), BATCH):
                handler.handle(block[at : at + BATCH])
            rates.append(len(block) / (time.perf_counter() - started))
            say(f"contracts {done + 1:>9,} to {done + len(block):>9,}: {rates[-1]:7,.0f} events/s")
    finally:
        processor.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    say(f"{n:,} contracts: first tenth {rates[0]:,.0f} events/s, last {rates[-1]:,.0f}; peak memory {peak:,.0f} MB")
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, default=100_000)
    args = parser.parse_args()
    with ExitStack() as servers:  # PostgreSQL: DATABASE_URL's, or one of our own for this run
        server = servers.enter_context(postgres(ROOT / ".local" / "postgres" / "bench", keep=False))
        url = servers.enter_context(scratch_database(server, "fdcs_bench"))
        run(args.contracts, BillingSettings(database_url=url, database_schema="billing_bench"))


if __name__ == "__main__":
    main()
