"""Facts for the appraisal's tests, written the way a reader would state them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from appraisal.adapters.files.catalogue import load_catalogue
from appraisal.domain.appraisal import Appraisal, appraise
from appraisal.domain.facts import (
    CareFact,
    ContractFact,
    Ending,
    Facts,
    Item,
    Measurement,
    PopulationFigure,
    RatingFact,
    ReferralStep,
    TeamFact,
    VisitFact,
    Where,
)
from appraisal.domain.figures import Figure
from appraisal.domain.periods import Period, Window
from appraisal.domain.strata import Stratum

ZONE = ZoneInfo("Asia/Shanghai")
CATALOGUE = load_catalogue()
T1 = Where("T1", "I1", "440106")
T2 = Where("T2", "I1", "440106")
T3 = Where("T3", "I2", "440107")
BASIC = (Item("health_record_update", 1), Item("health_assessment", 1), Item("health_education", 2))
HYPERTENSION = (Item("hypertension_follow_up", 4), Item("health_check", 1))
DIABETES = (Item("diabetes_follow_up", 4), Item("health_check", 1))


def at(day: str, hour: int = 10) -> datetime:
    """A local time in China on that day."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=ZONE)


def window(period: str = "2026", as_of: str = "2027-01-15") -> Window:
    return Window(Period.parse(period), at(as_of, 0), ZONE)


def contract(  # noqa: PLR0913
    contract_id: str,
    resident: str,
    starts: str = "2025-03-01",
    where: Where = T1,
    items: tuple[Item, ...] = BASIC,
    tags: tuple[str, ...] = (),
    years: int = 1,
    lives_in: str | None = None,
    renews: str | None = None,
    signed: str | None = None,
) -> ContractFact:
    first = date.fromisoformat(starts)
    return ContractFact(
        contract_id,
        resident,
        lives_in or where.area_code + "001",
        where,
        items,
        tags,
        first,
        first.replace(year=first.year + years) - timedelta(days=1),
        at(signed or starts),
        renews,
    )


def terminated(c: ContractFact, last_day: str, reason: str = "moved_away") -> ContractFact:
    return replace(c, ending=Ending("terminated", date.fromisoformat(last_day), reason))


def visit(
    visit_id: str, resident: str, contract_id: str | None, on: str, *fulfils: str, where: Where = T1, **readings: float
) -> VisitFact:
    measured = tuple(Measurement(kind, value) for kind, value in readings.items())
    return VisitFact(visit_id, resident, contract_id, where, fulfils, measured, at(on))


def rating(rating_id: str, resident: str, on: str, scores: tuple[int, int, int], where: Where = T1) -> RatingFact:
    return RatingFact(rating_id, resident, where, *scores, at(on))


def step(  # noqa: PLR0913
    referral_id: str, name: str, issued: datetime, at_: datetime, priority: str | None = None, where: Where = T1
) -> ReferralStep:
    return ReferralStep(referral_id, name, "r_" + referral_id, where, issued, at_, priority)


def care(kind: str, ref: str, on: str, where: Where = T1) -> CareFact:
    return CareFact(kind, ref, "r_" + ref, where, date.fromisoformat(on))


def team(where: Where, *caps: int | None) -> TeamFact:
    return TeamFact(where, caps)


def population(area: str, people: int, key: int, year: int = 2026, **by_tag: int) -> PopulationFigure:
    return PopulationFigure(area, year, people, key, tuple(sorted(by_tag.items())))


def appraised(facts: Facts, period: str = "2026", as_of: str = "2027-01-15") -> Appraisal:
    w = window(period, as_of)
    return appraise(CATALOGUE.for_period(w.period), facts, w)


def figure(  # noqa: PLR0913
    indicator: str,
    facts: Facts,
    level: str = "team",
    stratum: str = "T1",
    key_population: str = "",
    period: str = "2026",
    as_of: str = "2027-01-15",
) -> Figure:
    wanted = Stratum(level, stratum, key_population)
    found = [f for f in appraised(facts, period, as_of).figures if f.indicator_id == indicator and f.stratum == wanted]
    assert found, f"no {indicator} figure for {wanted}"
    return found[0]


def ratio(f: Figure) -> tuple[int, int | None, str | None]:
    """numerator, denominator and value, as a hand computation states them."""
    return f.numerator, f.denominator, None if f.value is None else str(f.value)


def why(indicator: str, facts: Facts, stratum: str = "T1", level: str = "team") -> dict[str, str]:
    """The drill-down of a figure: each case's subject and the reason, excluded ones marked."""
    cases = appraised(facts).drill_down(indicator, Stratum(level, stratum))
    return {c.about: ("excluded: " if c.excluded else f"{c.numerator}/{c.denominator} ") + c.why for c in cases}
