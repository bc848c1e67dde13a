"""`python -m fdcs schedule capitation`: billing's monthly capitation advances and year-end
reconciliations, as a CronJob runs them (deploy/k8s/base/services/billing/capitation-schedule.yaml).

The job only calls billing's API, as an administrator: which periods are due is billing's rule
(`billing/domain/capitation_schedule.py`), and each call carries its period as the idempotency
key, so a rerun, or a run after a missed one, books every period once. A period refused or failed
is logged (ids and counts only) and fails the run, the others still run; a year whose advance
failed is not reconciled in that run (it nets the advances it finds). The token: the identity
provider's client-credentials grant in production, a fixed token in development.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Literal, Self
from zoneinfo import ZoneInfo

import httpx
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from billing.domain.capitation_schedule import Step, due

log = logging.getLogger(__name__)
NOT_YET = {"month-not-due", "year-not-over"}  # the job's clock ahead of billing's: the next run books it


class SchedulerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = Field(
        default="development", description="`production` takes the token from the identity provider only"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    timezone: ZoneInfo = Field(default=ZoneInfo("Asia/Shanghai"), description="Where dates are reckoned: billing's")
    billing_url: str = Field(default="http://127.0.0.1:8003", pattern=r"^https?://", description="The billing API")
    capitation_schedule_since: date = Field(
        default=date(2026, 1, 1), description="The first month whose capitation advance the job books (its day unused)"
    )
    capitation_advance_grace_days: int = Field(
        default=2, ge=0, le=60, description="Days after a month before its advance: its contract events arrive late"
    )
    capitation_reconciliation_grace_days: int = Field(
        default=31, ge=0, le=366, description="Days after a year before its reconciliation: December's claims arrive"
    )
    scheduler_token_url: str = Field(
        default="",
        pattern=r"^(https?://\S+)?$",
        description="The identity provider's token endpoint (client-credentials grant); empty: SCHEDULER_TOKEN",
    )
    scheduler_client_id: str = Field(default="fdcs-scheduler", max_length=200, description="The job's client there")
    scheduler_client_secret: SecretStr = Field(default=SecretStr(""), description="The job's client secret there")
    scheduler_token: SecretStr = Field(
        default=SecretStr(""), description="A fixed administrator's token (development: `make token ROLE=admin`)"
    )
    scheduler_http_seconds: float = Field(default=300, gt=0, le=3600, description="How long one call may take")

    @model_validator(mode="after")
    def _a_token(self) -> Self:
        if self.environment == "production" and not (
            self.scheduler_token_url and self.scheduler_client_secret.get_secret_value()
        ):
            raise ValueError("production takes the job's token from the identity provider: set SCHEDULER_TOKEN_URL")
        return self


def bearer(settings: SchedulerSettings, http: httpx.Client) -> str:
    """An administrator's access token for this run."""
    if not settings.scheduler_token_url:
        return settings.scheduler_token.get_secret_value()
    form = {
        "grant_type": "client_credentials",
        "client_id": settings.scheduler_client_id,
        "client_secret": settings.scheduler_client_secret.get_secret_value(),
    }
    answer = http.post(settings.scheduler_token_url, data=form, timeout=30)
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def run_capitation(settings: SchedulerSettings, billing: httpx.Client, token: str, now: datetime) -> bool:
    """Every period due on `now`'s day (billing's time zone), oldest first; True if none failed."""
    today = now.astimezone(settings.timezone).date()
    s = settings
    grace = timedelta(days=s.capitation_advance_grace_days), timedelta(days=s.capitation_reconciliation_grace_days)
    steps = due(s.capitation_schedule_since, today, *grace)
    failed: set[int] = set()  # years with an advance not booked
    for step in steps:
        if step.month is None and step.year in failed:
            log.error("capitation %s not reconciled: an advance of the year failed", step.year)
            continue
        if not _call(billing, token, step):
            failed.add(step.year)
    return not failed


def _call(billing: httpx.Client, token: str, step: Step) -> bool:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": step.idempotency_key}
    try:
        answer = billing.post(step.path, headers=headers)
    except httpx.HTTPError as error:
        log.error("capitation %s: billing did not answer (%s)", step.idempotency_key, type(error).__name__)
        return False
    if answer.is_success:
        log.info("capitation %s: %s", step.idempotency_key, answer.json())  # counts and amounts, no one's data
        return True
    problem = _problem(answer)
    if answer.status_code == httpx.codes.CONFLICT and problem in NOT_YET:
        log.warning("capitation %s: %s, left for the next run", step.idempotency_key, problem)
        return True
    log.error("capitation %s: %s %s", step.idempotency_key, answer.status_code, problem)
    return False


def _problem(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("type", "")).rsplit("/", 1)[-1]
    except ValueError:
        return ""


def main(settings: SchedulerSettings, now: datetime) -> int:
    with httpx.Client(timeout=settings.scheduler_http_seconds) as http:
        token = bearer(settings, http)
        with httpx.Client(base_url=settings.billing_url, timeout=settings.scheduler_http_seconds) as billing:
            return 0 if run_capitation(settings, billing, token, now) else 1
