"""Every service has one shape, so a newcomer learns one layout (CONTRIBUTING.md, "The shape").

`domain/` (pure rules), `application/` (handlers on ports), `adapters/` with a fixed vocabulary:
`http/` (routes and their bodies), `publishing.py` (internal events made public), and where the
service has them, `consumers.py` (events in), `projections/` (read models), `files/` (rules as
data read at start); then `bootstrap.py` and `settings.py` with `<Service>Settings`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fdcs.services import SERVICES, Service
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {"domain", "application", "adapters", "bootstrap.py", "settings.py"}
ADAPTERS_REQUIRED = {"__init__.py", "http", "publishing.py"}
ADAPTERS_OPTIONAL = {"consumers.py", "projections", "files"}
PACKAGES = {"domain", "application", "adapters", "adapters/http", "adapters/projections", "adapters/files"}


def entries(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name != "__pycache__"}


def package(service: Service) -> Path:
    return ROOT / "services" / service.name / service.package


@pytest.mark.parametrize("service", SERVICES.values(), ids=lambda s: s.name)
def test_the_service_has_the_one_shape(service: Service) -> None:
    root = package(service)
    assert entries(root) >= REQUIRED, f"{service.name} lacks {REQUIRED - entries(root)}"
    adapters = entries(root / "adapters")
    assert adapters >= ADAPTERS_REQUIRED, f"{service.name}/adapters lacks {ADAPTERS_REQUIRED - adapters}"
    unknown = adapters - ADAPTERS_REQUIRED - ADAPTERS_OPTIONAL
    assert not unknown, f"{service.name}/adapters has {unknown}: put it in http/, projections/, files/ or consumers.py"
    for folder in PACKAGES:
        if (root / folder).is_dir():
            assert (root / folder / "__init__.py").is_file(), f"{service.name}/{folder} is not a package"
    assert (ROOT / "services" / service.name / "README.md").is_file()
    assert (ROOT / "services" / service.name / "tests").is_dir()


@pytest.mark.parametrize("service", SERVICES.values(), ids=lambda s: s.name)
def test_settings_are_named_after_the_service(service: Service) -> None:
    name = "".join(part.capitalize() for part in service.name.split("-")) + "Settings"
    assert service.settings_class == f"{service.package}.settings.{name}"
    assert isinstance(service.settings(), ServiceSettings)


@pytest.mark.parametrize("service", SERVICES.values(), ids=lambda s: s.name)
def test_the_domain_does_no_io(service: Service) -> None:
    """Pure rules: no framework, database, broker or clock under `domain/`."""
    forbidden = ("fastapi", "sqlalchemy", "psycopg", "confluent_kafka", "httpx", "shared.messaging", "shared.web")
    for module in (package(service) / "domain").rglob("*.py"):
        tree = ast.parse(module.read_text())
        imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        bad = [m for m in imported if m.split(".")[0] in forbidden or m.startswith(forbidden)]
        assert not bad, f"{module.relative_to(ROOT)} imports {bad}"
        calls = ast.unparse(tree)
        assert "datetime.now(" not in calls and "date.today(" not in calls, f"{module.relative_to(ROOT)} reads a clock"
