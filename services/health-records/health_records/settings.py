"""Health records's settings (environment variables)."""

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    http_port: int = 8005
    database_url: str = "sqlite:///.local/health_records.db"
    database_schema: str = "health_records"
