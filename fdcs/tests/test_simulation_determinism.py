"""A seed decides the whole run: what the simulation sends and counts, whatever ids the
platform assigns, in whatever order its answers come, and across an interruption."""

from __future__ import annotations

import asyncio
import base64
import json
import random
import re
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fdcs.simulation.claims import ClaimsSource
from fdcs.simulation.platform import Platform, Refused
from fdcs.simulation.runner import simulate
from fdcs.simulation.state import State
from shared.messaging import Message

RESIDENTS, YEAR, SEED = 300, 2026, 10
# The ids the platform assigns: uuids, and residents' pseudonymous refs.
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|r_[a-z2-7]{26}")
PLACES = 30  # a team's places on the fake platform: some teams fill up, and who gets their last place counts
PLAN = {"services": [{"item_code": "follow-up", "times_per_year": 4, "measurements": ["systolic_bp", "weight"]}]}


class PowerCut(Exception):
    """The run stops in the middle of a day (as Ctrl-C would)."""


class Claims:
    """Stands for the claims source's Kafka topic: the claims sent, in order."""

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def publish(self, messages: Sequence[Message]) -> None:
        self.sent.extend(messages)


class FakePlatform(Platform):
    """Stands for the platform's APIs: new random ids on every run, answers in a shuffled
    order, teams of a few places, a record that opens a little late, a close refused until
    billing has caught up, replays by idempotency key; and it writes down each call with the
    ids it assigned named by the call that made them."""

    def __init__(self, keys: Path) -> None:
        self.topic = Claims()
        super().__init__({}, SEED, keys, claims=ClaimsSource("MIB-440183", self.topic))
        self.sent: list[str] = []
        self.moments: list[tuple[str, datetime | None]] = []  # each call's path and simulated time
        self.cut_after: tuple[str, int] | None = None  # (kind, n): gone after the nth call of a kind
        self._kinds: Counter[str] = Counter()  # calls by the last part of their path
        self._names: dict[str, str] = {}  # an id it assigned → the (named) call that made it
        self._replies: dict[str, Any] = {}  # idempotency key → its answer
        self._contracts: dict[str, dict[str, Any]] = {}
        self._opened: set[str] = set()
        self._taken: Counter[str] = Counter()  # places taken per team

    async def call(  # noqa: PLR0913
        self,
        service: str,
        method: str,
        path: str,
        who: Mapping[str, str | None],
        at: datetime | None,
        body: Any = None,
        step: str | None = None,
        params: dict[str, Any] | None = None,
        again: bool = False,
    ) -> Any:
        for _ in range(random.randrange(3)):  # someone else's answer may come first
            await asyncio.sleep(0)
        if self.cut_after is not None and self._kinds[self.cut_after[0]] >= self.cut_after[1]:
            raise PowerCut
        self.retries += again
        if not again:  # how often a call is tried again is the platform's doing
            self.requests += 1
            self._kinds[path.rsplit("/", 1)[-1]] += 1
            self.sent.append(self._named([service, method, path, at and at.isoformat(), body, step]))
            self.moments.append((path, at))
        if step is not None and step in self._replies:  # a replay shows no device secret, as the platform's
            return {k: v for k, v in self._replies[step].items() if k != "secret"}
        answer = self._answer(method, path, body)
        if step is not None:
            self._replies[step] = answer
            for value in (answer or {}).values():
                if isinstance(value, str) and UUID.fullmatch(value) and value not in self._names:
                    self._names[value] = f"<{self._named(step)}>"
        return answer

    def claims_sent(self) -> list[str]:
        """Each claim sent, with the ids the platform assigned named by the calls that made them."""
        return [self._named([m.topic, m.key, json.loads(m.value)]) for m in self.topic.sent]

    def _named(self, value: Any) -> str:
        return UUID.sub(lambda m: self._names.get(m.group(), "<unnamed>"), json.dumps(value, sort_keys=True))

    def _answer(self, method: str, path: str, body: Any) -> Any:
        parts = path.strip("/").split("/")
        if parts[-1] in ("outbox", "close", "plan"):
            return self._behind(parts)
        if parts[0] == "teams" and method == "GET":  # its places: signings side by side while there is room
            return {"team_id": parts[1], "resident_cap": PLACES, "places_taken": self._taken[parts[1]], "members": []}
        if path == "/contracts":
            self._take_place(body["team_id"])
            ref = "r_" + base64.b32encode(uuid.uuid4().bytes).decode().lower()[:26]
            return self._contract(ref, body["team_id"], body["doctor_id"], body["starts_on"])
        if parts[0] == "contracts" and parts[-1] in ("renewal", "switch", "termination"):
            old = self._contracts[parts[1]]
            if parts[-1] == "termination":
                self._taken[old["team_id"]] -= 1
                return {}
            if parts[-1] == "switch":
                self._take_place(body["team_id"])
                self._taken[old["team_id"]] -= 1
                return self._contract(old["resident_ref"], body["team_id"], body["doctor_id"], body["starts_on"])
            starts = date.fromisoformat(old["ends_on"]) + timedelta(days=1)
            return self._contract(old["resident_ref"], old["team_id"], old["doctor_id"], starts.isoformat())
        return self._assigned(method, path)

    @staticmethod
    def _assigned(method: str, path: str) -> dict[str, str]:
        """The ids (and a device's secret) a new referral, appointment or device is given."""
        if path == "/referrals":
            return {"referral_id": str(uuid.uuid4())}
        if path.endswith("/appointments") and method == "POST":
            return {"appointment_id": str(uuid.uuid4())}
        if path.endswith("/devices"):
            return {"device_id": str(uuid.uuid4()), "secret": uuid.uuid4().hex}
        return {}

    def _take_place(self, team_id: str) -> None:
        if self._taken[team_id] >= PLACES:
            raise Refused(409, {"type": "/problems/team-full"})
        self._taken[team_id] += 1

    def _behind(self, parts: list[str]) -> Any:
        """What depends on events reaching another service: there at once, or a little later."""
        if parts[-1] == "outbox":  # a relay a little behind at times
            return {"log_end": 7, "published_through": 7 if random.random() < 0.5 else 6}
        if parts[-1] == "close":
            if random.random() < 0.5:  # billing's consumer not there yet
                raise Refused(409, {"type": "/problems/inputs-not-caught-up"})
            return {}
        if parts[1] not in self._opened and random.random() < 0.3:  # signing's event not there yet
            self._opened.add(parts[1])
            raise Refused(404, {"type": "/problems/record-not-found"})
        return PLAN

    def _contract(self, resident_ref: str, team_id: str, doctor_id: str, starts_on: str) -> dict[str, Any]:
        starts = date.fromisoformat(starts_on)
        contract = {
            "contract_id": str(uuid.uuid4()),
            "resident_ref": resident_ref,
            "team_id": team_id,
            "doctor_id": doctor_id,
            "starts_on": starts_on,
            "ends_on": (starts.replace(year=starts.year + 1) - timedelta(days=1)).isoformat(),
        }
        self._contracts[contract["contract_id"]] = contract
        return contract


