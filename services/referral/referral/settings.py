"""Referral's settings (environment variables)."""

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    http_port: int = 8002
    database_url: str = "sqlite:///.local/referral.db"
    database_schema: str = "referral"
