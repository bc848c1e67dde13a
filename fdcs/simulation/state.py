"""What the simulation has done so far, kept in a file so an interrupted run resumes.

A checkpoint is always taken between two days: what an interrupted day changed is undone
first, and the day runs again in full on resuming (the platform replays what it had been
sent: same idempotency keys). So a resumed run decides, sends and counts what an
uninterrupted one does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

LAYOUT = 3  # the checkpoint's shape: 3 adds appointments and devices (2 named referrals by resident and day)


class OlderCheckpoint(Exception):
    """A checkpoint of an earlier simulation: it cannot be resumed (start again with --fresh)."""


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
    requests: int = 0  # sent through the last whole day, by this run and the runs it resumes
    # resident serial → [device id, secret, day linked]. Never undone: the platform shows a device's
    # secret once, so a day run again after an interruption (its link replayed) still has it.
    devices: dict[str, list[Any]] = field(default_factory=dict)
    layout: int = LAYOUT

    def __post_init__(self) -> None:
        self._undo: list[tuple[str, str, Held | str | None]] = []  # what today changed, to undo it
        self._counts_at_dawn = dict(self.counts)

    def plan(self, day: int, *entry: Any) -> None:
        self._undo.append(("agenda", str(day), None))
        self.agenda.setdefault(str(day), []).append(list(entry))

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def hold(self, serial: int, held: Held) -> None:
        self._undo.append(("contracts", str(serial), self.contracts.get(str(serial))))
        self.contracts[str(serial)] = held

    def leave(self, serial: int, why: str) -> None:
        self._undo.append(("gone", str(serial), self.gone.get(str(serial))))
        self.gone[str(serial)] = why

    def day_done(self, requests: int) -> None:
        """The day is over (its agenda with it); what it changed stays."""
        self.agenda.pop(str(self.next_day), None)
        self.next_day += 1
        self.requests += requests
        self._undo.clear()
        self._counts_at_dawn = dict(self.counts)

    def undo_day(self) -> None:
        """Back to the start of a day that was interrupted, so that it runs again in full."""
        for kind, key, before in reversed(self._undo):
            if kind == "agenda":
                self.agenda[key].pop()
                if not self.agenda[key]:
                    del self.agenda[key]
            else:
                kept: dict[str, Any] = self.contracts if kind == "contracts" else self.gone
                if before is None:
                    del kept[key]
                else:
                    kept[key] = before
        self._undo.clear()
        self.counts = dict(self._counts_at_dawn)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        # Not dataclasses.asdict: it deep-copies every agenda entry first, seconds a save for a large county.
        kept = {f.name: getattr(self, f.name) for f in fields(self)}
        temporary.write_text(json.dumps(kept, default=vars))
        temporary.replace(path)  # never a half-written checkpoint

    @classmethod
    def load(cls, path: Path) -> State:
        raw = json.loads(path.read_text())
        if raw.get("layout") != LAYOUT:
            raise OlderCheckpoint(f"{path} is from an earlier simulation: run with --fresh to start again")
        raw["contracts"] = {k: Held(**v) for k, v in raw["contracts"].items()}
        return cls(**raw)
