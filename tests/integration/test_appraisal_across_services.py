"""The appraisal across the platform: signings over HTTP in signing, visits and ratings in
health records, a referral and its acceptance in referral, each service's API, relay and
projection as its own process; appraisal's projection reads what they publish, and its view
shows the indicators computed by hand below."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from shared.pseudonyms import resident_ref
from shared.settings import DEV_PSEUDONYM_KEY
from shared.testing.kafka import eventually
from shared.testing.processes import Processes
from signing.domain.identity import with_check_digit

CHINA = ZoneInfo("Asia/Shanghai")
BORN = (1941, 1982, 1983)  # signing tags residents of 65 and over as elderly: r1
BP = [{"kind": "systolic_bp", "value": 128, "unit": "mmHg"}, {"kind": "diastolic_bp", "value": 82, "unit": "mmHg"}]


class Platform:
    """Signing, health records, referral and appraisal, each API, relay and projection running."""

    def __init__(self, processes: Processes, run_id: str, mint: Callable[..., str]) -> None:
        self.url: dict[str, str | None] = {}
        for service in ("signing", "health-records", "referral", "appraisal"):
            own = {"DATABASE_SCHEMA": f"{service.replace('-', '_')}_x_{run_id}"}
            self.url[service] = processes.start("serve", service, **own)
            processes.start("project", service, **own, CONSUMER_GROUP=f"{service.replace('-', '_')}.x-{run_id}")
            if service != "appraisal":
                processes.start("relay", service, **own)
        self.area, self.hospital = f"47{int(run_id, 16) % 10_000:04d}", f"H3-x-{run_id}"
        self.team = {"team_id": f"TX-{run_id}", "institution_id": f"CHC-x-{run_id}", "area_code": self.area}
        self.admin = self.bearer(mint("admin"))
        self.doctor = self.bearer(mint("family_doctor", sub="doc-1", team=self.team["team_id"]))
        self.mint, self.run_id = mint, run_id

    @staticmethod
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def post(self, service: str, path: str, body: Any, who: dict[str, str], method: str = "POST") -> Any:
        headers = who | {"Idempotency-Key": str(uuid.uuid4())}
        answer = httpx.request(method, f"{self.url[service]}{path}", json=body, headers=headers)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    def identity(self, serial: int) -> str:
        """Of this run only: other tests' residents on the shared topics are not these."""
        day = int(self.run_id, 16) % 336
        return with_check_digit(f"440106{BORN[serial - 1]}{day // 28 + 1:02d}{day % 28 + 1:02d}{serial:03d}")

    def sign(self, serial: int, starts_on: date, packages: list[str], tags: list[str]) -> str:
        resident = {"identity_number": self.identity(serial), "name": "Resident", "area_code": self.area + "001"}
        body = {"resident": resident | {"key_populations": tags}, "team_id": self.team["team_id"]}
        body |= {"packages": packages, "doctor_id": "doc-1", "starts_on": starts_on.isoformat()}
        self.post("signing", "/contracts", body, self.admin)
        return resident_ref(self.identity(serial), DEV_PSEUDONYM_KEY)

    def visit(self, ref: str, on: datetime, fulfils: list[str], measurements: list[dict[str, Any]]) -> None:
        body = {"member_id": "doc-1", "place": "clinic", "fulfils": fulfils, "measurements": measurements}
        self.post("health-records", f"/residents/{ref}/visits", body | {"occurred_at": on.isoformat()}, self.doctor)

    def rate(self, ref: str, scores: tuple[int, int, int]) -> None:
        body = dict(zip(("ability", "attitude", "responsiveness"), scores, strict=True))
        resident = self.bearer(self.mint("resident", resident=ref))
        self.post("health-records", f"/residents/{ref}/ratings", body | {"team_id": self.team["team_id"]}, resident)

    def refer_and_accept(self, serial: int) -> None:
        patient = {"identity_number": self.identity(serial), "name": "Resident"}
        body = {"patient": patient, "hospital_id": self.hospital, "department": "cardiology", "priority": "urgent"}
        body |= {"reason": "Blood pressure not controlled", "clinical_summary": "168/102 on two drugs."}
        key = {"Idempotency-Key": f"refer-{self.run_id}"}

        def refer() -> httpx.Response | None:  # refused until referral has learnt of the contract
            answer = httpx.post(f"{self.url['referral']}/referrals", json=body, headers=self.doctor | key)
            return answer if answer.status_code == 201 else None

        issued = eventually(refer, timeout=90).json()
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        acceptance = {"appointment_at": tomorrow, "department": "cardiology", "doctor": "Dr Wang"}
        hospital = self.bearer(self.mint("hospital", hospital=self.hospital))
        self.post("referral", f"/referrals/{issued['referral_id']}/accept", acceptance, hospital)

    def figures(self, **params: str) -> dict[str, str | None]:
        answer = httpx.get(f"{self.url['appraisal']}/indicators", params=params, headers=self.admin)
        return {f["indicator_id"]: f["value"] for f in answer.json()["figures"]} if answer.status_code == 200 else {}

    def opened(self, ref: str) -> bool:
        """Health records (and referral) have learnt of the contract from signing's events."""
        return httpx.get(f"{self.url['health-records']}/residents/{ref}/plan", headers=self.doctor).status_code == 200


