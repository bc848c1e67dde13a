"""The capitation year through billing's inputs and API, on PostgreSQL: contracts, claims and
completed referrals delivered as the consumer gets them, the year reconciled over HTTP.

Worked by hand with the 2025 rule (18,000 fen per resident-year, elderly × 1.8; 60% of a
surplus kept, capped at 10% of the budget; 30% of an overspend borne, capped at 5%; 2,000 fen
per completed referral). Team T1 of CHC-1: resident a (adult) and b (elderly), the whole of
2025; team T2 of CHC-1: resident c (adult), no claims.

- T1: budget 18,000 + 32,400 = 50,400; spending 10,000 (a, own) + 15,000 (b, referred) +
  2,000 (one referral) = 27,000; surplus 23,400, kept min(14,040, 5,040) = 5,040.
- T2: budget 18,000, surplus 18,000, kept min(10,800, 1,800) = 1,800.
- CHC-1: budget 68,400, spending 27,000, surplus 41,400, kept min(24,840, 6,840) = 6,840.
- A late claim of 30,000 for a (2025-11-30): T1 overspends 6,600 and bears min(1,980, 2,520)
  = 1,980; CHC-1's surplus is 11,400, kept 6,840 still. Both restated (sequence 1), T2 not.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from functools import reduce
from typing import Any

import pytest

from billing.adapters.publishing import to_public
from billing.application import capitation
from billing.application.streams import RESIDENTS, YEARS
from billing.bootstrap import capitation_for
from billing.domain import capitation_index, capitation_year_end
from billing.domain import capitation_year as cy
from billing.domain import performance_year as py
from billing.domain.reconciliation import Figures
from shared.commands import CommandContext, CommandProcessor, Session
from shared.contracts import topics

Billing = Any  # the `billing` fixture (conftest.Billing)
CLAIMS = topics.claims("b4401").name
TEAM = {"institution_id": "CHC-1", "area_code": "440106", "insurance_bureau_id": "MIB-1"}
WHOLE_2025 = {"starts_on": "2025-01-01", "ends_on": "2025-12-31"}


def claim(billing: Billing, contract: str, amount: int, on: str, kind: str = "own_outpatient", **data: Any) -> Any:
    fields = {"claim_id": f"clm-{uuid.uuid4()}", "institution_id": "CHC-1", "area_code": "440106"}
    return billing.event(
        "claims.ClaimRecorded.v1",
        **fields | data,
        resident_ref=billing.resident(contract),
        amount_fen=amount,
        service_date=on,
        kind=kind,
        referral_id=None,
    )


def year_2025(billing: Billing) -> dict[str, Any]:
    """The contracts, claims and referral of 2025 delivered; the envelopes, to deliver again."""
    signed = [
        billing.signed("a", team_id="T1", key_populations=[], **TEAM, **WHOLE_2025),
        billing.signed("b", team_id="T1", key_populations=["elderly"], **TEAM, **WHOLE_2025),
        billing.signed("c", team_id="T2", key_populations=[], **TEAM, **WHOLE_2025),
    ]
    claims = [
        claim(billing, "a", 10_000, "2025-03-01"),
        claim(billing, "b", 15_000, "2025-06-01", "referred_care", institution_id="H3-4401"),
        claim(billing, "a", 9_999, "2026-01-10"),  # 2026: another year's
        claim(billing, "nobody", 7_777, "2025-04-01"),  # no contract: nobody's budget
    ]
    referral = billing.event(
        "referral.ReferralCompleted.v2",
        resident_ref=billing.resident("b"),
        team_id="T1",
        institution_id="CHC-1",
        area_code="440106",
        referral_id="ref-1",
        completed_at="2025-05-06T11:00:00+08:00",
    )
    billing.deliver(*signed, referral)
    billing.deliver(*claims, topic=CLAIMS)
    return {"signed": signed, "claims": claims, "referral": referral}


def rows(billing: Billing, who: dict[str, str] | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    answer = billing.get("/capitation-years/2025/reconciliations", who=who)
    assert answer.status_code == 200, answer.text
    return {(r["subject_kind"], r["subject_id"]): r for r in answer.json()["rows"]}


@pytest.mark.parametrize("page", [1, 1_000], ids=["a-resident-a-page", "every-resident-in-a-page"])
def test_a_team_under_budget_keeps_its_capped_surplus_and_a_late_claim_restates_the_year(
    billing: Billing, page: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(capitation, "_RESIDENTS_AT_ONCE", page)  # the job reads the roster a page at a time
    year_2025(billing)

    first = billing.reconcile(2025)
    figures = rows(billing)

    assert first.status_code == 200, first.text
    assert first.json() == {"year": 2025, "reconciled": 3, "restated": 0, "subjects": 3, "institutions": 1}
    t1 = figures[("team", "T1")]
    assert (t1["sequence"], t1["residents"], t1["referrals_completed"], t1["difference"]) == (0, 2, 1, None)
    assert t1["figures"] == {
        "budget_fen": 50_400,
        "own_outpatient_fen": 10_000,
        "referred_care_fen": 15_000,
        "referral_fees_fen": 2_000,
        "spending_fen": 27_000,
        "surplus_fen": 23_400,
        "retained_fen": 5_040,
        "returned_fen": 18_360,
        "borne_fen": 0,
        "covered_fen": 0,
        "advanced_fen": 0,  # nothing advanced to a team: the advances go to its institution
        "balance_due_fen": 32_040,  # spending 27,000 + retained 5,040
    }
    assert (figures[("team", "T2")]["figures"]["surplus_fen"], figures[("team", "T2")]["figures"]["retained_fen"]) == (
        18_000,
        1_800,
    )
    chc = figures[("institution", "CHC-1")]["figures"]
    assert (chc["budget_fen"], chc["spending_fen"], chc["surplus_fen"], chc["retained_fen"]) == (
        68_400,
        27_000,
        41_400,
        6_840,
    )

    billing.deliver(claim(billing, "a", 30_000, "2025-11-30"), topic=CLAIMS)
    late = billing.reconcile(2025)
    restated = rows(billing)

    assert late.json() == {"year": 2025, "reconciled": 0, "restated": 2, "subjects": 3, "institutions": 1}
    t1 = restated[("team", "T1")]
    assert (t1["sequence"], t1["restates_reconciliation_id"]) == (1, "capitation/team/T1/2025/0")
    assert t1["difference"] == {
        "budget_fen": 0,
        "own_outpatient_fen": 30_000,
        "referred_care_fen": 0,
        "referral_fees_fen": 0,
        "spending_fen": 30_000,
        "surplus_fen": -30_000,
        "retained_fen": -5_040,
        "returned_fen": -18_360,
        "borne_fen": 1_980,
        "covered_fen": 4_620,
        "advanced_fen": 0,
        "balance_due_fen": 22_980,  # 18,360 no longer returned + 4,620 covered
    }
    assert (t1["figures"]["surplus_fen"], t1["figures"]["borne_fen"], t1["figures"]["covered_fen"]) == (
        -6_600,
        1_980,
        4_620,
    )
    chc = restated[("institution", "CHC-1")]
    assert (chc["sequence"], chc["figures"]["retained_fen"], chc["difference"]["returned_fen"]) == (1, 6_840, -30_000)
    assert restated[("team", "T2")]["sequence"] == 0

    published = [m for e in billing.store.read_log(0, 100_000) for m in to_public(e)]
    reconciled = [m for m in published if m.topic == topics.SETTLEMENTS.name and "Capitation" in m.value.decode()]
    to_bureau = [m for m in published if m.topic == topics.bureau("MIB-1").name and "Capitation" in m.value.decode()]
    assert len(reconciled) == len(to_bureau) == 5  # 3 reconciliations, 2 restatements


def test_the_same_claims_and_referral_again_change_nothing(billing: Billing) -> None:
    sent = year_2025(billing)
    billing.reconcile(2025)
    before = rows(billing)
    log = billing.store.last_position()

    billing.deliver(*sent["signed"], sent["referral"])
    billing.deliver(*sent["claims"], topic=CLAIMS)
    again = [billing.event("claims.ClaimRecorded.v1", **c.data) for c in sent["claims"]]  # new envelope ids
    billing.deliver(*again, topic=CLAIMS)
    redone = billing.reconcile(2025)

    assert redone.json() == {"year": 2025, "reconciled": 0, "restated": 0, "subjects": 3, "institutions": 1}
    assert rows(billing) == before
    recorded = [e.type for e in billing.store.read_log(log, 10_000) if e.type.startswith("billing.")]
    assert recorded == []  # only command receipts


def test_each_caller_sees_its_own_and_the_residents_a_page_at_a_time(billing: Billing) -> None:
    year_2025(billing)
    billing.reconcile(2025)

    seen = {
        "doctor of T1": set(rows(billing, billing.as_("family_doctor", team="T1", institution="CHC-1"))),
        "official of 4401": set(rows(billing, billing.as_("official", area="4401"))),
        "official of 4403": set(rows(billing, billing.as_("official", area="4403"))),
        "bureau MIB-1": set(rows(billing, billing.as_("insurance_bureau", bureau="MIB-1"))),
        "bureau MIB-2": set(rows(billing, billing.as_("insurance_bureau", bureau="MIB-2"))),
    }
    everything = {("team", "T1"), ("team", "T2"), ("institution", "CHC-1")}
    assert seen == {
        "doctor of T1": {("team", "T1")},
        "official of 4401": everything,
        "official of 4403": set(),
        "bureau MIB-1": everything,
        "bureau MIB-2": set(),
    }

    path = "/capitation-years/2025/team/T1/residents"
    first = billing.get(path, limit=1).json()
    second = billing.get(path, limit=1, cursor=first["next_cursor"]).json()
    items = {i["resident_ref"]: i for i in first["items"] + second["items"]}
    assert second["next_cursor"] is None
    assert {ref: (i["contracted_days"], i["budget_fen"], i["spending_fen"]) for ref, i in items.items()} == {
        billing.resident("a"): (365, 18_000, 10_000),
        billing.resident("b"): (365, 32_400, 15_000),
    }
    other_team = billing.as_("family_doctor", team="T2", institution="CHC-1")
    assert billing.get(path, who=other_team).status_code == 404


def test_the_residents_a_page_at_a_time_are_every_one_in_order_of_ref(billing: Billing) -> None:
    """Kept by ref when recorded, so a page looks its start up: one at a time, after any cursor,
    the pages give what one page of them all does."""
    names = [f"p{n}" for n in range(7)]
    billing.deliver(*(billing.signed(n, team_id="T1", key_populations=[], **TEAM, **WHOLE_2025) for n in names))
    billing.deliver(claim(billing, "p3", 5_000, "2025-03-01"), claim(billing, "p5", 7_000, "2025-04-01"), topic=CLAIMS)
    billing.reconcile(2025)
    refs = sorted(billing.resident(n) for n in names)

    for path in ("/capitation-years/2025/team/T1/residents", "/capitation-years/2025/institution/CHC-1/residents"):
        whole = billing.get(path, limit=1_000).json()
        paged, cursor = [], None
        while True:
            body = billing.get(path, limit=1, **({"cursor": cursor} if cursor else {})).json()
            paged += body["items"]
            if (cursor := body["next_cursor"]) is None:
                break
        assert whole["next_cursor"] is None
        assert [i["resident_ref"] for i in whole["items"]] == refs
        assert paged == whole["items"]
        assert {i["resident_ref"]: i["spending_fen"] for i in paged if i["spending_fen"]} == {
            billing.resident("p3"): 5_000,
            billing.resident("p5"): 7_000,
        }
        between = billing.get(path, limit=2, cursor=refs[2] + "0").json()  # not a ref: the next one after it
        assert ([i["resident_ref"] for i in between["items"]], between["next_cursor"]) == (refs[3:5], refs[4])
        assert billing.get(path, cursor=refs[-1]).json() == {**whole, "items": [], "next_cursor": None}
    recorded = [e.data for e in billing.store.read("capitation-institution-year-2025~CHC-1")]
    assert all(list(r[m]) == sorted(r[m]) for r in recorded for m in ("contracted_days", "budget_by_resident"))


def test_a_reconciliation_recorded_before_its_residents_were_kept_by_ref_pages_by_ref() -> None:
    """One recorded before is sorted when read; a resident with claims and no days is among them."""
    figures = Figures(*([0] * 12))
    unsorted = cy.CapitationReconciliationRecorded(
        "capitation/team/T1/2025/0", "team", "T1", "CHC-1", "440106", "insurance_fund", None, 2025, 0, None, 0,
        figures, None, {"r_c": 1, "r_a": 2}, {"r_b": 3, "r_c": 4}, {"r_c": 365, "r_a": 365},
        datetime(2026, 1, 5, tzinfo=UTC),
    )  # fmt: skip

    assert capitation_year_end.residents_in_order(unsorted) == ["r_a", "r_b", "r_c"]


def test_a_doctor_or_a_filter_naming_one_institution_reads_only_its_rows(billing: Billing) -> None:
    """Looked up alone in the year's index, kept by the process and read on after its version."""
    year_2025(billing)
    chc2 = {**TEAM, "institution_id": "CHC-2", "area_code": "440111"}
    billing.reconcile(2025)
    everything = set(rows(billing))
    billing.deliver(billing.signed("d", team_id="T3", key_populations=[], **chc2, **WHOLE_2025))  # after it was read
    billing.reconcile(2025, key="again")

    def named(institution: str, who: dict[str, str] | None = None, **params: Any) -> set[tuple[str, str]]:
        body = billing.get("/capitation-years/2025/reconciliations", who, institution_id=institution, **params)
        return {(r["subject_kind"], r["subject_id"]) for r in body.json()["rows"]}

    doctor = billing.as_("family_doctor", team="T3", institution="CHC-2")
    assert set(rows(billing)) == everything | {("team", "T3"), ("institution", "CHC-2")}
    assert named("CHC-1") == everything
    assert named("CHC-2") == {("team", "T3"), ("institution", "CHC-2")}
    assert (named("CHC-2", area_code="4401"), named("CHC-2", area_code="440106")) == (named("CHC-2"), set())
    assert (set(rows(billing, doctor)), named("CHC-1", doctor), named("nowhere")) == ({("team", "T3")}, set(), set())
    assert set(rows(billing, billing.as_("official", area="440111"))) == {("team", "T3"), ("institution", "CHC-2")}
    index = billing.client.app.state.year_indexes(2025)
    assert index == YEARS.fold(billing.store.read("capitation-year-2025"))[0]
    d = billing.get("/capitation-years/2025/team/T3/residents").json()["items"]
    assert [i["resident_ref"] for i in d] == [billing.resident("d")]


