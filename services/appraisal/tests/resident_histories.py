"""Random histories of residents for the trajectory's property tests: contracts signed,
renewed, moved to another team, terminated or expired; visits with items and readings;
ratings; referrals answered in time or late, some with a specialist slot booked; care; appointments
booked, moved, attended (on a visit's day, or not), missed or cancelled; remote readings from
devices (blood pressure, glucose fasting or not), in runs of a few a month, some at a visit's
instant, many in 2027 (catalogue 2027.1 counts them); each fact known when it happened or later."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from hypothesis import strategies as st

from appraisal.domain import facts as f
from appraisal.domain.known import KINDS, Known, Knowns, ResidentHistory
from appraisal.domain.periods import Period
from services.appraisal.tests.appraisal_facts import BASIC, DIABETES, HYPERTENSION, T1, T2, T3, ZONE

T = TypeVar("T")
FIRST = date(2026, 1, 1)
PERIODS = ("2026", "2026-H1", "2026-H2", "2026-Q1", "2026-Q3")
TAGS = ("hypertension", "diabetes", "elderly")
CODES = (
    "health_record_update",
    "health_assessment",
    "health_education",
    "hypertension_follow_up",
    "diabetes_follow_up",
)
BEGINNING = datetime(2020, 1, 1, tzinfo=ZONE)
"""Before every fact: the segments computed from here are the whole trajectory."""


@dataclass
class Rows:
    """One resident's facts with when each became known, in no particular order."""

    contracts: list[Known[f.ContractFact]] = field(default_factory=list)
    endings: list[Known[tuple[str, f.Ending]]] = field(default_factory=list)
    visits: list[Known[f.VisitFact]] = field(default_factory=list)
    ratings: list[Known[f.RatingFact]] = field(default_factory=list)
    referrals: list[Known[f.ReferralStep]] = field(default_factory=list)
    care: list[Known[f.CareFact]] = field(default_factory=list)
    appointments: list[Known[f.AppointmentStep]] = field(default_factory=list)
    readings: list[Known[f.RemoteReading]] = field(default_factory=list)

    def history(self, known_by: datetime | None = None) -> ResidentHistory:
        """In the facts reader's order (latest known starts, latest endings first), those known by then."""

        def by(rows: list[Known[T]]) -> list[Known[T]]:
            return [r for r in rows if known_by is None or r[0] <= known_by]

        return ResidentHistory(
            Knowns(sorted(by(self.contracts), key=lambda r: r[0], reverse=True)),
            Knowns(sorted(by(self.endings), key=lambda r: r[1][1].last_day, reverse=True)),
            *(Knowns(by(rows)) for rows in (self.visits, self.ratings, self.referrals, self.care, self.appointments)),
            Knowns(by(self.readings)),
        )

    @property
    def known_at(self) -> list[datetime]:
        kinds = (self.contracts, self.endings, self.visits, self.ratings, self.referrals, self.care, self.appointments)
        return sorted(k for rows in (*kinds, self.readings) for k, _ in rows)


def merged(residents: list[Rows]) -> Rows:
    everyone = Rows()
    for r in residents:
        for name in KINDS:
            getattr(everyone, name).extend(getattr(r, name))
    return everyone


def day(offset: int) -> date:
    return FIRST + timedelta(days=offset)


def moment(offset: int, minutes: int) -> datetime:
    return datetime.combine(day(offset), time(), ZONE) + timedelta(minutes=minutes)


_LAG = st.sampled_from([timedelta(0), timedelta(0), timedelta(minutes=5), timedelta(days=3), timedelta(days=40)])
_DAY = st.one_of(st.integers(-10, 370), st.integers(-400, 420))  # mostly in the periods of 2026
_MINUTES = st.sampled_from([0, 1, 600, 1439])
_WHERE = st.sampled_from([T1, T2, T3])


