"""The read model "contracts signed per team", in appraisal's own database."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from appraisal.domain.contracts_signed import Signed, signed_per_team
from shared.contracts.signing import ContractSigned
from shared.messaging import Delivery
from shared.readmodels import AppliedEvents

METADATA = MetaData()
APPLIED = AppliedEvents(METADATA)
CONTRACTS_SIGNED = Table(
    "contracts_signed_by_team",
    METADATA,
    Column("team_id", String(64), primary_key=True),
    Column("institution_id", String(64), nullable=False),
    Column("area_code", String(12), nullable=False, index=True),
    Column("contracts_signed", Integer, nullable=False),
)
READER = "contracts-signed"


class ContractsSignedByTeam:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def apply(self, deliveries: Sequence[Delivery]) -> None:
        """One transaction: claim the event ids, then count only the new signings."""
        signed = {d.envelope.id: d.event for d in deliveries if isinstance(d.event, ContractSigned)}
        with self._engine.begin() as conn:
            fresh = APPLIED.claim(conn, READER, signed)
            counts = signed_per_team(
                Signed(e.team_id, e.institution_id, e.area_code) for i, e in signed.items() if i in fresh
            )
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            for (team_id, institution_id, area_code), n in counts.items():
                insert = dialect.insert(CONTRACTS_SIGNED).values(
                    team_id=team_id, institution_id=institution_id, area_code=area_code, contracts_signed=n
                )
                conn.execute(
                    insert.on_conflict_do_update(
                        index_elements=[CONTRACTS_SIGNED.c.team_id],
                        set_={"contracts_signed": CONTRACTS_SIGNED.c.contracts_signed + n},
                    )
                )

    def for_team(self, team_id: str) -> dict[str, object] | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(CONTRACTS_SIGNED).where(CONTRACTS_SIGNED.c.team_id == team_id)).first()
        return dict(row._mapping) if row else None

    def in_area(self, area_prefix: str) -> list[dict[str, object]]:
        query = select(CONTRACTS_SIGNED).where(CONTRACTS_SIGNED.c.area_code.startswith(area_prefix))
        with self._engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query.order_by(CONTRACTS_SIGNED.c.team_id))]