def run(platform: FakePlatform, checkpoints: Path, fresh: bool = True) -> State:
    return asyncio.run(simulate(RESIDENTS, YEAR, SEED, platform, 8, fresh=fresh, quiet=True, checkpoints=checkpoints))


def test_a_seed_sends_and_counts_the_same_whatever_ids_the_platform_assigns(tmp_path: Path) -> None:
    first, second = FakePlatform(tmp_path / "keys"), FakePlatform(tmp_path / "keys")
    one, other = run(first, tmp_path / "one"), run(second, tmp_path / "other")

    assert sorted(first.sent) == sorted(second.sent)
    assert one.counts == other.counts and one.requests == other.requests == len(first.sent)
    assert one.counts["referrals complete"] > 5 and one.counts["visits"] > 100  # enough to tell
    assert one.counts["no team with room"] > 5  # full teams: who took their last places is the seed's doing
    booked, attended, missed = (one.counts[f"appointments {what}"] for what in ("booked", "attended", "missed"))
    assert one.counts["visits"] / 4 < booked and attended + missed <= booked  # a few booked for after the year
    assert 0 < missed < attended / 5
    assert one.counts["devices linked"] > 5 and one.counts["readings sent"] > 10 * one.counts["devices linked"]
    moved, cancelled = one.counts["appointments rescheduled"], one.counts["appointments cancelled"]
    assert 0 < cancelled < moved < booked / 5 and attended + missed + cancelled <= booked
    assert 0 < one.counts["specialist slots booked"] < one.counts["referrals issued"]
    assert one.counts["specialist sources opened"] == 3 * 5 * 5  # hospitals × departments × spans of the run
    _claimed_advanced_reconciled_and_paid(one, first, second)


def _claimed_advanced_reconciled_and_paid(one: State, first: FakePlatform, second: FakePlatform) -> None:
    claims = [json.loads(m.value) for m in first.topic.sent]
    kinds = Counter(c["data"]["kind"] for c in claims)

    assert sorted(first.claims_sent()) == sorted(second.claims_sent())  # the same claims, named alike
    assert one.counts["claims sent"] == len(claims) == len({c["id"] for c in claims})  # each once
    assert kinds["own_outpatient"] == one.counts["visits"]
    assert kinds["referred_care"] == one.counts["referrals complete"]
    assert {m.topic for m in first.topic.sent} == {"fdcs.claims.MIB-440183"}
    assert all(c["data"]["service_date"][:4] in ("2025", "2026") and c["data"]["amount_fen"] > 0 for c in claims)
    assert one.counts["capitation advances"] == 12  # each month of the year, once it is over
    assert one.counts["capitation years reconciled"] == 1 and one.counts["performance pay distributed"] == 1
    for path, at in first.moments:  # only for periods over in simulated time
        parts = path.split("/")
        if "advances" in parts:
            month_after = (date(int(parts[2]), int(parts[4]), 28) + timedelta(days=4)).replace(day=1)
            assert at is not None and at.date() >= month_after, (path, at)
        elif parts[1] in ("capitation-years", "performance-pay") and at is not None:
            assert at.year > int(parts[2]), (path, at)


def test_a_run_interrupted_and_resumed_does_and_counts_what_an_uninterrupted_one_does(tmp_path: Path) -> None:
    whole = FakePlatform(tmp_path / "keys")
    uninterrupted = run(whole, tmp_path / "whole")
    broken, stopped_on = FakePlatform(tmp_path / "keys"), []

    # In the middle of days; one on a day a device is linked (the replayed link shows no secret).
    for cut in (("contracts", 40), ("devices", 3), ("visits", 150), ("referrals", 3), ("visits", 300)):
        broken.cut_after = cut
        with pytest.raises(PowerCut):
            run(broken, tmp_path / "broken", fresh=False)
        stopped_on.append(State.load(next((tmp_path / "broken").glob("*.json"))).next_day)
    broken.cut_after = None
    resumed = run(broken, tmp_path / "broken", fresh=False)

    assert 0 < stopped_on[0] < stopped_on[-1] < resumed.next_day
    assert set(broken.sent) == set(whole.sent)  # the interrupted day again, and nothing else
    assert set(broken.claims_sent()) == set(whole.claims_sent())  # its claims again (billing notes them once)
    assert resumed.counts == uninterrupted.counts
    assert resumed.requests == uninterrupted.requests == len(whole.sent)