@st.composite
def resident(draw: st.DrawFn, ref: str) -> Rows:
    rows, starts = (
        Rows(),
        draw(st.sampled_from([-400, -300, -200, -120, -60, 0, 45, 100, 200])) + draw(st.integers(0, 30)),
    )
    previous: f.ContractFact | None = None
    for k in range(draw(st.sampled_from([0, 1, 1, 2, 3]))):
        first = day(starts)
        tags = tuple(t for t in TAGS if draw(st.booleans()))
        items = BASIC + (HYPERTENSION if "hypertension" in tags else ()) + (DIABETES if "diabetes" in tags else ())
        renews = previous.contract_id if previous and draw(st.sampled_from([True, True, False])) else None
        where = previous.where if previous and renews and draw(st.booleans()) else draw(_WHERE)
        years = draw(st.sampled_from([1, 1, 2]))  # a term from 29 February ends on the 28th's eve
        ends = first.replace(year=first.year + years, day=min(first.day, 28 if first.month == 2 else 31)) - timedelta(
            days=1
        )
        signed = moment(starts - draw(st.integers(0, 20)), 600)
        c = f.ContractFact(f"{ref}-c{k}", ref, where.area_code + "001", where, items, tags, first, ends, signed, renews)
        rows.contracts.append((signed + draw(_LAG), c))
        last = draw(st.integers(0, (ends - first).days)) if draw(st.integers(0, 2)) == 0 else None
        if last is not None:
            kind = "expired" if day(starts + last) == ends and draw(st.booleans()) else "terminated"
            ending = f.Ending(kind, day(starts + last), None if kind == "expired" else "moved_away")
            rows.endings.append((moment(starts + last, 1380) + draw(_LAG), (c.contract_id, ending)))
        starts, previous = starts + (ends - first).days + 1 if last is None else starts + last + 1, c
    contracts = [c for _, c in rows.contracts]
    for k in range(draw(st.integers(0, 8))):
        under = draw(st.sampled_from([None, *contracts]))  # mostly a visit in the contract's term
        offset = (under.starts_on - FIRST).days + draw(st.integers(-10, 400)) if under else draw(_DAY)
        at, contract = moment(offset, draw(_MINUTES)), under.contract_id if under else None
        fulfils = tuple(code for code in CODES if draw(st.booleans()))
        readings = draw(st.sampled_from([(), ("systolic_bp", "diastolic_bp"), ("fasting_glucose",)]))
        measured = tuple(f.Measurement(kind, draw(st.sampled_from([5.5, 7.5, 80, 95, 120, 150]))) for kind in readings)
        visit = f.VisitFact(f"{ref}-v{k}", ref, contract, draw(_WHERE), fulfils, measured, at)
        rows.visits.append((at + draw(_LAG), visit))
    for k in range(draw(st.integers(0, 3))):
        at = moment(draw(_DAY), draw(_MINUTES))
        scores = draw(st.tuples(*[st.integers(2, 5)] * 3))
        where = draw(st.sampled_from([T1, T1, T2]))  # a later rating of the same team supersedes
        rows.ratings.append((at + draw(_LAG), f.RatingFact(f"{ref}-s{k}", ref, where, *scores, at)))
    for k in range(draw(st.integers(0, 2))):
        rows.referrals += draw(referral(f"{ref}-x{k}", ref))
    for k in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["long_prescription", "sickbed_admitted", "sickbed_discharged"]))
        on = draw(_DAY)
        rows.care.append((moment(on, 720) + draw(_LAG), f.CareFact(kind, f"{ref}-p{k}", ref, draw(_WHERE), day(on))))
    _beside_visits(draw, rows, ref)
    return rows


def _beside_visits(draw: st.DrawFn, rows: Rows, ref: str) -> None:
    """Appointments and devices' readings, often on a visit's day or instant."""
    visits = [v for _, v in rows.visits]
    for k in range(draw(st.integers(0, 3))):
        rows.appointments += draw(appointment(f"{ref}-a{k}", ref, draw(st.sampled_from([None, *visits]))))
    contracts = [c for _, c in rows.contracts]
    for k in range(draw(st.sampled_from([0, 1, 1, 2]))):
        on = draw(st.sampled_from([None, *visits, *contracts]))
        rows.readings += draw(device_readings(f"{ref}-d{k}", ref, on))


