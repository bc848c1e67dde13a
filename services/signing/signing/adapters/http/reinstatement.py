"""An operator's undo over HTTP: reinstate a contract the expiry job ended too early."""

from __future__ import annotations

from fastapi import APIRouter, Response

from shared.web.app import today
from shared.web.commands import VersionedCall, respond
from signing.adapters.http import common
from signing.adapters.http.schemas.contracts import ContractPublic
from signing.adapters.http.schemas.lifecycle import ReinstatementCreate
from signing.application import queries, reinstatement
from signing.application.commands import ReinstateContract

router = APIRouter(tags=["lifecycle"], responses=common.problems(404, 409, 412))


@router.post(
    "/contracts/{contract_id}/reinstatement",
    response_model=ContractPublic,
    summary="Undo a wrong expiry: the contract is in force again, to the same last day",
    description="By an administrator or an official of the contract's area, while the contract's term is "
    "still running (409 expiry-stands after it), if no renewal continues it (409 contract-continued-since) "
    "and its resident holds no other contract (409 resident-contracted-since). It takes back its team "
    "place (409 team-full when none is left) and publishes `signing.ContractReinstated.v1`, which every "
    "follower of `ContractExpired` follows to undo it.",
)
async def reinstate(contract_id: str, body: ReinstatementCreate, call: VersionedCall) -> Response:
    old, _ = await queries.contract(common.store(call.request), contract_id)
    command = ReinstateContract(contract_id, body.reason, today(call.request), call.expected)
    return respond(await call.run(reinstatement.reinstate(call.who, command, old)), 200)
