"""Referral's command handlers on a store alone (no HTTP, no broker): signing's contract events
and health records' appointment events through the consumers, each step through the processor;
in memory, and the same class once more on PostgreSQL."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from referral.application.commands import (
    AcceptReferral,
    AcknowledgeDownReferral,
    CancelReferral,
    CompleteReferral,
    ReferBackDown,
)
from referral.application.streams import RESIDENTS
from referral.domain.errors import GreenChannelUnavailable, IllegalTransition, NotContracted, StepBeforePreviousStep
from referral.domain.lifecycle import Appointment
from shared.commands import CommandContext, CommandProcessor
from shared.messaging import Delivery
from shared.testing.eventstore import InMemory, OnPostgres

Desk = Any  # the `desk` fixture (conftest.Desk)
Clock = Any  # the `clock` fixture
NOW = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
HOSPITAL = "H3-4401"


def types(desk: Desk, stream_id: str) -> list[str]:
    return [e.type.rsplit(".", 2)[1] for e in desk.store.read(stream_id)]


def appointment(desk: Any, type_name: str, referral: dict[str, Any], appointment_id: str, **data: Any) -> Delivery:
    return desk.appointment_event(type_name, referral, appointment_id, data.pop("at"), **data)


class ReferralHandlerTests:
    """Run by `TestReferralHandlersInMemory` and `TestReferralHandlersOnPostgres` below."""

    team = "T-1"

    def test_a_contracted_resident_is_referred_and_an_uncontracted_one_refused(self, desk: Desk) -> None:
        desk.contract(desk.signed(1, self.team))

        referral = desk.refer(self.team, 1, priority="green_channel")

        assert (referral["status"], referral["version"], referral["combined_signing"]) == ("issued", 1, True)
        assert (referral["resident_ref"], referral["issued_by"]) == (desk.ref(1), "doc-1")
        assert referral["timing"]["expires_at"] == (NOW + timedelta(hours=168)).isoformat()
        assert desk.read(referral["referral_id"])["patient"]["name"] == "Li Hua"
        with pytest.raises(NotContracted):
            desk.refer(self.team, 2)
        with pytest.raises(NotContracted):
            desk.refer("T-other", 1)
        with pytest.raises(GreenChannelUnavailable):
            desk.refer(self.team, 1, hospital_id="H9-9999", priority="green_channel")
        assert desk.refer(self.team, 1, hospital_id="H9-9999")["combined_signing"] is False

    def test_a_contract_ends_when_signing_says_and_a_redelivered_event_changes_nothing(self, desk: Desk) -> None:
        signed = desk.signed(7, self.team)
        desk.contract(signed, signed)
        desk.refer(self.team, 7)
        ended = desk.contract_event(
            "signing.ContractTerminated.v1",
            contract_id=signed.event.contract_id,
            resident_ref=desk.ref(7),
            team_id=self.team,
            last_day="2026-03-31",
        )

        desk.contract(ended, ended)
        desk.contract(signed)

        with pytest.raises(NotContracted):
            desk.refer(self.team, 7)
        assert types(desk, RESIDENTS.stream_id(desk.ref(7))) == ["ContractNoted", "ResidentReferred", "ContractEnded"]

    def test_a_renewal_continues_a_contract_that_expired(self, desk: Desk) -> None:
        first = desk.signed(8, self.team, starts_on="2025-04-01", ends_on="2026-03-31")
        renewal = desk.contract_event(
            "signing.ContractRenewed.v1",
            contract_id=str(uuid.uuid4()),
            resident_ref=desk.ref(8),
            team_id=self.team,
            starts_on="2026-04-01",
            ends_on="2027-03-31",
            renews_contract_id=first.event.contract_id,
        )
        expired = desk.contract_event(
            "signing.ContractExpired.v1",
            contract_id=first.event.contract_id,
            resident_ref=desk.ref(8),
            team_id=self.team,
            last_day="2026-03-31",
        )

        desk.contract(first, expired)
        with pytest.raises(NotContracted):
            desk.refer(self.team, 8)
        desk.contract(renewal)

        assert desk.refer(self.team, 8)["status"] == "issued"

    def test_the_whole_way_there_and_back_with_its_timing(self, desk: Desk, clock: Clock) -> None:
        desk.contract(desk.signed(1, self.team))
        referral = desk.refer(self.team, 1)
        hospital = desk.hospital(HOSPITAL)

        clock.advance(hours=2)
        desk.accept(referral, hours_ahead=48)
        clock.advance(days=3)
        desk.take(referral, CompleteReferral("discharge", "BP 128/80"), hospital)
        desk.take(referral, ReferBackDown("follow_up", "weekly BP"), hospital)
        clock.advance(hours=5)
        final = desk.take(referral, AcknowledgeDownReferral(), desk.doctor(self.team, "doc-2"))

        assert (final["status"], final["version"]) == ("down_referral_acknowledged", 5)
        assert final["appointment"] == {
            "department": "cardiology",
            "doctor": "Dr Wang",
            "at": (NOW + timedelta(hours=48)).isoformat(),
        }
        assert final["outcome"]["down_referral"]["acknowledged_by"] == "doc-2"
        timing = final["timing"]
        assert (timing["minutes_to_acceptance"], timing["minutes_to_appointment"]) == (120, 48 * 60)
        assert timing["minutes_appointment_to_completion"] == (2 + 72 - 48) * 60

    def test_a_completion_stamped_before_the_acceptance_is_refused_by_the_clock_too(
        self, desk: Desk, clock: Clock
    ) -> None:
        desk.contract(desk.signed(1, self.team))
        referral = desk.refer(self.team, 1)
        clock.advance(hours=5)
        desk.accept(referral)
        clock.advance(hours=-1)

        with pytest.raises(StepBeforePreviousStep):
            desk.take(referral, CompleteReferral("consultation", "BP 128/80"), desk.hospital(HOSPITAL))

        shown = desk.read(referral["referral_id"])
        assert (shown["status"], shown["version"]) == ("accepted", 2)

    def test_of_an_acceptance_and_a_cancellation_at_once_exactly_one_wins(self, desk: Desk) -> None:
        """The hospital and the team answer at once, through two processors (as two pods would)."""
        desk.contract(desk.signed(1, self.team))
        pods = [CommandProcessor(desk.store) for _ in range(2)]
        accept = AcceptReferral(Appointment("cardiology", "Dr Wang", NOW + timedelta(hours=48)))
        cancel, doctor, hospital = CancelReferral("resolved"), desk.doctor(self.team), desk.hospital(HOSPITAL)

        def answer(pod: CommandProcessor, referral_id: str, step: Any, who: Any) -> str:
            context = CommandContext(who.subject, str(uuid.uuid4()), "f", "corr", "cause", NOW)
            try:
                return str(pod.execute_now(desk.referrals.take(who, referral_id, None, step), context).result["status"])
            except IllegalTransition:
                return "refused"

        outcomes = []
        for _ in range(5):
            referral_id = desk.refer(self.team, 1)["referral_id"]
            with ThreadPoolExecutor(2) as pool:
                answers = [
                    pool.submit(answer, pods[0], referral_id, cancel, doctor),
                    pool.submit(answer, pods[1], referral_id, accept, hospital),
                ]
                outcomes.append(sorted(a.result() for a in answers))
            assert desk.read(referral_id)["version"] == 2
        for pod in pods:
            pod.close()

        assert all(o in (["accepted", "refused"], ["cancelled", "refused"]) for o in outcomes), outcomes

    def test_a_specialist_place_is_carried_once_moved_then_released(self, desk: Desk) -> None:
        desk.contract(desk.signed(1, self.team))
        referral = desk.refer(self.team, 1)
        appointment_id, booked_at = str(uuid.uuid4()), "2026-04-01T09:05:00+08:00"
        booked = appointment(
            desk,
            "health_records.AppointmentBooked.v1",
            referral,
            appointment_id,
            contracted=False,
            booked_at=booked_at,
            referral_id=referral["referral_id"],
            at=booked_at,
        )

        desk.appointment(booked, booked)  # redelivered: carried once
        carried = desk.read(referral["referral_id"])
        desk.appointment(
            appointment(
                desk,
                "health_records.AppointmentRescheduled.v1",
                referral,
                appointment_id,
                starts_at="2026-04-04T09:00:00+08:00",
                ends_at="2026-04-04T09:20:00+08:00",
                previous_starts_at="2026-04-03T14:20:00+08:00",
                contracted=False,
                rescheduled_at="2026-04-01T10:00:00+08:00",
                at="2026-04-01T10:00:00+08:00",
            )
        )
        moved = desk.read(referral["referral_id"])
        cancelled = appointment(
            desk,
            "health_records.AppointmentCancelled.v1",
            referral,
            appointment_id,
            cancelled_at="2026-04-01T11:00:00+08:00",
            at="2026-04-01T11:00:00+08:00",
        )
        desk.appointment(cancelled, cancelled)

        slot = carried["specialist_slot"]
        assert (slot["appointment_id"], slot["starts_at"], carried["version"]) == (
            appointment_id,
            "2026-04-03T14:20:00+08:00",
            2,
        )
        assert slot["booked_at"] == booked_at  # the event's time: when health records booked it
        assert (moved["specialist_slot"]["starts_at"], moved["status"]) == ("2026-04-04T09:00:00+08:00", "issued")
        released = desk.read(referral["referral_id"])
        assert (released["specialist_slot"], released["version"], released["status"]) == (None, 4, "issued")


class TestReferralHandlersInMemory(InMemory, ReferralHandlerTests):
    pass


class TestReferralHandlersOnPostgres(OnPostgres, ReferralHandlerTests):
    pass
