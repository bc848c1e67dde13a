"""The appraisal end to end: signings over HTTP through the real signing service and its relay;
visits, ratings and a referral produced to their topics as health-records and referral publish
them (those services are not merged yet: once they are, this should drive them over HTTP too);
the appraisal's projection, view, publication and relay as their own processes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from shared.contracts import Envelope, PublicEvent, topics
from shared.contracts.health_records import Measurement, ServiceRated, VisitCompleted
from shared.contracts.referral import ReferralAccepted, ReferralIssued
from shared.testing.kafka import eventually, produce_raw, read_topic
from shared.testing.processes import Processes
from signing.domain.identity import with_check_digit

CHINA = ZoneInfo("Asia/Shanghai")
BORN = {1: 1941, 2: 1982, 3: 1983}  # signing tags residents of 65 and over as elderly: r1 only


def started_a_year_ago(today: date) -> date:
    """The first day of a one-year contract whose last day is today."""
    after = today + timedelta(days=1)
    try:
        return after.replace(year=after.year - 1)
    except ValueError:  # 29 February
        return date(after.year - 1, 3, 1)


def previous_quarter(today: date) -> str:
    quarter = (today.month - 1) // 3
    return f"{today.year}-Q{quarter}" if quarter else f"{today.year - 1}-Q4"


class Platform:
    """The processes of this test and the calls it makes on them."""

    def __init__(self, processes: Processes, run_id: str, mint: Callable[..., str], kafka: dict[str, Any]) -> None:
        signing, appraisal = {"DATABASE_SCHEMA": f"signing_{run_id}"}, {"DATABASE_SCHEMA": f"appraisal_{run_id}"}
        self.signing = processes.start("serve", "signing", **signing)
        processes.start("relay", "signing", **signing)
        self.appraisal = processes.start("serve", "appraisal", **appraisal)
        processes.start("project", "appraisal", **appraisal, CONSUMER_GROUP=f"appraisal.it-{run_id}")
        processes.start("relay", "appraisal", **appraisal)
        self.kafka, self.run_id = kafka, run_id
        self.area = f"46{int(run_id, 16) % 10_000:04d}"
        self.team = {"team_id": f"T-{run_id}", "institution_id": f"CHC-{run_id}", "area_code": self.area}
        self.admin = {"Authorization": f"Bearer {mint('admin')}"}

    def command(self, url: str, body: dict[str, Any], method: str = "POST") -> dict[str, Any]:
        headers = self.admin | {"Idempotency-Key": str(uuid.uuid4())}
        answer = httpx.request(method, url, json=body, headers=headers)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()  # type: ignore[no-any-return]

    def sign(self, serial: int, starts_on: date, packages: list[str], tags: list[str]) -> dict[str, Any]:
        resident = {
            "identity_number": with_check_digit(f"440106{BORN[serial]}0101{serial:03d}"),
            "name": "Resident",
            "area_code": self.area + "001",
            "key_populations": tags,
        }
        body = {"resident": resident, "team_id": self.team["team_id"], "packages": packages, "doctor_id": "doc-1"}
        return self.command(f"{self.signing}/contracts", body | {"starts_on": starts_on.isoformat()})

    def produce(self, topic: topics.Topic, key: str, event: PublicEvent, source: str) -> None:
        """As a service's relay publishes: the CloudEvents envelope, keyed by the aggregate."""
        envelope = Envelope(
            id=str(uuid.uuid4()),
            source=source,
            type=event.TYPE,
            subject=key,
            time=datetime.now(UTC),
            correlationid=str(uuid.uuid4()),
            causationid=str(uuid.uuid4()),
            data=event.model_dump(mode="json"),
        )
        produce_raw(self.kafka, topic.name, [(key, envelope.encode())])

    def figures(self, **params: str) -> dict[str, str | None]:
        """Each indicator's value in the view, read as an official would."""
        answer = httpx.get(f"{self.appraisal}/indicators", params=params, headers=self.admin)
        return {f["indicator_id"]: f["value"] for f in answer.json()["figures"]} if answer.status_code == 200 else {}

    def team_figures(self, period: str) -> dict[str, str | None]:
        return self.figures(period=period, team=self.team["team_id"], level="team")

    def county_figures(self, period: str) -> dict[str, str | None]:
        return self.figures(period=period, area=self.area, level="county", dimension="contracted_services")


def visit(
    p: Platform, contract: dict[str, Any], on: datetime, fulfils: list[str], bp: tuple[int, int] = (0, 0)
) -> None:
    readings = [
        Measurement(kind=k, value=v, unit="mmHg") for k, v in zip(("systolic_bp", "diastolic_bp"), bp, strict=True) if v
    ]
    event = VisitCompleted(
        **p.team, resident_ref=contract["resident_ref"], contract_id=contract["contract_id"],
        visit_id=str(uuid.uuid4()), member_id="doc-1", member_role="family_doctor", place="clinic",
        fulfils=fulfils, measurements=readings, occurred_at=on,
    )  # fmt: skip
    p.produce(topics.HEALTH_SERVICES, contract["resident_ref"], event, "/fdcs/health_records")


