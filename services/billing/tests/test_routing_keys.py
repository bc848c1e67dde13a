"""What billing's router publishes again, under which key, and what a broker away does to it
(no broker: a publisher of the test's own)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from billing.adapters.consumers import by_institution
from shared.contracts import Envelope, parse_event, topics
from shared.messaging import Delivery, Message, PublishFailed
from shared.messaging.rekeying import Rekeying

from .conftest import Billing


class Kept:
    def __init__(self, fails: bool = False) -> None:
        self.sent: list[Message] = []
        self._fails = fails

    def publish(self, messages: Sequence[Message]) -> None:
        if self._fails:
            raise PublishFailed("timed out waiting for acknowledgements")
        self.sent += messages


def _delivery(envelope: Envelope) -> Delivery:
    return Delivery(envelope, parse_event(envelope), topics.CONTRACTS.name)


def test_each_contract_event_goes_again_unchanged_keyed_by_its_institution_and_an_erasure_not_at_all() -> None:
    signed, nameless = Billing.signed("c1"), Billing.signed("c2", institution_id="")
    erased = Billing.event("signing.ResidentErased.v1")
    kept = Kept()

    Rekeying(kept, topics.CONTRACT_CHARGES, by_institution).handle([_delivery(e) for e in (signed, erased, nameless)])

    assert [(m.topic, m.key) for m in kept.sent] == [
        (topics.CONTRACT_CHARGES.name, "CHC-440106-01"),
        (topics.CONTRACT_CHARGES.name, topics.UNKNOWN_INSTITUTION),  # one key: its events stay in order
    ]
    assert Envelope.decode(kept.sent[0].value) == signed  # the same envelope: its id the idempotency key


def test_a_broker_away_is_retried_never_dead_lettered() -> None:
    """The subscription retries a ConnectionError without bound (TRANSIENT), where any other
    failure of a batch sends its events to the dead letters after CONSUMER_MAX_ATTEMPTS."""
    rekeying = Rekeying(Kept(fails=True), topics.CONTRACT_CHARGES, by_institution)

    with pytest.raises(ConnectionError, match=r"fdcs\.billing\.contracts"):
        rekeying.handle([_delivery(Billing.signed("c3"))])
