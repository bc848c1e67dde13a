"""The fact tables on PostgreSQL: every public event lands as the fact the indicators read,
once however often delivered, known only from its recording time on, rebuildable."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from appraisal.adapters.projections.facts import FactsProjection
from appraisal.adapters.projections.facts_reader import FactsReader
from appraisal.adapters.projections.own_views import OWN_VIEWS  # noqa: F401  (their tables are in the same schema)
from appraisal.bootstrap import engine_for
from appraisal.domain import facts as f
from appraisal.domain.appraisal import appraise
from appraisal.domain.periods import Period
from appraisal.domain.results import StreamPosition
from appraisal.settings import AppraisalSettings
from services.appraisal.tests.appraisal_events import again, delivered, topic_of
from services.appraisal.tests.appraisal_facts import CATALOGUE, ZONE, window
from shared.messaging import Delivery

WHERE = f.Where("T-440106-001", "CHC-440106-01", "440106")
REF = "r_abcdefghijklmnopqrstuvwxyz"
SIGNED, RENEWED = "8d3c8f0e-52a4-4b8a-bb62-3c1f0e9a7d21", "3a7b9c1d-2e4f-4a6b-8c0d-1e2f3a4b5c6d"
YEAR = Period.parse("2026")


@pytest.fixture
def engine(service_settings: Callable[..., Any]) -> Iterator[Engine]:
    made = engine_for(service_settings(AppraisalSettings))
    yield made
    made.dispose()


def every_kind() -> list[Delivery]:
    return [
        delivered(f"{kind}")
        for kind in (
            "signing.TeamRegistered",
            "signing.ContractSigned",
            "signing.ContractRenewed",
            "signing.ContractTerminated",
            "health_records.VisitCompleted",
            "health_records.ServiceRated",
            "health_records.LongPrescriptionIssued",
            "health_records.FamilySickbedAdmitted",
            "health_records.FamilySickbedDischarged",
            "referral.ReferralIssued",
            "referral.ReferralAccepted",
        )
    ]


def test_every_public_event_becomes_the_fact_the_indicators_read(engine: Engine) -> None:
    FactsProjection(engine).apply(every_kind())

    got = FactsReader(engine, ZONE).snapshot(datetime(2027, 6, 1, tzinfo=UTC), YEAR).facts

    assert got.teams == (f.TeamFact(WHERE, (2000,)),)
    basic = (f.Item("health_record_update", 1), f.Item("health_assessment", 1), f.Item("health_education", 2))
    items = (*basic, f.Item("hypertension_follow_up", 4), f.Item("health_check", 1))
    tags = ("elderly", "hypertension")
    assert got.contracts == (
        f.ContractFact(RENEWED, REF, "440106001", WHERE, items, tags, date(2027, 1, 6), date(2029, 1, 5),
                       datetime(2027, 1, 5, 16, tzinfo=ZONE), SIGNED),
        f.ContractFact(SIGNED, REF, "440106001", WHERE, items, tags, date(2026, 1, 6), date(2027, 1, 5),
                       datetime(2026, 1, 6, 10, 15, tzinfo=ZONE), None,
                       f.Ending("terminated", date(2026, 6, 30), "moved_away")),
    )  # fmt: skip
    bp = (f.Measurement("systolic_bp", 132.0), f.Measurement("diastolic_bp", 84.0))
    visited = datetime(2026, 4, 10, 10, 30, tzinfo=ZONE)
    assert got.visits == (f.VisitFact("v-0001", REF, SIGNED, WHERE, ("hypertension_follow_up",), bp, visited),)
    assert got.ratings == (f.RatingFact("rt-0001", REF, WHERE, 5, 4, 4, datetime(2026, 6, 1, 20, 15, tzinfo=ZONE)),)
    issued = datetime(2026, 4, 1, 9, tzinfo=ZONE)
    assert sorted(got.referrals, key=lambda s: s.step) == [
        f.ReferralStep("c0ffee00-1111-4222-8333-444455556666", "accepted", REF, WHERE, issued,
                       datetime(2026, 4, 1, 15, 20, tzinfo=ZONE)),
        f.ReferralStep("c0ffee00-1111-4222-8333-444455556666", "issued", REF, WHERE, issued, issued, "green_channel"),
    ]  # fmt: skip
    assert sorted((c.kind, c.ref, c.on) for c in got.care) == [
        ("long_prescription", "p-0001", date(2026, 4, 10)),
        ("sickbed_admitted", "s-0001", date(2026, 5, 2)),
        ("sickbed_discharged", "s-0001", date(2026, 5, 30)),
    ]


def test_appointments_and_specialist_slots_become_the_steps_the_indicators_read(engine: Engine) -> None:
    booked = delivered("health_records.AppointmentBooked")
    moved = delivered("health_records.AppointmentRescheduled")
    came = delivered("health_records.AppointmentAttended")
    reminded = delivered("health_records.AppointmentReminderDue")  # nothing the appraisal counts
    slot = delivered("referral.SpecialistSlotBooked")
    FactsProjection(engine).apply([booked, moved, came, reminded, slot, delivered("health_records.VisitCompleted")])
    reader = FactsReader(engine, ZONE)

    got = reader.snapshot(datetime(2027, 6, 1, tzinfo=UTC), YEAR).facts
    in_area = reader.snapshot(datetime(2027, 6, 1, tzinfo=UTC), YEAR, "440106").facts
    elsewhere = reader.snapshot(datetime(2027, 6, 1, tzinfo=UTC), YEAR, "440107").facts

    appointment, team = "6a1f0c3e-2b4d-4e8f-9a7c-1d2e3f4a5b6c", WHERE.team_id
    first = datetime(2026, 6, 8, 8, 15, tzinfo=ZONE)
    assert sorted(got.appointments, key=lambda s: s.at) == [
        f.AppointmentStep(appointment, "booked", REF, team, first, datetime(2026, 6, 2, 9, 12, 40, tzinfo=ZONE), True),
        f.AppointmentStep(appointment, "rescheduled", REF, team, first, datetime(2026, 6, 3, 10, 5, tzinfo=ZONE), True),
        f.AppointmentStep(appointment, "attended", REF, team, first, datetime(2026, 6, 8, 8, 41, tzinfo=ZONE)),
    ]  # the golden messages' slots
    assert in_area.appointments == got.appointments  # the resident's visit is in the area
    assert elsewhere.appointments == ()
    assert [(s.step, s.at) for s in got.referrals] == [("slot_booked", datetime(2026, 4, 1, 9, 5, tzinfo=ZONE))]


def test_a_fact_counts_only_from_the_time_its_source_recorded_it(engine: Engine) -> None:
    signed = delivered("signing.ContractSigned", contract_id="c1", starts_on="2026-01-06", ends_on="2027-01-05")
    late_end = delivered(
        "signing.ContractTerminated", "2027-02-01T09:00:00+08:00", contract_id="c1", last_day="2026-06-30"
    )
    FactsProjection(engine).apply([signed, late_end])
    reader = FactsReader(engine, ZONE)

    before = reader.snapshot(datetime(2027, 1, 15, tzinfo=ZONE), YEAR).facts.contracts
    after = reader.snapshot(datetime(2027, 3, 1, tzinfo=ZONE), YEAR).facts.contracts

    assert [c.ending for c in before] == [None]
    assert [c.ending for c in after] == [f.Ending("terminated", date(2026, 6, 30), "moved_away")]
    assert reader.snapshot(datetime(2026, 1, 1, tzinfo=ZONE), YEAR).facts.contracts == ()


def test_redelivered_events_change_nothing_and_a_rebuild_equals_the_live_view(engine: Engine) -> None:
    story = every_kind()
    projection, reader = FactsProjection(engine), FactsReader(engine, ZONE)
    projection.apply(story[:4])
    projection.apply([again(d) for d in story[2:7]] + story[4:7])  # overlapping, duplicated
    projection.apply([*story[7:], again(story[0])])
    as_of = datetime(2027, 6, 1, tzinfo=UTC)
    live = reader.snapshot(as_of, YEAR)

    projection.forget_everything()
    projection.apply(list(reversed(story)))  # replayed from scratch, in another order
    rebuilt = reader.snapshot(as_of, YEAR)

    assert rebuilt.facts == live.facts
    version = CATALOGUE.for_period(YEAR)
    assert appraise(version, rebuilt.facts, window()) == appraise(version, live.facts, window())


def test_the_positions_applied_are_kept_per_partition(engine: Engine) -> None:
    story = every_kind()
    FactsProjection(engine).apply(story)

    positions = FactsReader(engine, ZONE).snapshot(datetime(2027, 6, 1, tzinfo=UTC), YEAR).positions

    furthest: dict[str, int] = {}
    for d in story:
        furthest[d.topic] = max(d.offset, furthest.get(d.topic, -1))
    assert sorted(positions) == sorted(StreamPosition(t, 0, o) for t, o in furthest.items())
    assert {p.topic for p in positions} == {
        topic_of(t) for t in ("signing.TeamRegistered", "signing.x", "health_records.x", "referral.x")
    }


def test_a_teams_capacity_follows_its_doctors_and_caps_until_the_period_ends(engine: Engine) -> None:
    FactsProjection(engine).apply(
        [
            delivered("signing.TeamRegistered"),  # doc-1 (2000), a nurse, a public health doctor
            delivered("signing.TeamMemberJoined"),  # doc-2, a general practitioner (1500), on 2 March 2026
            delivered("signing.ResidentCapChanged"),  # doc-1 to 2200 on 1 April 2026
            delivered("signing.TeamMemberLeft"),  # the nurse on 30 September 2026
            delivered("signing.TeamMemberLeft", "2027-02-01T09:00:00+08:00", member_id="doc-1",
                      left_at="2027-02-01T09:00:00+08:00"),
        ]
    )  # fmt: skip
    reader = FactsReader(engine, ZONE)

    def caps(period: str, as_of: str) -> tuple[int | None, ...]:
        return reader.snapshot(datetime.fromisoformat(as_of), Period.parse(period)).facts.teams[0].doctor_caps

    assert caps("2026", "2026-03-15T00:00:00+08:00") == (2000, 1500)  # what was known in March
    assert caps("2026", "2027-03-01T00:00:00+08:00") == (2200, 1500)  # doc-1 left after the period
    assert caps("2027", "2027-03-01T00:00:00+08:00") == (1500,)


def test_device_readings_become_remote_readings_in_a_visits_kinds(engine: Engine) -> None:
    systolic = delivered("health_records.ReadingForFollowUp")  # the golden one: 132 mmHg on 2 June 2026, 07:30
    at = "2026-06-02T07:30:00+08:00"
    pressure = {"reading_id": f"d:diastolic@{at}", "kind": "diastolic", "value": 84}
    diastolic = delivered("health_records.ReadingForFollowUp", **pressure)
    glucose = {"device_kind": "glucose_meter", "kind": "glucose", "unit": "mmol/L", "value": 6.1}
    fasting = delivered("health_records.ReadingForFollowUp", reading_id=f"g:glucose@{at}", fasting=True, **glucose)
    after = delivered("health_records.ReadingForFollowUp", reading_id="g:glucose@later", fasting=False, **glucose)
    FactsProjection(engine).apply([systolic, diastolic, fasting, after, again(systolic)])
    reader = FactsReader(engine, ZONE)

    got = reader.snapshot(datetime(2027, 6, 1, tzinfo=UTC), YEAR).facts
    measured = datetime(2026, 6, 2, 7, 30, tzinfo=ZONE)
    device = "0f8e2d4c-6b1a-4c3e-9d7f-5a2b8c1e4f60"
    assert sorted((r.reading_id, r.kind, r.value) for r in got.readings) == [
        (f"{device}:systolic@{at}", "systolic_bp", 132.0),  # once, though delivered twice
        (f"d:diastolic@{at}", "diastolic_bp", 84.0),
        (f"g:glucose@{at}", "fasting_glucose", 6.1),
        ("g:glucose@later", "glucose", 6.1),  # not fasting: not a fasting glucose
    ]
    assert {(r.resident_ref, r.where, r.device_id, r.measured_at) for r in got.readings if r.kind == "systolic_bp"} == {
        (REF, WHERE, device, measured)
    }
    assert reader.snapshot(datetime(2027, 6, 1, tzinfo=UTC), YEAR, "440106").facts.readings == got.readings
    assert reader.snapshot(datetime(2027, 6, 1, tzinfo=UTC), YEAR, "440107").facts.readings == ()
    assert reader.snapshot(datetime(2026, 6, 1, tzinfo=UTC), YEAR).facts.readings == ()  # not known yet
