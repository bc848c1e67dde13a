"""What the page shows, gathered from the appraisal, billing, signing and health-records APIs with the
caller's own token.

The dashboard holds no data and no credentials of its own: every figure comes from the
services, which decide what this caller may see. A team's name comes from signing's team
directory (any signed-in caller reads it): public events carry no hand-written text, so the
appraisal knows teams by id only.

One overview asks a fixed number of reads, in parallel, whatever the population (and the names
of teams not remembered yet, and the further pages of the paged lists, billing's, appraisal's
results and health records' teams with device alerts, a page for every 500 of their rows): each
read answers for the caller's whole scope. The money of a year (capitation budget against
spending, the performance-pay pools) is billing's year-end reconciliation and distribution: none
until the year is over and they have run. A doctor's own share is asked only for a doctor (their
token's subject). The residents' devices show as counts per team (open alerts, readings flagged
implausible): health records' read for an area, its teams a page at a time, no resident in it.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import httpx

from fdcs.dashboard.answers import Answers

APPOINTMENTS = ("booked_visits", "waiting_days", "priority_appointments")  # catalogue 2026.2 on
TEAM_INDICATORS = ("package_fulfilment", "effective_contracting", "referral_timeliness", "satisfaction", *APPOINTMENTS)
CAPITATION = ("budget", "spending", "own_outpatient", "referred_care", "referral_fees", "surplus", "retained", "borne")
# Billing takes an area as pairs of digits: a township's code (9 digits) is asked as its county's.
BILLING_AREA = 6
TARGETS = {"coverage": 0.75, "key_population_coverage": 0.85, "satisfaction": 0.85}  # 2022 opinions, by 2035


class Sources:
    def __init__(
        self, http: httpx.AsyncClient, appraisal: str, billing: str, signing: str, health_records: str
    ) -> None:
        self._http, self._appraisal, self._billing, self._signing = http, appraisal, billing, signing
        self._health_records = health_records
        self._names = Answers(4096, 300)  # a team's name rarely changes: asked again after 5 minutes

    async def get(self, base: str, path: str, token: str, **params: Any) -> Any:
        answer = await self._http.get(base + path, params=params, headers={"Authorization": token})
        if answer.status_code >= 400:
            return {"error": answer.status_code, "problem": answer.json() if answer.content else None}
        return answer.json()

    async def every_row(
        self, base: str, path: str, token: str, *, listed: str | tuple[str, ...] = "rows", **params: Any
    ) -> Any:
        """A paged list (its items in `listed`, or in each of several lists, and `next_cursor`) as
        one answer: every page, in turn."""
        answer = found = await self.get(base, path, token, **params)
        while "error" not in answer and answer.get("next_cursor"):
            answer = await self.get(base, path, token, **params, cursor=answer["next_cursor"])
            if "error" in answer:
                return answer
            for name in (listed,) if isinstance(listed, str) else listed:
                found = _appended(found, answer, name)
        return found

    async def overview(self, token: str, period: str, area: str, member: str | None = None) -> dict[str, Any]:
        """`member`: the caller's subject when a doctor, whose own share of the pool is asked."""
        a, b = self._appraisal, self._billing
        county = area[:BILLING_AREA]
        year = {"from": f"{period}-01-01", "to": f"{period}-12-31"}
        answers = await asyncio.gather(
            self.get(
                a,
                "/indicators/series",
                token,
                period=period,
                area=area[:6],
                level="county",
                indicator=["coverage", "key_population_coverage"],
                step="month",
            ),
            self.get(a, "/scores", token, period=period, area=area, level="team"),
            self.get(a, "/indicators", token, period=period, area=area, level="team"),
            # A year is appraised under the catalogue in force on its first day: the appointment
            # indicators (from 2026-07-01) are in its second half's figures until a year starts with them.
            self.get(a, "/indicators", token, period=f"{period}-H2", area=area, level="team"),
            self.every_row(
                b, "/settlement-view/figures", token, listed=("rows", "open.rows"), period=period, area_code=area
            ),
            # Its counts are all the page shows: the groups listed, the first only.
            self.get(b, "/settlement-view/reconciliation", token, period=period, area_code=area, limit=1),
            self.every_row(a, f"/periods/{period}/results", token, listed="items", area=area, kind="team"),
            self.every_row(
                b, f"/capitation-years/{period}/reconciliations", token, area_code=county, subject_kind="team"
            ),
            self.every_row(b, f"/performance-pay/{period}/teams", token, listed="teams", area_code=county),
            self.get(b, f"/performance-pay/{period}/members/{member}", token) if member else _nothing(),
            self.every_row(self._health_records, f"/areas/{area}/reading-alerts", token, listed="teams", **year),
        )
        series, scores, figures, half, money, balance, published, capitation, pools, share, alerts = answers
        figures, appointments_period = _with_appointments(figures, half, period)
        pay = _money(capitation, pools, area)
        ranked = [s["subject_id"] for s in scores.get("scores", [])]
        alerted = [t["team_id"] for t in alerts.get("teams", [])]
        names = await self.team_names(token, list(dict.fromkeys(ranked + [t["team_id"] for t in pay] + alerted)))
        return {
            "period": period,
            "area": area,
            "targets": TARGETS,
            "as_of": scores.get("as_of"),
            "appointments_period": appointments_period,
            "coverage": _coverage(series),
            "teams": _teams(scores, figures, published.get("items", []), names),
            "settlement": _settlement(money),
            "reconciliation": _reconciliation(balance),
            "money": {"teams": [t | {"name": names.get(t["team_id"])} for t in pay], "own_share": _own_share(share)},
            "readings": _readings(alerts, names),
        }

    async def team_names(self, token: str, team_ids: list[str]) -> dict[str, str]:
        """Each team's name from signing's directory, remembered a while; a team it does not
        answer for keeps its id."""
        missing = [t for t in team_ids if self._names.get(t) is None]
        found = await asyncio.gather(*(self.get(self._signing, f"/teams/{t}", token) for t in missing))
        for team_id, team in zip(missing, found, strict=True):
            if "name" in team:
                self._names.put(team_id, team["name"])
        return {t: self._names.get(t) or t for t in team_ids}


