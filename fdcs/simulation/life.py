"""What happens to each resident over the simulated time, decided up front from the seed.

Each resident has a random stream of their own (seed and serial), so a decision about one
never shifts another's, and a rerun with the same seed decides the same. Rates are
parameters; the defaults are plausible, not sourced, except where `population` cites one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from fdcs.simulation.population import Resident

RATES = {
    "signed_last_year": 0.45,  # share already under contract when the year starts
    "campaign_key": 0.55,  # key populations signing in the spring campaign, of those not yet signed
    "campaign_other": 0.30,
    "late": 0.10,  # signing later in the year
    "renew": 0.85,  # at term end, scaled by engagement
    "combined": 0.2,  # choosing a secondary and a tertiary hospital ("1+1+1")
    "rate_service": 0.35,  # rating the team once a year
    "death_elderly": 0.045,
    "death_other": 0.003,
    "move": 0.01,
    "switch": 0.006,
    "referral": 0.08,  # referrals a year per contracted resident with a chronic condition or aged 65+
    "annual_review": 0.12,  # of those, referred for a specialist's review in the year's first weeks
}
CHRONIC = {"hypertension", "diabetes", "tuberculosis", "severe_mental_disorder", "elderly"}


@dataclass(frozen=True)
class Life:
    signs_on: date | None
    term_years: int
    combined: bool
    renews: bool
    ends: tuple[date, str] | None  # (last day, why): death, moved_away, or switched_team
    rates_on_day: int  # day of the contract year the resident rates the team, or -1
    referral_days: tuple[int, ...]  # days (since the simulation's start) the doctor refers them


def life(resident: Resident, seed: int, start: date, year: int) -> Life:
    rng = random.Random(seed * 1_000_003 + resident.serial)
    keyed = bool(set(resident.key_populations) - {"children"}) or "children" in resident.key_populations
    span = (date(year, 12, 31) - start).days
    return Life(
        signs_on=_signing_day(rng, resident, keyed, start, year),
        term_years=rng.choices((1, 2, 3), weights=(8, 1, 1))[0],
        combined=rng.random() < RATES["combined"],
        renews=rng.random() < RATES["renew"] * (0.6 + 0.4 * resident.engagement),
        ends=_end(rng, resident, year),
        rates_on_day=rng.randrange(30, 330) if rng.random() < RATES["rate_service"] else -1,
        referral_days=_referrals(rng, resident, span, (date(year, 1, 2) - start).days),
    )


def _signing_day(rng: random.Random, resident: Resident, keyed: bool, start: date, year: int) -> date | None:
    willing = 0.5 + 0.5 * resident.engagement
    if rng.random() < RATES["signed_last_year"] * willing * (1.3 if keyed else 0.8):
        return start + timedelta(days=rng.randrange((date(year - 1, 12, 31) - start).days))
    if rng.random() < (RATES["campaign_key"] if keyed else RATES["campaign_other"]) * willing:
        return date(year, 1, 5) + timedelta(days=rng.randrange(85))
    if rng.random() < RATES["late"]:
        return date(year, 4, 1) + timedelta(days=rng.randrange(240))
    return None


def _end(rng: random.Random, resident: Resident, year: int) -> tuple[date, str] | None:
    death = RATES["death_elderly"] if "elderly" in resident.key_populations else RATES["death_other"]
    for reason, chance in (("death", death), ("moved_away", RATES["move"]), ("switched_team", RATES["switch"])):
        if rng.random() < chance:
            return date(year, 1, 15) + timedelta(days=rng.randrange(340)), reason
    return None


def _referrals(rng: random.Random, resident: Resident, span: int, new_year: int) -> tuple[int, ...]:
    """Days spread over the whole run, and for some an annual review in the year's first four
    weeks: so the year's referral figures start with the year, not months into it."""
    if not CHRONIC & set(resident.key_populations):
        return ()
    expected = RATES["referral"] * span / 365
    days = {rng.randrange(span) for _ in range(_poisson(rng, expected))}
    if rng.random() < RATES["annual_review"]:
        days.add(new_year + rng.randrange(28))
    return tuple(sorted(days))  # a day refers once


def _poisson(rng: random.Random, mean: float) -> int:
    count, threshold, product = 0, pow(2.718281828459045, -mean), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count
