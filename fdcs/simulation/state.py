"""What the simulation has done so far, kept in a file so an interrupted run resumes."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Held:
    """A resident's current contract, as the simulation knows it."""

    contract_id: str
    resident_ref: str
    team_id: str
    doctor_id: str
    starts_on: str
    ends_on: str
    number: int  # the resident's nth contract: seeds this contract's own draws


@dataclass
class State:
    seed: int
    residents: int
    year: int
    next_day: int = 0
    contracts: dict[str, Held] = field(default_factory=dict)  # resident serial → contract
    gone: dict[str, str] = field(default_factory=dict)  # resident serial → why
    agenda: dict[str, list[list[Any]]] = field(default_factory=dict)  # day → [kind, args…]
    counts: dict[str, int] = field(default_factory=dict)

    def plan(self, day: int, *entry: Any) -> None:
        self.agenda.setdefault(str(day), []).append(list(entry))

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(self)))
        temporary.replace(path)  # never a half-written checkpoint

    @classmethod
    def load(cls, path: Path) -> State:
        raw = json.loads(path.read_text())
        raw["contracts"] = {k: Held(**v) for k, v in raw["contracts"].items()}
        return cls(**raw)