def started_a_year_ago(today: date) -> date:
    """The first day of a one-year contract whose last day is today."""
    after = today + timedelta(days=1)
    try:
        return after.replace(year=after.year - 1)
    except ValueError:  # 29 February
        return date(after.year - 1, 3, 1)


def test_signings_visits_ratings_and_a_referral_over_http_give_the_expected_indicators(
    platform: Processes, run_id: str, mint_token: Callable[..., str], test_environment: dict[str, str]
) -> None:
    p = Platform(platform, run_id, mint_token)
    assert platform.broker is not None
    platform.broker.onboard("hospital", p.hospital)  # as provincial IT onboards a hospital
    today = datetime.now(CHINA).date()
    year, first_day = str(today.year), started_a_year_ago(today)  # the contracts' year ends today
    member = {"member_id": "doc-1", "role": "family_doctor", "resident_cap": 10}
    team = p.team | {"name": "Team", "institution_kind": "community_health_centre", "resident_cap": 10}
    p.post("signing", "/teams", team | {"members": [member, {"member_id": "n-1", "role": "community_nurse"}]}, p.admin)
    register = {"population": 100, "key_population": 20}
    p.post("appraisal", f"/population-register/{year}/{p.area}", register, p.admin, "PUT")
    r1 = p.sign(1, first_day, ["basic", "hypertension"], ["hypertension"])
    r2 = p.sign(2, first_day, ["basic"], [])
    r3 = p.sign(3, first_day, ["basic"], [])
    assert eventually(lambda: all(p.opened(r) for r in (r1, r2, r3)), timeout=90)

    start, now = datetime.combine(first_day, datetime.min.time(), CHINA), datetime.now(UTC)
    p.visit(r1, start + timedelta(days=10, hours=10), ["health_assessment"], [])
    p.visit(r1, now - timedelta(minutes=2), ["hypertension_follow_up"], BP)
    p.visit(r2, now - timedelta(days=30), ["health_education"], [])
    for ref, scores in ((r1, (5, 5, 4)), (r2, (3, 3, 3)), (r3, (4, 4, 4))):
        p.rate(ref, scores)
    p.refer_and_accept(1)

    expected = {
        "contracts_signed": "3",  # r1, r2, r3, all signed today
        "workload": "0.3000",  # 3 residents ÷ doc-1's cap of 10 (the nurse does not contract)
        "effective_contracting": "0.6667",  # the years ending today: r1 (health assessment), r2 (education)
        "package_fulfilment": "0.1765",  # (2 of r1's 9 items + 1 of r2's 4 + 0 of r3's 4) ÷ 17
        "hypertension_follow_up": "0.0000",  # r1: 1 follow-up this year, 4 required
        "hypertension_control": "1.0000",  # r1's last reading 128/82
        "referral_timeliness": "1.0000",  # urgent, accepted within minutes: target 24 h
        "satisfaction": "0.6667",  # means 4.67, 3, 4: 2 of 3 at 4 or more
    }
    team_view = {"period": year, "team": p.team["team_id"], "level": "team"}
    assert eventually(lambda: p.figures(**team_view).items() >= expected.items(), timeout=120)
    county = p.figures(period=year, area=p.area, level="county", dimension="contracted_services")
    assert county["coverage"] == "0.0300"  # 3 residents living in the county ÷ 100 registered
    assert county["key_population_coverage"] == "0.0500"  # r1 (hypertension, elderly) ÷ 20
