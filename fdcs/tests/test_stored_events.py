"""Each service's stored events agree with its golden file: no field changed without a new
version, no stored name left without a class to read it, no new name unrecorded."""

from __future__ import annotations

import pytest

from fdcs import stored_events
from fdcs.services import SERVICES


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_the_stored_events_agree_with_their_golden_file(service: str) -> None:
    assert stored_events.disagreements(SERVICES[service]) == []
