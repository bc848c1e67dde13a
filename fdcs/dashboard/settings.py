"""The dashboard's settings: where the appraisal and billing APIs answer. It has no store, no
Kafka and no keys, so it reads none of the services' settings."""

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DashboardSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=1, le=65535)
    appraisal_url: str = Field(default="http://127.0.0.1:8004", pattern=r"^https?://")
    billing_url: str = Field(default="http://127.0.0.1:8003", pattern=r"^https?://")
    refresh_seconds: float = Field(default=5, gt=0, le=600, description="How often the page asks for new figures")
    cache_seconds: float = Field(default=4, ge=0, le=600, description="How long one answer serves the same question")