@st.composite
def device_readings(
    draw: st.DrawFn, device: str, ref: str, on: f.VisitFact | f.ContractFact | None
) -> list[Known[f.RemoteReading]]:
    """A run of a device's readings some days apart (enough in a month, or not, to count as a
    follow-up), from a visit's instant, in a contract's term (its patient's kind), or mostly in
    2027; a blood-pressure reading sometimes lacks its diastolic."""
    kinds = ["bp", "bp", "fasting_glucose", "glucose"]
    if isinstance(on, f.VisitFact):
        start = on.occurred_at
    elif isinstance(on, f.ContractFact):
        first = max(on.starts_on, date(2027, 1, 1))  # where catalogue 2027.1 counts it, or a month before
        start = moment((first - FIRST).days + draw(st.integers(-30, 300)), draw(_MINUTES))
        kinds = ["bp"] * ("hypertension" in on.key_populations) + ["fasting_glucose", "glucose"] * (
            "diabetes" in on.key_populations
        ) or kinds
    else:
        start = moment(draw(st.one_of(st.integers(330, 760), _DAY)), draw(_MINUTES))
    kind = draw(st.sampled_from(kinds))
    spacing, where = timedelta(days=draw(st.sampled_from([1, 3, 7, 12]))), draw(_WHERE)
    found: list[Known[f.RemoteReading]] = []
    for i in range(draw(st.integers(1, 6))):
        at = start + i * spacing
        if kind == "bp":
            values = [("systolic_bp", draw(st.sampled_from([120, 139, 140, 150])))]
            if draw(st.integers(0, 5)) > 0:
                values.append(("diastolic_bp", draw(st.sampled_from([80, 89, 90, 95]))))
        else:
            values = [(kind, draw(st.sampled_from([5.5, 6.9, 7.0, 9.5])))]
        lag = draw(_LAG)
        made = (f.RemoteReading(f"{device}:{k}@{at.isoformat()}", ref, where, device, k, v, at) for k, v in values)
        found += [(at + lag, r) for r in made]
    return found


@st.composite
def appointment(
    draw: st.DrawFn, appointment_id: str, ref: str, on: f.VisitFact | None
) -> list[Known[f.AppointmentStep]]:
    """Booked some days ahead, maybe moved, then attended, missed or cancelled; mostly the slot of a visit."""
    if on is not None and draw(st.integers(0, 3)) > 0:
        slot, team = on.occurred_at - timedelta(minutes=draw(st.sampled_from([0, 30]))), on.where.team_id
    else:
        slot, team = moment(draw(_DAY), draw(_MINUTES)), draw(_WHERE).team_id
    moved = draw(st.sampled_from([timedelta(0), timedelta(0), timedelta(days=-2), timedelta(days=5)]))
    first = slot + moved  # the slot first booked: a move brings it to `slot`
    ahead = timedelta(days=draw(st.sampled_from([0, 1, 3, 10])), minutes=draw(st.sampled_from([5, 700])))
    booked = min(slot, first) - ahead
    contracted = draw(st.booleans())
    steps = [f.AppointmentStep(appointment_id, "booked", ref, team, first, booked, contracted)]
    if moved:
        steps.append(f.AppointmentStep(appointment_id, "rescheduled", ref, team, slot, booked + timedelta(hours=1)))
    end = draw(st.sampled_from(["attended", "attended", "attended", "missed", "cancelled", None]))
    if end is not None:
        at = slot + timedelta(hours=1) if end != "cancelled" else booked + timedelta(hours=2)
        steps.append(f.AppointmentStep(appointment_id, end, ref, team, slot, at))
    return [(s.at + draw(_LAG), s) for s in steps]


@st.composite
def referral(draw: st.DrawFn, referral_id: str, ref: str) -> list[Known[f.ReferralStep]]:
    issued, where = moment(draw(_DAY), draw(_MINUTES)), draw(_WHERE)
    priority = draw(st.sampled_from([None, "routine", "urgent", "green_channel"]))
    steps = [(issued, f.ReferralStep(referral_id, "issued", ref, where, issued, issued, priority))]
    answers = st.sampled_from(["accepted", "declined", "cancelled", "expired", "completed", "slot_booked"])
    for answer in draw(st.lists(answers, max_size=2)):
        at = issued + timedelta(hours=draw(st.sampled_from([1, 24, 30, 72, 100])))
        steps.append((at, f.ReferralStep(referral_id, answer, ref, where, issued, at)))
    return [(at + draw(_LAG), step) for at, step in steps]


@st.composite
def as_of_times(draw: st.DrawFn, period: Period, known_at: list[datetime]) -> list[datetime]:
    """Before the period, inside it, at and just before day boundaries and facts becoming known, after it."""
    length = (period.last - FIRST).days
    days = st.integers((period.first - FIRST).days - 40, length + 40)
    times = draw(st.lists(st.builds(moment, days, _MINUTES), min_size=2, max_size=4))
    exact = draw(st.lists(st.sampled_from(known_at), max_size=3)) if known_at else []
    return times + exact + [t - timedelta(microseconds=1) for t in exact]
