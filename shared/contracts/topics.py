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
HEALTH_SERVICES = Topic("fdcs.health_records.services", key="resident_ref")
REFERRALS = Topic("fdcs.referral.referrals", key="referral_id")
SETTLEMENTS = Topic("fdcs.billing.settlements", key="institution_id")
APPRAISAL_RESULTS = Topic("fdcs.appraisal.results", key="subject_id")

ALL: tuple[Topic, ...] = (TEAMS, CONTRACTS, HEALTH_SERVICES, REFERRALS, SETTLEMENTS, APPRAISAL_RESULTS)

# A partner reads only its own topic: a Kafka ACL on the prefix plus its id (see README).
HOSPITAL_PREFIX = "fdcs.referral.hospital."
BUREAU_PREFIX = "fdcs.billing.bureau."


def hospital(hospital_id: str) -> Topic:
    """The referrals addressed to one hospital (key: referral id)."""
    return Topic(HOSPITAL_PREFIX + hospital_id, key="referral_id", partitions=3)


def bureau(bureau_id: str) -> Topic:
    """One insurance bureau's charges and settlements (key: institution id)."""
    return Topic(BUREAU_PREFIX + bureau_id, key="institution_id", partitions=3)


def dead_letters(consumer_group: str) -> Topic:
    """Where a consumer puts messages it cannot decode, with the reason in a header."""
    return Topic(f"fdcs.deadletter.{consumer_group}", key="original key", partitions=1)
