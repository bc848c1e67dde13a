"""`python -m fdcs schedule <job>`: the platform's scheduled commands, as its CronJobs run them
(deploy/k8s/base/services/*/…-schedule.yaml, deploy/k8s/README.md "Scheduled jobs").

- `capitation`: billing's monthly capitation advances and year-end reconciliations. Which periods
  are due is billing's rule (`billing/domain/capitation_schedule.py`); a year whose advance failed
  is not reconciled in that run (it nets the advances it finds). With CAPITATION_AREAS (a
  province's cities), a period is a call per area, CAPITATION_PARALLEL_CALLS at once, each on a
  connection opened for it (a Service balances connections: calls at once reach different
  replicas, and a later call one the autoscaler added meanwhile), each under the period's key and
  the area (`capitation-reconciliation-2025@4401`); the period is done when every area's is, and
  when the areas hold every institution of its year (billing's `/capitation-years/{year}/areas`,
  read once a year before its first period): an institution of an area outside them, which no
  call would do, fails the year's periods, its areas named in the log.
- `settlement-close`: billing's close of the latest settlement period over with its grace
  (`billing/domain/close_schedule.py`); the close settles every open period up to it.
- `contract-expiry`: signing expires the contracts whose last day is before today.
- `referral-expiry`: referral expires the referrals not accepted in time, as of the job's slot.
- `appointment-reminders`: health records reminds the appointments whose lead time is over, as of
  the job's slot.

A job only calls a service's API, as an administrator, and acts only on what is over (a period
over, a day gone, a slot begun). Each call carries its period (and batch) as the idempotency key,
so a rerun replays it, and each period covers the earlier ones (a close settles every open period
up to it; an expiry or a reminder as of a moment every one due by then), so a run after a missed
one catches up. A call refused because the service has not applied its inputs yet (409
inputs-not-caught-up) is asked again after its Retry-After, for SCHEDULER_WAIT_SECONDS. A
period refused or failed is logged (ids and counts only) and fails the run, the others still run.
The token: the identity provider's client-credentials grant in production, a fixed token in
development.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, Self
from zoneinfo import ZoneInfo

import httpx
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from billing.domain import close_schedule
from billing.domain.capitation_schedule import Step, due
from billing.domain.periods import Calendar

log = logging.getLogger(__name__)
NOT_YET = {"month-not-due", "year-not-over"}  # the job's clock ahead of billing's: the next run books it
WAIT = {"inputs-not-caught-up"}  # the service has not applied the period's inputs yet: asked again
AREA = re.compile(r"(\d{2}){1,6}")  # an area code's first digits: a province's 2, a city's 4, ...
JOBS = {
    "capitation": "billing's capitation advances and reconciliations",
    "settlement-close": "billing's close of the latest settlement period over",
    "contract-expiry": "signing's expiry of the contracts whose last day is over",
    "referral-expiry": "referral's expiry of the referrals not accepted in time",
    "appointment-reminders": "health records' reminders of the appointments whose lead time is over",
}


class SchedulerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = Field(
        default="development", description="`production` takes the token from the identity provider only"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    timezone: ZoneInfo = Field(default=ZoneInfo("Asia/Shanghai"), description="Where dates are reckoned: billing's")
    billing_url: str = Field(default="http://127.0.0.1:8003", pattern=r"^https?://", description="The billing API")
    signing_url: str = Field(default="http://127.0.0.1:8001", pattern=r"^https?://", description="The signing API")
    referral_url: str = Field(default="http://127.0.0.1:8002", pattern=r"^https?://", description="The referral API")
    health_records_url: str = Field(
        default="http://127.0.0.1:8005", pattern=r"^https?://", description="The health-records API"
    )
    capitation_schedule_since: date = Field(
        default=date(2026, 1, 1), description="The first month whose capitation advance the job books (its day unused)"
    )
    capitation_advance_grace_days: int = Field(
        default=2, ge=0, le=60, description="Days after a month before its advance: its contract events arrive late"
    )
    capitation_reconciliation_grace_days: int = Field(
        default=31, ge=0, le=366, description="Days after a year before its reconciliation: December's claims arrive"
    )
    capitation_areas: tuple[str, ...] = Field(
        default=(),
        description="The areas (area codes' first digits, e.g. a province's cities) whose capitation the job calls "
        "apart, CAPITATION_PARALLEL_CALLS at once; none: one call for every institution. Together they must hold "
        "every institution's area (the job checks billing's areas of the year first: one left out fails the "
        "year's periods), none inside another",
    )
    capitation_parallel_calls: int = Field(
        default=4,
        ge=1,
        le=32,
        description="Most areas' capitation calls at once: about billing's API replicas (a replica does one on a CPU)",
    )
    settlement_period_months: int = Field(
        default=1, ge=1, le=12, description="As billing's SETTLEMENT_PERIOD_MONTHS: the periods the close job names"
    )
    settlement_close_grace_days: int = Field(
        default=1, ge=0, le=60, description="Days after a settlement period before its close: its inputs arrive late"
    )
    referral_expiry_every_minutes: int = Field(
        default=60, ge=1, le=1440, description="The referral expiry's slot: as its CronJob's schedule"
    )
    appointment_reminders_every_minutes: int = Field(
        default=15, ge=1, le=1440, description="The appointment reminders' slot: as its CronJob's schedule"
    )
    scheduler_batch: int = Field(default=500, ge=1, le=5000, description="Most items one call acts on")
    scheduler_batches: int = Field(default=100, ge=1, le=10_000, description="Most calls of one period in a run")
    scheduler_wait_seconds: float = Field(
        default=900, ge=0, le=3000, description="How long a call refused as inputs-not-caught-up is asked again"
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
    scheduler_http_seconds: float = Field(default=300, gt=0, le=14_400, description="How long one call may take")

    @field_validator("capitation_areas")
    @classmethod
    def _areas_apart(cls, areas: tuple[str, ...]) -> tuple[str, ...]:
        for n, area in enumerate(areas):
            if not AREA.fullmatch(area):
                raise ValueError(f"{area!r} is not an area code's first digits (2, 4, ... 12)")
            inside = [other for other in areas[n + 1 :] if other.startswith(area) or area.startswith(other)]
            if inside:  # two areas' calls would both do its institutions, at once
                raise ValueError(f"the areas {area} and {inside[0]} overlap")
        return areas

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
    held: dict[int, bool] = {}  # years whose institutions the areas all hold: read once a year, before its first
    with ThreadPoolExecutor(s.capitation_parallel_calls, "capitation") as calls:
        for step in steps:
            if step.month is None and step.year in failed:
                log.error("capitation %s not reconciled: an advance of the year failed", step.year)
                continue
            if s.capitation_areas and step.year not in held:
                held[step.year] = _areas_hold(billing, token, step.year, s.capitation_areas)
            done = _step(billing, token, step, s.capitation_areas, calls)  # the areas listed, held or not
            if not held.get(step.year, True):
                log.error("capitation %s: not every institution's area called, not done", step.idempotency_key)
                done = False
            if not done:
                failed.add(step.year)
    return not failed


def _areas_hold(billing: httpx.Client, token: str, year: int, areas: tuple[str, ...]) -> bool:
    """Whether every institution of the year is of an area inside one of `areas` (billing's own
    reading, `GET /capitation-years/{year}/areas`): one outside would be in no area's call, never
    advanced nor reconciled. Those outside are logged, area codes and counts only; an answer not
    had, too."""
    try:
        answer = billing.get(f"/capitation-years/{year}/areas", headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as error:
        log.error("capitation %s: its areas not read, the service did not answer (%s)", year, type(error).__name__)
        return False
    if not answer.is_success:
        log.error("capitation %s: its areas not read: %s %s", year, answer.status_code, _problem(answer))
        return False
    found = {area["area_code"]: area["institutions"] for area in answer.json()["areas"]}
    outside = {area: n for area, n in found.items() if not area.startswith(areas)}
    if outside:
        log.error("capitation %s: areas in none of CAPITATION_AREAS (area: institutions) %s", year, outside)
    return not outside


def _step(billing: httpx.Client, token: str, step: Step, areas: tuple[str, ...], calls: ThreadPoolExecutor) -> bool:
    """The period's call, or a call per area, several at once (the client's pool gives each under
    way a connection of its own; closed after it, the next is opened afresh); done if every
    area's is."""
    if not areas:
        return _post(billing, token, Call("capitation", step.path, step.idempotency_key)) is not None
    key, apart = step.idempotency_key, {"Connection": "close"}
    by_area = [Call("capitation", step.path, f"{key}@{area}", None, {"area_code": area}, apart) for area in areas]
    answers = list(calls.map(lambda call: _post(billing, token, call), by_area))  # every one, failed or not
    failed = [area for area, answer in zip(areas, answers, strict=True) if answer is None]
    for area in failed:
        log.error("capitation %s: area %s failed, the period is not done", step.idempotency_key, area)
    return not failed


