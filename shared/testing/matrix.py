"""An authorization matrix: every route of a service's app × every caller, each caller scoped to
someone else (the other team's doctor, the other hospital, the other area's official…), checked
against a table that must classify every route, so a new route cannot go unexamined.

A caller who may not reach a resource gets 401 (no valid token), or 403 or 404, and nothing of
the other party: none of its ids, names or data, and no ETag. The same refusal is given for an
id that does not exist, so a refusal does not tell that the resource is there; and nothing a
refused caller sent is recorded (the service's event log has not moved when the administrator,
last, takes its turn).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from shared.devkeys import ensure_keys, mint
from shared.principal import ROLES

Expect = Literal["denied", "refused", "scoped", "allowed", "public"]
DENIED: Expect = "denied"  # 401 without a valid token; 403 or 404 for a role; nothing of the other party
# A caller who may ask, or may read the resource, but whom a rule refuses this (a 4xx, not 401):
# a hospital's step asked by an administrator, a doctor referring a resident of another team.
REFUSED: Expect = "refused"
SCOPED: Expect = "scoped"  # served (2xx), with nothing of the other party in it
ALLOWED: Expect = "allowed"  # any answer but a refusal of access or a server error (an administrator; a directory)
PUBLIC: Expect = "public"  # served to anyone, with or without a token
# The administrator last: what it may do to the world must not change the others' cases.
CALLERS = ("anonymous", "forged", *(r for r in ROLES if r != "admin"), "admin")
STALE = '"999"'  # sent with every write: a version check before the access check would answer 412
Rules = dict[str, dict[str, Expect]]


def only(**allowed: Expect) -> dict[str, Expect]:
    """A route's expectations: the roles named are allowed as said, every other caller denied."""
    return {caller: allowed.get(caller, DENIED) for caller in CALLERS}


def public() -> dict[str, Expect]:
    return dict.fromkeys(CALLERS, PUBLIC)


# What every service's app serves to anyone (shared/web/app.py): probes, metrics, the contracts.
PLATFORM: Rules = {
    route: public()
    for route in (
        "GET /health/live",
        "GET /health/ready",
        "GET /health/outbox",
        "GET /metrics",  # counts and timings: the victim's ids must not show (checked)
        "GET /asyncapi.json",
        "GET /schemas/{name}",
    )
}
_PLATFORM_PARAMS = {"name": "envelope.schema.json"}


@dataclass
class World:
    """A service seeded with two of everything, as one party (the victim) and the other (the callers)."""

    client: TestClient
    callers: dict[str, dict[str, str]]  # caller -> headers: each role's token scoped to the other party
    params: dict[str, str]  # path parameter -> the victim's value
    unknown: dict[str, str]  # path parameter -> a value of the same shape that names nothing
    secrets: set[str]  # the victim's ids and data: never in a refusal, nor in a scoped answer
    bodies: dict[str, Any] = field(default_factory=dict)  # "METHOD /template" -> a plausible body
    queries: dict[str, dict[str, Any]] = field(default_factory=dict)  # "METHOD /template" -> query
    # "METHOD /template" -> queries naming the victim, which a scoped caller may send to look past its scope
    probes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def routes(client: TestClient) -> dict[str, APIRoute]:
    """Every route of the app, as "METHOD /template"."""
    included = iter_route_contexts(client.app.routes)  # type: ignore[attr-defined]
    found = [r for r in (context.original_route for context in included) if isinstance(r, APIRoute)]
    return {f"{method} {r.path}": r for r in found for method in sorted(r.methods or ())}


def unclassified(client: TestClient, rules: Rules) -> list[str]:
    """Routes without expectations, and expectations for routes that are gone."""
    have = set(routes(client))
    return sorted(have ^ set(PLATFORM | rules))


def run(world: World, rules: Rules) -> tuple[int, list[str]]:
    """Every route × every caller: how many cases, and what went wrong in each that failed."""
    failures: list[str] = []
    cases = 0
    before = _position(world)
    rules = PLATFORM | rules
    for caller in CALLERS:
        if caller == "admin" and _position(world) != before:
            failures.append(f"the refused callers changed the store: its log moved from {before} to {_position(world)}")
        for route in sorted(rules):
            expect = rules[route][caller]
            cases += 1
            failures += [f"{route} as {caller}: {f}" for f in check(world, route, caller, expect)]
            for asked in world.probes.get(route, []) if expect == SCOPED else []:
                cases += 1
                failures += [f"{route} {asked} as {caller}: {f}" for f in probe(world, route, caller, asked)]
    return cases, failures


