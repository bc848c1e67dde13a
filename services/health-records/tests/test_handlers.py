"""Health records' command handlers on a store alone (no HTTP, no broker, no read model): signing's
events through the consumer, visits, device readings and appointments through the processor; in
memory, and the same class once more on PostgreSQL."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from health_records.application.commands import BookAppointment, PublishSchedule, RecordReadings
from health_records.application.streams import AGENDAS, CARE, PLANS, READINGS, RECORDS, ROSTERS
from health_records.domain.errors import (
    ItemNotPlanned,
    MeasurementMissing,
    NotAKeyPopulation,
    ReservedForContracted,
)
from health_records.domain.readings import Reading
from health_records.domain.schedules import WeeklySchedule
from shared.commands import CommandContext, CommandProcessor
from shared.domain import DomainError
from shared.principal import Principal
from shared.pseudonyms import resident_ref
from shared.settings import DEV_PSEUDONYM_KEY
from shared.testing.eventstore import InMemory, OnPostgres

from .conftest import OTHER_REF, REF, Handlers

MONDAY_8 = datetime(2026, 4, 13, 0, 0, tzinfo=UTC)  # 08:00 in China; NOW is the Friday before
SLOTS = [MONDAY_8 + timedelta(minutes=15 * i) for i in range(4)]
CUTOFF = MONDAY_8 - timedelta(hours=24)
STAFF = Principal("doc-1", "family_doctor", team_id="T1", institution_id="CHC-1")
THIRD, FOURTH = (resident_ref(f"44010619800101{n:04d}", DEV_PSEUDONYM_KEY) for n in (1, 2))
RESIDENTS = [resident_ref(f"3201021960010{n:05d}", DEV_PSEUDONYM_KEY) for n in range(20)]
AT = datetime(2026, 4, 9, 23, 30, tzinfo=UTC)  # 07:30 in China


def types(handlers: Handlers, stream_id: str) -> list[str]:
    return [e.type.rsplit(".", 2)[1] for e in handlers.store.read(stream_id)]


def schedule(capacity: int = 1, reserved_percent: int = 50, ends: time = time(9)) -> PublishSchedule:
    """Doc-1's weekday mornings in the week of 13 April, in 15-minute slots."""
    weekdays, first, last = (1, 2, 3, 4, 5), date(2026, 4, 13), date(2026, 4, 17)
    days = (weekdays, time(8), ends, 15, capacity, reserved_percent, 24 * 60, first, last)
    return PublishSchedule(WeeklySchedule(str(uuid.uuid4()), "CHC-1", "T1", "doc-1", *days))


def book(handlers: Handlers, ref: str, at: datetime, processor: CommandProcessor | None = None) -> Any:
    """The resident books doc-1's place at `at` themselves."""
    who = Principal(ref, "resident", resident_ref=ref)
    work = handlers.appointments.book(who, BookAppointment(ref, str(uuid.uuid4()), "CHC-1", "doc-1", at))
    context = CommandContext(ref, str(uuid.uuid4()), "f", "c", "c", handlers.clock[-1])
    return (processor or handlers.processor).execute_now(work, context).result


def readings(*sent: tuple[str, float, str, datetime]) -> tuple[Reading, ...]:
    return tuple(Reading(kind, value, unit, at) for kind, value, unit, at in sent)


