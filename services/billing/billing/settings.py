"""Billing's settings (environment variables)."""

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    http_port: int = 8003
    database_url: str = "sqlite:///.local/billing.db"
    database_schema: str = "billing"
