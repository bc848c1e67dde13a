"""Signing's settings (environment variables, e.g. DATABASE_URL, CATALOGUE_FILE)."""

from pathlib import Path

from shared.settings import ServiceSettings
from signing.adapters.catalogue_file import DEFAULT


class SigningSettings(ServiceSettings):
    http_port: int = 8001
    database_url: str = "sqlite:///.local/signing.db"
    database_schema: str = "signing"
    catalogue_file: Path = DEFAULT
