"""The year in a few lines, read back from the platform's own views (not the simulation's counts)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fdcs.simulation import people
from fdcs.simulation.acts import at
from fdcs.simulation.area import COUNTY
from fdcs.simulation.platform import Platform
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
    money = await platform.call(
        "billing", "GET", "/settlement-view/figures", people.ADMIN, year_end, params={"period": str(state.year)}
    )
    lines.append(f"Money in {state.year}, by payer (yuan):")
    lines += _per_payer(money["rows"])
    lines.append(await _appraisal(platform, state, year_end))
    return "\n".join(lines)


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
