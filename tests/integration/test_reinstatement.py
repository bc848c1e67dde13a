"""An operator's undo across the platform: the expiry job, run with its clock a year ahead,
expires a running contract; an official reinstates it; signing, health records, referral,
billing and appraisal, each its own processes following Kafka, show what they showed before
the mistake, and a real ending afterwards is followed as if the expiry had never happened."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from shared.pseudonyms import resident_ref
from shared.settings import DEV_PSEUDONYM_KEY
from shared.testing.kafka import eventually
from shared.testing.processes import Processes
from signing.domain.identity import with_check_digit

CHINA = ZoneInfo("Asia/Shanghai")
PATIENT = 180  # seconds: the suites share two cores
SERVICES = ("signing", "health-records", "referral", "billing", "appraisal")


class Platform:
    def __init__(self, processes: Processes, run_id: str, mint: Callable[..., str]) -> None:
        self.url: dict[str, str | None] = {}
        for service in SERVICES:
            schema = service.replace("-", "_")
            own = {"DATABASE_SCHEMA": f"{schema}_u_{run_id}", "DATABASE_POOL_SIZE": "2"}
            groups = {"CONSUMER_GROUP": f"{schema}.u-{run_id}", "VIEW_CONSUMER_GROUP": f"{schema}.uv-{run_id}"}
            clock = {"SIMULATED_CLOCK": "true"} if service == "signing" else {}  # the mistaken clock
            self.url[service] = processes.start("serve", service, **own, **clock)
            processes.start("project", service, **own, **groups)
        processes.start("relay", "signing", DATABASE_SCHEMA=f"signing_u_{run_id}", DATABASE_POOL_SIZE="2")
        self.area, self.team = f"46{int(run_id, 16) % 10_000:04d}", f"TU-{run_id}"
        self.admin = self.bearer(mint("admin"))
        self.official = self.bearer(mint("official", area=self.area))
        self.doctor = self.bearer(mint("family_doctor", sub="doc-1", team=self.team))
        self.wrong_clock = self.bearer(mint("admin", simulation=True))
        self.identity = with_check_digit(f"440106197{int(run_id, 16) % 10}0{int(run_id, 16) % 9 + 1}15001")

    @staticmethod
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def post(self, service: str, path: str, body: Any, who: dict[str, str], **headers: str) -> httpx.Response:
        sent = who | {"Idempotency-Key": str(uuid.uuid4())} | headers
        return httpx.post(f"{self.url[service]}{path}", json=body, headers=sent)

    def get(self, service: str, path: str, who: dict[str, str] | None = None, **params: Any) -> httpx.Response:
        return httpx.get(f"{self.url[service]}{path}", params=params, headers=who or self.admin)

    def views(self, contract_id: str, ref: str, year: str) -> dict[str, Any]:
        """What each service shows of the contract (versions and ETags aside)."""
        contract = self.get("signing", f"/contracts/{contract_id}").json()
        [indexed] = self.get("signing", "/contracts", resident_ref=ref).json()["items"]
        account = self.get("billing", f"/contracts/{contract_id}/account").json()
        figures = self.get("appraisal", "/indicators", period=year, team=self.team, level="team").json()
        return {
            "contract": {k: contract[k] for k in ("status", "last_day", "successor_id")},
            "index": {k: indexed[k] for k in ("status", "last_day")},
            "places": self.get("signing", f"/teams/{self.team}").json()["places_taken"],
            "fulfilment": self.get("health-records", f"/residents/{ref}/fulfilment", self.doctor).json(),
            "account": {k: account[k] for k in ("years", "ended", "refusals")},
            "figures": {f["indicator_id"]: f["value"] for f in figures["figures"]},
        }


def test_a_wrongly_expired_contract_is_reinstated_and_every_view_follows(
    platform: Processes, run_id: str, mint_token: Callable[..., str], test_environment: dict[str, str]
) -> None:
    p = Platform(platform, run_id, mint_token)
    today = datetime.now(CHINA).date()
    member = {"member_id": "doc-1", "role": "family_doctor", "resident_cap": 10}
    team = {"team_id": p.team, "name": "Team", "institution_id": f"CHC-u-{run_id}", "area_code": p.area}
    team |= {"institution_kind": "community_health_centre", "resident_cap": 10, "members": [member]}
    assert p.post("signing", "/teams", team, p.admin).status_code == 201
    resident = {"identity_number": p.identity, "name": "Resident", "area_code": p.area + "001"}
    body = {"resident": resident, "team_id": p.team, "packages": ["basic"], "doctor_id": "doc-1"}
    signed = p.post("signing", "/contracts", body | {"starts_on": (today - timedelta(days=10)).isoformat()}, p.admin)
    assert signed.status_code == 201, signed.text
    cid, ends_on = signed.json()["contract_id"], date.fromisoformat(signed.json()["ends_on"])
    ref = resident_ref(p.identity, DEV_PSEUDONYM_KEY)

    def settled(expected: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
        try:
            views = p.views(cid, ref, str(today.year))
        except (KeyError, ValueError):  # not every service has learnt of the contract yet
            return None
        return views if expected(views) else None

    before = eventually(lambda: settled(known_everywhere), timeout=PATIENT)
    assert before["account"]["ended"] is None and before["index"]["status"] == "active"

    wrong_expiry = eventually(lambda: expired_by_a_clock_a_year_ahead(p, cid, ends_on))
    during = eventually(lambda: settled(lambda v: (v["account"]["ended"] or {}).get("reason") == "expired"))
    reinstated = p.post("signing", f"/contracts/{cid}/reinstatement", {"reason": "clock_error"}, p.official)
    try:
        after = eventually(lambda: settled(lambda v: v == before), timeout=PATIENT)
    except AssertionError:
        assert p.views(cid, ref, str(today.year)) == before  # which view did not come back
        raise

    assert wrong_expiry == [cid]
    assert (during["contract"]["status"], during["places"]) == ("expired", 0)
    assert reinstated.status_code == 200, reinstated.text
    assert after == before
    assert p.get("health-records", f"/residents/{ref}/plan", p.doctor).status_code == 200
    assert p.post("referral", "/referrals", referral(p, run_id), p.doctor).status_code == 201

    moved = {"reason": "moved_away", "last_day": (today - timedelta(days=1)).isoformat()}
    assert p.post("signing", f"/contracts/{cid}/termination", moved, p.admin).status_code == 200
    refunded = eventually(lambda: refunds(p, cid), timeout=PATIENT)  # billing reopened the account
    # health records noted the real ending: the team is no longer in charge
    assert eventually(lambda: p.get("health-records", f"/residents/{ref}/plan", p.doctor).status_code == 403)
    assert sum(refunded.values()) < 0
    assert eventually(lambda: p.post("referral", "/referrals", referral(p, run_id), p.doctor).status_code == 422)


def known_everywhere(views: dict[str, Any]) -> bool:
    """The appraisal knows the team too (its cap makes the workload): it reads the teams' and the
    contracts' topics in time order, but on a busy machine a contract signed a moment after its
    team's registration can be applied first, and the figures then move once more."""
    figures = views["figures"]
    return (
        figures.get("contracts_signed") == "1"
        and figures.get("workload") is not None
        and "items" in views["fulfilment"]
    )


def referral(p: Platform, run_id: str) -> dict[str, Any]:
    body = {"patient": {"identity_number": p.identity, "name": "Resident"}, "hospital_id": f"H3-u-{run_id}"}
    return body | {"department": "cardiology", "priority": "routine", "reason": "Dizzy", "clinical_summary": "None."}


def expired_by_a_clock_a_year_ahead(p: Platform, contract_id: str, ends_on: date) -> list[str] | None:
    """The daily job, run with the scheduler's clock past the contract's end."""
    after = ends_on + timedelta(days=1)
    moment = datetime(after.year, after.month, after.day, 0, 5, tzinfo=CHINA).isoformat()
    run = p.post(
        "signing", "/contracts/expiries", {"as_of": after.isoformat()}, p.wrong_clock, **{"X-Simulated-Time": moment}
    )
    assert run.status_code == 200, run.text
    return run.json()["expired"] or None


def refunds(p: Platform, contract_id: str) -> dict[str, int] | None:
    year = p.get("billing", f"/contracts/{contract_id}/account").json()["years"][0]
    return year["refunds"] or None
