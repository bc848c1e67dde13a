"""A resident's erasure over HTTP: their key is shredded, then the erasure is recorded.

Shredding comes first: if recording fails, a repeat (same key) finds the key already gone
and records it; the other way round, the audit could say erased while the data still opened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from shared.commands import Outcome
from shared.web.auth import CurrentPrincipal
from shared.web.commands import IdempotencyKey, respond, run_command
from signing.adapters.http import common
from signing.adapters.http.schemas.erasure import ErasureCreate, ErasurePublic
from signing.application import access, erasing

router = APIRouter(tags=["residents"], responses=common.problems())
Ref = Annotated[str, Path(pattern=r"^r_[a-z2-7]{26}$", examples=["r_abcdefghijklmnopqrstuvwxyz"])]


@router.post(
    "/residents/{resident_ref}/erasure",
    response_model=ErasurePublic,
    summary="Erase a resident's personal data, everywhere it is kept",
    description="The resident (their own token) or an administrator. The resident's key is shredded: "
    "names, identity numbers, phones, addresses and what doctors wrote read as `[erased]` in every "
    "service, while contracts, referrals, money and appraisal stay. Done once; a repeat answers the "
    "first erasure. Health records and referral follow from the public `ResidentErased` event.",
)
async def erase(
    resident_ref: Ref, body: ErasureCreate, request: Request, who: CurrentPrincipal, key: IdempotencyKey
) -> Response:
    access.may_erase(who, resident_ref)
    store = common.store(request)
    assert store.sealer is not None, "signing's store seals personal data"
    clock: Callable[[], datetime] = request.app.state.clock
    await asyncio.to_thread(store.sealer.vault.erase, resident_ref, body.reason, clock())
    outcome = await run_command(request, who, key, erasing.erase(who, resident_ref, body.reason))
    answer = await asyncio.to_thread(erasing.recorded, store, resident_ref)
    return respond(Outcome(answer, outcome.replayed), 200)