def rate(p: Platform, contract: dict[str, Any], scores: tuple[int, int, int]) -> None:
    ability, attitude, responsiveness = scores
    event = ServiceRated(
        **p.team, resident_ref=contract["resident_ref"], contract_id=contract["contract_id"],
        rating_id=str(uuid.uuid4()), ability=ability, attitude=attitude, responsiveness=responsiveness,
        rated_at=datetime.now(UTC) - timedelta(minutes=1),
    )  # fmt: skip
    p.produce(topics.HEALTH_SERVICES, contract["resident_ref"], event, "/fdcs/health_records")


def refer(p: Platform, contract: dict[str, Any]) -> None:
    now, referral_id = datetime.now(UTC), str(uuid.uuid4())
    common = {**p.team, "referral_id": referral_id, "resident_ref": contract["resident_ref"], "hospital_id": "H3-4401"}
    issued = now - timedelta(minutes=30)
    for event in (
        ReferralIssued(
            **common, issued_at=issued, issued_by="doc-1", priority="green_channel", combined_signing=False,
            expires_at=now + timedelta(days=7),
        ),
        ReferralAccepted(
            **common, issued_at=issued, appointment_at=now + timedelta(days=1), accepted_at=now - timedelta(minutes=10),
        ),
    ):  # fmt: skip
        p.produce(topics.REFERRALS, referral_id, event, "/fdcs/referral")


def a_year_of_service(p: Platform, year: str, first_day: date) -> None:
    """A team with a doctor capped at 10; three residents whose one-year contracts end today,
    one renewed; three visits, three ratings and a referral; the county's population register."""
    member = {"member_id": "doc-1", "role": "family_doctor", "resident_cap": 10}
    team = p.team | {"name": "Team", "institution_kind": "community_health_centre", "resident_cap": 10}
    p.command(f"{p.signing}/teams", team | {"members": [member]})
    p.command(f"{p.appraisal}/population-register/{year}/{p.area}", {"population": 100, "key_population": 20}, "PUT")
    c1 = p.sign(1, first_day, ["basic", "hypertension"], ["hypertension", "elderly"])
    c2 = p.sign(2, first_day, ["basic"], [])
    c3 = p.sign(3, first_day, ["basic"], [])
    p.command(f"{p.signing}/contracts/{c1['contract_id']}/renewal", {})  # from tomorrow
    start = datetime.combine(first_day, datetime.min.time(), CHINA)
    visit(p, c1, start + timedelta(days=10, hours=10), ["health_assessment"])  # v1, in the contract year
    visit(p, c1, datetime.now(UTC) - timedelta(minutes=2), ["hypertension_follow_up"], bp=(128, 82))  # v2
    visit(p, c2, datetime.now(UTC) - timedelta(days=30), ["health_education"])  # v3
    for contract, scores in ((c1, (5, 5, 4)), (c2, (3, 3, 3)), (c3, (4, 4, 4))):
        rate(p, contract, scores)
    refer(p, c1)


def test_signings_visits_a_referral_and_ratings_give_the_expected_indicators(
    platform: Processes, run_id: str, mint_token: Callable[..., str], test_environment: dict[str, str]
) -> None:
    p = Platform(platform, run_id, mint_token, platform.kafka_client())
    today = datetime.now(CHINA).date()
    year = str(today.year)
    a_year_of_service(p, year, started_a_year_ago(today))

    expected = {
        "contracts_signed": "4",  # three signings and c1's renewal, all signed today
        "workload": "0.3000",  # 3 residents ÷ the doctor's cap of 10
        "effective_contracting": "0.6667",  # the years ending today: c1 (v1), c2 (v3); c3 had no service
        "renewal_rate": "0.3333",  # three terms end today: c1's is renewed
        "package_fulfilment": "0.1765",  # (2 of c1's 9 items + 1 of c2's 4 + 0 of c3's 4) ÷ 17
        "hypertension_follow_up": "0.0000",  # r1: 1 follow-up this year, 4 required
        "hypertension_control": "1.0000",  # r1's last reading 128/82
        "referral_timeliness": "1.0000",  # accepted after 20 minutes, green channel target 24 h
        "satisfaction": "0.6667",  # means 4.67, 3, 4 → 2 of 3 at 4 or more
    }
    eventually(lambda: p.team_figures(year).items() >= expected.items(), timeout=90)
    on_register = {
        "coverage": "0.0300",  # 3 residents living in the county ÷ 100 registered
        "key_population_coverage": "0.0500",  # r1 ÷ 20
    }
    assert eventually(lambda: p.county_figures(year).items() >= on_register.items())
    signed = httpx.get(f"{p.appraisal}/teams/{p.team['team_id']}/contracts-signed", headers=p.admin).json()
    assert signed["contracts_signed"] == 3

    quarter = previous_quarter(today)
    publication = p.command(f"{p.appraisal}/periods/{quarter}/publication", {"as_of": datetime.now(UTC).isoformat()})
    assert publication["results_published"] >= 2
    mine = f"ar-{quarter}-team-{p.team['team_id']}"
    results = read_topic(
        p.kafka, topics.APPRAISAL_RESULTS.name, lambda ms: any(mine in m.value().decode() for m in ms), timeout=90
    )
    event = next(json.loads(m.value()) for m in results if mine in m.value().decode())
    assert (event["type"], event["data"]["subject_id"]) == ("appraisal.AppraisalPublished.v1", p.team["team_id"])
