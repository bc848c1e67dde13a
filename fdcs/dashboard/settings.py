"""The dashboard's settings: where the appraisal, billing, signing and health-records APIs answer; how tokens are
verified (the services' own identity settings: a bad token is refused without asking them); and
how an official signs in: with the province's identity provider (OpenID Connect, authorization
code flow with PKCE, as a public client: the page holds no secret), or, in development only, with
a token in the link (`#token=`). It has no store and no Kafka."""

from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import IdentitySettings


class DashboardSettings(IdentitySettings):
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
    health_records_url: str = Field(
        default="http://127.0.0.1:8005", pattern=r"^https?://", description="The health-records API (device alerts)"
    )
    refresh_seconds: float = Field(default=5, gt=0, le=600, description="How often the page asks for new figures")
    cache_seconds: float = Field(default=4, ge=0, le=600, description="How long one answer serves the same question")
    cache_entries: int = Field(default=256, ge=1, le=100_000, description="How many answers the cache keeps at most")
    http_read_seconds: float = Field(default=15, gt=0, le=600, description="A client's time to send a whole request")
    http_keep_alive_seconds: int = Field(default=5, ge=1, le=600, description="How long an idle connection stays")
    dashboard_oidc_issuer: str = Field(
        default="",
        pattern=r"^(https?://\S+)?$",
        description="The identity provider officials sign in with (its issuer URL; empty: no sign-in)",
    )
    dashboard_oidc_client_id: str = Field(
        default="fdcs-dashboard", max_length=200, description="The page's client id there (a public client: no secret)"
    )
    dashboard_oidc_redirect_path: str = Field(
        default="/",
        pattern=r"^/[A-Za-z0-9/_-]*$",
        description="Where the provider sends the official back: register `https://<dashboard host><path>` there",
    )
    dashboard_oidc_scopes: str = Field(
        default="openid", pattern=r"^openid( [!-~]+)*$", description="The scopes asked for, space-separated"
    )
    dashboard_token_in_link: bool = Field(
        default=False, description="Development only: the page takes a token from its link (`#token=`); not production"
    )

    @model_validator(mode="after")
    def _no_token_in_link_in_production(self) -> Self:
        if self.environment == "production" and self.dashboard_token_in_link:
            raise ValueError("DASHBOARD_TOKEN_IN_LINK puts officials' tokens in links: refused in production")
        return self
