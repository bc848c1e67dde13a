"""How signing's aggregates are kept in its store: stream prefixes, event names, folds."""

from __future__ import annotations

from shared.eventstore.snapshots import Snapshots
from shared.eventstore.streams import EventTypes, StreamType
from signing.domain import agreement, contract, enrolment, erasure, team

EVENTS = EventTypes("signing")
for event_class in (
    team.TeamRegistered,
    team.MemberJoined,
    team.MemberLeft,
    team.CapChanged,
    team.PlaceTaken,
    team.PlaceReleased,
    contract.ContractSigned,
    contract.ContractRenewed,
    contract.ContractContinued,
    contract.ContractTerminated,
    contract.ContractExpired,
    contract.ContractReinstated,
    enrolment.ResidentEnrolled,
    enrolment.ResidentReleased,
    agreement.AgreementConcluded,
    erasure.ResidentErased,
):
    EVENTS.register(event_class)

# A team's stream grows by a place taken and released per contract, year after year: kept.
TEAMS: StreamType[team.Team | None] = StreamType(
    "team", None, team.evolve, EVENTS, snapshots=Snapshots.of(team.Team | None, "team.v1")
)
CONTRACTS: StreamType[contract.Contract | None] = StreamType("contract", None, contract.evolve, EVENTS)
ENROLMENTS: StreamType[enrolment.Enrolment] = StreamType("enrolment", enrolment.Enrolment(), enrolment.evolve, EVENTS)
AGREEMENTS: StreamType[agreement.Agreement | None] = StreamType("agreement", None, agreement.evolve, EVENTS)
ERASURES: StreamType[erasure.ResidentErased | None] = StreamType("erasure", None, erasure.evolve, EVENTS)
