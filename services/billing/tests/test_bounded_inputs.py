"""Periods that do not exist and positions no feed reaches are refused at the door: a 4xx problem,
never a 500 (which also dropped the caller's keep-alive connection)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.testing.refusals import refused

Billing = Any  # the `billing` fixture (conftest.Billing)
BUREAU = "MIB-440106"
NOT_PERIODS = ["0000", "9999", "2200", "1999-12", "2025-13", "2026-00", "2026-1"]


@pytest.mark.parametrize("period", NOT_PERIODS)
@pytest.mark.parametrize("view", ["figures", "charges", "reconciliation"])
def test_a_period_that_does_not_exist_is_422_on_the_view(billing: Billing, view: str, period: str) -> None:
    refused(billing.client, billing.get(f"/settlement-view/{view}", period=period), 422, "invalid-request")


@pytest.mark.parametrize("period", ["2026", "2026-03"])
@pytest.mark.parametrize("view", ["figures", "charges", "reconciliation"])
def test_a_year_or_a_month_is_still_read(billing: Billing, view: str, period: str) -> None:
    assert billing.get(f"/settlement-view/{view}", period=period).status_code == 200


@pytest.mark.parametrize("period", ["0000-01", "9999-12", "2025-13", "2026"])
def test_a_period_that_does_not_exist_is_never_closed(billing: Billing, period: str) -> None:
    refused(billing.client, billing.close(period, "2026-02-01"), 422, "invalid-request")


@pytest.mark.parametrize("after", [2**63, 2**64, 10**30])
def test_a_position_past_any_feed_is_422(billing: Billing, after: int) -> None:
    bureau = billing.as_("insurance_bureau", bureau=BUREAU)

    read = billing.get(f"/bureaus/{BUREAU}/feed", bureau, after=after)

    refused(billing.client, read, 422, "invalid-request")
    assert billing.get(f"/bureaus/{BUREAU}/feed", bureau, after=2**63 - 1).json()["items"] == []


@pytest.mark.parametrize("view", ["figures", "charges", "reconciliation"])
def test_a_nul_character_in_the_query_is_400_not_a_database_error(billing: Billing, view: str) -> None:
    """PostgreSQL refuses NUL in text: the fuzzer's `payer=%00…` was a 500."""
    refused(billing.client, billing.get(f"/settlement-view/{view}", payer="\x00x"), 400, "nul-character")
