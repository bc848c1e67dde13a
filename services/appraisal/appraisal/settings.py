"""Appraisal's settings (environment variables, e.g. DATABASE_URL, CONSUMER_GROUP, CATALOGUE_FILE)."""

from pathlib import Path

from appraisal.adapters.catalogue_file import DEFAULT
from shared.settings import ServiceSettings


class AppraisalSettings(ServiceSettings):
    http_port: int = 8004
    database_url: str = "sqlite:///.local/appraisal.db"
    database_schema: str = "appraisal"
    consumer_group: str = "appraisal.facts"
    catalogue_file: Path = DEFAULT
