"""The OpenAPI tells every problem a route can answer, not only those its service thought of.

The shared plumbing answers problems of its own on every route of a shape: a secured route
401 and 403, a route with parameters or a body 400 (a NUL character, not JSON) and 422, a body
413 (too large), a route naming something in its path 404, a command (Idempotency-Key) 409 (a
race lost) and 422 (the key reused), an update (If-Match) 400 and 412. Each is documented here
as problem+json with its schema (FastAPI documents a 422 as plain JSON of another shape); what
a service documented itself (a description, an example) stays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from shared.web.problems import MEDIA_TYPE

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
}
_REF = {"$ref": "#/components/schemas/Problem"}
_TEXT = {
    400: "Malformed request (body, If-Match, cursor, a NUL character)",
    401: "No valid bearer token",
    403: "Not allowed for this caller",
    404: "Not found",
    409: "Refused by a rule on the current state, or a concurrent update",
    412: "If-Match names a version that is no longer current",
    413: "Request body too large",
    422: "Invalid request, or refused by a rule",
}


def problem_responses(
    *statuses: int, described: Mapping[int, str] | None = None, examples: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route or router for the problems it may answer, each as problem+json:
    `statuses` with the standard text, `described` with the service's own. `examples` gives a
    status's problem type (`team-full`) to show an example body with."""
    texts = {status: _TEXT[status] for status in statuses} | dict(described or {})
    return {status: _response(status, text, (examples or {}).get(status)) for status, text in texts.items()}


def _response(status: int, text: str, problem_type: str | None) -> dict[str, Any]:
    if problem_type is None:
        return {"description": text, "content": {MEDIA_TYPE: {}}}
    title = problem_type.replace("-", " ").capitalize()
    example = {"type": f"/problems/{problem_type}", "title": title, "status": status, "detail": "…"}
    return {"description": text, "content": {MEDIA_TYPE: {"example": example}}}


def documenting_problems(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """A replacement for `app.openapi` that completes each operation's problems (built once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
            for operation in _operations(spec):
                _document(operation)
            app.openapi_schema = spec
        return app.openapi_schema

    return openapi


def _operations(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in spec.get("paths", {}).values():
        yield from (operation for method, operation in item.items() if method != "parameters")


def _document(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for status in sorted(_problems_of(operation)):
        entry = responses.setdefault(str(status), {"description": _TEXT[status]})
        content = entry.setdefault("content", {})
        content.pop("application/json", None)  # FastAPI's 422: never what the service sends
        content.setdefault(MEDIA_TYPE, {})["schema"] = _REF


def _problems_of(operation: dict[str, Any]) -> set[int]:
    headers = {p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"}
    problems = {400, 422} if operation.get("parameters") or "requestBody" in operation else set()
    if operation.get("security"):
        problems |= {401, 403}
    if "requestBody" in operation:
        problems |= {400, 413, 422}
    if any(p["in"] == "path" for p in operation.get("parameters", [])):
        problems.add(404)
    if "idempotency-key" in headers:
        problems |= {409, 422}
    if "if-match" in headers:
        problems |= {400, 412}
    return problems
