"""Health records' settings (environment variables, e.g. DATABASE_URL, PLAN_NORMS_FILE)."""

from pathlib import Path

from pydantic import Field

from health_records.adapters.files.norms import DEFAULT
from shared.settings import ServiceSettings


class HealthRecordsSettings(ServiceSettings):
    http_port: int = 8005
    database_schema: str = "health_records"
    consumer_group: str = Field(
        default="health_records.contracts", description="Reads signing's contracts and teams, and referral's referrals"
    )
    plan_norms_file: Path = Field(
        default=DEFAULT, description="What each key population's plan calls for, and what each service measures (JSON)"
    )
    rating_window_days: int = Field(
        default=90, ge=0, le=730, description="How long after a contract's last day its resident may still rate"
    )
    appointment_reserved_percent: int = Field(
        default=50,
        ge=0,
        le=100,
        description="Share of a session's places kept for the team's contracted residents, "
        "for an institution whose schedule does not set it",
    )
    appointment_cutoff_minutes: int = Field(
        default=24 * 60,
        ge=0,
        description="How long before a session its reserved places are released to everyone, "
        "for an institution whose schedule does not set it",
    )
    appointment_reminder_lead_minutes: int = Field(
        default=120, ge=1, le=7 * 24 * 60, description="How long before an appointment its reminder is due"
    )
