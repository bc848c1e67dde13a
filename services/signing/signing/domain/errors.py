"""The signing rules' refusals: each names the rule, so a client can act on it."""

from shared.domain import DomainError, NotFound


class UnknownTeam(DomainError):
    code = "unknown-team"


class TeamAlreadyRegistered(DomainError):
    kind = "conflict"
    code = "team-already-registered"


class TeamFull(DomainError):
    kind = "conflict"
    code = "team-full"


class DoctorFull(DomainError):
    kind = "conflict"
    code = "doctor-full"


class NotATeamDoctor(DomainError):
    code = "not-a-team-doctor"


class AlreadyContracted(DomainError):
    kind = "conflict"
    code = "already-contracted"


class PackageNotOffered(DomainError):
    code = "package-not-offered"


class InvalidTerm(DomainError):
    code = "invalid-term"


class InvalidIdentityNumber(DomainError):
    code = "invalid-identity-number"


class ContractNotFound(NotFound):
    code = "contract-not-found"
