from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from appraisal.settings import AppraisalSettings
from services.appraisal.tests.appraisal_api import CITIES, Api, serving


def pytest_sessionstart(session: pytest.Session) -> None:
    """Run against the arithmetic compiled (`fdcs/compiled.py`), these tests must get it, not the sources."""
    if os.environ.get("APPRAISAL_COMPILED") == "required":
        from appraisal.domain import recomputation

        if not recomputation.__file__ or not recomputation.__file__.endswith(".so"):
            raise pytest.UsageError(f"the appraisal's arithmetic is not compiled here: {recomputation.__file__}")


@pytest.fixture
def partition_cities() -> tuple[str, ...]:
    """The cities partitioned in each test's schema; the tests of partitioning itself use Guangdong's."""
    return CITIES


@pytest.fixture
def service_settings(service_settings: Callable[..., Any], partition_cities: tuple[str, ...]) -> Callable[..., Any]:
    """The shared fixture's settings, partitioned by `partition_cities` unless a test says otherwise
    (a keyword, not the environment: the field is a tuple, and keywords are not parsed as JSON)."""

    def _settings(cls: type, **overrides: Any) -> Any:
        return service_settings(cls, **{"partition_cities": partition_cities, **overrides})

    return _settings


@pytest.fixture
def settings(service_settings: Callable[..., Any]) -> AppraisalSettings:
    made: AppraisalSettings = service_settings(AppraisalSettings)
    return made


@pytest.fixture
def api(settings: AppraisalSettings, mint_token: Callable[..., str]) -> Iterator[Api]:
    with serving(settings, mint_token) as served:
        yield served