def test_a_year_not_over_is_refused(billing: Billing) -> None:
    year_2025(billing)

    running = billing.reconcile(2026)
    by_an_official = billing.reconcile(2025, who=billing.as_("official", area="44"))

    assert running.status_code == 409
    assert running.headers["content-type"] == "application/problem+json"
    assert running.json()["type"] == "/problems/year-not-over"
    assert by_an_official.status_code == 403
    assert billing.get("/capitation-years/2026/reconciliations").json() == {"rows": [], "next_cursor": None}


def test_a_resident_signed_again_is_on_each_years_roster_once(billing: Billing) -> None:
    """The year keeps no set of its residents (a province's is a hundred million): whether a
    resident is on a year's roster, their own coverages tell; the jobs read the roster back."""
    a = billing.resident("a")
    terms = [
        ("a-1", "T1", "2025-01-01", "2025-06-30"),
        ("a-2", "T2", "2025-07-01", "2026-06-30"),  # the same resident, again, into the next year
        ("a-3", "T2", "2026-07-01", "2027-06-30"),  # renewed: 2026's roster has them already
    ]
    for contract, team, starts, ends in terms:
        data = {**TEAM, "team_id": team, "key_populations": [], "starts_on": starts, "ends_on": ends}
        billing.deliver(billing.event("signing.ContractSigned.v1", contract_id=contract, resident_ref=a, **data))

    on_roster = {
        year: [e.data["resident_ref"] for e in billing.store.read(f"capitation-roster-{year}~CHC-1")]
        for year in (2025, 2026, 2027)
    }
    assert on_roster == {2025: [a], 2026: [a], 2027: [a]}
    assert billing.reconcile(2025).json()["reconciled"] == 3  # T1, T2 and CHC-1
    days = {
        subject: [(i["resident_ref"], i["contracted_days"]) for i in billing.get(path).json()["items"]]
        for subject, path in {
            "T1": "/capitation-years/2025/team/T1/residents",
            "T2": "/capitation-years/2025/team/T2/residents",
            "CHC-1": "/capitation-years/2025/institution/CHC-1/residents",
        }.items()
    }
    assert days == {"T1": [(a, 181)], "T2": [(a, 184)], "CHC-1": [(a, 365)]}


