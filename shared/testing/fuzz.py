"""Property-based fuzzing of a service's OpenAPI (Schemathesis), in process, bounded and deterministic.

Every operation of the app's own OpenAPI gets `examples` generated requests (schema-valid ones,
then a few that break the schema), each sent with the token of one of the given callers; half
of them carry the ids of things the test seeded (`known`: a path or query parameter, or a
top-level body field, of that name), so they reach past a 404 into the handlers. Every response
is checked: no server error, and status, content type, headers and body as the OpenAPI
documents them. Generation is derandomized (the same requests on every run) and has no
deadline; the tally says how many requests were sent and how many were server errors.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.generation.feedback import NO_FEEDBACK
from schemathesis.python import asgi

EXAMPLES = 25
"""Schema-valid requests per operation (and a third as many invalid ones): about 2,500 requests
and 45 s for the five services on the 2-core development machine."""
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]


@dataclass
class Tally:
    """What a run sent and what went wrong: a failure per operation and check, with its reproduction."""

    requests: int = 0
    server_errors: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)

    def summary(self) -> str:
        answered = ", ".join(f"{status}: {count}" for status, count in sorted(self.statuses.items()))
        return (
            f"{self.requests} requests, {self.server_errors} server errors, {len(self.failures)} failures ({answered})"
        )

    def verdict(self) -> str:
        """Every failure with its reproduction (curl), for the assertion's message."""
        return "\n".join(f"{where}\n{report}" for where, report in self.failures.items())


class Fuzzer:
    """An app served in process (its lifespan started once), with a client to seed it first."""

    def __init__(self, app: Any, client: requests.Session) -> None:
        self.schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        self.client = client

    def run(self, callers: Sequence[Mapping[str, str]], known: Mapping[str, str], examples: int = EXAMPLES) -> Tally:
        tally = Tally()
        for result in self.schema.get_all_operations():
            if isinstance(result, Err):
                raise result.err()
            operation = result.ok()
            for mode, count in ((GenerationMode.POSITIVE, examples), (GenerationMode.NEGATIVE, max(1, examples // 3))):
                self._fuzz(operation, mode, count, callers, known, tally)
        return tally

    def _fuzz(  # noqa: PLR0913
        self,
        operation: Any,
        mode: GenerationMode,
        examples: int,
        callers: Sequence[Mapping[str, str]],
        known: Mapping[str, str],
        tally: Tally,
    ) -> None:
        # No constants mined from the app's source: their order follows the interpreter's hash seed,
        # and the same requests on every run matter more here than the few branches they reach.
        drawn = st.tuples(
            operation.as_strategy(generation_mode=mode, feedback=NO_FEEDBACK), st.sampled_from(callers), st.booleans()
        )

        @hypothesis.settings(
            max_examples=examples,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        @hypothesis.given(drawn)
        def attempt(draw: tuple[Any, Mapping[str, str], bool]) -> None:
            case, caller, real = draw
            if real:
                _use_known(case, known)
            self._send(case, dict(caller), f"{operation.label} [{mode.value}]", tally)

        try:
            attempt()
        except hypothesis.errors.Unsatisfiable:
            if mode is GenerationMode.POSITIVE:
                raise  # else an operation with nothing to get wrong (no parameters, no body)

    def _send(self, case: Any, caller: dict[str, str], where: str, tally: Tally) -> None:
        tally.requests += 1
        try:
            response = case.call(session=self.client, headers=caller)
        except Exception as crash:  # the app raised: the caller got a 500 (the server's, or ours)
            tally.server_errors += 1
            tally.statuses[500] += 1
            notes = getattr(crash, "__notes__", [])  # how to reproduce it (curl)
            tally.failures.setdefault(f"{where} {type(crash).__name__}", "\n".join([repr(crash), *notes]))
            return
        tally.statuses[response.status_code] += 1
        tally.server_errors += response.status_code >= 500
        try:
            case.validate_response(response, checks=CHECKS, headers=caller)
        except FailureGroup as failed:
            for failure in failed.exceptions:
                tally.failures.setdefault(f"{where} {type(failure).__name__}", str(failed))


def _use_known(case: Any, known: Mapping[str, str]) -> None:
    for container in (case.path_parameters, case.query, case.body):
        if isinstance(container, dict):
            container.update({name: known[name] for name in container.keys() & known.keys()})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def fuzzing(app: Any) -> Iterator[Fuzzer]:
    """The app's lifespan runs while the block does (its store and processor are then closed)."""
    try:
        with asgi.get_client(app) as client:
            yield Fuzzer(app, client)
    finally:
        asgi.shutdown_lifespans()
