"""Signing's settings (environment variables, e.g. DATABASE_URL, CATALOGUE_FILE)."""

from pathlib import Path

from pydantic import Field

from shared.settings import ServiceSettings
from signing.adapters.files.catalogue import DEFAULT


class SigningSettings(ServiceSettings):
    http_port: int = 8001
    database_schema: str = "signing"
    catalogue_file: Path = Field(default=DEFAULT, description="Packages, their fees and items per area and date (JSON)")
    doctor_resident_cap: int = Field(
        default=2000, ge=1, le=100_000, description="A contracting doctor's cap when their team names none"
    )
    index_database_url: str = Field(default="", description="The contract index's database; default DATABASE_URL")

    @property
    def index_url(self) -> str:
        return self.index_database_url or self.database_url
