"""A registered population with key-population prevalence from public Chinese figures.

Sources (rates are the defaults; each is a parameter):
- Aged 65 and over: 13.5% of the population (7th national census, 2020).
- Children 0–6: about 7.5% (census age structure, 2020).
- Adult hypertension: 23.2% (China Hypertension Survey 2012–2015, Circulation 2018);
  later surveys report up to 27.5%: we use 25%.
- Adult diabetes: 11.2% (national survey 2015–2017, BMJ 2020;369:m997).
- Disabled: about 6.3% (second national sample survey on disability, 2006).
- Severe mental disorders under management: about 0.45% (national registry, ~6.6 million).
- Tuberculosis under treatment: about 0.05% (notified incidence ~55 per 100,000 a year).
- Pregnant and postpartum women: about 0.6% (birth rate 6.77‰ in 2022, ~10 months of care).
- Subsistence allowance (assistance) recipients: about 3% (~40 million people, 2022).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from signing.domain.identity import with_check_digit

RATES = {
    "hypertension_adult": 0.25,
    "diabetes_adult": 0.112,
    "disabled": 0.063,
    "severe_mental_disorder": 0.0045,
    "tuberculosis": 0.0005,
    "maternal_women_15_49": 0.025,
    "assistance": 0.03,
}
AGE_BANDS = ((0, 6, 0.075), (7, 17, 0.11), (18, 64, 0.68), (65, 95, 0.135))  # (from, to, share)


@dataclass(frozen=True)
class Resident:
    serial: int
    identity_number: str
    name: str
    township_code: str
    birth_date: date
    sex: str
    key_populations: tuple[str, ...]
    assistance: bool
    engagement: float = field(compare=False)  # how readily they sign and keep appointments (0–1)


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def residents(n: int, townships: list[str], year: int, rng: random.Random) -> list[Resident]:
    people: list[Resident] = []
    taken: set[str] = set()
    for serial in range(n):
        lo, hi, _ = rng.choices(AGE_BANDS, weights=[b[2] for b in AGE_BANDS])[0]
        age = rng.randint(lo, hi)
        birth = date(year - age, 1, 1) + timedelta(days=rng.randrange(365))
        sex = rng.choice("MF")
        township = rng.choice(townships)
        number = _identity_number(township[:6], birth, sex, taken)
        people.append(
            Resident(
                serial,
                number,
                f"Resident {serial}",
                township,
                birth,
                sex,
                _key_populations(age, sex, rng),
                rng.random() < RATES["assistance"],
                rng.random(),
            )
        )
    return people


def _key_populations(age: int, sex: str, rng: random.Random) -> tuple[str, ...]:
    # Chronic prevalence rises with age; the weight keeps the adult average at the published rate.
    weight = 0.3 + 1.2 * min(age, 80) / 80 if age >= 18 else 0.0
    chances = {
        "elderly": 1.0 if age >= 65 else 0.0,
        "children": 1.0 if age <= 6 else 0.0,
        "maternal": RATES["maternal_women_15_49"] if sex == "F" and 15 <= age <= 49 else 0.0,
        "hypertension": RATES["hypertension_adult"] * weight,
        "diabetes": RATES["diabetes_adult"] * weight,
        "tuberculosis": RATES["tuberculosis"],
        "severe_mental_disorder": RATES["severe_mental_disorder"],
        "disabled": RATES["disabled"],
    }
    return tuple(tag for tag, chance in chances.items() if rng.random() < chance)


def _identity_number(county: str, birth: date, sex: str, taken: set[str]) -> str:
    """A valid number (GB 11643: the sequence's last digit is odd for men), unique in the run."""
    for sequence in range(1 if sex == "M" else 0, 1000, 2):
        number = with_check_digit(f"{county}{birth:%Y%m%d}{sequence:03d}")
        if number not in taken:
            taken.add(number)
            return number
    raise ValueError(f"no free identity number for {county} {birth}")
