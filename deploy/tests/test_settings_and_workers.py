"""The settings the manifests give each process are ones its settings class accepts, and
what its workers consume (from the code) is declared and granted in Kafka."""

from __future__ import annotations

import base64
import importlib
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from deploy.tests.kafka_policy import topic_violations
from deploy.tests.manifests import Obj, SecretRef, allows, environment, mounted_files, named
from deploy.tests.policy import platform_processes
from fdcs.services import SERVICES
from shared.contracts.topics import dead_letters
from shared.messaging import KafkaSubscription
from shared.servers.broker import PlatformKafka
from shared.settings import ServiceSettings

Rendered = Callable[[str], list[Obj]]
IMAGE_PACKAGES = "/opt/fdcs/lib/python3.11/site-packages/"  # where the Dockerfile installs the platform
# What the Secrets would hold: CloudNativePG's app URI, Strimzi's password, the province's key.
SECRET_VALUES = {"uri": "postgresql://app:secret@db-rw:5432/app", "password": "secret", "key": "a-provincial-key"}
SECRETS_BY_NAME = {"fdcs-personal-data-key": base64.b64encode(bytes(range(32))).decode()}  # 32 bytes


def _settings_of(
    service: str, env: dict[str, str | SecretRef], mounts: dict[str, str] | None = None, **overrides: str
) -> ServiceSettings:
    """Read from the environment, as the process reads them when it starts; paths into the
    pod's mounted files (`mounts`: mount path → local copy) point at the local copies."""
    with pytest.MonkeyPatch.context() as process:
        for name, value in env.items():
            if isinstance(value, SecretRef):
                value = SECRETS_BY_NAME.get(value.name) or SECRET_VALUES[value.key]
            else:
                value = _here(value)
            for mount_path, local in (mounts or {}).items():
                value = value.replace(mount_path, local, 1) if value.startswith(mount_path) else value
            process.setenv(name, value)
        for name, value in overrides.items():
            process.setenv(name.upper(), value)
        return SERVICES[service].settings()


@pytest.mark.parametrize("overlay", ["overlays/dev", "overlays/prod"])
def test_every_process_accepts_the_settings_the_manifests_give_it(rendered: Rendered, overlay: str) -> None:
    objects = rendered(overlay)
    for _, container, _, service in platform_processes(objects):
        settings = _settings_of(service, environment(container, objects))
        assert settings.environment == "production"
        assert settings.database_create_tables is False
        assert settings.kafka_security_protocol == "SASL_SSL"


def test_what_the_workers_consume_is_declared_and_granted(
    rendered: Rendered, broker: PlatformKafka, postgres_url: str, tmp_path: Path
) -> None:
    objects = rendered("overlays/prod")
    checked = 0
    for workload, container, role, service in platform_processes(objects):
        if role != "project":
            continue
        settings = _settings_of(
            service,
            environment(container, objects),
            mounted_files(workload, container, objects, tmp_path / workload["metadata"]["name"]),
            environment="test",
            database_url=postgres_url,
            database_schema=f"workers_{uuid.uuid4().hex[:8]}",
            **{key.lower(): value for key, value in broker.environment(service).items()},
        )
        subscriptions = [
            w for w in SERVICES[service].bootstrap().create_workers(settings) if isinstance(w, KafkaSubscription)
        ]
        user = named(objects, "KafkaUser", service)
        assert user is not None, f"no KafkaUser for {service}"
        checked += len(subscriptions)
        for subscription in subscriptions:
            assert topic_violations(objects, [subscription.group]) == []
            assert _ungranted(user, subscription) == [], f"{workload['metadata']['name']}: {service} lacks ACLs"
    assert checked, "no projection consumes Kafka: nothing was checked"


def _here(value: str) -> str:
    """A data file the image ships (in its site-packages) is read here from the package itself."""
    if not value.startswith(IMAGE_PACKAGES):
        return value
    package, _, rest = value.removeprefix(IMAGE_PACKAGES).partition("/")
    return str(Path(importlib.import_module(package).__file__ or "").parent / rest)


def _ungranted(user: Obj, subscription: KafkaSubscription) -> list[str]:
    wanted = [("topic", _named_by(t), "Read") for t in subscription.topics] + [
        ("group", subscription.group, "Read"),
        ("topic", dead_letters(subscription.group).name, "Write"),
    ]
    return [f"{op} {kind} {name}" for kind, name, op in wanted if not allows(user, kind, name, op)]


def _named_by(topic: str) -> str:
    """A topic of a subscribed pattern (`^fdcs\\.claims\\..+`: every claims source's), or the topic."""
    if not topic.startswith("^"):
        return topic
    return topic.removeprefix("^").removesuffix(".+").replace("\\.", ".") + "example"
