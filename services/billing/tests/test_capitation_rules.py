"""Capitation rules are data: the shipped file loads, the rule in force is found per area and
year, and a broken file stops the service at start saying which rule and field is wrong."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from billing.adapters.files.capitation_rules import DEFAULT, load_capitation_rules
from billing.domain.errors import InvalidCapitationRule, NoCapitationRule


def test_the_rule_in_force_is_the_latest_of_the_most_local_area() -> None:
    _, rules = load_capitation_rules()

    assert rules.for_("440106001", 2026).annual_fen == 20000
    assert rules.for_("440106", 2025).annual_fen == 18000  # Guangdong's own starts in 2026
    assert rules.for_("110101", 2027).area_prefix == ""
    assert rules.for_("440106", 2026).payer == "insurance_fund"
    with pytest.raises(NoCapitationRule):
        rules.for_("440106", 2024)


def _broken(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    data = json.loads(DEFAULT.read_text())
    change(data["rules"][1])
    (tmp_path / "rules.json").write_text(json.dumps(data))
    return tmp_path / "rules.json"


def _weights_off(rule: dict[str, Any]) -> None:
    rule["performance_pay"]["weights_percent"]["visits"] = "41"


def _unknown_field(rule: dict[str, Any]) -> None:
    rule["retention"]["surplus_kept"] = "60"


def _negative_fee(rule: dict[str, Any]) -> None:
    rule["referral_fee_fen"] = -1


def _zero_weight(rule: dict[str, Any]) -> None:
    rule["key_population_weights"]["diabetes"] = "0"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (_weights_off, "capitation rule 44/2026: the contribution weights must add up to 100%"),
        (_unknown_field, "surplus_kept"),
        (_negative_fee, "referral_fee_fen"),
        (_zero_weight, "capitation rule 44/2026: weights are positive"),
    ],
)
def test_a_broken_rule_stops_the_service_at_start_naming_it(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], says: str
) -> None:
    with pytest.raises(InvalidCapitationRule, match=says):
        load_capitation_rules(_broken(tmp_path, change))


def test_two_rules_for_one_area_and_year_are_refused(tmp_path: Path) -> None:
    data = json.loads(DEFAULT.read_text())
    data["rules"].append(data["rules"][0])
    (tmp_path / "rules.json").write_text(json.dumps(data))

    with pytest.raises(InvalidCapitationRule, match="same area prefix and year"):
        load_capitation_rules(tmp_path / "rules.json")
