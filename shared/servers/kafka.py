"""A real Apache Kafka broker (KRaft, one node) as a child process, for the tests and `make run`.

Unlike the embedded broker it enforces SCRAM authentication and ACLs as production does, so a
service missing a right fails here rather than in production. Its jars: `kafka_jars.py`.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from confluent_kafka import KafkaException
from confluent_kafka.admin import (  # type: ignore[attr-defined]
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialAlteration,
    UserScramCredentialUpsertion,
)

from shared.servers import free_port
from shared.servers.kafka_jars import MANIFEST, install

NODE_ID = 1
# Small enough for a two-core machine running the services beside it. C1 alone (TieredStopAtLevel)
# started it in 12 s rather than 38 s at a load average of 8: C2 compiling competes for the cores.
JVM_OPTIONS = (
    "-Xms256m",
    "-Xmx768m",
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
)


@dataclass(frozen=True)
class Credentials:
    name: str
    password: str


class ApacheKafka:
    """One node that is both broker and KRaft controller, its data in `data_dir`.

    Clients connect with SASL_PLAINTEXT and SCRAM-SHA-512; `admin` is the only super user and
    is meant for the test harness (creating users, ACLs and topics), never for a service.
    """

    def __init__(self, data_dir: Path, port: int | None = None, controller_port: int | None = None) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port or free_port()
        self.controller_port = controller_port or free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        self._dumping: Path | None = None
        self.admin = Credentials("admin", self._admin_password())

    def __enter__(self) -> ApacheKafka:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    def start(self, timeout: float = 60) -> ApacheKafka:
        """Install if needed, format the storage if new, start, and wait until the admin sees it ready."""
        libs = install()
        self._write_config()
        if not (self.data_dir / "data" / "meta.properties").exists():
            self._format(libs)
        config = str(self.data_dir / "server.properties")
        command = self._java(libs, "kafka.Kafka", config, jvm=self._class_archive(libs))
        with (self.data_dir / "console.log").open("ab") as console:
            self._process = subprocess.Popen(
                command,
                stdout=console,
                stderr=console,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._pid_file.write_text(str(self._process.pid))
        try:
            self._wait_until_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def _pid_file(self) -> Path:
        return self.data_dir / "kafka.pid"

    def stop_leftover(self) -> None:
        """A broker a killed session left running on this data directory is killed (only if that
        PID is still a Kafka of this directory: a PID may have been reused since)."""
        if not self._pid_file.exists():
            return
        pid = int(self._pid_file.read_text())
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return
        if b"kafka.Kafka" in command and str(self.data_dir).encode() in command:
            os.killpg(pid, signal.SIGKILL)

    def stop(self, timeout: float = 30) -> None:
        """A clean shutdown by PID (its whole process group); SIGKILL if it takes too long."""
        self._signal(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """As a crash would: nothing flushed or closed on the way out."""
        self._signal(signal.SIGKILL, 10)

    def restart(self, timeout: float = 60) -> None:
        """The same ports and data: whatever it acknowledged before is there after."""
        self.stop()
        self.start(timeout)

    def client_config(self, credentials: Credentials) -> dict[str, Any]:
        """confluent-kafka settings for a user (the same as shared.messaging.kafka.client_config)."""
        return {
            "bootstrap.servers": self.bootstrap,
            "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "SCRAM-SHA-512",
            "sasl.username": credentials.name,
            "sasl.password": credentials.password,
            "log_level": 4,  # warnings and worse
        }

    def add_user(
        self, name: str, password: str | None = None, acls: Sequence[AclBinding] = (), timeout: float = 15
    ) -> Credentials:
        """A SCRAM user with the given ACLs, usable once this returns."""
        return self.add_users({name: acls}, {name: password or secrets.token_hex(16)}, timeout)[name]

    def add_users(
        self, acls: Mapping[str, Sequence[AclBinding]], passwords: Mapping[str, str], timeout: float = 15
    ) -> dict[str, Credentials]:
        """SCRAM users with their ACLs, in two requests (a dozen users one by one were seconds)."""
        users = {name: Credentials(name, passwords[name]) for name in acls}
        admin = self._admin_client()
        info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096)
        upserts: list[UserScramCredentialAlteration] = [
            UserScramCredentialUpsertion(u.name, info, u.password.encode()) for u in users.values()
        ]
        for future in admin.alter_user_scram_credentials(upserts, request_timeout=timeout).values():
            future.result(timeout)
        bindings = [binding for name in acls for binding in acls[name]]
        if bindings:
            for future in admin.create_acls(bindings, request_timeout=timeout).values():
                future.result(timeout)
        for name in users:
            self._wait_until_visible(admin, name, len(acls[name]), timeout)
        return users

    def _admin_client(self) -> AdminClient:
        return AdminClient(self.client_config(self.admin))

    def _admin_password(self) -> str:
        """Kept with the data: the storage is formatted with the admin's SCRAM credential once."""
        path = self.data_dir / "admin.password"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(16))
            path.chmod(0o600)
        return path.read_text().strip()

    def _write_config(self) -> None:
        path = self.data_dir / "server.properties"
        path.write_text("".join(f"{key}={value}\n" for key, value in self._config()))
        path.chmod(0o600)  # it holds the admin's password

    def _config(self) -> Iterator[tuple[str, str]]:
        admin = f'username="{self.admin.name}" password="{self.admin.password}"'
        yield from {
            "process.roles": "broker,controller",
            "node.id": str(NODE_ID),
            "controller.quorum.voters": f"{NODE_ID}@127.0.0.1:{self.controller_port}",
            "listeners": f"CLIENT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"CLIENT://{self.bootstrap}",
            "listener.security.protocol.map": "CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "CLIENT",
            # Clients: SCRAM, with credentials in the cluster's metadata. The node reaches its own
            # client listener too (transaction markers), as the super user.
            "listener.name.client.sasl.enabled.mechanisms": "SCRAM-SHA-512",
            "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
            "listener.name.client.scram-sha-512.sasl.jaas.config": (
                f"org.apache.kafka.common.security.scram.ScramLoginModule required {admin};"
            ),
            # The controller cannot use SCRAM (its credentials live in the metadata it serves), so
            # PLAIN with one static user, the same super user: an unauthenticated PLAINTEXT
            # listener would need User:ANONYMOUS as a super user, which any local process could be.
            "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
            "sasl.mechanism.controller.protocol": "PLAIN",
            "listener.name.controller.plain.sasl.jaas.config": (
                f"org.apache.kafka.common.security.plain.PlainLoginModule required {admin}"
                f' user_{self.admin.name}="{self.admin.password}";'
            ),
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "allow.everyone.if.no.acl.found": "false",
            "super.users": f"User:{self.admin.name}",
            "auto.create.topics.enable": "false",
            "log.dirs": str(self.data_dir / "data"),
            # One node: every internal topic has one replica, and few partitions start faster.
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "5",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "5",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "share.coordinator.state.topic.num.partitions": "1",
            "group.initial.rebalance.delay.ms": "0",
            # The tests and `make run` use 2 s sessions (docs/architecture.md, Kafka); the broker's floor is 6 s.
            "group.min.session.timeout.ms": "1000",
            # Threads for two cores, not for a production machine.
            "num.network.threads": "2",
            "num.io.threads": "2",
            "background.threads": "2",
            # A killed node is the same node coming back: fence its old incarnation soon.
            "broker.session.timeout.ms": "4000",
            "broker.heartbeat.interval.ms": "500",
            "log.cleaner.threads": "1",
            "num.recovery.threads.per.data.dir": "1",
        }.items()

    def _format(self, libs: Path) -> None:
        """A new cluster whose metadata already holds the admin's SCRAM credential."""
        scram = f"SCRAM-SHA-512=[name={self.admin.name},password={self.admin.password}]"
        command = self._java(libs, "kafka.tools.StorageTool", "format", "--cluster-id", _cluster_id())
        command += ["--config", str(self.data_dir / "server.properties"), "--add-scram", scram]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"formatting the Kafka storage failed:\n{done.stdout}{done.stderr}")

    def _class_archive(self, libs: Path) -> list[str]:
        """Class data sharing (AppCDS) halves the start: the first broker to stop cleanly leaves
        the classes it loaded in an archive beside the jars, which later starts map. The JVM
        ignores, with a warning on the console log, an archive that no longer matches the jars."""
        archive = libs / "classes.jsa"
        if archive.exists():
            return [f"-XX:SharedArchiveFile={archive}"]
        self._dumping = libs / f"classes.jsa.{os.getpid()}.{self.port}"
        return [f"-XX:ArchiveClassesAtExit={self._dumping}"]

    def _java(self, libs: Path, main: str, *args: str, jvm: Sequence[str] = ()) -> list[str]:
        java = shutil.which("java")
        if java is None:
            raise RuntimeError("Java is needed to run the Kafka broker")
        return [
            java,
            *JVM_OPTIONS,
            *jvm,
            f"-Dkafka.logs.dir={self.data_dir}",
            f"-Dlog4j2.configurationFile={MANIFEST / 'log4j2.properties'}",
            "-cp",
            str(libs / "*"),
            main,
            *args,
        ]

    def _wait_until_ready(self, timeout: float) -> None:
        """Until the admin, authenticated, sees this node as a broker of the cluster."""
        deadline = time.monotonic() + timeout
        while not _listening(self.port):
            self._check_running()
            if time.monotonic() > deadline:
                raise TimeoutError(f"Kafka did not listen on {self.bootstrap} within {timeout}s (see {self.log_file})")
            time.sleep(0.1)
        admin = self._admin_client()
        while True:
            self._check_running()
            try:
                if NODE_ID in admin.list_topics(timeout=1).brokers:
                    return
            except KafkaException:
                time.sleep(0.1)
            if time.monotonic() > deadline:
                raise TimeoutError(f"Kafka was not ready within {timeout}s (see {self.log_file})")

    def _wait_until_visible(self, admin: AdminClient, name: str, acls: int, timeout: float) -> None:
        """The controller has committed the user; wait until the broker that serves clients applied it."""
        deadline = time.monotonic() + timeout
        while not _user_applied(admin, name, acls, timeout):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the Kafka user {name} was not usable within {timeout}s")
            time.sleep(0.05)

    def _check_running(self) -> None:
        if self._process is None or self._process.poll() is not None:
            code = None if self._process is None else self._process.returncode
            raise RuntimeError(f"Kafka exited with code {code} (see {self.log_file} and console.log)")

    def _signal(self, first: signal.Signals, timeout: float) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, first)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        self._keep_class_archive(complete=process.returncode != -signal.SIGKILL)

    def _keep_class_archive(self, complete: bool) -> None:
        """Only a JVM that exited by itself wrote its archive whole; renaming publishes it at once."""
        dumped, self._dumping = self._dumping, None
        if dumped is not None and dumped.exists():
            if complete:
                dumped.rename(dumped.with_name("classes.jsa"))
            else:
                dumped.unlink()


def _user_applied(admin: AdminClient, name: str, acls: int, timeout: float) -> bool:
    """The broker knows the user's SCRAM credential and at least its `acls` ACLs."""
    any_name = any_host = None  # None matches any, though the stubs want a str
    its_acls = AclBindingFilter(
        ResourceType.ANY,
        any_name,  # type: ignore[arg-type]
        ResourcePatternType.ANY,
        f"User:{name}",
        any_host,  # type: ignore[arg-type]
        AclOperation.ANY,
        AclPermissionType.ANY,
    )
    try:
        credentials = admin.describe_user_scram_credentials([name])
        assert isinstance(credentials, dict)  # one future per user named
        known = bool(credentials[name].result(timeout).scram_credential_infos)
        return known and len(admin.describe_acls(its_acls).result(timeout)) >= acls
    except KafkaException:
        return False


def _cluster_id() -> str:
    """Kafka's own form (base64url, no padding); it refuses ids that would start with a dash."""
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not candidate.startswith("-"):
            return candidate


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False
