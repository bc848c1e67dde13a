"""The event catalogue and the settings table, written to `docs/` from the code by `make contracts`.

Hand-written copies drifted from the code; these are rendered from the contracts, the topics,
what each service's modules publish and subscribe to, and the settings classes. A test fails
when the checked-in files are not what the code renders, so a change to an event or a setting
comes with its documentation.
"""

from __future__ import annotations

import ast
import inspect
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, get_args, get_origin

from pydantic import SecretStr
from pydantic.fields import FieldInfo

from fdcs import asyncapi
from fdcs.dashboard.settings import DashboardSettings
from fdcs.scheduler import SchedulerSettings
from fdcs.services import SERVICES
from shared.contracts import appointments, appraisal, billing, claims, health_records, referral, signing, topics
from shared.contracts.registry import PUBLIC_EVENTS, UPCASTERS
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "docs" / "events.md"
SETTINGS = ROOT / "docs" / "settings.md"
CONTRACTS = ROOT / "shared" / "contracts"
ASYNCAPI = CONTRACTS / "asyncapi.json"
_HEADER = "<!-- Written by `make contracts` (fdcs/reference.py) from the code: do not edit by hand. -->\n\n"
_PARTNER_TOPICS = {
    topics.hospital: "that hospital's own Kafka user",
    topics.bureau: "that bureau's own Kafka user",
    topics.claims: "billing (not yet: issue 19)",
    topics.dead_letters: "`python -m fdcs dead-letters <group> list`",
}
_PUBLISHERS: dict[str, ModuleType] = {
    "signing": signing,
    "health-records": health_records,
    "health-records: appointments": appointments,
    "referral": referral,
    "billing": billing,
    "appraisal": appraisal,
    "claims sources (partners)": claims,
}
# Topics partners write: who publishes them.
_PARTNER_WRITERS: dict[Callable[[str], topics.Topic], str] = {topics.claims: "that source's own Kafka user"}
# Written by a worker that publishes another service's events again, not by the service's relay.
_REKEYED_BY = {topics.CONTRACT_CHARGES.name: "billing (its router: signing's contract events, re-keyed)"}


def rendered() -> dict[Path, str]:
    return {
        EVENTS: _HEADER + events_page(),
        SETTINGS: _HEADER + settings_page(),
        ASYNCAPI: asyncapi.rendered(*_topic_users()),
    }


def write() -> list[Path]:
    pages = rendered()
    for path, text in pages.items():
        path.write_text(text)
    return list(pages)


# --- the event catalogue -------------------------------------------------------------------


def events_page() -> str:
    lines = [
        "# Event catalogue",
        "",
        "Every public event, the topic it travels on and who reads it. Each message is a CloudEvents",
        "envelope ([schema](../shared/contracts/schemas/envelope.schema.json)) whose `data` is the event;",
        "the key is the topic's key. A breaking change is a new version with an upcaster",
        "(`shared/contracts/registry.py`); see [CONTRIBUTING](../CONTRIBUTING.md).",
        "",
        "The same, machine-readable: the [AsyncAPI 3.0 document](../shared/contracts/asyncapi.json), which every",
        "service also serves at `/asyncapi.json` (and each schema at `/schemas/<type>.schema.json`), no token needed.",
        "",
        "## Topics",
        "",
        _docstring(topics),
        "",
        "| topic | key | partitions | published by | read by |",
        "|---|---|---|---|---|",
    ]
    published, read = _topic_users()
    for topic in topics.ALL:
        by, readers = _names(published.get(topic.name, [])), _names(read.get(topic.name, []))
        by = _REKEYED_BY.get(topic.name, by)
        lines.append(f"| `{topic.name}` | `{topic.key}` | {topic.partitions} | {by} | {readers} |")
    for function, readers in _PARTNER_TOPICS.items():
        example = function("<consumer group>" if function is topics.dead_letters else "<id>")
        by = _names(published.get(function.__name__, [])) if function is not topics.dead_letters else "every consumer"
        by = _PARTNER_WRITERS.get(function, by)
        lines.append(f"| `{example.name}` | `{example.key}` | {example.partitions} | {by} | {readers} |")
    lines += ["", *(f"- `{f.__name__}`: {_first_paragraph(f)}" for f in _PARTNER_TOPICS)]
    for service, module in _PUBLISHERS.items():
        lines += ["", f"## {service}", "", _docstring(module), ""]
        lines += ["| type | meaning | golden message |", "|---|---|---|"]
        for type_name, model in PUBLIC_EVENTS.items():
            if inspect.getmodule(model) is module:
                schema = f"[{type_name}](../shared/contracts/schemas/{type_name}.schema.json)"
                lines.append(f"| {schema} | {_first_paragraph(model)} | {_fixture(type_name)} |")
    lines += ["", "## Retired versions", "", "Read by upcasting to the current version.", ""]
    lines += ["| retired | current | fields dropped |", "|---|---|---|"]
    for old in sorted(UPCASTERS):
        current, dropped = _upcast_fixture(old)
        lines.append(f"| `{old}` | `{current}` | {', '.join(f'`{f}`' for f in dropped) or '—'} |")
    return "\n".join(lines) + "\n"