def test_each_institution_is_reconciled_apart_and_a_resident_who_moved_counts_in_each(billing: Billing) -> None:
    """A province's year is an institution's at a time: each has its own year and roster, the
    job runs a command for each, and a rerun under its key does only the institutions new since."""
    a, chc2 = billing.resident("a"), {**TEAM, "institution_id": "CHC-2", "area_code": "440111", "team_id": "T3"}
    billing.deliver(
        billing.signed("a", team_id="T1", key_populations=[], **TEAM, starts_on="2025-01-01", ends_on="2025-06-30"),
        billing.event(
            "signing.ContractSigned.v1",
            contract_id="a-2",
            resident_ref=a,
            key_populations=[],
            **chc2,
            starts_on="2025-07-01",
            ends_on="2025-12-31",
        ),
    )
    billing.deliver(claim(billing, "a", 10_000, "2025-03-01"), claim(billing, "a", 4_000, "2025-09-01"), topic=CLAIMS)

    first = billing.reconcile(2025, key="year-2025")
    again = billing.reconcile(2025, key="year-2025")
    figures = rows(billing)

    assert first.json() == {"year": 2025, "reconciled": 4, "restated": 0, "subjects": 4, "institutions": 2}
    assert (again.json(), again.headers.get("Idempotent-Replayed")) == (first.json(), "true")
    assert {s: (r["residents"], r["figures"]["spending_fen"]) for s, r in figures.items()} == {
        ("team", "T1"): (1, 10_000),
        ("institution", "CHC-1"): (1, 10_000),
        ("team", "T3"): (1, 4_000),
        ("institution", "CHC-2"): (1, 4_000),
    }
    budgets = [figures[("institution", i)]["figures"]["budget_fen"] for i in ("CHC-1", "CHC-2")]
    assert abs(sum(budgets) - 18_000) <= 1  # 181 and 184 of the year's 365 days
    assert set(rows(billing, billing.as_("official", area="440111"))) == {("team", "T3"), ("institution", "CHC-2")}
    assert set(billing.get("/capitation-years/2025/reconciliations", institution_id="CHC-1").json()["rows"][0]) > {
        "subject_id"
    }
    rosters = {
        i: [e.data["resident_ref"] for e in billing.store.read(f"capitation-roster-2025~{i}")]
        for i in ("CHC-1", "CHC-2")
    }
    assert rosters == {"CHC-1": [a], "CHC-2": [a]}
    index, version = YEARS.fold(billing.store.read("capitation-year-2025"))  # read whole, at once
    assert (sorted(index.teams), index.institutions(), version) == (["T1", "T3"], ["CHC-1", "CHC-2"], 2)
    t3 = billing.get("/capitation-years/2025/team/T3/residents").json()["items"]
    assert [(i["resident_ref"], i["contracted_days"], i["spending_fen"]) for i in t3] == [(a, 184, 4_000)]

    pages, cursor = [], None
    while True:  # a row a page, by institution, its teams before it
        body = billing.get("/capitation-years/2025/reconciliations", limit=1, **({"cursor": cursor} if cursor else {}))
        pages.append([(r["subject_kind"], r["subject_id"]) for r in body.json()["rows"]])
        if (cursor := body.json()["next_cursor"]) is None:
            break
    assert pages == [[("team", "T1")], [("institution", "CHC-1")], [("team", "T3")], [("institution", "CHC-2")], []]
    bad = billing.get("/capitation-years/2025/reconciliations", cursor="CHC-1")
    assert (bad.status_code, bad.json()["type"]) == (400, "/problems/bad-cursor")
    doctor = billing.as_("family_doctor", team="T3", institution="CHC-2")
    assert set(rows(billing, doctor)) == {("team", "T3")}

    billing.deliver(
        billing.signed("n", team_id="T4", key_populations=[], **TEAM | {"institution_id": "CHC-3"}, **WHOLE_2025)
    )
    later = billing.reconcile(2025, key="year-2025")  # the same key: CHC-1 and CHC-2 replayed, CHC-3 done

    # The replayed give their first outcomes (two subjects each) again, as a replayed call does.
    assert later.json() == {"year": 2025, "reconciled": 6, "restated": 0, "subjects": 6, "institutions": 3}
    assert "Idempotent-Replayed" not in later.headers
    assert set(rows(billing)) == set(figures) | {("team", "T4"), ("institution", "CHC-3")}


