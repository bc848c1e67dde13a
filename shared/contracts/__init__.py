"""The platform's public events: a versioned contract between services and with partners.

Each event has an explicit type name (`signing.ContractSigned.v1`) that never depends on
a Python path; its JSON Schema is exported to `schemas/`, and a golden example sits in
`fixtures/`: the tests fail on any accidental change. A breaking change is a new version
(`.v2`) with an upcaster from the old one, so old messages stay readable.
"""

from shared.contracts.base import PublicEvent
from shared.contracts.envelope import Envelope
from shared.contracts.registry import PUBLIC_EVENTS, UnknownEventType, parse_event

__all__ = ["PUBLIC_EVENTS", "Envelope", "PublicEvent", "UnknownEventType", "parse_event"]
