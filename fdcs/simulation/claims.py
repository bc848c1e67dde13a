"""Outpatient claims: what the institutions and hospitals claim from the insurance fund for contracted
residents' care, sent through the county's claims source (its bureau's claims system) on that source's
own topic, `fdcs.claims.<source>`, which billing reads.

A day's claims go in one batch at its end, in claim-id order, before the day's jobs (a month's close
waits for billing to have applied them). A claim's id and amount are the simulation's own (resident
serial and day), so an interrupted day sends the same claims again and billing notes them once.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Sequence

from shared.contracts import topics
from shared.contracts.claims import ClaimRecorded
from shared.contracts.envelope import Envelope
from shared.messaging import KafkaPublisher, Message, Publisher
from shared.settings import ServiceSettings

SOURCE = "SIMULATION_CLAIMS_SOURCE"  # the claims source the simulation writes as (`make run` onboards it)
IDS = uuid.UUID("6f1d2a52-3c55-4b0e-9d8e-0c1a1f5e2b77")  # names the claims' event ids


class ClaimsSource:
    """A claims source's producer: its Kafka user may write its own topic and nothing else."""

    def __init__(self, source_id: str, publisher: Publisher) -> None:
        self.source_id, self._publisher = source_id, publisher
        self._topic = topics.claims(source_id).name

    @classmethod
    def from_environment(cls) -> ClaimsSource | None:
        """As `make run` starts the simulation: the source's id and its user's KAFKA_* settings."""
        source = os.environ.get(SOURCE)
        return cls(source, KafkaPublisher(ServiceSettings())) if source else None

    async def send(self, claims: Sequence[ClaimRecorded]) -> None:
        messages = [Message(self._topic, c.resident_ref, self.envelope(c).encode()) for c in claims]
        if messages:
            await asyncio.to_thread(self._publisher.publish, messages)

    def envelope(self, claim: ClaimRecorded) -> Envelope:
        """The same claim always has the same event id: a day sent again is the same events."""
        event_id = str(uuid.uuid5(IDS, f"{self.source_id}/{claim.claim_id}"))
        return Envelope(
            id=event_id,
            source=f"/partners/claims/{self.source_id}",
            type=ClaimRecorded.TYPE,
            subject=claim.resident_ref,
            time=claim.recorded_at,
            correlationid=event_id,
            causationid=event_id,
            data=claim.model_dump(mode="json"),
        )

    def close(self) -> None:
        close = getattr(self._publisher, "close", None)
        if close is not None:
            close()
