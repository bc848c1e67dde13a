"""Health check of the one image, whatever role the container runs.

Docker's HEALTHCHECK runs it without arguments; Kubernetes probes the API over HTTP and
runs it as an exec probe for the workers (relay, projection), which serve no HTTP but /metrics:

    python /opt/fdcs/healthcheck.py           the process is alive (serve: GET /health/live)
    python /opt/fdcs/healthcheck.py --ready   it can work (serve: GET /health/ready;
                                              workers: their database answers)
"""

from __future__ import annotations

import os
import sys
import urllib.request
from pathlib import Path

TIMEOUT_SECONDS = 3


def role_of(cmdline: list[str]) -> str:
    """`python -m fdcs serve signing` -> `serve`; anything else is a worker."""
    if "fdcs" in cmdline:
        after = cmdline[cmdline.index("fdcs") + 1 :]
        if after:
            return after[0]
    return "unknown"


def main_process_cmdline(proc: Path = Path("/proc/1/cmdline")) -> list[str]:
    return [part.decode() for part in proc.read_bytes().split(b"\0") if part]


def http_ok(port: str, path: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=TIMEOUT_SECONDS) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def database_answers(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=TIMEOUT_SECONDS) as connection:
            connection.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def healthy(role: str, ready: bool, env: dict[str, str]) -> bool:
    if role == "serve":
        return http_ok(env.get("HTTP_PORT", "8080"), "/health/ready" if ready else "/health/live")
    if ready and env.get("DATABASE_URL", "").startswith("postgres"):
        return database_answers(env["DATABASE_URL"])
    return True  # alive: this check could start inside the container, whose main process is running


if __name__ == "__main__":
    role = role_of(main_process_cmdline())
    sys.exit(0 if healthy(role, "--ready" in sys.argv[1:], dict(os.environ)) else 1)
