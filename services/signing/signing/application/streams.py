"""How signing's aggregates are kept in its store: stream prefixes, event names, folds."""

from __future__ import annotations

from shared.eventstore.streams import EventTypes, StreamType
from signing.domain import contract, enrolment, team

EVENTS = EventTypes("signing")
for event_class in (
    team.TeamRegistered,
    team.PlaceTaken,
    team.PlaceReleased,
    contract.ContractSigned,
    enrolment.ResidentEnrolled,
    enrolment.ResidentReleased,
):
    EVENTS.register(event_class)

TEAMS: StreamType[team.Team | None] = StreamType("team", None, team.evolve, EVENTS)
CONTRACTS: StreamType[contract.Contract | None] = StreamType("contract", None, contract.evolve, EVENTS)
ENROLMENTS: StreamType[enrolment.Enrolment] = StreamType("enrolment", enrolment.Enrolment(), enrolment.evolve, EVENTS)
