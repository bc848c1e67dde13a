"""Days no contract can fall on, and versions no contract has, are refused at the door: a 4xx
problem, never a 500 (which also dropped the caller's keep-alive connection)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.testing.refusals import refused

Api = Any  # the `api` fixture (conftest.Api)
OUT_OF_BOUNDS = ["9999-12-31", "2200-01-01", "1999-12-31", "0001-01-01"]


def _sign(api: Api) -> str:
    api.register_team("T1")
    api.register_team("T2")
    contract_id: str = api.sign("T1")["contract_id"]
    return contract_id


@pytest.mark.parametrize("day", OUT_OF_BOUNDS)
@pytest.mark.parametrize("route", ["contract", "agreement", "switch", "termination", "packages"])
def test_a_day_no_contract_can_fall_on_is_422(api: Api, route: str, day: str) -> None:
    contract_id = _sign(api)
    sent = {
        "contract": lambda: api.post("/contracts", api.contract_body("T1", 2, starts_on=day)),
        "agreement": lambda: api.post(
            "/agreements",
            {
                "kind": "family",
                "team_id": "T1",
                "packages": ["basic"],
                "members": [{"resident": api.resident(3)}, {"resident": api.resident(4)}],
                "starts_on": day,
            },
        ),
        "switch": lambda: api.post(f"/contracts/{contract_id}/switch", {"team_id": "T2", "starts_on": day}),
        "termination": lambda: api.post(
            f"/contracts/{contract_id}/termination", {"reason": "moved_away", "last_day": day}
        ),
        "packages": lambda: api.get("/packages", area="440106", on=day),
    }[route]()

    refused(api.client, sent, 422, "invalid-request")


# b"\xb2" is "²" to the server (headers are Latin-1): a digit to str.isdigit, not to int().
@pytest.mark.parametrize("tag", [b"\xb2", "-1", '"1', "1.0", "9" * 40, "*, 1"])
def test_an_if_match_this_api_never_issued_is_400(api: Api, tag: str | bytes) -> None:
    contract_id = _sign(api)

    sent = api.post(f"/contracts/{contract_id}/termination", {"reason": "moved_away"}, **{"If-Match": tag})

    refused(api.client, sent, 400, "bad-if-match")


def test_if_match_star_acts_on_the_contract_as_it_stands(api: Api) -> None:
    """RFC 9110: `*` matches any current representation; a contract that does not exist is still a 404."""
    contract_id = _sign(api)

    ended = api.post(f"/contracts/{contract_id}/termination", {"reason": "moved_away"}, **{"If-Match": "*"})
    missing = api.post("/contracts/C-nowhere/termination", {"reason": "moved_away"}, **{"If-Match": "*"})

    assert ended.status_code == 200, ended.text
    assert missing.status_code == 404, missing.text