def _position(world: World) -> int:
    """Where the service's event log ends: what no refused caller may move."""
    return int(world.client.app.state.store.last_position())  # type: ignore[attr-defined]


def check(world: World, route: str, caller: str, expect: Expect) -> list[str]:
    answer, sent = call(world, route, caller, world.params)
    status = answer.status_code
    if status >= 500:
        return [f"{status} {answer.text[:300]}"]
    wrong = _status(caller, expect, status)
    if wrong:
        return [f"{wrong}, got {status} {answer.text[:300]}"]
    private = expect in (DENIED, REFUSED, SCOPED)
    failures = [f"leaks {s!r}: {answer.text[:300]}" for s in leaked(world, answer, sent)] if private else []
    if expect == DENIED:
        failures += ["an ETag on a refusal"] if "etag" in answer.headers else []
        failures += _same_as_for_nothing(world, route, caller, answer)
    return failures


def probe(world: World, route: str, caller: str, asked: dict[str, Any]) -> list[str]:
    """A scoped caller asking for the other party by name is refused, or served nothing of it."""
    answer, sent = call(world, route, caller, world.params, world.queries.get(route, {}) | asked)
    if answer.status_code not in (403, 404) and not 200 <= answer.status_code < 300:
        return [f"expected a refusal or nothing of the other party, got {answer.status_code} {answer.text[:300]}"]
    return [f"leaks {s!r}: {answer.text[:300]}" for s in leaked(world, answer, sent)]


def _status(caller: str, expect: Expect, status: int) -> str | None:
    if expect in (PUBLIC, SCOPED):
        return None if 200 <= status < 300 else "expected to be served"
    if expect == ALLOWED:
        return None if status not in (401, 403) else "expected to be allowed"
    if expect == REFUSED:
        return None if 400 <= status < 500 and status != 401 else "expected a refusal"
    wanted = (401,) if caller in ("anonymous", "forged") else (403, 404)
    return None if status in wanted else f"expected {' or '.join(map(str, wanted))}"


def _same_as_for_nothing(world: World, route: str, caller: str, answer: Any) -> list[str]:
    """A refusal for the victim's resource is the refusal for one that does not exist."""
    template = route.split(" ", 1)[1]
    names = [name for name in world.unknown if "{" + name + "}" in template]
    if not names:
        return []
    other, _ = call(world, route, caller, world.params | {n: world.unknown[n] for n in names})
    if (other.status_code, _type(other)) == (answer.status_code, _type(answer)):
        return []
    return [f"refused {answer.status_code} {_type(answer)}, but {other.status_code} {_type(other)} for nothing"]


def _type(answer: Any) -> str:
    try:
        return str(answer.json().get("type"))
    except ValueError:
        return ""


def call(
    world: World, route: str, caller: str, params: dict[str, str], query: dict[str, Any] | None = None
) -> tuple[Any, str]:
    """The route called by the caller with these path parameters (and query, else the world's);
    and what the request itself said."""
    method, template = route.split(" ", 1)
    given = _PLATFORM_PARAMS | params
    path = template.format(**{name: given[name] for name in _names(template)})
    headers = dict(world.callers.get(caller, {}))
    body = world.bodies.get(route)
    if method in ("POST", "PUT", "DELETE", "PATCH"):
        headers |= {"Idempotency-Key": str(uuid.uuid4()), "If-Match": STALE}
    query = world.queries.get(route, {}) if query is None else query
    answer = world.client.request(method, path, headers=headers, json=body, params=query)
    return answer, f"{path} {query} {body}"


def _names(template: str) -> list[str]:
    return [part.split("}", 1)[0].removesuffix(":path") for part in template.split("{")[1:]]


def leaked(world: World, answer: Any, sent: str) -> list[str]:
    """The victim's secrets in the answer that the request did not itself name."""
    text = answer.text + " ".join(answer.headers.values())
    return sorted(s for s in world.secrets if s in text and s not in sent)


def callers(mint_token: Any, forged: str, claims: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Each caller's headers: a token of each role with these claims (the other party's scope),
    none for "anonymous", and for "forged" an administrator's token signed by another key."""
    made = {"anonymous": {}, "forged": _bearer(forged)}
    return made | {role: _bearer(mint_token(role, **claims.get(role, {}))) for role in ROLES}


def forged_token(folder: Path) -> str:
    ensure_keys(folder)
    return mint({"sub": "forger", "role": "admin"}, folder=folder)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
