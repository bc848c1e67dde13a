"""The "contracts signed per team" view: idempotent under redelivery, scoped when read."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from appraisal.adapters.projections.contracts_signed import ContractsSignedByTeam
from appraisal.adapters.projections.facts import FactsProjection
from appraisal.bootstrap import create_app, engine_for
from appraisal.settings import AppraisalSettings
from services.appraisal.tests.appraisal_events import registered
from shared.contracts import Envelope, parse_event, topics
from shared.messaging import Delivery

GOLDEN = json.loads((Path(topics.__file__).with_name("fixtures") / "signing.ContractSigned.v1.json").read_text())


def signed(team_id: str, area: str = "440106") -> Delivery:
    envelope = Envelope.model_validate(
        GOLDEN | {"id": str(uuid.uuid4()), "data": GOLDEN["data"] | {"team_id": team_id, "area_code": area}}
    )
    return Delivery(envelope, parse_event(envelope), topics.CONTRACTS.name)


def test_each_signing_counts_once_however_often_it_is_delivered(service_settings: Callable[..., Any]) -> None:
    engine = engine_for(service_settings(AppraisalSettings))
    view, facts = ContractsSignedByTeam(engine), FactsProjection(engine)
    a1, a2, b1 = signed("A"), signed("A"), signed("B", area="440107")

    facts.apply([registered(("A", "CHC-440106-01", "440106")), registered(("B", "CHC-440107-01", "440107"))])
    facts.apply([registered(("C", "CHC-440106-01", "440106"))])  # signed none: not listed
    facts.apply([a1, a2, a1])
    facts.apply([a2, b1])

    assert view.for_team("A") == {
        "team_id": "A",
        "institution_id": "CHC-440106-01",
        "area_code": "440106",
        "contracts_signed": 2,
    }
    assert [r["team_id"] for r in view.in_area("4401")[0]] == ["A", "B"]
    assert [r["team_id"] for r in view.in_area("440107")[0]] == ["B"]
    pages = [view.in_area("4401", after, limit=1) for after in ("", "A", "B")]
    assert [([r["team_id"] for r in found], last) for found, last in pages] == [(["A"], "A"), (["B"], "B"), ([], "C")]


def test_figures_are_read_by_the_team_and_the_officials_of_its_area(
    service_settings: Callable[..., Any], mint_token: Callable[..., str]
) -> None:
    settings = service_settings(AppraisalSettings)
    FactsProjection(engine_for(settings)).apply([signed("A")])

    def get(path: str, role: str, **claims: Any) -> int:
        with TestClient(create_app(settings)) as client:
            headers = {"Authorization": f"Bearer {mint_token(role, **claims)}"}
            return client.get(path, headers=headers).status_code

    assert get("/teams/A/contracts-signed", "family_doctor", team="A") == 200
    assert get("/teams/A/contracts-signed", "official", area="4401") == 200
    assert get("/teams/A/contracts-signed", "official", area="4402") == 403
    assert get("/teams/A/contracts-signed", "family_doctor", team="B") == 403
    assert get("/contracts-signed?area=440106", "official", area="4401") == 200
    assert get("/contracts-signed?area=44", "official", area="4401") == 403
    assert get("/teams/Z/contracts-signed", "admin") == 404
