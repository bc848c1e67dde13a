"""Referral's settings (environment variables, e.g. DATABASE_URL, REFERRAL_ANSWER_HOURS)."""

from pydantic import Field

from shared.settings import ServiceSettings


class ReferralSettings(ServiceSettings):
    http_port: int = 8002
    database_schema: str = "referral"
    consumer_group: str = Field(
        default="referral.contracts", description="Reads signing's contract events and health records' appointments"
    )
    referral_answer_hours: int = Field(
        default=168, ge=1, le=24 * 90, description="A referral the hospital has not accepted within this expires"
    )
