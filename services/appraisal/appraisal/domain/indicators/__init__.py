"""The computations the catalogue's indicators name, and where each one's denominator comes from.

A method turns the facts seen through a window into cases; the figures add them up per
stratum. The denominator is the cases' own (`cases`), the population register's figure for
the area (`population`, `key_population`), the teams' capacity (`capacity`), or none (a count).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from appraisal.domain.cases import Case
from appraisal.domain.facts import Facts
from appraisal.domain.indicators import chronic, contracting, effective, experience
from appraisal.domain.periods import Window

Denominator = Literal["cases", "population", "key_population", "capacity", "none"]
Compute = Callable[[Facts, Window, Mapping[str, Any]], list[Case]]


@dataclass(frozen=True)
class Method:
    compute: Compute
    denominator: Denominator
    parameters: tuple[str, ...] = ()
    """The parameters the catalogue must give it."""


_CHRONIC = ("key_population", "new_contract_days")
METHODS: dict[str, Method] = {
    "contracts_signed": Method(contracting.contracts_signed, "none"),
    "coverage": Method(contracting.coverage, "population"),
    "key_population_coverage": Method(contracting.key_population_coverage, "key_population"),
    "workload": Method(contracting.workload, "capacity", ("default_doctor_cap",)),
    "renewal_rate": Method(effective.renewal_rate, "cases"),
    "effective_contracting": Method(effective.effective_contracting, "cases"),
    "package_fulfilment": Method(effective.package_fulfilment, "cases"),
    "follow_up": Method(chronic.follow_up, "cases", (*_CHRONIC, "item", "follow_ups_per_year")),
    "control": Method(chronic.control, "cases", (*_CHRONIC, "below")),
    "referral_timeliness": Method(experience.referral_timeliness, "cases", ("target_hours",)),
    "satisfaction": Method(experience.satisfaction, "cases", ("good_from",)),
    "long_prescriptions": Method(experience.long_prescriptions, "none"),
    "family_sickbeds": Method(experience.family_sickbeds, "none"),
}
