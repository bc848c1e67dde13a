"""Billing's settings (environment variables, e.g. FEE_RULES_FILE, SETTLEMENT_PERIOD_MONTHS)."""

from pathlib import Path

from pydantic import Field, field_validator

from billing.adapters.files import capitation_rules as capitation_rules_file
from billing.adapters.files.fee_rules import DEFAULT
from shared.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    http_port: int = 8003
    database_schema: str = "billing"
    fee_rules_file: Path = Field(default=DEFAULT, description="Fee rules per area and year (JSON)")
    capitation_rules_file: Path = Field(
        default=capitation_rules_file.DEFAULT, description="Capitation rules per area and year (JSON)"
    )
    settlement_period_months: int = Field(default=1, description="Length of a settlement period: 1, 2, 3, 4, 6 or 12")
    consumer_group: str = Field(
        default="billing.inbound",
        description="Reads contracts (re-keyed by institution), appraisal results, claims and completed referrals "
        "(a close waits for it); its replicas each own partitions",
    )
    router_consumer_group: str = Field(
        default="billing.contracts-router",
        description="Re-keys signing's contract events by institution for the charging group (a close waits for it)",
    )
    charging_only: bool = Field(
        default=False,
        description="Run only a member of the charging group (CONSUMER_GROUP): the billing-charging Deployment, "
        "whose replicas share its partitions; else every worker",
    )
    view_consumer_group: str = Field(default="billing.settlement-view", description="Builds the settlement view")
    contributions_consumer_group: str = Field(
        default="billing.contributions",
        description="Reads health records' services: each team member's contributions, for performance pay",
    )

    @field_validator("settlement_period_months")
    @classmethod
    def _tiles_the_year(cls, months: int) -> int:
        if months < 1 or 12 % months:
            raise ValueError("a settlement period is 1, 2, 3, 4, 6 or 12 months, so that periods tile the year")
        return months