@dataclass(frozen=True)
class Call:
    """One command of a job: its path on the service's API, its body, its period as the key (and
    its query, the part of the period it does)."""

    job: str
    path: str
    key: str
    body: dict[str, Any] | None = None
    params: dict[str, str] | None = None
    headers: dict[str, str] | None = None


Sleep = Callable[[float], None]


def _post(  # noqa: PLR0913
    api: httpx.Client,
    token: str,
    call: Call,
    wait: float = 0,
    sleep: Sleep = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any] | None:
    """The answer's body (empty if left for the next run), or None if refused or failed (logged)."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": call.key} | (call.headers or {})
    until = clock() + wait
    while True:
        try:
            answer = api.post(call.path, headers=headers, json=call.body, params=call.params)
        except httpx.HTTPError as error:
            log.error("%s %s: the service did not answer (%s)", call.job, call.key, type(error).__name__)
            return None
        if answer.is_success:
            body: dict[str, Any] = answer.json()
            log.info("%s %s: %s", call.job, call.key, _counts(body))  # counts and amounts, no one's data
            return body
        problem = _problem(answer)
        if answer.status_code == httpx.codes.CONFLICT and problem in NOT_YET:
            log.warning("%s %s: %s, left for the next run", call.job, call.key, problem)
            return {}
        after = _retry_after(answer)
        if answer.status_code == httpx.codes.CONFLICT and problem in WAIT and clock() + after <= until:
            log.info("%s %s: %s, asking again in %ss", call.job, call.key, problem, after)
            sleep(after)
            continue
        log.error("%s %s: %s %s", call.job, call.key, answer.status_code, problem)
        return None


def _counts(body: dict[str, Any]) -> dict[str, Any]:
    """Lists (of ids) as their lengths: a run's log says how many, not whom."""
    return {k: len(v) if isinstance(v, list) else v for k, v in body.items()}


