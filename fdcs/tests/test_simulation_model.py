"""The simulated county is realistic and the same for the same seed."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

from fdcs.simulation.area import county
from fdcs.simulation.life import life
from fdcs.simulation.population import residents
from signing.domain.identity import check_identity_number


def test_a_seed_gives_the_same_county_and_lives() -> None:
    def world(seed: int) -> tuple[object, object]:
        rng = random.Random(seed)
        area = county("440183", 2000, rng)
        people = residents(2000, list(area.townships), 2026, rng)
        return area, [life(p, seed, date(2025, 4, 1), 2026) for p in people]

    assert world(7) == world(7)
    assert world(7) != world(8)


def test_the_population_has_the_published_prevalence_and_valid_identities() -> None:
    people = residents(20_000, ["440183100", "440183101"], 2026, random.Random(7))
    share = {tag: n / len(people) for tag, n in Counter(t for p in people for t in p.key_populations).items()}
    adults = sum(1 for p in people if 2026 - p.birth_date.year >= 18) / len(people)

    assert 0.125 < share["elderly"] < 0.145  # 13.5% aged 65+ (2020 census)
    assert 0.06 < share["children"] < 0.09
    assert 0.25 < share["hypertension"] / adults < 0.31  # about 27% of adults
    assert 0.09 < share["diabetes"] / adults < 0.13  # 11.2% of adults
    assert len({p.identity_number for p in people}) == len(people)
    assert all(check_identity_number(p.identity_number) == p.identity_number for p in people[:500])


def test_teams_have_room_for_everyone_within_their_caps() -> None:
    area = county("440183", 20_000, random.Random(7))
    assert sum(t.cap for t in area.teams) >= 20_000
    assert all(t.doctor_cap <= 2000 for t in area.teams)
    assert {t.institution_kind for t in area.teams} >= {"community_health_centre", "township_health_centre"}
