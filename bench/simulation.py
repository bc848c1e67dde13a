"""The main job's speed: a simulated county's year driven through the five services' public APIs
(issue 16, item 3), on a platform of its own (PostgreSQL, Apache Kafka, each service's API,
relay and projection, as `make run` starts them). Prints the residents, the requests made (each
once however often it was tried), the tries again (the platform busy or behind), the seconds
of the year, requests/s, and the year's summary (the same for a seed whatever the speed).
A benchmark, not a test: it asserts nothing.

    .venv/bin/python bench/simulation.py --residents 2000 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), *(str(p) for p in sorted((ROOT / "services").iterdir()))]

from fdcs import compiled  # noqa: E402
from fdcs.launcher import onboard_simulated_partners, simulated_claims_source  # noqa: E402
from fdcs.services import SERVICES  # noqa: E402
from fdcs.simulation.platform import Platform  # noqa: E402
from fdcs.simulation.runner import loop_factory, simulate  # noqa: E402
from fdcs.simulation.summary import summarise  # noqa: E402
from shared.devkeys import ensure_keys  # noqa: E402
from shared.servers.broker import PlatformKafka, platform_kafka  # noqa: E402
from shared.servers.postgres import postgres, scratch_database  # noqa: E402
from shared.testing.fixtures import services_environment  # noqa: E402
from shared.testing.processes import Processes  # noqa: E402


@contextmanager
def platform(folder: Path, built: Path | None) -> Iterator[tuple[dict[str, str], PlatformKafka, Path]]:
    """Every service's API, relay and projection on PostgreSQL (DATABASE_URL's, else our own) and
    a broker of our own; the APIs' addresses, the broker and the keys tokens are signed with.
    `built`: the appraisal's arithmetic compiled, as the image runs it (`fdcs/compiled.py`)."""
    keys = folder / "jwt"
    ensure_keys(keys)
    with ExitStack() as servers:
        server = servers.enter_context(postgres(folder / "postgres", keep=False))
        url = servers.enter_context(scratch_database(server, "fdcs_bench"))
        broker = servers.enter_context(platform_kafka(folder / "kafka"))
        onboard_simulated_partners(broker)
        (folder / "logs").mkdir()
        processes = Processes(services_environment(url, broker, keys), folder / "logs", broker, first=built)
        servers.callback(processes.stop)
        yield processes.start_county(SERVICES, uuid.uuid4().hex[:8]), broker, keys


async def year(urls: dict[str, str], broker: PlatformKafka, keys: Path, args: argparse.Namespace) -> None:
    client = Platform(urls, args.seed, keys, claims=simulated_claims_source(broker))
    try:
        started = time.monotonic()
        state = await simulate(
            args.residents, args.year, args.seed, client, args.concurrency, fresh=True, quiet=True,
            checkpoints=Path(tempfile.mkdtemp(prefix="fdcs-sim-")),
        )  # fmt: skip
        took = time.monotonic() - started
        print(
            f"{args.residents:,} residents, concurrency {args.concurrency}: {client.requests:,} requests "
            f"({client.retries:,} tried again) in {took:.1f} s, {client.requests / took:,.0f} requests/s"
        )
        print(await summarise(client, state))
    finally:
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--interpreted", action="store_true", help="the appraisal's sources, not compiled")
    args = parser.parse_args()
    built = None if args.interpreted else compiled.copy(ROOT)
    folder = Path(tempfile.mkdtemp(prefix="fdcs-bench-sim-"))
    try:
        with platform(folder, built) as (urls, broker, keys), asyncio.Runner(loop_factory=loop_factory()) as runner:
            runner.run(year(urls, broker, keys, args))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
