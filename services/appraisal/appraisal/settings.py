"""Appraisal's settings (environment variables)."""

from shared.settings import ServiceSettings


class AppraisalSettings(ServiceSettings):
    http_port: int = 8004
    database_url: str = "sqlite:///.local/appraisal.db"
    database_schema: str = "appraisal"
    consumer_group: str = "appraisal.contracts-signed"