def test_a_year_kept_in_its_own_stream_before_the_institutions_is_read_and_restated(billing: Billing) -> None:
    """Before the institutions' streams, a year kept its roster, referral fees and reconciliations
    in one stream: each is read as its institution's, and the year goes on from it."""
    a, rules, now = billing.resident("a"), capitation_for(billing.settings).rules, datetime(2026, 1, 5, tzinfo=UTC)
    covered = cy.CoverageNoted(a, "a", "T1", "CHC-1", "440106", "MIB-1", (), date(2025, 1, 1), date(2025, 12, 31))
    fee = cy.ReferralFeeCharged("ref-1", "T1", "CHC-1", "440106", date(2025, 5, 6))
    reconciled = capitation_year_end.reconcile_year(
        2025, "CHC-1", cy.evolve_year(cy.CapitationYear(), fee), [cy.ResidentCapitation({"a": covered})], rules, now
    )

    def before(session: Session) -> dict[str, Any]:  # what billing recorded then
        session.record(RESIDENTS, a, covered)
        session.record(YEARS, "2025", cy.ResidentInYear(a), fee, *reconciled)
        return {}

    processor = CommandProcessor(billing.store)
    processor.execute_now(before, CommandContext("billing", "before", "", "c", "c", now))
    processor.close()
    assert [(r.subject_id, r.sequence) for r in reconciled] == [("T1", 0), ("CHC-1", 0)]
    kept = billing.get("/capitation-years/2025/areas").json()["areas"]
    assert kept == [{"area_code": "440106", "institutions": 1}]  # the jobs' areas: what the year kept before too
    billing.deliver(billing.signed("b", team_id="T1", key_populations=[], **TEAM, **WHOLE_2025))
    billing.deliver(
        billing.event(
            "referral.ReferralCompleted.v2",
            resident_ref=a,
            team_id="T1",
            institution_id="CHC-1",
            area_code="440106",
            referral_id="ref-1",  # charged before, in the year's own stream
            completed_at="2025-05-06T11:00:00+08:00",
        )
    )

    restated = billing.reconcile(2025)
    figures = rows(billing)

    assert restated.json() == {"year": 2025, "reconciled": 0, "restated": 2, "subjects": 2, "institutions": 1}
    t1 = figures[("team", "T1")]
    assert (t1["sequence"], t1["residents"], t1["referrals_completed"]) == (1, 2, 1)
    assert t1["difference"]["budget_fen"] == 18_000  # b, new; a and the referral fee as before
    assert billing.get("/capitation-years/2025/team/T1/residents").json()["reconciliation_id"] == (
        "capitation/team/T1/2025/1"
    )