def _topic_users() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Topic name (or partner-topic function name) → services that publish it / subscribe to it,
    from the `topics.<NAME>` references in each service's modules (its publishing module publishes)."""
    by_constant = {name: value.name for name, value in vars(topics).items() if isinstance(value, topics.Topic)}
    published: dict[str, list[str]] = {}
    read: dict[str, list[str]] = {}
    for service, path, attribute in _topic_references():
        publishes = path.name == "publishing.py"
        if attribute in by_constant:
            users = published if publishes else read
            _add(users, by_constant[attribute], service)
        elif publishes and attribute in ("hospital", "bureau"):
            _add(published, attribute, service)
    return published, read


def _topic_references() -> Iterator[tuple[str, Path, str]]:
    for name, service in SERVICES.items():
        package = ROOT / "services" / name / service.package
        for path in sorted(package.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "topics":
                    yield name, path, node.attr


def _add(users: dict[str, list[str]], key: str, service: str) -> None:
    if service not in users.setdefault(key, []):
        users[key].append(service)


def _names(services: list[str]) -> str:
    return ", ".join(sorted(services)) or "—"


def _fixture(type_name: str) -> str:
    path = CONTRACTS / "fixtures" / f"{type_name}.json"
    return f"[fixture](../shared/contracts/fixtures/{path.name})" if path.is_file() else "—"


def _upcast_fixture(old: str) -> tuple[str, list[str]]:
    """The current type an old one upcasts to, and the fields its golden message loses on the way."""
    data = json.loads((CONTRACTS / "fixtures" / f"{old}.json").read_text())["data"]
    type_name, upcast = old, data
    while type_name in UPCASTERS:
        type_name, upcast = UPCASTERS[type_name](upcast)
    return type_name, sorted(set(data) - set(upcast))


def _docstring(thing: object) -> str:
    return " ".join(inspect.cleandoc(thing.__doc__ or "").split())


def _first_paragraph(thing: object) -> str:
    return " ".join(inspect.cleandoc(thing.__doc__ or "").split("\n\n")[0].split()).replace("|", "\\|")


# --- the settings table --------------------------------------------------------------------


def settings_page() -> str:
    lines = [
        "# Settings",
        "",
        "Every process reads its settings from environment variables (the field's name in capitals);",
        "a bad value stops it at start. The defaults are the ones `make run` uses; production sets",
        "every value from the manifests in `deploy/k8s`.",
        "",
        "## Every service (`shared/settings.py`, `ServiceSettings`)",
        "",
        *_settings_table(ServiceSettings.model_fields),
    ]
    base = ServiceSettings.model_fields
    for name, service in SERVICES.items():
        cls = type(service.settings())
        own = {
            field: info
            for field, info in cls.model_fields.items()
            if field not in base or _default(info) != _default(base[field])
        }
        lines += ["", f"## {name} (`{service.settings_class}`)", "", "Its own, and the defaults it changes:", ""]
        lines += _settings_table(own)
    lines += ["", "## The dashboard (`fdcs.dashboard.settings.DashboardSettings`)", ""]
    lines += _settings_table(DashboardSettings.model_fields)
    lines += ["", "## The scheduled jobs (`fdcs.scheduler.SchedulerSettings`)", ""]
    lines += _settings_table(SchedulerSettings.model_fields)
    return "\n".join(lines) + "\n"


def _settings_table(fields: dict[str, FieldInfo]) -> list[str]:
    rows = ["| variable | type | default | meaning |", "|---|---|---|---|"]
    for name, info in fields.items():
        shared = ServiceSettings.model_fields.get(name)
        meaning = info.description or (shared.description if shared else "") or ""
        cells = (f"`{name.upper()}`", _type(info), _default(info), meaning)
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return rows


def _type(info: FieldInfo) -> str:
    text = _annotation(info.annotation)
    limits = [_limit(item) for item in info.metadata]
    return text + "".join(f", {limit}" for limit in limits if limit)


def _annotation(annotation: Any) -> str:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if origin in (list, tuple):
        return f"list of {_annotation(args[0])}"
    if annotation is SecretStr:
        return "secret"
    return getattr(annotation, "__name__", str(annotation))


def _limit(item: object) -> str:
    for attribute, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
        value = getattr(item, attribute, None)
        if value is not None:
            return f"{sign} {value}"
    pattern = getattr(item, "pattern", None)
    return f"pattern `{pattern}`" if pattern else ""


def _default(info: FieldInfo) -> str:
    value = info.default
    if isinstance(value, SecretStr):
        return "a development key" if value.get_secret_value() else "empty"
    if isinstance(value, Path):
        return f"`{value.relative_to(ROOT) if value.is_absolute() else value}`"
    if isinstance(value, tuple | list):
        return ", ".join(f"`{v}`" for v in value) or "none"
    if value == "":
        return "empty"
    return f"`{value}`"
