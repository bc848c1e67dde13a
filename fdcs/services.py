"""Every service of the platform and the processes it runs (API, relay, projection)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared.service_module import Rebuilding, Restoring, ServiceModule
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

    def bootstrap(self) -> ServiceModule[Any]:
        module: ServiceModule[Any] = importlib.import_module(f"{self.package}.bootstrap")
        return module

    def rebuilding(self) -> Rebuilding[Any] | None:
        module: Rebuilding[Any] = importlib.import_module(f"{self.package}.bootstrap")
        return module if self.rebuilds else None

    def restoring(self) -> Restoring[Any] | None:
        """The bootstrap, if it has more to do after a restore."""
        module = importlib.import_module(f"{self.package}.bootstrap")
        found: Restoring[Any] | None = module if hasattr(module, "after_restore") else None
        return found

    @property
    def app_factory(self) -> str:
        return f"{self.package}.bootstrap:create_app"


SERVICES = {
    s.name: s
    for s in (
        Service("signing", "signing", "signing.settings.SigningSettings", relays=True, projects=True),
        Service("referral", "referral", "referral.settings.ReferralSettings", relays=True, projects=True),
        Service("billing", "billing", "billing.settings.BillingSettings", relays=True, projects=True, rebuilds=True),
        Service("appraisal", "appraisal", "appraisal.settings.AppraisalSettings", relays=True, projects=True),
        Service(
            "health-records",
            "health_records",
            "health_records.settings.HealthRecordsSettings",
            relays=True,
            projects=True,
        ),
    )
}


if TYPE_CHECKING:  # each bootstrap is a ServiceModule of its settings (checked by mypy, never imported here)
    import appraisal.bootstrap
    import billing.bootstrap
    import health_records.bootstrap
    import referral.bootstrap
    import signing.bootstrap
    from appraisal.settings import AppraisalSettings
    from billing.settings import BillingSettings
    from health_records.settings import HealthRecordsSettings
    from referral.settings import ReferralSettings
    from signing.settings import SigningSettings

    _SIGNING: ServiceModule[SigningSettings] = signing.bootstrap
    _REFERRAL: ServiceModule[ReferralSettings] = referral.bootstrap
    _BILLING: ServiceModule[BillingSettings] = billing.bootstrap
    _APPRAISAL: ServiceModule[AppraisalSettings] = appraisal.bootstrap
    _HEALTH_RECORDS: ServiceModule[HealthRecordsSettings] = health_records.bootstrap
    _BILLING_REBUILDS: Rebuilding[BillingSettings] = billing.bootstrap
    _SIGNING_RESTORES: Restoring[SigningSettings] = signing.bootstrap
