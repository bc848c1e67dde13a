"""Billing stamps what an incoming event makes it do with the time of that event, not the time its
consumer happens to read it: a 2025 contract read in 2026 is charged in 2025, and a release is
never stamped before the appraisal result it follows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from billing.adapters.publishing import to_public
from shared.contracts import Envelope, parse_event
from shared.contracts import billing as public

Billing = Any  # the `billing` fixture (conftest.Billing)
SIGNED = "2025-03-10T10:15:00+08:00"
PUBLISHED = "2026-01-15T09:00:00+08:00"


def at(envelope: Envelope, moment: str) -> Envelope:
    """The event as its source sent it at `moment` (the envelope's CloudEvents `time`)."""
    return envelope.model_copy(update={"time": datetime.fromisoformat(moment)})


def published(billing: Billing) -> list[Any]:
    return [parse_event(Envelope.decode(m.value)) for e in billing.store.read_log(0, 10_000) for m in to_public(e)]


def signed_in_2025(billing: Billing) -> Envelope:
    terms = {"starts_on": "2025-03-11", "ends_on": "2026-03-10", "signed_at": SIGNED}
    return at(billing.signed("c-2025", **terms), SIGNED)


def test_a_2025_contract_read_in_2026_is_charged_at_its_signing(billing: Billing) -> None:
    assert billing.clock[0].year == 2026  # the service's clock, and the wall clock, are later

    billing.deliver(signed_in_2025(billing))
    charges = [e for e in published(billing) if isinstance(e, public.ContractCharged)]

    assert {(c.period, c.charged_at) for c in charges} == {("2025-03", datetime.fromisoformat(SIGNED))}
    assert len({c.charge_id for c in charges}) == 3  # the 2025 rule's three payers


def test_a_release_is_stamped_with_the_time_of_the_appraisal_result_it_follows(billing: Billing) -> None:
    billing.deliver(signed_in_2025(billing))
    assert billing.close("2025-03", "2025-04-01").status_code == 200
    result = {"institution_id": "CHC-440106-01", "subject_id": "CHC-440106-01", "period": "2025"}
    appraised = billing.event("appraisal.AppraisalPublished.v1", score="86.00", published_at=PUBLISHED, **result)

    billing.deliver(at(appraised, PUBLISHED))
    releases = [e for e in published(billing) if isinstance(e, public.WithheldReleased)]

    assert releases, "the 2025 rule withholds a share of the insurance and public health funds"
    assert {r.released_at for r in releases} == {datetime.fromisoformat(PUBLISHED)}
    assert all(r.released_fen > 0 for r in releases)
