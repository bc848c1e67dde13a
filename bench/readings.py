"""Device readings ingested through the health-records API, in readings/s (issue 18: a city's
devices may send 5,000 readings/s).

One API process on a scratch database; `--devices` devices of hypertensive residents (linked
in process beforehand), each a keep-alive HTTP/1.1 client posting batches of `--batch` new
readings (blood pressure and heart rate, one per minute, about one in ten out of target) for
`--seconds`. Prints readings/s, batches/s and batch latency. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import sys
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), *(str(p) for p in sorted((ROOT / "services").iterdir()))]

from health_records.adapters.files.norms import load_norms  # noqa: E402
from health_records.application.commands import LinkDevice, NoteContractStarted  # noqa: E402
from health_records.application.devices import Devices, hash_secret  # noqa: E402
from health_records.application.inbound import Inbound  # noqa: E402
from health_records.bootstrap import store_for  # noqa: E402
from health_records.domain.care_events import ContractedItem, ContractedPackage, ContractStarted  # noqa: E402
from health_records.domain.devices import DeviceLinked  # noqa: E402
from health_records.settings import HealthRecordsSettings  # noqa: E402
from shared.commands import CommandContext, CommandProcessor  # noqa: E402
from shared.devkeys import ensure_keys  # noqa: E402
from shared.principal import Principal  # noqa: E402
from shared.servers import free_port  # noqa: E402
from shared.servers.postgres import postgres, scratch_database  # noqa: E402
from shared.testing.processes import Processes  # noqa: E402

PACKAGE = ContractedPackage("hypertension", (ContractedItem("hypertension_follow_up", 4),))


def seed(url: str, devices: int) -> list[tuple[str, str]]:
    """Hypertensive residents of team T1, one device each: (device id, secret)."""
    store = store_for(HealthRecordsSettings(database_url=url, database_schema="health_records"))
    processor, now = CommandProcessor(store), datetime.now(UTC)
    doctor, linked = Principal("doc-1", "family_doctor", team_id="T1"), []
    for n in range(devices):
        ref = "r_" + "".join("abcdefghijklmnopqrstuvwxyz234567"[int(c, 16)] for c in f"{n:026x}")
        day = now.date()
        started = ContractStarted(
            str(uuid.uuid4()), ref, "T1", "CHC-1", "440106", (PACKAGE,), ("hypertension",),
            day - timedelta(days=30), day + timedelta(days=335), None, now,
        )  # fmt: skip
        secret = secrets.token_urlsafe(32)
        device = DeviceLinked(str(uuid.uuid4()), ref, "bp_monitor", hash_secret(secret), "doc-1", now)
        work = [
            Inbound(load_norms()).note_contract_started(NoteContractStarted(started)),
            Devices(HealthRecordsSettings().timezone).link_device(doctor, LinkDevice(ref, device)),
        ]
        for w in work:
            processor.execute_now(w, CommandContext("bench", str(uuid.uuid4()), "f", "c", "c", now))
        linked.append((device.device_id, secret))
    processor.close()
    store.close()
    return linked


class Device:
    """One device's client: a keep-alive connection posting batches of new minutes."""

    def __init__(self, port: int, device_id: str, secret: str, batch: int) -> None:
        self.port, self.device_id, self.secret, self.batch = port, device_id, secret, batch
        self.minute = 0

    def body(self) -> bytes:
        start = datetime.now(UTC) - timedelta(days=20)
        readings = []
        for _ in range(self.batch // 3):
            at = (start + timedelta(minutes=self.minute)).isoformat()
            self.minute += 1
            high = self.minute % 10 == 0
            readings += [
                {"kind": "systolic", "value": 150 if high else 128, "unit": "mmHg", "measured_at": at},
                {"kind": "diastolic", "value": 84, "unit": "mmHg", "measured_at": at},
                {"kind": "heart_rate", "value": 72, "unit": "bpm", "measured_at": at},
            ]
        return json.dumps({"readings": readings}).encode()

    async def run(self, seconds: float, latencies: list[float], statuses: dict[int, int]) -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        sent, stop = 0, time.perf_counter() + seconds
        while time.perf_counter() < stop:
            body = self.body()
            head = (
                f"POST /devices/{self.device_id}/readings HTTP/1.1\r\nHost: bench\r\n"
                f"Authorization: Device {self.secret}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            )
            started = time.perf_counter()
            writer.write(head.encode() + body)
            status, answer = await _response(reader)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
            sent += json.loads(answer)["accepted"] if status == 200 else 0
        writer.close()
        return sent


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        length = int(value) if name.lower() == "content-length" else length
    return status, await reader.readexactly(length)


async def load(clients: list[Device], seconds: float) -> tuple[float, float, list[float], dict[int, int]]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    started = time.perf_counter()
    counts = await asyncio.gather(*(c.run(seconds, latencies, statuses) for c in clients))
    elapsed = time.perf_counter() - started
    return sum(counts) / elapsed, len(latencies) / elapsed, latencies, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=32)
    parser.add_argument("--batch", type=int, default=60, help="readings per request (3 per minute)")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    servers = ExitStack()
    server = servers.enter_context(postgres(ROOT / ".local" / "postgres" / "bench", keep=False))
    url = servers.enter_context(scratch_database(server, "fdcs_bench"))
    keys = ROOT / ".local" / "bench-jwt"
    ensure_keys(keys)
    logs = ROOT / "bench" / "results"
    logs.mkdir(parents=True, exist_ok=True)
    linked = seed(url, args.devices)
    environment = {
        "DATABASE_URL": url,
        "DATABASE_SCHEMA": "health_records",
        "LOG_LEVEL": "WARNING",
        "AUTH_JWT_PUBLIC_KEY_FILE": str(keys / "public.pem"),
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
    }
    processes = Processes(environment, logs)
    try:
        served = processes.start("serve", "health-records", HTTP_WORKERS=str(args.workers))
        assert served is not None
        port = int(served.rsplit(":", 1)[1])
        clients = [Device(port, d, s, args.batch) for d, s in linked]
        asyncio.run(load(clients, min(2.0, args.seconds)))  # warm-up: connections, caches
        rate, batches, latencies, statuses = asyncio.run(load(clients, args.seconds))
    finally:
        processes.stop()
        servers.close()
    ms = sorted(x * 1000 for x in latencies) or [0.0]
    print(
        f"devices {args.devices}, {args.batch} readings a batch, {args.workers} worker(s): "
        f"{rate:.0f} readings/s, {batches:.1f} batches/s, batch p50 {statistics.median(ms):.0f} ms, "
        f"p99 {ms[int(len(ms) * 0.99) - 1 if len(ms) > 1 else 0]:.0f} ms; statuses {statuses}"
    )


if __name__ == "__main__":
    main()
