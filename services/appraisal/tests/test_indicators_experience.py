"""What residents experience: referral timeliness, satisfaction, long prescriptions, family sickbeds."""

from __future__ import annotations

from datetime import datetime

from appraisal.domain.facts import Facts
from services.appraisal.tests.appraisal_facts import T1, T2, appraised, at, care, figure, rating, ratio, step, team, why


def hours_after(start: datetime, hours: float) -> datetime:
    return datetime.fromtimestamp(start.timestamp() + hours * 3600, start.tzinfo)


def referrals() -> Facts:
    r1, r2, r3, r4 = at("2026-04-01", 9), at("2026-05-01", 9), at("2026-06-01", 9), at("2026-07-01", 9)
    r5, r6, r7 = at("2026-12-31", 20), at("2025-12-30", 9), at("2026-08-01", 9)
    return Facts(
        teams=(team(T1, None), team(T2, None)),
        referrals=(
            step("R1", "issued", r1, r1, "green_channel"),
            step("R1", "accepted", r1, hours_after(r1, 6.3)),
            step("R2", "issued", r2, r2, "routine"),
            step("R2", "accepted", r2, hours_after(r2, 73)),
            step("R3", "issued", r3, r3, "urgent"),
            step("R3", "declined", r3, hours_after(r3, 3)),
            step("R4", "issued", r4, r4, "routine"),
            step("R4", "cancelled", r4, hours_after(r4, 3)),
            step("R5", "issued", r5, r5, "routine"),
            step("R6", "issued", r6, r6, "routine"),
            step("R7", "accepted", r7, hours_after(r7, 48)),  # its issue not received (yet): routine
        ),
    )


def test_referral_timeliness_is_acceptance_within_the_target_for_the_priority() -> None:
    facts = referrals()

    # R1 (6.3 h ≤ 24) and R7 (48 h ≤ 72) in time; R2 (73 h > 72), R3 declined, R5 unanswered
    # after 72 h: not; R4 was cancelled; R6 was issued in 2025 → 2 ÷ 5
    assert ratio(figure("referral_timeliness", facts)) == (2, 5, "0.4000")
    assert why("referral_timeliness", facts) == {
        "R1": "1/1 green_channel: accepted after 6.3 h, target 24 h",
        "R2": "0/1 routine: accepted after 73.0 h, target 72 h",
        "R3": "0/1 urgent: declined without acceptance, target 24 h",
        "R4": "excluded: routine: cancelled before the hospital answered",
        "R5": "0/1 routine: not accepted within 72 h",
        "R7": "1/1 routine: accepted after 48.0 h, target 72 h",
    }
    # as of 2 January R5's 72 hours had not passed: pending, left out → 2 ÷ 4
    assert ratio(figure("referral_timeliness", facts, as_of="2027-01-02")) == (2, 4, "0.5000")
    assert ratio(figure("referral_timeliness", facts, stratum="T2")) == (0, 0, None)


def test_an_acceptance_stamped_before_its_referral_was_issued_is_not_counted_as_timely() -> None:
    """Referrals recorded before the referral service refused impossible times (issue 20)."""
    issued = at("2026-04-01", 14)
    facts = Facts(
        teams=(team(T1, None),),
        referrals=(
            step("R8", "issued", issued, issued, "routine"),
            step("R8", "accepted", issued, hours_after(issued, -3)),
        ),
    )

    assert ratio(figure("referral_timeliness", facts)) == (0, 0, None)
    assert why("referral_timeliness", facts) == {
        "R8": "excluded: routine: accepted before it was issued, an impossible time"
    }


def test_a_referral_declined_before_it_was_issued_is_a_data_error_not_a_miss() -> None:
    issued = at("2026-04-01", 14)
    facts = Facts(
        teams=(team(T1, None),),
        referrals=(
            step("R9", "issued", issued, issued, "urgent"),
            step("R9", "declined", issued, hours_after(issued, -0.5)),
            step("R9", "accepted", issued, hours_after(issued, 2)),  # met, were it not for the impossible step
        ),
    )

    assert ratio(figure("referral_timeliness", facts)) == (0, 0, None)
    assert why("referral_timeliness", facts) == {
        "R9": "excluded: urgent: declined before it was issued, an impossible time"
    }


def test_satisfaction_counts_each_residents_last_rating_of_the_team() -> None:
    facts = Facts(
        teams=(team(T1, None), team(T2, None)),
        ratings=(
            rating("s1", "r_1", "2026-03-01", (5, 4, 4)),
            rating("s2", "r_1", "2026-09-01", (3, 3, 4)),
            rating("s3", "r_2", "2026-05-01", (4, 4, 4)),
            rating("s4", "r_3", "2026-06-01", (5, 5, 3)),
            rating("s5", "r_4", "2025-12-31", (5, 5, 5)),
            rating("s6", "r_1", "2026-10-01", (2, 2, 2), where=T2),
        ),
    )

    # T1: s2 (mean 3.33, r_1's last; s1 superseded), s3 (4.00: 4 or more), s4 (4.33) → 2 ÷ 3
    assert ratio(figure("satisfaction", facts)) == (2, 3, "0.6667")
    assert why("satisfaction", facts) == {
        "s1": "excluded: superseded by the resident's later rating s2",
        "s2": "0/1 mean 3.33 (3, 3, 4)",
        "s3": "1/1 mean 4.00 (4, 4, 4)",
        "s4": "1/1 mean 4.33 (5, 5, 3)",
    }
    assert ratio(figure("satisfaction", facts, stratum="T2")) == (0, 1, "0.0000")
    assert ratio(figure("satisfaction", facts, "institution", "I1")) == (2, 4, "0.5000")


def test_long_prescriptions_and_family_sickbeds_are_counted_in_the_period() -> None:
    facts = Facts(
        care=(
            care("long_prescription", "p1", "2026-04-10"),
            care("long_prescription", "p2", "2025-12-01"),
            care("sickbed_admitted", "b1", "2026-05-02"),
            care("sickbed_discharged", "b1", "2026-05-30"),
        )
    )

    assert ratio(figure("long_prescriptions", facts)) == (1, None, "1")
    assert ratio(figure("family_sickbeds", facts)) == (1, None, "1")
    # the 2025 catalogue did not count them yet
    assert not [f for f in appraised(facts, "2025").figures if f.indicator_id == "family_sickbeds"]
