"""The monthly settlement close over a province's ledgers, this code beside an earlier one's
(`--before`, a git ref: main by default) in the same run. For each size: ledgers (an
institution's four payers, --ledgers of them) with --charges contracts each, signed in January,
fed through billing's consumer handler on PostgreSQL, each code's close on a store of its own;
then `POST /settlement-periods/close` for January as the scheduler calls it, in a process of
its own for each code (the app in process, its route and command processor, the store on
PostgreSQL): its seconds, the process's memory before it and at its peak, the settlements
made; the close again under a new key (complete: a scheduler's retry), its seconds and the rows
it wrote; then the administrator's reopening of January, its seconds and the peak since. A
benchmark, not a test: it asserts only that both codes' closes answered alike.

    .venv/bin/python bench/billing_close.py --ledgers 2000 8000
    .venv/bin/python bench/billing_close.py --ledgers 2000 --before HEAD~3
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CODE = Path(os.environ.get("BENCH_CODE_ROOT", ROOT))  # the code a close runs: this tree's, or the earlier one
sys.path[:0] = [str(CODE), *(str(p) for p in sorted((CODE / "services").iterdir()))]

from billing.adapters.consumers import Inbound, inputs  # noqa: E402
from billing.bootstrap import applications, capitation_for, create_app, store_for  # noqa: E402
from billing.settings import BillingSettings  # noqa: E402
from shared.commands import CommandProcessor  # noqa: E402
from shared.contracts import Envelope, parse_event, topics  # noqa: E402
from shared.devkeys import ensure_keys, mint  # noqa: E402
from shared.messaging import Delivery  # noqa: E402
from shared.messaging.positions import AllApplied  # noqa: E402
from shared.servers.postgres import postgres, scratch_database  # noqa: E402

BATCH = 500
PAYERS = 4  # ledgers an institution's contracts charge: its payers'
FIXTURES = Path(topics.__file__).with_name("fixtures")
SIGNED = Envelope.model_validate_json((FIXTURES / "signing.ContractSigned.v1.json").read_text())
KEYS = ROOT / ".local" / "bench-jwt"


def signed(ledgers: int, charges: int) -> Iterator[Delivery]:
    """`charges` contracts at each institution, signed in January, an institution after another."""
    for i in range(ledgers // PAYERS):
        for k in range(charges):
            data = SIGNED.data | {
                "contract_id": f"c-{i}-{k}",
                "resident_ref": "r_" + base64.b32encode((i * charges + k).to_bytes(16, "big")).decode().lower()[:26],
                "institution_id": f"CHC-{i:05d}",
                "team_id": f"T-{i:05d}",
                "starts_on": f"2026-01-{1 + k % 28:02d}",
                "ends_on": f"2026-12-{1 + k % 28:02d}",
            }
            envelope = SIGNED.model_copy(update={"id": str(uuid.uuid4()), "subject": f"c-{i}-{k}", "data": data})
            yield Delivery(envelope, parse_event(envelope), "bench")


def fill(settings: BillingSettings, ledgers: int, charges: int) -> None:
    processor = CommandProcessor(store_for(settings))
    charging, settlement = applications(settings)
    handler = inputs(processor, Inbound(charging, settlement, settings.timezone, capitation_for(settings)))
    try:
        batch: list[Delivery] = []
        for delivery in signed(ledgers, charges):
            batch.append(delivery)
            if len(batch) == BATCH:
                handler.handle(batch)
                batch = []
        handler.handle(batch)
    finally:
        processor.close()


def close(settings: BillingSettings) -> dict[str, object]:
    """January closed as the scheduler asks, over HTTP to the app in this process."""
    from fastapi.testclient import TestClient

    ensure_keys(KEYS)
    settings = settings.model_copy(update={"auth_jwt_public_key_file": KEYS / "public.pem"})
    app = create_app(settings, clock=lambda: datetime(2026, 2, 2, 2, tzinfo=UTC))
    app.state.inputs = AllApplied()  # every input applied: the fill was
    headers = {"Authorization": f"Bearer {mint({'sub': 'bench', 'role': 'admin'}, folder=KEYS)}"}
    with TestClient(app) as client:
        before = _memory("VmRSS")
        started = time.perf_counter()
        answer = client.post(
            "/settlement-periods/close",
            json={"period": "2026-01", "as_of": "2026-02-02"},
            headers=headers | {"Idempotency-Key": "close-2026-01"},
        )
        took, peak = time.perf_counter() - started, _memory("VmHWM")
        again = _again(client, headers, app.state.store)
        started = time.perf_counter()
        reopened = client.post(
            "/settlement-periods/2026-01/reopening",
            json={"reason": "closed_too_early"},
            headers=headers | {"Idempotency-Key": "reopen-2026-01"},
        )
        reopening = time.perf_counter() - started
    found = {"status": answer.status_code, "body": answer.json(), "seconds": took, "before_mb": before}
    reopening_found = {"reopening_status": reopened.status_code, "reopening_body": reopened.json()}
    return (
        found
        | again
        | reopening_found
        | {"peak_mb": peak, "reopening_seconds": reopening, "reopening_peak_mb": _memory("VmHWM")}
    )


def _again(client: Any, headers: dict[str, str], store: Any) -> dict[str, Any]:
    """The complete close run again under a new key (a scheduler's retry): its seconds and the
    rows it wrote to the log."""
    written, started = store.last_position(), time.perf_counter()
    answer = client.post(
        "/settlement-periods/close",
        json={"period": "2026-01", "as_of": "2026-02-02"},
        headers=headers | {"Idempotency-Key": "close-2026-01-again"},
    )
    took = time.perf_counter() - started
    return {"again_status": answer.status_code, "again_seconds": took, "again_rows": store.last_position() - written}


def _memory(field: str) -> float:
    return int(Path("/proc/self/status").read_text().split(f"{field}:")[1].split()[0]) / 1024


def closed_by(code: Path, settings: BillingSettings) -> dict[str, Any]:
    """The close in a process of its own, on `code`'s billing."""
    env = os.environ | {"BENCH_CODE_ROOT": str(code), "LOG_LEVEL": "WARNING"}
    run = subprocess.run(  # this very script, in its close-only mode
        [sys.executable, __file__, "--close", json.dumps([settings.database_url, settings.database_schema])],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return found


def posting(settings: BillingSettings, institutions: int, rate: int, until: threading.Event) -> int:
    """Contracts of January signed at the institutions, `rate` a second, 20 a transaction, until
    told: the charges a close meets in a province that does not stop for it. How many posted."""
    processor = CommandProcessor(store_for(settings))
    charging, settlement = applications(settings)
    handler = inputs(processor, Inbound(charging, settlement, settings.timezone, capitation_for(settings)))
    posted, started = 0, time.perf_counter()
    try:
        while not until.wait(max(0.0, started + posted / rate - time.perf_counter())):
            batch = [_posted(posted + n, institutions) for n in range(20)]
            handler.handle(batch)
            posted += len(batch)
    finally:
        processor.close()
    return posted


def _posted(n: int, institutions: int) -> Delivery:
    data = SIGNED.data | {
        "contract_id": f"p-{n}",
        "resident_ref": "r_" + base64.b32encode((10**9 + n).to_bytes(16, "big")).decode().lower()[:26],
        "institution_id": f"CHC-{n * 7919 % institutions:05d}",  # spread over the province's ledgers
        "team_id": f"T-{n * 7919 % institutions:05d}",
        "starts_on": "2026-01-15",
        "ends_on": "2027-01-14",
    }
    envelope = SIGNED.model_copy(update={"id": str(uuid.uuid4()), "subject": f"p-{n}", "data": data})
    return Delivery(envelope, parse_event(envelope), "bench")


def closed_posting(code: Path, settings: BillingSettings, institutions: int, rate: int) -> tuple[dict[str, Any], int]:
    """The close while contracts are posted all along, from before it starts to after it ends."""
    until = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        posted = pool.submit(posting, settings, institutions, rate, until)
        try:
            found = closed_by(code, settings)
        finally:
            until.set()
        return found, posted.result()


def earlier(ref: str, into: Path) -> Path:
    """The tree of `ref` (git archive), where its close runs from."""
    tree = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(tree)) as archive:
        archive.extractall(into, filter="data")
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ledgers", type=int, nargs="+", default=[2000, 8000])
    parser.add_argument("--charges", type=int, default=3, help="contracts an institution: each charges its 4 ledgers")
    parser.add_argument("--before", default="main", help="the git ref whose close runs beside this tree's")
    parser.add_argument(
        "--posting", type=int, default=0, help="contracts a second posted all through the close and reopening"
    )
    parser.add_argument("--close", help=argparse.SUPPRESS)  # a close's own process: the settings as JSON
    args = parser.parse_args()
    if args.close:
        url, schema = json.loads(args.close)
        print(json.dumps(close(BillingSettings(database_url=url, database_schema=schema))))
        return
    with ExitStack() as stack:  # PostgreSQL: DATABASE_URL's, or one of our own for this run
        server = stack.enter_context(postgres(ROOT / ".local" / "postgres" / "bench", keep=False))
        url = stack.enter_context(scratch_database(server, "fdcs_bench"))
        before = earlier(args.before, Path(stack.enter_context(tempfile.TemporaryDirectory())))
        for ledgers in args.ledgers:
            answers = []
            for name, code in ((args.before, before), ("this tree", ROOT)):
                schema = f"billing_close_{uuid.uuid4().hex[:8]}"
                settings = BillingSettings(database_url=url, database_schema=schema)
                fill(settings, ledgers, args.charges)
                if args.posting:
                    found, posted = closed_posting(code, settings, ledgers // PAYERS, args.posting)
                    print(f"{ledgers:>6,} ledgers, {name:>9}, {posted:,} contracts posted meanwhile: {_told(found)}")
                    continue
                found = closed_by(code, settings)
                assert found["status"] == found["reopening_status"] == 200, found
                print(f"{ledgers:>6,} ledgers, {args.charges} charges each, {name:>9}: {_told(found)}", flush=True)
                answers.append(found["body"])
            assert args.posting or answers[0] == answers[1], answers


def _told(found: dict[str, Any]) -> str:
    """The close's and the reopening's figures, or their problems."""
    body, again = found["body"], found["reopening_body"]
    closed = (
        f"{body['settlements']:,} settlements, {body['payable_fen']:,} fen payable"
        if found["status"] == 200
        else f"{found['status']} {body['type']}"
    )
    reopened = f"{again['reversals']:,} reversals" if found["reopening_status"] == 200 else f"{again['type']}"
    return (
        f"the close in {found['seconds']:6.2f} s ({closed}), memory {found['before_mb']:,.0f} MB before, peak "
        f"{found['peak_mb']:,.0f} MB; again in {found['again_seconds']:6.2f} s ({found['again_rows']:,} rows "
        f"written); its reopening in {found['reopening_seconds']:6.2f} s ({reopened}), peak "
        f"{found['reopening_peak_mb']:,.0f} MB"
    )


if __name__ == "__main__":
    main()
