"""The computations the catalogue's indicators name, and where each one's denominator comes from.

A method turns the facts seen through a window into cases; the figures add them up per
stratum. The denominator is the cases' own (`cases`), the population register's figure for
the area (`population`, `key_population`), the teams' capacity (`capacity`), or none (a count).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from appraisal.domain.ahead import Ahead, Step
from appraisal.domain.cases import Case
from appraisal.domain.facts import Facts
from appraisal.domain.indicators import appointments, chronic, contracting, effective, experience
from appraisal.domain.indicators.residents import Seen
from appraisal.domain.known import KINDS
from appraisal.domain.periods import Window

Denominator = Literal["cases", "population", "key_population", "capacity", "none"]
Compute = Callable[[Seen, Mapping[str, Any]], list[Case]]
Turns = Callable[[Seen, Mapping[str, Any]], datetime | None]
Steps = Callable[[Facts, Ahead, Mapping[str, Any]], list[Step]]
Concerns = Callable[[Facts, Mapping[str, Any]], bool]


@dataclass(frozen=True)
class Method:
    compute: Compute
    denominator: Denominator
    parameters: tuple[str, ...] = ()
    """The parameters the catalogue must give it."""
    turns: Turns | None = None
    """Beyond the day the window sees, when the passage of time alone next changes its cases
    (a later as-of with the same facts): None when only new facts or a new day can."""
    reads: frozenset[str] = frozenset(KINDS)
    """The kinds of a resident's facts its cases depend on: a new fact of another kind changes none."""
    by_contract_year: bool = False
    """Its cases are contract years, each in the period holding its last day: a visit counts in
    the year it fell in, which may end in a later period than the visit's day."""
    steps: Steps | None = None
    """Its cases of one resident as steps from an as-of on, over facts that no longer change
    (`domain/steps.py`): stated for the frequent kinds of case, faster than asking it at every turn."""
    concerns: Concerns | None = None
    """Whether a resident's facts can make any case of it (None: any facts can). Facts only
    grow, so a resident it does not concern now it concerned at no earlier moment: a new fact
    of theirs changes none of its figures, which need not be worked out (most residents are
    no chronic patient)."""


def unchanging(compute: Compute) -> Steps:
    """The steps of a method whose cases only new facts change, not the passing days: its cases at `since`, for ever."""

    def steps(facts: Facts, ahead: Ahead, p: Mapping[str, Any]) -> list[Step]:
        out: list[Step] = []
        for c in compute(Seen(facts, Window(ahead.period, ahead.since, ahead.zone)), p):
            ahead.holds(out, c.where, c.key_populations, c.numerator, c.denominator)
        return out

    return steps


_CHRONIC = ("key_population", "new_contract_days")
_CONTRACTS = frozenset({"contracts", "endings"})
_DELIVERED = _CONTRACTS | {"visits"}
_FOLLOWED = _DELIVERED | {"readings"}  # remote readings count only under a catalogue that says so
_BOOKED = frozenset({"visits", "appointments"})
METHODS: dict[str, Method] = {
    "contracts_signed": Method(
        contracting.contracts_signed, "none", reads=_CONTRACTS, steps=contracting.contracts_signed_steps
    ),
    "coverage": Method(contracting.coverage, "population", reads=_CONTRACTS, steps=contracting.coverage_steps),
    "key_population_coverage": Method(
        contracting.key_population_coverage,
        "key_population",
        reads=_CONTRACTS,
        steps=contracting.key_population_coverage_steps,
    ),
    "workload": Method(
        contracting.workload,
        "capacity",
        ("default_doctor_cap",),
        reads=_CONTRACTS,
        steps=contracting.workload_steps,
    ),
    "renewal_rate": Method(effective.renewal_rate, "cases", reads=_CONTRACTS, steps=effective.renewal_steps),
    "effective_contracting": Method(
        effective.effective_contracting,
        "cases",
        reads=_DELIVERED,
        by_contract_year=True,
        steps=effective.effective_steps,
    ),
    "package_fulfilment": Method(
        effective.package_fulfilment,
        "cases",
        reads=_DELIVERED,
        by_contract_year=True,
        steps=effective.package_steps,
    ),
    "follow_up": Method(
        chronic.follow_up,
        "cases",
        (*_CHRONIC, "item", "follow_ups_per_year"),
        reads=_FOLLOWED,
        steps=chronic.follow_up_steps,
        concerns=chronic.patient,
    ),
    "control": Method(
        chronic.control,
        "cases",
        (*_CHRONIC, "below"),
        reads=_FOLLOWED,
        steps=chronic.control_steps,
        concerns=chronic.patient,
    ),
    "referral_timeliness": Method(
        experience.referral_timeliness,
        "cases",
        ("target_hours",),
        experience.timeliness_turns,
        reads=frozenset({"referrals"}),
        steps=experience.timeliness_steps,
    ),
    "satisfaction": Method(
        experience.satisfaction,
        "cases",
        ("good_from",),
        reads=frozenset({"ratings"}),
        steps=experience.satisfaction_steps,
    ),
    "booked_visits": Method(appointments.booked_visits, "cases", reads=_BOOKED, steps=appointments.booked_steps),
    "waiting_days": Method(appointments.waiting_days, "cases", reads=_BOOKED, steps=appointments.waiting_steps),
    "priority_appointments": Method(
        appointments.priority_appointments,
        "cases",
        reads=frozenset({"referrals"}),
        steps=unchanging(appointments.priority_appointments),
    ),
    "long_prescriptions": Method(experience.long_prescriptions, "none", reads=frozenset({"care"})),
    "family_sickbeds": Method(experience.family_sickbeds, "none", reads=frozenset({"care"})),
}
