"""The dashboard's settings: where the appraisal and billing APIs answer."""

from pydantic import Field

from shared.settings import ServiceSettings


class DashboardSettings(ServiceSettings):
    http_port: int = 8000
    appraisal_url: str = Field(default="http://127.0.0.1:8004", pattern=r"^https?://")
    billing_url: str = Field(default="http://127.0.0.1:8003", pattern=r"^https?://")
    refresh_seconds: float = Field(default=5, gt=0, le=600, description="How often the page asks for new figures")
    cache_seconds: float = Field(default=4, ge=0, le=600, description="How long one answer serves the same question")
