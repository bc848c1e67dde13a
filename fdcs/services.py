"""Every service of the platform and the processes it runs (API, relay, projection)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from shared.settings import ServiceSettings


@dataclass(frozen=True)
class Service:
    name: str
    package: str
    settings_class: str
    relays: bool = False
    projects: bool = False
    rebuilds: bool = False  # `python -m fdcs rebuild` replays its views from its own log

    def settings(self, **overrides: Any) -> ServiceSettings:
        module, cls = self.settings_class.rsplit(".", 1)
        settings: ServiceSettings = getattr(importlib.import_module(module), cls)(**overrides)
        return settings

    def bootstrap(self) -> Any:
        return importlib.import_module(f"{self.package}.bootstrap")

    @property
    def app_factory(self) -> str:
        return f"{self.package}.bootstrap:create_app"


SERVICES = {
    s.name: s
    for s in (
        Service("signing", "signing", "signing.settings.SigningSettings", relays=True, projects=True),
        Service("referral", "referral", "referral.settings.ReferralSettings", relays=True, projects=True),
        Service("billing", "billing", "billing.settings.Settings", relays=True, projects=True, rebuilds=True),
        Service("appraisal", "appraisal", "appraisal.settings.AppraisalSettings", relays=True, projects=True),
        Service("health-records", "health_records", "health_records.settings.Settings", relays=True, projects=True),
    )
}
