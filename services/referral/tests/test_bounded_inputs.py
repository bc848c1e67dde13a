"""A position no feed reaches is refused at the door: a 4xx problem, never a 500 (which also
dropped the hospital's keep-alive connection)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.testing.refusals import refused

Api = Any  # the `api` fixture (conftest.Api)
HOSPITAL = "H3-4401"


@pytest.mark.parametrize("after", [2**63, 2**64, 10**30, -1])
def test_a_position_past_any_feed_is_422(api: Api, after: int) -> None:
    who = api.hospital(HOSPITAL)

    read = api.get(f"/hospitals/{HOSPITAL}/feed?after={after}", who)

    refused(api.client, read, 422, "invalid-request")
    assert api.get(f"/hospitals/{HOSPITAL}/feed?after={2**63 - 1}", who).json()["items"] == []
