"""Billing's contracts consumer scaled out: one process feeding a year's --contracts through
billing's consumer handler (as `billing_capitation.py` does), against two processes feeding
half each at once (split by resident, as a topic's partitions by resident key would), on the
same store, alternated --rounds times, each on a fresh database. Two consumers write the same
ledgers (an institution's, a payer's) and the same rosters, so they conflict: the command
processor's turns (`shared/commands/processor.py`) keep that from collapsing. Prints events/s
together and each process's conflicts. A benchmark, not a test: it asserts nothing.

    .venv/bin/python bench/billing_consumers.py --contracts 20000
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), *(str(p) for p in sorted((ROOT / "services").iterdir()))]

from prometheus_client import REGISTRY  # noqa: E402

from bench.billing_capitation import BATCH, contracts  # noqa: E402
from billing.adapters.consumers import Inbound, inputs  # noqa: E402
from billing.bootstrap import applications, capitation_for, store_for  # noqa: E402
from billing.settings import BillingSettings  # noqa: E402
from shared.commands import CommandProcessor  # noqa: E402
from shared.servers.postgres import postgres, scratch_database  # noqa: E402

SCHEMA = "billing_bench"


def feed(url: str, n: int, institutions: int, part: int, parts: int) -> tuple[int, float, float]:
    """This process's share of the year's contracts: how many, in how long, meeting how many conflicts."""
    settings = BillingSettings(database_url=url, database_schema=SCHEMA)
    processor = CommandProcessor(store_for(settings))
    charging, settlement = applications(settings)
    handler = inputs(processor, Inbound(charging, settlement, settings.timezone, capitation_for(settings)))
    mine = [d for i, d in enumerate(contracts(n, institutions)) if i % parts == part]
    started = time.perf_counter()
    for at in range(0, len(mine), BATCH):
        handler.handle(mine[at : at + BATCH])
    took = time.perf_counter() - started
    processor.close()
    return len(mine), took, REGISTRY.get_sample_value("fdcs_command_conflicts_total") or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, default=20_000)
    parser.add_argument("--institutions", type=int, default=100, help="three teams each")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rates: dict[int, list[float]] = {1: [], 2: []}
    with ExitStack() as servers:
        server = servers.enter_context(postgres(ROOT / ".local" / "postgres" / "bench", keep=False))
        for parts in [1, 2] * args.rounds:
            url = servers.enter_context(scratch_database(server, "fdcs_bench"))
            store_for(BillingSettings(database_url=url, database_schema=SCHEMA)).close()  # made once, not raced
            started = time.perf_counter()
            with multiprocessing.get_context("spawn").Pool(parts) as pool:
                fed = pool.starmap(feed, [(url, args.contracts, args.institutions, k, parts) for k in range(parts)])
            rates[parts].append(sum(n for n, _, _ in fed) / (time.perf_counter() - started))
            each = ", ".join(f"{n / took:,.0f}/s with {c:.0f} conflicts" for n, took, c in fed)
            print(f"{parts} consumer(s): {rates[parts][-1]:,.0f} events/s together ({each})", flush=True)
    ratios = ", ".join(f"{two / one:.2f}" for one, two in zip(rates[1], rates[2], strict=True))
    print(f"{args.contracts:,} contracts: two consumers against one, by round: {ratios}")


if __name__ == "__main__":
    main()
