"""Contracts charged from signing's events: the command handlers behind billing's consumer,
in memory, and once more on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from shared.contracts import parse_event
from shared.testing.eventstore import InMemory, OnPostgres

Billing = Any  # the `handlers` fixture (conftest.Handlers)
SHARES = {"insurance_fund": 9000, "public_health_fund": 4500, "resident": 2700, "local_finance": 1800}


class ChargingTests:
    """Run by `TestChargingInMemory` and `TestChargingOnPostgres` below."""

    def test_a_signed_contract_is_charged_to_its_payers_once_however_often_it_arrives(self, billing: Billing) -> None:
        message = billing.signed("c1")

        billing.deliver(message)
        billing.deliver(message, message)
        account = billing.account("c1")

        assert account["years"] == [
            {
                "contract_year": 1,
                "starts_on": "2026-01-06",
                "ends_on": "2027-01-05",
                "period": "2026-01",
                "shares": SHARES,
                "refunds": {},
            }
        ]
        assert account["version"] == 2  # the ETag

    def test_medical_assistance_takes_the_residents_share(self, billing: Billing) -> None:
        billing.deliver(billing.signed("c1", medical_assistance=True))

        shares = billing.account("c1")["years"][0]["shares"]

        assert shares == {
            "insurance_fund": 9000,
            "public_health_fund": 4500,
            "medical_assistance": 2700,
            "local_finance": 1800,
        }

    def test_a_termination_refunds_each_payer_pro_rata_by_day(self, billing: Billing) -> None:
        billing.deliver(billing.signed("c1"))

        billing.deliver(
            billing.event(
                "signing.ContractTerminated.v1",
                contract_id="c1",
                resident_ref=billing.resident("c1"),
                last_day="2026-04-05",
                terminated_at="2026-04-06T09:00:00+08:00",
            )
        )

        year = billing.account("c1")["years"][0]
        # 90 of 365 days used: 275 unused, 18000 * 275 / 365 = 13562 fen back, split 50/25/15/10 by
        # largest remainder (the half fen of the public health fund's 3390.5 gets the fen left over)
        assert year["refunds"] == {
            "insurance_fund": -6781,
            "public_health_fund": -3391,
            "resident": -2034,
            "local_finance": -1356,
        }
        assert sum(year["refunds"].values()) == -13562

    def test_a_reinstated_contract_is_refunded_when_it_really_ends_early(self, billing: Billing) -> None:
        ref = billing.resident("c1")
        billing.deliver(billing.signed("c1"))
        wrongly_expired = billing.event(
            "signing.ContractExpired.v1", contract_id="c1", resident_ref=ref, last_day="2027-01-05"
        )
        reinstated = billing.event(
            "signing.ContractReinstated.v1", contract_id="c1", resident_ref=ref, last_day="2027-01-05"
        )
        billing.deliver(wrongly_expired)
        expired = billing.account("c1")

        billing.deliver(reinstated, reinstated)
        reopened = billing.account("c1")
        billing.deliver(
            billing.event(
                "signing.ContractTerminated.v1",
                contract_id="c1",
                resident_ref=ref,
                last_day="2026-04-05",
                terminated_at="2026-04-06T09:00:00+08:00",
            )
        )

        assert (expired["ended"]["reason"], expired["years"][0]["refunds"]) == (
            "expired",
            {},
        )  # an expiry moves no money
        assert (reopened["ended"], reopened["version"]) == (None, 4)  # reinstated once
        assert sum(billing.account("c1")["years"][0]["refunds"].values()) == -13562

    def test_an_event_billing_cannot_act_on_is_kept_on_the_account_not_lost(self, billing: Billing) -> None:
        billing.deliver(
            billing.event("signing.ContractTerminated.v1", contract_id="ghost", resident_ref=billing.resident("ghost"))
        )

        account = billing.account("ghost")

        assert account["refusals"] == [{"code": "unknown-contract", "reason": "billing has not charged this contract"}]

    def test_services_outside_the_agreement_are_never_charged_to_the_contract(self, billing: Billing) -> None:
        billing.deliver(billing.signed("c1"))
        visit = billing.event("health_records.VisitCompleted.v1", contract_id="c1")

        billing.deliver(visit)

        assert billing.inbound.command_for(parse_event(visit)) is None
        assert billing.account("c1")["version"] == 2


class TestChargingInMemory(InMemory, ChargingTests):
    @pytest.fixture
    def billing(self, handlers: Billing) -> Billing:
        return handlers


class TestChargingOnPostgres(OnPostgres, ChargingTests):
    @pytest.fixture
    def billing(self, handlers: Billing) -> Billing:
        return handlers
