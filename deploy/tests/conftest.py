"""Each kustomization is rendered once per session; tests get deep copies to mutate freely."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from deploy.tests.manifests import APPLIED_ON_PURPOSE, OVERLAYS, Obj, render


@pytest.fixture(scope="session")
def _renderings() -> dict[str, list[Obj]]:
    return {name: render(name) for name in [f"overlays/{o}" for o in OVERLAYS] + list(APPLIED_ON_PURPOSE)}


@pytest.fixture
def rendered(_renderings: dict[str, list[Obj]]) -> Callable[[str], list[Obj]]:
    return lambda name: copy.deepcopy(_renderings[name])
