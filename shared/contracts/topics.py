"""Every Kafka topic the platform uses, with its key and the events it carries.

Deployment (`deploy/k8s`) declares a KafkaTopic for each; a test checks they agree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    name: str
    key: str
    partitions: int = 6
    compacted: bool = False


TEAMS = Topic("fdcs.signing.teams", key="team_id")
CONTRACTS = Topic("fdcs.signing.contracts", key="contract_id")

ALL: tuple[Topic, ...] = (TEAMS, CONTRACTS)


def dead_letters(consumer_group: str) -> Topic:
    """Where a consumer puts messages it cannot decode, with the reason in a header."""
    return Topic(f"fdcs.deadletter.{consumer_group}", key="original key", partitions=1)
