"""The signing rules' refusals: each names the rule, so a client can act on it."""

from shared.domain import DomainError, NotFound


class UnknownTeam(DomainError):
    code = "unknown-team"


class TeamNotFound(NotFound):
    code = "team-not-found"


class TeamAlreadyRegistered(DomainError):
    kind = "conflict"
    code = "team-already-registered"


class InvalidTeamComposition(DomainError):
    code = "invalid-team-composition"


class DuplicateMember(DomainError):
    code = "duplicate-member"


class MemberAlreadyInTeam(DomainError):
    kind = "conflict"
    code = "member-already-in-team"


class NotATeamMember(DomainError):
    code = "not-a-team-member"


class SingleDoctorSubject(DomainError):
    code = "single-doctor-subject"


class MemberHasResidents(DomainError):
    kind = "conflict"
    code = "member-has-residents"


class LastContractingDoctor(DomainError):
    kind = "conflict"
    code = "last-contracting-doctor"


class CapBelowContracted(DomainError):
    kind = "conflict"
    code = "cap-below-contracted"


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


class PackageNotForResident(DomainError):
    code = "package-not-for-resident"


class KeyPopulationMismatch(DomainError):
    code = "key-population-mismatch"


class InvalidTerm(DomainError):
    code = "invalid-term"


class InvalidIdentityNumber(DomainError):
    code = "invalid-identity-number"


class InvalidCombinedSigning(DomainError):
    code = "invalid-combined-signing"


class InvalidAgreement(DomainError):
    code = "invalid-agreement"


class ContractNotFound(NotFound):
    code = "contract-not-found"


class AgreementNotFound(NotFound):
    code = "agreement-not-found"


class ContractNotActive(DomainError):
    kind = "conflict"
    code = "contract-not-active"


class ContractWasRenewed(DomainError):
    """The contract was renewed: act on the contract that continues it."""

    kind = "conflict"
    code = "contract-renewed"


class ContractNotRenewable(DomainError):
    kind = "conflict"
    code = "contract-not-renewable"


class RenewalNotOpen(DomainError):
    code = "renewal-not-open"


class ContractNotEnded(DomainError):
    kind = "conflict"
    code = "contract-not-ended"


class AsOfInTheFuture(DomainError):
    """A scheduled job acts only on what is over."""

    code = "as-of-in-the-future"


class InvalidLastDay(DomainError):
    code = "invalid-last-day"


class InvalidTerminationReason(DomainError):
    code = "invalid-termination-reason"


class SameTeam(DomainError):
    code = "same-team"


class ResidentErased(DomainError):
    """The resident's personal data was erased: their contract cannot continue without them
    signing again in person."""

    kind = "conflict"
    code = "resident-erased"


class InvalidReinstatementReason(DomainError):
    code = "invalid-reinstatement-reason"


class ContractNotExpired(DomainError):
    """Only an expiry is undone by reinstating: other endings were somebody's decision."""

    kind = "conflict"
    code = "contract-not-expired"


class ExpiryStands(DomainError):
    """The term is over now: the expiry was early at worst, and stands."""

    kind = "conflict"
    code = "expiry-stands"


class ContractContinuedSince(DomainError):
    """A renewal continued the expired contract: undoing the expiry would cover days twice."""

    kind = "conflict"
    code = "contract-continued-since"


class ResidentContractedSince(DomainError):
    """The resident holds another contract now: one active contract per resident."""

    kind = "conflict"
    code = "resident-contracted-since"
