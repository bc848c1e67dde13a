"""Billing's charging consumers scaled out, and the router that lets them: a year's --contracts
fed through billing's consumer handler (as `billing_capitation.py` does) by one process, by two
processes splitting them as signing's topic does (by resident: before 2026-12-06, two consumers
meeting on the same institutions' ledgers and rosters, taking turns), and by two splitting them as
billing's own contracts topic does (by institution, as the router keys them: each process the
institutions of its partitions, librdkafka's CRC32 partitioner over --partitions, the range
assignor's halves). Alternated --rounds times (--modes: some of them), each on a fresh database;
prints events/s together (from the first process's start to the last one's end), each process's
rate and conflicts, and the medians side by side.

Then the router's own rate on a broker (KAFKA_* given, or one of its own as the tests start it):
the contracts published keyed by resident, re-keyed by billing's `contracts_router` (in time
order, acks=all), events/s from its first commit to its last. A benchmark, not a test.

    .venv/bin/python bench/billing_consumers.py --contracts 20000
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
import zlib
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), *(str(p) for p in sorted((ROOT / "services").iterdir()))]

from prometheus_client import REGISTRY  # noqa: E402

from bench.billing_capitation import BATCH, contracts  # noqa: E402
from bench.billing_router import router_rate  # noqa: E402
from billing.adapters.consumers import Inbound, by_institution, inputs  # noqa: E402
from billing.bootstrap import applications, capitation_for, store_for  # noqa: E402
from billing.settings import BillingSettings  # noqa: E402
from shared.commands import CommandProcessor  # noqa: E402
from shared.messaging import Delivery  # noqa: E402
from shared.servers.postgres import postgres, scratch_database  # noqa: E402

SCHEMA = "billing_bench"
MODES = {"one": 1, "two by resident": 2, "two by institution": 2}


def feed(url: str, args: argparse.Namespace, mode: str, part: int) -> tuple[int, float, float, float, float]:
    """This process's share of the year's contracts: how many, from when to when (the wall clock:
    processes together are timed from the first start to the last end, their start-up apart),
    meeting how many conflicts, on how many seconds of its CPU (the database's apart)."""
    settings = BillingSettings(database_url=url, database_schema=SCHEMA)
    processor = CommandProcessor(store_for(settings))
    charging, settlement = applications(settings)
    handler = inputs(processor, Inbound(charging, settlement, settings.timezone, capitation_for(settings)))
    mine = [d for i, d in enumerate(contracts(args.contracts, args.institutions)) if _mine(mode, part, i, d, args)]
    started, cpu = time.time(), time.process_time()
    for at in range(0, len(mine), BATCH):
        handler.handle(mine[at : at + BATCH])
    ended, cpu = time.time(), time.process_time() - cpu
    processor.close()
    return len(mine), started, ended, cpu, REGISTRY.get_sample_value("fdcs_command_conflicts_total") or 0


def _mine(mode: str, part: int, i: int, delivery: Delivery, args: argparse.Namespace) -> bool:
    if mode == "one":
        return True
    if mode == "two by resident":
        return i % 2 == part
    key = by_institution(delivery) or ""
    partition = zlib.crc32(key.encode()) % args.partitions  # librdkafka's default partitioner for a key
    return partition * 2 // args.partitions == part  # the range assignor: the first half, the second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, default=20_000)
    parser.add_argument("--institutions", type=int, default=100, help="three teams each")
    parser.add_argument("--partitions", type=int, default=6, help="of billing's contracts topic")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--modes", nargs="+", choices=list(MODES), default=list(MODES), metavar="MODE")
    args = parser.parse_args()
    rates: dict[str, list[float]] = {mode: [] for mode in args.modes}
    with ExitStack() as servers:
        server = servers.enter_context(postgres(ROOT / ".local" / "postgres" / "bench", keep=False))
        for mode in args.modes * args.rounds:
            url = servers.enter_context(scratch_database(server, "fdcs_bench"))
            store_for(BillingSettings(database_url=url, database_schema=SCHEMA)).close()  # made once, not raced
            with multiprocessing.get_context("spawn").Pool(MODES[mode]) as pool:
                fed = pool.starmap(feed, [(url, args, mode, k) for k in range(MODES[mode])])
            took = max(f[2] for f in fed) - min(f[1] for f in fed)
            rates[mode].append(sum(f[0] for f in fed) / took)
            each = ", ".join(
                f"{n:,} at {n / (e - s):,.0f}/s, {u:.0f} s CPU, {c:.0f} conflicts" for n, s, e, u, c in fed
            )
            print(f"{mode}: {rates[mode][-1]:,.0f} events/s together ({each})", flush=True)
    medians = {mode: statistics.median(r) for mode, r in rates.items()}
    print(
        f"{args.contracts:,} contracts, medians of {args.rounds}: "
        + ", ".join(f"{m} {r:,.0f}/s" for m, r in medians.items())
    )
    for mode in [m for m in args.modes if m != "one" and "one" in medians]:
        print(f"  {mode} against one: {medians[mode] / medians['one']:.2f}x")
    print(f"router: {router_rate(args.contracts, args.institutions, args.partitions):,.0f} events/s re-keyed")


if __name__ == "__main__":
    main()
