"""Starting the platform's real processes (`python -m fdcs …`) for end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from shared.contracts.topics import dead_letters
from shared.servers import free_port
from shared.servers.broker import PlatformKafka

ROOT = Path(__file__).resolve().parents[2]


class Processes:
    """Each service's API, relay and projection as its own OS process, as in production:
    with a broker, each runs as its service's own Kafka user, with the manifests' ACLs."""

    def __init__(
        self, environment: dict[str, str], logs: Path, broker: PlatformKafka | None = None, first: Path | None = None
    ) -> None:
        """`first`: a folder of packages found before the sources (`fdcs/compiled.py`'s build)."""
        roots = [str(ROOT)] + [str(p) for p in sorted((ROOT / "services").iterdir()) if p.is_dir()]
        roots = [str(first), *roots] if first else roots
        self._env = {**os.environ, **environment, "PYTHONPATH": os.pathsep.join(roots)}
        self._logs, self.broker = logs, broker
        self._running: list[subprocess.Popen[bytes]] = []
        self._started: dict[str, tuple[int, list[str], bool, dict[str, str], int | None]] = {}

    def start(self, role: str, service: str, replica: int = 0, **settings: str) -> str | None:
        """Start `python -m fdcs <role> <service>`; for `serve`, returns its URL once ready.
        It is named `<service>.<role>`, or `<service>.<role>.<replica>` for a further replica."""
        if self.broker:
            settings = self.broker.environment(service) | settings
            groups = [v for k, v in settings.items() if k.endswith("CONSUMER_GROUP")]
            self.broker.declare(*(dead_letters(group) for group in groups))  # as deployment declares them
        name = f"{service}.{role}" + (f".{replica}" if replica else "")
        return self._start([role, service], name, role == "serve", settings)

    def start_county(self, services: Iterable[str], run: str) -> dict[str, str]:
        """Start each service's API, relay and projection for a simulated county; its APIs' URLs by service.

        The run's own schemas and consumer groups keep it apart from any other run on the same
        PostgreSQL and broker; the simulation sets the clock (`SIMULATED_CLOCK`). The API joins the
        consumer groups too: billing's close reads how far its group has applied the inputs."""
        urls: dict[str, str] = {}
        for service in services:
            own = service.replace("-", "_")
            schema = {"DATABASE_SCHEMA": f"{own}_{run}", "SIMULATED_CLOCK": "true"}
            groups = {"CONSUMER_GROUP": f"{own}.sim-{run}", "VIEW_CONSUMER_GROUP": f"{own}.sim-view-{run}"}
            # `replica` named, else mypy would read the settings as possibly it (an int)
            urls[service] = str(self.start("serve", service, replica=0, **schema, **groups))
            self.start("relay", service, replica=0, **schema)
            self.start("project", service, replica=0, **schema, **groups)
        return urls

    def pids(self) -> list[int]:
        """The processes started, in order (a benchmark reads their memory)."""
        return [process.pid for process in self._running]

    def kafka_client(self) -> dict[str, Any]:
        """The harness's super user, to read any topic (a partner reads as itself instead)."""
        assert self.broker is not None, "these processes were started without a broker"
        return self.broker.client()

    def logs(self) -> dict[str, str]:
        """What each process wrote (stdout and stderr), by `<service>.<role>`."""
        return {log.stem: log.read_text(errors="replace") for log in sorted(self._logs.glob("*.log"))}

    def start_dashboard(self, appraisal_url: str, billing_url: str, signing_url: str, health_records_url: str) -> str:
        urls = {"APPRAISAL_URL": appraisal_url, "BILLING_URL": billing_url, "SIGNING_URL": signing_url}
        urls["HEALTH_RECORDS_URL"] = health_records_url
        urls["DASHBOARD_TOKEN_IN_LINK"] = "true"  # the test opens it with `#token=`, as `make run` prints
        url = self._start(["dashboard"], "dashboard.serve", True, urls)
        assert url is not None
        return url

    def crash(self, name: str, restart: bool = True) -> None:
        """Kill `<service>.<role>` at once (SIGKILL, as a crash or an OOM kill would), then start
        it again with the same settings, an API on the same port; returns once an API is ready."""
        index, arguments, serves, settings, port = self._started[name]
        os.killpg(self._running[index].pid, signal.SIGKILL)
        self._running[index].wait(10)
        if restart:
            self._start(arguments, name, serves, settings, port, index)

    def halt(self, name: str) -> None:
        """Stop `<service>.<role>` as Kubernetes stops a pod (SIGTERM, then wait); `resume` starts it again."""
        index = self._started[name][0]
        os.killpg(self._running[index].pid, signal.SIGTERM)
        try:
            self._running[index].wait(30)
        except subprocess.TimeoutExpired:  # as Kubernetes does after the grace period (said in the output)
            print(f"{name} did not stop within 30 s of SIGTERM: killed")
            os.killpg(self._running[index].pid, signal.SIGKILL)
            self._running[index].wait(10)

    def resume(self, name: str) -> None:
        """Start a halted `<service>.<role>` with its settings (an API on its port); returns once an API is ready."""
        index, arguments, serves, settings, port = self._started[name]
        self._start(arguments, name, serves, settings, port, index)

    def run(self, service: str, *arguments: str, **settings: str) -> str:
        """Run `python -m fdcs <arguments>` to its end as `service` would (its Kafka user); its output."""
        env = {**self._env, **(self.broker.environment(service) if self.broker else {}), **settings}
        done = subprocess.run(
            [sys.executable, "-m", "fdcs", *arguments], env=env, cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"python -m fdcs {' '.join(arguments)}: {done.stdout}{done.stderr}"
        return done.stdout + done.stderr

    def _start(  # noqa: PLR0913
        self,
        arguments: list[str],
        name: str,
        serves: bool,
        settings: dict[str, str],
        port: int | None = None,
        index: int | None = None,
    ) -> str | None:
        env = {**self._env, **settings}
        if serves:
            port = port or free_port()
            env["HTTP_PORT"] = str(port)
        log = open(self._logs / f"{name}.log", "ab")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "fdcs", *arguments],
            env=env,
            stdout=log,
            stderr=log,
            cwd=ROOT,
            start_new_session=True,
        )
        if index is None:
            index = len(self._running)
            self._running.append(process)
        else:
            self._running[index] = process
        self._started[name] = (index, arguments, serves, settings, port)
        if not serves:
            return None
        url = f"http://127.0.0.1:{port}"
        self._wait_ready(url, name, index)
        return url

    def _wait_ready(self, url: str, name: str, index: int, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._running[index].poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{url}/health/ready", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        log = (self._logs / f"{name}.log").read_text()[-3000:]
        raise RuntimeError(f"{name} did not become ready at {url}:\n{log}")

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