def _coverage(series: Any) -> dict[str, Any]:
    if "points" not in series:
        return {"months": [], "coverage": [], "key_population_coverage": [], "error": series.get("error")}
    months, lines = [], defaultdict(list)
    for point in series["points"]:
        months.append(point["as_of"][:7])
        values = {f["indicator_id"]: f["value"] for f in point["figures"] if not f.get("key_population")}
        for indicator in ("coverage", "key_population_coverage"):
            lines[indicator].append(_number(values.get(indicator)))
    return {"months": months, **lines}


def _with_appointments(year: Any, half: Any, period: str) -> tuple[Any, str | None]:
    """The year's figures, with the appointment indicators of its second half when the year's
    catalogue has none; and the period they are of (None: neither has them)."""
    if _has_appointments(year):
        return year, period
    if not _has_appointments(half):
        return year, None
    shown = [f for f in half["figures"] if f["indicator_id"] in APPOINTMENTS]
    return year | {"figures": year.get("figures", []) + shown}, f"{period}-H2"


def _has_appointments(figures: Any) -> bool:
    return any(f["indicator_id"] in APPOINTMENTS for f in figures.get("figures", []))


def _teams(scores: Any, figures: Any, published: list[Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """Each team's live score, grade, rank and figures (None: no data, not 0), and beside them
    the published result of the period, if one stands."""
    values: dict[str, dict[str, float | None]] = defaultdict(dict)
    for f in figures.get("figures", []):
        if f["indicator_id"] in TEAM_INDICATORS and not f.get("key_population"):
            values[f["stratum_id"]][f["indicator_id"]] = _number(f["value"])
    results = {r["subject_id"]: r for r in published if r.get("subject_kind") == "team"}
    rows = [
        {
            "team_id": s["subject_id"],
            "name": names.get(s["subject_id"], s["subject_id"]),
            "institution_id": s["institution_id"],
            "area_code": s["area_code"],
            "score": _number(s["score"]),
            "grade": s["grade"],
            "rank": s["rank_in_county"],
            "dimensions": {d: _number(v) for d, v in s["dimensions"].items()},
            "published": _published(results.get(s["subject_id"])),
            **dict.fromkeys(TEAM_INDICATORS),
            **values.get(s["subject_id"], {}),
        }
        for s in scores.get("scores", [])
    ]
    return sorted(rows, key=lambda r: r["rank"])


def _published(result: dict[str, Any] | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {"score": _number(result["score"]), "grade": result["grade"], "published_at": result["published_at"]}


def _settlement(money: Any) -> dict[str, Any]:
    """Settled months by payer, and apart the charges of months not settled yet (open); the
    totals of what settled (forfeited: withheld and not released, for a low score), billing's own."""
    due: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    charged: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    summed = money.get("totals", {})
    totals = {
        key: summed.get(f"{key}_fen", 0) for key in ("due", "withheld", "released", "forfeited", "adjusted", "settled")
    }
    for row in money.get("rows", []):
        due[row["payer"]][row["period"]] += row["due_fen"]
    for row in money.get("open", {}).get("rows", []):
        charged[row["payer"]][row["period"]] += row["due_fen"]
    periods = sorted({p for by_payer in (due, charged) for per_payer in by_payer.values() for p in per_payer})
    return {
        "periods": periods,
        "due_by_payer": {payer: [by.get(p, 0) for p in periods] for payer, by in due.items()},
        "open_by_payer": {payer: [by.get(p, 0) for p in periods] for payer, by in charged.items()},
        "totals_fen": totals,
        "open_totals_fen": {"charged": money.get("open", {}).get("totals", {}).get("due_fen", 0)},
        "appraised_fen": {  # of the year's withheld shares, by its appraisal (booked the January after)
            "released": money.get("released_for_period", {}).get("released_fen", 0),
            "forfeited": money.get("released_for_period", {}).get("forfeited_fen", 0),
        },
    }


def _reconciliation(balance: Any) -> dict[str, Any]:
    if "balanced" not in balance:
        return {"balanced": None}
    return {
        "balanced": balance["balanced"],
        "fee_settled_events": balance["fee_settled_events"],
        "mismatched": balance["mismatched_count"],
        "unsettled": balance["unsettled_count"],
    }


def _appended(found: dict[str, Any], page: dict[str, Any], listed: str) -> dict[str, Any]:
    """`found` with the page's items of the list `listed` after its own ("open.rows": `rows` of `open`)."""
    head, _, inner = listed.partition(".")
    return found | {head: _appended(found[head], page[head], inner) if inner else found[head] + page[head]}


def _money(capitation: Any, pools: Any, area: str) -> list[dict[str, Any]]:
    """Each team's year: budget against spending, the surplus kept or the overspend borne, the
    referral fees, and the performance-pay pool; a figure billing has not (yet) is None."""
    rows = {r["subject_id"]: r for r in capitation.get("rows", []) if r["area_code"].startswith(area)}
    drawn = {p["team_id"]: p for p in pools.get("teams", []) if p["area_code"].startswith(area)}
    teams = []
    for team_id in sorted(rows.keys() | drawn.keys()):
        figures, pool = rows.get(team_id, {}).get("figures", {}), drawn.get(team_id, {})
        teams.append(
            {
                "team_id": team_id,
                **{f"{f}_fen": figures.get(f"{f}_fen") for f in CAPITATION},
                "referrals_completed": rows.get(team_id, {}).get("referrals_completed"),
                "pool_fen": pool.get("pool_fen"),
                "contract_fee_income_fen": pool.get("contract_fee_income_fen"),
            }
        )
    return teams


def _readings(alerts: Any, names: dict[str, str]) -> dict[str, Any]:
    """Each team's device readings of the year: alerts still open and readings flagged implausible."""
    if "teams" not in alerts:
        return {"teams": [], "error": alerts.get("error")}
    teams = [
        {
            "team_id": t["team_id"],
            "name": names.get(t["team_id"], t["team_id"]),
            "open_alerts": t["open_alerts"],
            "out_of_target": t["out_of_target"],
            "flagged": t["flagged"],
        }
        for t in alerts["teams"]
    ]
    return {"teams": teams}


def _own_share(share: Any) -> dict[str, Any] | None:
    """A doctor's own share of their team's pool, and the pool it came from."""
    if not share or "share" not in share:
        return None
    mine, computed = share["share"], share["computed"]
    return {
        "team_id": share["team_id"],
        "amount_fen": mine["amount_fen"],
        "counts": mine["counts"],
        "pool_fen": computed["pool_fen"],
        "score": _number(computed["score"]),
    }


async def _nothing() -> None:
    return None


def _number(text: str | None) -> float | None:
    return None if text is None else float(text)