class HealthRecordsHandlerTests:
    """Run by `TestHealthRecordsHandlersInMemory` and `TestHealthRecordsHandlersOnPostgres` below."""

    def test_a_redelivered_event_changes_nothing(self, handlers: Handlers) -> None:
        signed = handlers.sign(contract_id="c-again")

        handlers.events.handle([signed, signed])

        assert types(handlers, CARE.stream_id(REF)) == ["ContractStarted", "ContractStarted"]  # seeded, and c-again
        assert types(handlers, RECORDS.stream_id(REF)) == ["RecordOpened"]
        assert types(handlers, ROSTERS.stream_id("T1")) == ["RosterNoted"]

    def test_a_renewal_continues_the_record_and_draws_a_new_plan(self, handlers: Handlers) -> None:
        first = handlers.store.read(PLANS.stream_id(REF))[0].data["contract_id"]

        handlers.tell(
            "signing.ContractRenewed.v1",
            resident_ref=REF,
            team_id="T1",
            contract_id="c-renewed",
            renews_contract_id=first,
            key_populations=["diabetes"],
            packages=[
                {
                    "code": "diabetes",
                    "annual_fee_fen": 6000,
                    "items": [{"code": "diabetes_follow_up", "times_per_year": 4}],
                }
            ],
        )

        plans = handlers.store.read(PLANS.stream_id(REF))
        assert [p.data["contract_id"] for p in plans] == [first, "c-renewed"]
        assert [s["item_code"] for s in plans[-1].data["services"]] == ["diabetes_follow_up"]
        assert types(handlers, RECORDS.stream_id(REF)) == ["RecordOpened"]

    def test_an_event_refused_by_a_rule_is_logged_by_ids_and_skipped(
        self, handlers: Handlers, caplog: pytest.LogCaptureFixture
    ) -> None:
        handlers.tell("signing.ContractTerminated.v1", resident_ref=REF, contract_id="never-noted")

        assert "signing.ContractTerminated.v1" in caplog.text and "unknown-contract" in caplog.text
        assert REF not in caplog.text
        assert types(handlers, CARE.stream_id(REF)) == ["ContractStarted"]

    def test_a_visit_fulfils_items_of_the_plan_and_only_those(self, handlers: Handlers) -> None:
        done = handlers.visit(["hypertension_follow_up", "hypertension_follow_up"], "2026-02-10T10:00:00+08:00")

        with pytest.raises(ItemNotPlanned):
            handlers.visit(["diabetes_follow_up"], "2026-02-11T10:00:00+08:00")
        with pytest.raises(MeasurementMissing):
            handlers.visit(["hypertension_follow_up"], "2026-02-12T10:00:00+08:00", measurements=[])

        assert (done["fulfils"], done["team_id"], done["resident_ref"]) == (["hypertension_follow_up"], "T1", REF)
        assert types(handlers, CARE.stream_id(REF)) == ["ContractStarted", "VisitCompleted"]

    def test_readings_are_kept_once_even_late_and_out_of_order(self, handlers: Handlers) -> None:
        device = handlers.link_device()["device_id"]
        batch = readings(("systolic", 128, "mmHg", AT), ("diastolic", 82, "mmHg", AT), ("heart_rate", 70, "bpm", AT))
        late = readings(("systolic", 126, "mmHg", AT - timedelta(days=2)))  # two days late, before the others

        first = handlers.run(handlers.devices.record_readings(RecordReadings(device, REF, batch)))
        again = handlers.run(handlers.devices.record_readings(RecordReadings(device, REF, batch + late + late)))

        assert first == {"accepted": 3, "repeated": 0, "implausible": 0, "alerts": 0}
        assert again == {"accepted": 1, "repeated": 4, "implausible": 0, "alerts": 0}

    def test_a_wearable_s_whole_day_is_kept_once_by_a_warm_process_and_a_cold_one(self, handlers: Handlers) -> None:
        device = handlers.link_device("wearable")["device_id"]
        midnight = datetime(2026, 4, 8, 16, tzinfo=UTC)  # 9 April in China: every 30 s, in batches of 480
        day = [readings(("steps", 12, "steps", midnight + timedelta(seconds=30 * n)))[0] for n in range(2880)]
        batches = [tuple(day[n : n + 480]) for n in range(0, 2880, 480)]
        record = handlers.devices.record_readings

        kept = [handlers.run(record(RecordReadings(device, REF, batch)))["accepted"] for batch in batches]
        again = handlers.run(record(RecordReadings(device, REF, batches[3])))
        cold = CommandProcessor(handlers.store)  # another pod: the day's stream folded whole
        context = CommandContext("doc-1", str(uuid.uuid4()), "f", "c", "c", handlers.clock[-1])
        one_more = readings(("steps", 12, "steps", midnight + timedelta(seconds=15)))
        mixed = cold.execute_now(record(RecordReadings(device, REF, batches[5][-2:] + one_more)), context).result
        cold.close()

        assert kept == [480] * 6
        assert (again["accepted"], again["repeated"]) == (0, 480)
        assert (mixed["accepted"], mixed["repeated"]) == (1, 2)
        stream = READINGS.stream_id(f"{device}:2026-04-09")
        assert len(READINGS.fold(handlers.store.read(stream))[0]) == 2881

    def test_only_key_population_residents_link_devices(self, handlers: Handlers) -> None:
        handlers.sign(OTHER_REF, "T1", key_populations=[])

        with pytest.raises(NotAKeyPopulation):
            handlers.link_device("wearable", OTHER_REF)

    def test_implausible_readings_are_kept_and_flagged_and_never_alert(self, handlers: Handlers) -> None:
        device = handlers.link_device()["device_id"]
        batch = readings(("systolic", 20, "mmHg", AT), ("diastolic", 95, "kPa", AT), ("heart_rate", 300, "bpm", AT))

        counted = handlers.run(handlers.devices.record_readings(RecordReadings(device, REF, batch)))

        assert counted == {"accepted": 3, "repeated": 0, "implausible": 3, "alerts": 0}
        kept = [e for e in handlers.store.read_log(0, 10_000) if ".ReadingRecorded." in e.type]
        assert sum(1 for e in kept if e.data["implausible"]) == 3

    def test_fasting_glucose_alerts_a_diabetic_resident_only(self, handlers: Handlers) -> None:
        handlers.sign(OTHER_REF, "T1", key_populations=["diabetes"])
        diabetic = handlers.link_device("glucose_meter", OTHER_REF)["device_id"]
        hypertensive = handlers.link_device("glucose_meter")["device_id"]  # REF: elderly and hypertension
        fasting = Reading("glucose", 7.4, "mmol/L", AT, fasting=True)
        after_lunch = Reading("glucose", 8.0, "mmol/L", AT + timedelta(hours=4, minutes=30))  # below the 10.0

        def alerts(device: str, ref: str, *sent: Reading) -> int:
            counted = handlers.run(handlers.devices.record_readings(RecordReadings(device, ref, sent)))
            return int(counted["alerts"])

        assert alerts(diabetic, OTHER_REF, fasting, after_lunch) == 1
        assert alerts(hypertensive, REF, fasting) == 0  # no glucose target

    def test_the_reserve_holds_until_the_cut_off_then_is_released(self, handlers: Handlers) -> None:
        handlers.run(handlers.schedules.publish_schedule(STAFF, schedule()), STAFF)
        handlers.sign(OTHER_REF, "T2")  # contracted, but with another team: not for T1's reserve

        def free_to_anyone() -> list[int]:
            [session] = handlers.slots(STAFF, "CHC-1", "doc-1", SLOTS[0].date(), SLOTS[0].date(), handlers.clock[-1])[
                "sessions"
            ]
            return [s["free_to_anyone"] for s in session["slots"]]

        assert book(handlers, REF, SLOTS[0])["contracted"] is True
        assert book(handlers, OTHER_REF, SLOTS[1])["contracted"] is False
        book(handlers, THIRD, SLOTS[2])  # the second open place
        with pytest.raises(ReservedForContracted):
            book(handlers, FOURTH, SLOTS[3])
        assert free_to_anyone() == [0, 0, 0, 0]
        handlers.clock.append(CUTOFF)  # exactly the cut-off
        assert free_to_anyone() == [0, 0, 0, 1]
        assert book(handlers, FOURTH, SLOTS[3])["contracted"] is False

    @pytest.mark.parametrize("capacity", [1, 5])
    def test_concurrent_bookings_in_two_processes_take_exactly_the_slots_capacity(
        self, handlers: Handlers, capacity: int
    ) -> None:
        """Twenty residents book the same slot at once through two processors (as two pods would):
        the slot's places are in the doctor's agenda, one stream, so no place is taken twice."""
        handlers.run(handlers.schedules.publish_schedule(STAFF, schedule(capacity, 0, time(8, 30))), STAFF)
        pods = [CommandProcessor(handlers.store) for _ in range(2)]

        def attempt(n: int) -> str:
            try:
                book(handlers, RESIDENTS[n], SLOTS[0], pods[n % 2])
            except DomainError as refused:
                return type(refused).__name__
            return "booked"

        with ThreadPoolExecutor(len(RESIDENTS)) as pool:
            outcomes = Counter(pool.map(attempt, range(len(RESIDENTS))))
        for pod in pods:
            pod.close()

        assert outcomes == {"booked": capacity, "SlotFull": len(RESIDENTS) - capacity}
        agenda, _ = AGENDAS.fold(handlers.store.read(AGENDAS.stream_id("CHC-1/doc-1:2026-04-13")))
        assert agenda is not None and len({t.resident_ref for t in agenda.taken}) == len(agenda.taken) == capacity


class TestHealthRecordsHandlersInMemory(InMemory, HealthRecordsHandlerTests):
    pass


class TestHealthRecordsHandlersOnPostgres(OnPostgres, HealthRecordsHandlerTests):
    pass
