"""The dashboard's settings: where the appraisal, billing and signing APIs answer, and the identity
provider's public key (the services' own) to refuse a bad token without asking them. It has
no store, no Kafka and no secret, so it reads none of the services' settings."""

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DashboardSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=1, le=65535)
    appraisal_url: str = Field(default="http://127.0.0.1:8004", pattern=r"^https?://", description="The appraisal API")
    billing_url: str = Field(default="http://127.0.0.1:8003", pattern=r"^https?://", description="The billing API")
    signing_url: str = Field(
        default="http://127.0.0.1:8001", pattern=r"^https?://", description="The signing API (the teams' names)"
    )
    refresh_seconds: float = Field(default=5, gt=0, le=600, description="How often the page asks for new figures")
    cache_seconds: float = Field(default=4, ge=0, le=600, description="How long one answer serves the same question")
    cache_entries: int = Field(default=256, ge=1, le=100_000, description="How many answers the cache keeps at most")
    http_read_seconds: float = Field(default=15, gt=0, le=600, description="A client's time to send a whole request")
    http_keep_alive_seconds: int = Field(default=5, ge=1, le=600, description="How long an idle connection stays")
    auth_jwt_public_key_file: Path = Path(".local/jwt/public.pem")
    auth_jwt_algorithms: list[Literal["RS256", "RS384", "RS512", "ES256", "ES384", "EdDSA"]] = ["RS256"]
    auth_jwt_issuer: str = "fdcs-dev"
    auth_jwt_audience: str = "fdcs"
