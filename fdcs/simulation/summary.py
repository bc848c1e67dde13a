"""The year in a few lines, read back from the platform's own views (not the simulation's counts)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fdcs.simulation import people
from fdcs.simulation.area import COUNTY
from fdcs.simulation.calling import at
from fdcs.simulation.platform import Platform, Refused
from fdcs.simulation.state import State

TARGETS = "national targets by 2035: 75% overall, 85% for key populations"


async def summarise(platform: Platform, state: State) -> str:
    from datetime import date

    year_end = at(date(state.year, 12, 31), 23, 59)
    lines = [
        f"Simulated {state.residents:,} residents through {state.year} (seed {state.seed}): "
        f"{state.requests:,} requests."
    ]
    lines += [f"  {what}: {n:,}" for what, n in sorted(state.counts.items()) if not what.startswith("refused")]
    settled = await _every_row(platform, "/settlement-view/figures", year_end, {"period": str(state.year)})
    lines.append(f"Money in {state.year}, by payer (yuan):")
    lines += _per_payer(settled)
    lines += await _capitation(platform, state, at(date(state.year + 1, 1, 6), 12))
    lines.append(await _appraisal(platform, state, year_end))
    return "\n".join(lines)


async def _capitation(platform: Platform, state: State, when: Any) -> list[str]:
    """The year's capitation per institution, summed (nothing while the year is not reconciled),
    and the performance pay of the teams reconciled."""
    rows = await _every_row(platform, f"/capitation-years/{state.year}/reconciliations", when, {})
    institutions = [r["figures"] for r in rows if r["subject_kind"] == "institution"]
    if not institutions:
        return [f"Capitation {state.year}: not reconciled"]
    total = {k: sum(f[k] for f in institutions) for k in institutions[0]}
    referrals = sum(r["referrals_completed"] for r in rows if r["subject_kind"] == "institution")
    lines = [
        f"Capitation {state.year}, {len(institutions)} institutions (yuan): budget {_yuan(total['budget_fen'])}, "
        f"advanced {_yuan(total['advanced_fen'])}, balance due {_yuan(total['balance_due_fen'])}",
        f"  spending {_yuan(total['spending_fen'])}: own outpatient {_yuan(total['own_outpatient_fen'])}, "
        f"referred care {_yuan(total['referred_care_fen'])}, referral fees {_yuan(total['referral_fees_fen'])} "
        f"({referrals} referrals)",
        f"  surplus {_yuan(total['surplus_fen'])}: retained {_yuan(total['retained_fen'])}, "
        f"overspend borne {_yuan(total['borne_fen'])}",
    ]
    teams = sorted(r["subject_id"] for r in rows if r["subject_kind"] == "team")
    pools, members, paid_teams = 0, 0, 0
    for team in teams:
        try:
            path = f"/performance-pay/{state.year}/teams/{team}"
            paid = await platform.call("billing", "GET", path, people.ADMIN, when)
        except Refused:  # not distributed (no appraisal result, or none yet)
            continue
        pools += sum(s["amount_fen"] for s in paid["shares"])
        members, paid_teams = members + len(paid["shares"]), paid_teams + 1
    lines.append(f"Performance pay {state.year}: {_yuan(pools)} yuan to {members} members of {paid_teams} teams")
    return lines


async def _every_row(platform: Platform, path: str, when: Any, params: dict[str, str]) -> list[dict[str, Any]]:
    """A paged list of billing's `rows`, a page at a time to the last."""
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        on = params | ({"cursor": cursor} if cursor else {})
        page = await platform.call("billing", "GET", path, people.ADMIN, when, params=on or None)
        rows += page["rows"]
        if (cursor := page.get("next_cursor")) is None:
            return rows


def _yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


def _per_payer(rows: list[dict[str, Any]]) -> list[str]:
    due: dict[str, int] = defaultdict(int)
    withheld: dict[str, int] = defaultdict(int)
    for row in rows:
        due[row["payer"]] += row["due_fen"]
        withheld[row["payer"]] += row["withheld_fen"]
    return [
        f"  {payer:<20} due {due[payer] / 100:>14,.2f}   withheld {withheld[payer] / 100:>12,.2f}"
        for payer in sorted(due)
    ]


async def _appraisal(platform: Platform, state: State, when: Any) -> str:
    params = {"period": str(state.year), "area": COUNTY}
    county = await platform.call(
        "appraisal", "GET", "/indicators", people.ADMIN, when, params=params | {"level": "county"}
    )
    value = {f["indicator_id"]: f["value"] for f in county["figures"] if not f.get("key_population")}
    scores = (
        await platform.call("appraisal", "GET", "/scores", people.ADMIN, when, params=params | {"level": "team"})
    )["scores"]
    ranked = sorted((s for s in scores if s["score"] is not None), key=lambda s: s["rank_in_county"])
    lines = [
        f"Coverage at the end of {state.year} ({TARGETS}):",
        f"  overall {_percent(value.get('coverage'))}, "
        f"key populations {_percent(value.get('key_population_coverage'))}",
    ]
    if ranked:
        best, worst = ranked[0], ranked[-1]
        lines.append(
            f"Best team: {best['subject_id']} ({best['score']}, {best['grade']}); "
            f"worst: {worst['subject_id']} ({worst['score']}, {worst['grade']})"
        )
    return "\n".join(lines)


def _percent(value: str | None) -> str:
    return "n/a" if value is None else f"{float(value):.1%}"
