"""Health records' settings (environment variables, e.g. DATABASE_URL, PLAN_NORMS_FILE)."""

from pathlib import Path

from pydantic import Field

from health_records.adapters.norms_file import DEFAULT
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    http_port: int = 8005
    database_schema: str = "health_records"
    consumer_group: str = Field(default="health_records.contracts", description="Reads signing's contracts and teams")
    plan_norms_file: Path = Field(
        default=DEFAULT, description="What each key population's plan calls for, and what each service measures (JSON)"
    )
    rating_window_days: int = Field(
        default=90, ge=0, le=730, description="How long after a contract's last day its resident may still rate"
    )
