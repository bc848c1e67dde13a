"""What the API shows of billing's aggregates (the same body for a command's result and a read)."""

from __future__ import annotations

from typing import Any

from billing.domain.account import Account


def account_view(contract_id: str, account: Account, version: int) -> dict[str, Any]:
    terms = account.terms
    return {
        "contract_id": contract_id,
        "version": version,
        "institution_id": terms.institution_id if terms else None,
        "annual_fee_fen": terms.annual_fee_fen if terms else None,
        "years": [
            {
                "contract_year": y.contract_year,
                "starts_on": y.starts_on.isoformat(),
                "ends_on": y.ends_on.isoformat(),
                "period": y.period,
                "shares": y.shares,
                "refunds": account.refunded[n].refunds if n in account.refunded else {},
            }
            for n, y in sorted(account.years.items())
        ],
        "ended": {"reason": account.ended.reason, "last_day": account.ended.last_day.isoformat()}
        if account.ended
        else None,
        "refusals": [{"code": r.code, "reason": r.reason} for r in account.refusals],
    }
