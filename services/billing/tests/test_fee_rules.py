"""Fee rules are data: read from the deployment's file, published over the API, checked at start."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from billing.adapters.files.fee_rules import DEFAULT, load_fee_rules
from billing.domain.errors import InvalidFeeRule

Billing = Any  # the `billing` fixture (conftest.Billing)


def test_the_rules_of_the_deployment_are_published_with_the_one_in_force_per_area_and_year(billing: Billing) -> None:
    published = billing.get("/fee-rules", billing.as_("insurance_bureau", bureau="MIB-1")).json()

    def in_force(area: str, year: int) -> Any:
        return billing.get("/fee-rules/in-force", area_code=area, year=year).json()

    assert published["rules"] == json.loads(DEFAULT.read_text())["rules"]
    assert in_force("440106001", 2026)["shares_percent"] == {
        "insurance_fund": "50",
        "public_health_fund": "25",
        "resident": "15",
        "local_finance": "10",
    }
    assert in_force("440106", 2025)["area_prefix"] == "44"  # the county's rule starts in 2026
    assert in_force("110101", 2026)["area_prefix"] == ""
    assert in_force("440106", 2026)["release"] == {"subject_kind": "institution", "none_below": "60", "full_at": "100"}


def test_a_rule_whose_shares_do_not_add_up_to_the_fee_stops_the_service_at_start(tmp_path: Path) -> None:
    broken = json.loads(DEFAULT.read_text())
    broken["rules"][0]["shares_percent"]["resident"] = "16"
    (tmp_path / "rules.json").write_text(json.dumps(broken))

    with pytest.raises(InvalidFeeRule):
        load_fee_rules(tmp_path / "rules.json")
