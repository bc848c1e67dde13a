"""Starting the platform's real processes (`python -m fdcs …`) for end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from shared.messaging.embedded import free_port

ROOT = Path(__file__).resolve().parents[2]


class Processes:
    """Each service's API, relay and projection as its own OS process, as in production."""

    def __init__(self, environment: dict[str, str], logs: Path) -> None:
        roots = [str(ROOT)] + [str(p) for p in sorted((ROOT / "services").iterdir()) if p.is_dir()]
        self._env = {**os.environ, **environment, "PYTHONPATH": os.pathsep.join(roots)}
        self._logs = logs
        self._running: list[subprocess.Popen[bytes]] = []

    def start(self, role: str, service: str, **settings: str) -> str | None:
        """Start `python -m fdcs <role> <service>`; for `serve`, returns its URL once ready."""
        env = {**self._env, **settings}
        port = None
        if role == "serve":
            port = free_port()
            env["HTTP_PORT"] = str(port)
        log = open(self._logs / f"{service}.{role}.log", "ab")  # noqa: SIM115
        self._running.append(
            subprocess.Popen(
                [sys.executable, "-m", "fdcs", role, service],
                env=env,
                stdout=log,
                stderr=log,
                cwd=ROOT,
                start_new_session=True,
            )
        )
        if port is None:
            return None
        url = f"http://127.0.0.1:{port}"
        self._wait_ready(url, service)
        return url

    def _wait_ready(self, url: str, service: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._running[-1].poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{url}/health/ready", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        log = (self._logs / f"{service}.serve.log").read_text()[-3000:]
        raise RuntimeError(f"{service} did not become ready at {url}:\n{log}")

    def stop(self) -> None:
        for process in self._running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self._running:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self._running.clear()