def _retry_after(answer: httpx.Response) -> float:
    try:
        return max(1.0, float(answer.headers.get("Retry-After", "5")))
    except ValueError:
        return 5.0


def slot(now: datetime, minutes: int) -> datetime:
    """The start of the slot `now` is in (slots of `minutes` from the epoch, so from midnight UTC
    for those dividing a day): a run retried within its slot acts as of the same moment, with the
    same key; the next slot's run acts as of a later one, which covers what a missed run left."""
    seconds = minutes * 60
    return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, UTC)


def settlement_close(settings: SchedulerSettings, now: datetime) -> Call:
    """The latest period over with its grace, on `now`'s day in billing's time zone."""
    today = now.astimezone(settings.timezone).date()
    grace = timedelta(days=settings.settlement_close_grace_days)
    period = close_schedule.to_close(Calendar(settings.settlement_period_months), today, grace)
    key = close_schedule.idempotency_key(period)
    return Call("settlement-close", "/settlement-periods/close", key, {"period": period})


def contract_expiry(settings: SchedulerSettings, now: datetime) -> Call:
    """Contracts whose last day is before today (signing's time zone) expire: every day gone."""
    today = now.astimezone(settings.timezone).date()
    body = {"as_of": today.isoformat(), "limit": settings.scheduler_batch}
    return Call("contract-expiry", "/contracts/expiries", f"contract-expiry-{today.isoformat()}", body)


def referral_expiry(settings: SchedulerSettings, now: datetime) -> Call:
    as_of = slot(now, settings.referral_expiry_every_minutes)
    body = {"as_of": as_of.isoformat(), "limit": settings.scheduler_batch}
    return Call("referral-expiry", "/referrals/expire", f"referral-expiry-{as_of:%Y-%m-%dT%H:%MZ}", body)


def appointment_reminders(settings: SchedulerSettings, now: datetime) -> Call:
    as_of = slot(now, settings.appointment_reminders_every_minutes)
    body = {"as_of": as_of.isoformat(), "limit": settings.scheduler_batch}
    key = f"appointment-reminders-{as_of:%Y-%m-%dT%H:%MZ}"
    return Call("appointment-reminders", "/appointments/reminders", key, body)


BATCHED = {  # job: (the call, the answer's list of what it acted on)
    "contract-expiry": (contract_expiry, "expired"),
    "referral-expiry": (referral_expiry, "expired"),
    "appointment-reminders": (appointment_reminders, "reminded"),
}


def run_batches(settings: SchedulerSettings, api: httpx.Client, token: str, call: Call, listed: str) -> bool:
    """A period's calls until one acts on fewer than a batch (or says no `more`): each batch its
    own key (`<period>-<n>`), so a rerun replays the batches done and goes on from there."""
    limit = settings.scheduler_batch
    for n in range(settings.scheduler_batches):
        batch = Call(call.job, call.path, f"{call.key}-{n}", call.body)
        done = _post(api, token, batch, settings.scheduler_wait_seconds)
        if done is None:
            return False
        if not done.get("more", len(done.get(listed, [])) + len(done.get("skipped", [])) >= limit):
            return True
    log.error("%s %s: more than %s batches; the next run goes on", call.job, call.key, settings.scheduler_batches)
    return False


def run_settlement_close(settings: SchedulerSettings, billing: httpx.Client, token: str, now: datetime) -> bool:
    return _post(billing, token, settlement_close(settings, now), settings.scheduler_wait_seconds) is not None


def _problem(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("type", "")).rsplit("/", 1)[-1]
    except ValueError:
        return ""


def run(job: str, settings: SchedulerSettings, api: httpx.Client, token: str, now: datetime) -> bool:
    if job == "capitation":
        return run_capitation(settings, api, token, now)
    if job == "settlement-close":
        return run_settlement_close(settings, api, token, now)
    call, listed = BATCHED[job]
    return run_batches(settings, api, token, call(settings, now), listed)


def url_of(job: str, settings: SchedulerSettings) -> str:
    return {
        "contract-expiry": settings.signing_url,
        "referral-expiry": settings.referral_url,
        "appointment-reminders": settings.health_records_url,
    }.get(job, settings.billing_url)


def main(settings: SchedulerSettings, now: datetime, job: str = "capitation") -> int:
    with httpx.Client(timeout=settings.scheduler_http_seconds) as http:
        token = bearer(settings, http)
        with httpx.Client(base_url=url_of(job, settings), timeout=settings.scheduler_http_seconds) as api:
            return 0 if run(job, settings, api, token, now) else 1
