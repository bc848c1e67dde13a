"""Where a running platform's CPU goes: for each kind of process (each service's API, relay and
projection, PostgreSQL's backends, Kafka, the simulation's client, everything else), the CPU
seconds it used over an interval and the seconds its threads waited, runnable, for a core (the
scheduler's run-queue delay, from /proc/PID/task/*/schedstat). Run beside bench/simulation.py:

    .venv/bin/python bench/cpu_share.py --seconds 20

A request's time that is neither its process's CPU nor a lock is often this wait: on a machine
whose cores are all busy, each wake-up (the API's loop when PostgreSQL answers, the backend when
a query arrives) waits for a core. Linux only.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict
from pathlib import Path

PROC = Path("/proc")
ROLES = ("serve", "relay", "project")


def kind(command: list[str]) -> str:
    """A bounded name for a process: the role and service of an FDCS process, else its program."""
    if "fdcs" in command:
        role = command[command.index("fdcs") + 1 :][:2]
        if role and role[0] in ROLES:
            return " ".join(role)
    if any(part.endswith("simulation.py") for part in command):
        return "simulation client"
    if command[0].startswith("postgres:"):
        return "postgres " + ("backend" if "(" in " ".join(command) else "server")
    if any("kafka.Kafka" in part for part in command):
        return "kafka"
    return "other " + Path(command[0]).name[:30]


def snapshot() -> dict[int, tuple[str, int, int]]:
    """Each process's kind, nanoseconds on a CPU and nanoseconds waiting for one, summed over its threads."""
    found: dict[int, tuple[str, int, int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            if not command[0]:
                continue  # a kernel thread
            ran = waited = 0
            for task in (entry / "task").iterdir():
                on_cpu, runnable, _ = (task / "schedstat").read_text().split()
                ran, waited = ran + int(on_cpu), waited + int(runnable)
        except (OSError, ValueError):
            continue  # it ended while we looked
        found[int(entry.name)] = (kind([part for part in command if part]), ran, waited)
    return found


def shares(before: dict[int, tuple[str, int, int]], after: dict[int, tuple[str, int, int]]) -> dict[str, list[float]]:
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for pid, (name, ran, waited) in after.items():
        _, ran_before, waited_before = before.get(pid, (name, 0, 0))
        totals[name][0] += (ran - ran_before) / 1e9
        totals[name][1] += (waited - waited_before) / 1e9
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    before = snapshot()
    time.sleep(args.seconds)
    totals = shares(before, snapshot())
    cores = os.cpu_count() or 1
    used = sum(ran for ran, _ in totals.values())
    print(f"{args.seconds:.0f} s: {used:.1f} CPU seconds used of {cores * args.seconds:.0f}")
    print(f"{'process':40} {'CPU s':>8} {'waited s':>9}")
    for name, (ran, waited) in sorted(totals.items(), key=lambda item: -item[1][0]):
        if ran >= 0.01:
            print(f"{name:40} {ran:8.2f} {waited:9.2f}")


if __name__ == "__main__":
    main()