def test_the_years_index_read_at_once_is_the_index_folded_an_event_at_a_time() -> None:
    fee = cy.ReferralFeeCharged("ref-1", "T1", "CHC-1", "440106", date(2025, 5, 6))
    events = [
        cy.TeamCovered("T1", "CHC-1", "440106"),
        cy.ResidentInYear("r_a"),  # kept in the year's own stream before the institutions'
        fee,
        cy.TeamCovered("T2", "CHC-2", "440111"),
        cy.TeamCovered("T1", "CHC-1", "440106"),
    ]
    assert capitation_index.index_of(events) == reduce(
        capitation_index.evolve_index, events, capitation_index.CapitationYearIndex()
    )
    assert capitation_index.index_of(events).institutions("440111") == [
        "CHC-1",
        "CHC-2",
    ]  # CHC-1: named by its fee before
    assert capitation_index.home_areas(capitation_index.index_of(events).areas()) == {
        "CHC-1": "440106",
        "CHC-2": "440111",
    }  # the jobs': one each
    assert capitation_index.home_areas([("CHC-9", "440304"), ("CHC-9", "440105"), ("CHC-9", "440304")]) == {
        "CHC-9": "440105"
    }
    teams = [py.TeamInYear("T1"), py.TeamInYear("T2", "440111"), py.TeamInYear("T1", "440106"), py.TeamInYear("T1")]
    assert py.year_of(teams) == reduce(py.evolve_year, teams, py.PerformanceYear())
    assert py.year_of(teams).teams == {"T1": "440106", "T2": "440111"}
