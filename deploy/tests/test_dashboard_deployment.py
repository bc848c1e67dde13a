"""The dashboard's pods get every setting it reads and start with them in production."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from deploy.tests.manifests import Obj, SecretRef, environment, named
from fdcs.dashboard.settings import DashboardSettings


@pytest.mark.parametrize("overlay", ["overlays/dev", "overlays/prod"])
def test_the_dashboard_is_deployed_with_all_its_settings(
    rendered: Callable[[str], list[Obj]], overlay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    objects = rendered(overlay)
    deployment = named(objects, "Deployment", "dashboard-api")
    assert deployment is not None
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env = environment(container, objects)
    missing = [f.upper() for f in DashboardSettings.model_fields if f.upper() not in env]
    assert missing == []
    for name, value in env.items():
        monkeypatch.setenv(name, "secret" if isinstance(value, SecretRef) else value)
    assert DashboardSettings().environment == "production"
