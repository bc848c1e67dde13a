"""Every Kafka topic the platform uses, with its key and the events it carries.

The key decides the order: events with one key are read in the order they were published.
Contracts, health services and referrals are all keyed by the resident (`resident_ref`), with
as many partitions each and the same partitioner (librdkafka's, in every relay): a resident's
facts are then in the same-numbered partition of each topic, so the appraisal's workers, given
the same partitions of every topic (the range assignor), each own whole residents.

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
CONTRACTS = Topic("fdcs.signing.contracts", key="resident_ref")
HEALTH_SERVICES = Topic("fdcs.health_records.services", key="resident_ref")
APPOINTMENTS = Topic("fdcs.health_records.appointments", key="resident_ref")
REFERRALS = Topic("fdcs.referral.referrals", key="resident_ref")
SETTLEMENTS = Topic("fdcs.billing.settlements", key="institution_id")
# Signing's contract events again, unchanged, keyed by the contract's institution: billing charges
# a contract to its institution's ledgers and roster, so its charging consumers each own whole
# institutions (keyed by resident, two of them took turns on the same ledgers). Billing's router
# writes it; an event naming no institution is keyed `UNKNOWN_INSTITUTION`.
CONTRACT_CHARGES = Topic("fdcs.billing.contracts", key="institution_id")
UNKNOWN_INSTITUTION = "-"
APPRAISAL_RESULTS = Topic("fdcs.appraisal.results", key="subject_id")

ALL: tuple[Topic, ...] = (
    TEAMS,
    CONTRACTS,
    HEALTH_SERVICES,
    APPOINTMENTS,
    REFERRALS,
    SETTLEMENTS,
    CONTRACT_CHARGES,
    APPRAISAL_RESULTS,
)


def by_name(name: str) -> Topic:
    """One of `ALL` (a test or a tool publishing as a relay does: the topic's key field names the key)."""
    return next(t for t in ALL if t.name == name)


# A partner reads only its own topic: a Kafka ACL on the prefix plus its id (docs/security.md).
HOSPITAL_PREFIX = "fdcs.referral.hospital."
BUREAU_PREFIX = "fdcs.billing.bureau."
# A claims source writes (never reads) only its own topic; billing reads them all by the prefix.
CLAIMS_PREFIX = "fdcs.claims."


def hospital(hospital_id: str) -> Topic:
    """The referrals addressed to one hospital (key: referral id)."""
    return Topic(HOSPITAL_PREFIX + hospital_id, key="referral_id", partitions=3)


def bureau(bureau_id: str) -> Topic:
    """One insurance bureau's charges and settlements (key: institution id)."""
    return Topic(BUREAU_PREFIX + bureau_id, key="institution_id", partitions=3)


def claims(source_id: str) -> Topic:
    """The outpatient claims one source records (an insurance bureau's claims system, a
    hospital): key resident ref, so a resident's claims stay in order."""
    return Topic(CLAIMS_PREFIX + source_id, key="resident_ref", partitions=3)


def dead_letters(consumer_group: str) -> Topic:
    """Where a consumer puts messages it cannot decode, with the reason in a header."""
    return Topic(f"fdcs.deadletter.{consumer_group}", key="original key", partitions=1)
