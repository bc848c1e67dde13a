"""Group commit: commands that arrive together are decided in turn and committed as one.

A durable command costs one database transaction; PostgreSQL can commit only so many
of those a second. So commands wait in a queue while the previous batch commits, then
are decided one after another against the batch's in-memory state (the second signing
for a team sees the first one's place taken) and appended in a single transaction.
A batch reads the streams this process has cached only after the version cached, so it
decides on what is committed even when other processes write the same streams. If the
append still conflicts (another process appended in between), the batch is decided again
on fresh state, and then every command alone, so nothing is lost or decided twice; a
command refused on a cached state no read verified is decided again on fresh state, since
its refusal appended nothing that would have caught a stale entry.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.trace import Span

from shared import tracing
from shared.commands.context import CommandContext
from shared.commands.errors import CommandError, ConcurrencyConflict, IdempotencyKeyReused
from shared.commands.session import RECEIPT_TYPE, Session, Staging, StreamCache
from shared.domain import DomainError
from shared.eventstore import EventStore, StreamConflict
from shared.eventstore.streams import StreamType
from shared.metrics import (
    COMMAND_BATCH_SIZE,
    COMMAND_COMMIT_SECONDS,
    COMMAND_CONFLICTS,
    COMMAND_STAGE_SECONDS,
    COMMANDS,
)

Handler = Callable[[Session], dict[str, Any]]
_BATCH_ATTEMPTS = 2  # a batch decided again whole once before the process takes turns
_IN_TURN_ATTEMPTS = 5  # a batch in its turn, before its commands are run alone
_TURNS_FOR = 10.0  # seconds a process takes turns after a batch conflicted twice


@dataclass(frozen=True)
class Work:
    """A handler and the streams it will read: a batch loads all of them in one query."""

    handle: Handler
    reads: Sequence[tuple[StreamType[Any], str]] = ()


@dataclass(frozen=True)
class Outcome:
    """A command's result (JSON-able); `replayed` when its idempotency key was seen before."""

    result: dict[str, Any]
    replayed: bool = False


Decided = Outcome | BaseException  # a command's result, or what it raised

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    work: Work
    context: CommandContext
    future: asyncio.Future[Outcome] | None = None
    outcome: Outcome | BaseException | None = field(default=None)


class CommandProcessor:
    def __init__(self, store: EventStore, max_batch: int = 256, cache_size: int = 100_000) -> None:
        self._store, self._max_batch = store, max_batch
        self._cache = StreamCache(cache_size)
        self._lock = threading.Lock()
        self._queue: list[_Pending] = []
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._own_loop: asyncio.AbstractEventLoop | None = None
        self._turns_until = 0.0  # monotonic: until then, every batch waits for its turn

    async def execute(self, work: Work | Handler, context: CommandContext) -> Outcome:
        """Run a command as part of the next batch; raises what the handler raised."""
        if self._wake is None:
            self.start()
        work = _work(work)
        with tracing.span(command_type(work.handle)) as span:  # from the queue to the outcome
            pending = _Pending(work, _traced(context, span), asyncio.get_running_loop().create_future())
            self._queue.append(pending)
            assert self._wake is not None
            self._wake.set()
            assert pending.future is not None
            try:
                return await pending.future
            finally:
                _note(span, pending)

    def execute_now(self, work: Work | Handler, context: CommandContext) -> Outcome:
        """Run one command in the calling thread (consumers turning events into commands).
        A processor serves either an event loop (`execute`) or threads, never both."""
        (outcome,) = self.execute_all_now([(work, context)])
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def execute_all_now(self, commands: Sequence[tuple[Work | Handler, CommandContext]]) -> list[Decided]:
        """Run commands in the calling thread as batches, in order (a later one decides on what the
        earlier ones recorded): a consumer's poll is one transaction, not one per event. Each
        command's outcome, or what it raised, in the order given."""
        if self._task is not None:
            raise RuntimeError("this processor runs batches in an event loop: use execute()")
        outcomes: list[Decided] = []
        for start in range(0, len(commands), self._max_batch):
            with ExitStack() as spans:
                batch, caller = [], otel_context.get_current()  # each command's span the caller's child
                for given, context in commands[start : start + self._max_batch]:
                    work = _work(given)
                    span = spans.enter_context(tracing.span(command_type(work.handle), parent=caller))
                    batch.append((_Pending(work, _traced(context, span)), span))
                with self._lock:
                    if self._own_loop is None:  # the async connection belongs to the loop that made it
                        self._own_loop = asyncio.new_event_loop()
                    self._own_loop.run_until_complete(self._run_batch_async([pending for pending, _ in batch]))
                for pending, span in batch:
                    _count(pending)
                    _note(span, pending)
                    assert pending.outcome is not None
                    outcomes.append(pending.outcome)
        return outcomes

    def start(self) -> None:
        self._wake = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._drain())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = self._wake = None
        await self._store.close_batch_path()

    def close(self) -> None:
        """After `execute_now`: give back its event loop and that loop's connections."""
        with self._lock:
            if self._own_loop is not None:
                self._own_loop.run_until_complete(self._store.close_batch_path())
                self._own_loop.close()
                self._own_loop = None

    async def _drain(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
                try:
                    await self._run_batch_async(batch)
                except Exception as failure:  # the store is down: fail this batch, keep serving
                    for pending in batch:
                        pending.outcome = failure
                for pending in batch:
                    _settle(pending)
                    _count(pending)

    async def _run_batch_async(self, batch: list[_Pending]) -> None:
        """The fast path: load and append from the event loop, decide in between. A batch whose
        append conflicts (another writer appended to one of its streams since it read them) is
        decided again whole on what is committed then; should that conflict too, the process
        takes turns with the others for a while (`_try_in_turn`), and a batch that conflicts
        even in its turn has each command run alone, so one command that always conflicts fails
        by itself."""
        COMMAND_BATCH_SIZE.observe(len(batch))
        decided = None
        if time.monotonic() >= self._turns_until:
            for _ in range(_BATCH_ATTEMPTS):
                if (decided := await self._try_batch(batch)) is not None:
                    break
            else:
                self._turns_until = time.monotonic() + _TURNS_FOR
        if decided is None:
            decided = await self._try_in_turn(batch)
        if decided is None:
            decided = [await asyncio.to_thread(self._run_alone, pending) for pending in batch]
        for pending, outcome in zip(batch, decided, strict=True):
            pending.outcome = outcome

    async def _try_in_turn(self, batch: list[_Pending]) -> list[Outcome | BaseException] | None:
        """The batch holding the store's lock of turns, from its read to its append: processes
        that keep meeting on the same streams (two consumers writing an institution's ledgers)
        take turns instead, where each conflicting with the other fell back to every command
        alone (two billing consumers: 43 events/s together against 1,226 for one)."""
        with ExitStack() as held:
            await asyncio.to_thread(held.enter_context, self._store.exclusive("command-turns"))
            for _ in range(_IN_TURN_ATTEMPTS):
                if (decided := await self._try_batch(batch, in_turn=True)) is not None:
                    return decided
        return None

    async def _try_batch(self, batch: list[_Pending], in_turn: bool = False) -> list[Outcome | BaseException] | None:
        """The batch's outcomes, committed; None if its append conflicted (nothing committed).
        In its turn, a stream the batch did not declare is read on from the version cached too:
        the other processes took their turns since."""
        started = time.perf_counter()
        staging = Staging(self._store, self._cache, read_on=in_turn)
        reads = [read for pending in batch for read in pending.work.reads]
        await staging.prefetch_async(reads, [pending.context.receipt_stream for pending in batch])
        started = _stage("read", started)
        decided = [_decide(staging, pending) for pending in batch]
        started = _stage("decide", started)
        sealer = self._store.sealer
        sealed = await sealer.seal_async(staging.events) if sealer and staging.events else staging.events
        started = _stage("seal", started)
        try:
            await self._store.append_async(sealed, sealed=True)
        except StreamConflict:
            COMMAND_CONFLICTS.inc()
            # Another process wrote one of them: what this one cached of them is stale, and a
            # handler's load that the batch did not declare would read it again (and conflict).
            self._cache.forget(list(dict.fromkeys(e.stream_id for e in staging.events)))
            return None
        COMMAND_COMMIT_SECONDS.observe(time.perf_counter() - started)
        staging.remember(self._cache)
        await self._keep_snapshots(staging)
        if staging.read_cache:  # a refusal appends nothing, so nothing verified the cached state it read
            decided = [await self._refused_again(p, o) for p, o in zip(batch, decided, strict=True)]
        return decided

    async def _keep_snapshots(self, staging: Staging) -> None:
        """After the commit, outside its transaction: a snapshot is only ever a shortcut, so
        one not written costs a later read time, never a command its outcome."""
        try:
            await self._store.keep_snapshots_async(staging.due_snapshots())
        except Exception:
            log.warning("snapshots not kept", exc_info=True)

    async def _refused_again(self, pending: _Pending, outcome: Outcome | BaseException) -> Outcome | BaseException:
        """Decide a refused command again on fresh state, after its batch committed: another
        process may have changed a stream this one read from its cache (and only read)."""
        if not isinstance(outcome, BaseException):
            return outcome
        return await asyncio.to_thread(self._run_alone, pending)

    def _run_alone(self, pending: _Pending, attempts: int = 5) -> Outcome | BaseException:
        for _ in range(attempts):
            staging = Staging(self._store, cache=None)
            outcome = _decide(staging, pending)
            if isinstance(outcome, BaseException):
                staging.remember(self._cache)  # what it read is fresh: refresh the cache with it
                return outcome
            try:
                self._store.append(staging.events)
            except StreamConflict:
                COMMAND_CONFLICTS.inc()
                continue
            staging.remember(self._cache)
            return outcome
        return ConcurrencyConflict("the streams kept changing; retry the request")


def _stage(name: str, started: float) -> float:
    """Where a batch's time goes before its append (the append's own: COMMAND_COMMIT_SECONDS)."""
    now = time.perf_counter()
    COMMAND_STAGE_SECONDS.labels(name).observe(now - started)
    return now


def _decide(staging: Staging, pending: _Pending) -> Outcome | BaseException:
    context = pending.context
    receipt = staging.receipt(context.receipt_stream)
    if receipt is not None:
        if receipt["fingerprint"] != context.fingerprint:
            return IdempotencyKeyReused(f"idempotency key {context.idempotency_key!r} was used for another request")
        return Outcome(receipt["result"], replayed=True)
    session = Session(staging, context)
    try:
        result = pending.work.handle(session)
    except Exception as refusal:  # a domain rule said no, or a bug: that command alone fails
        return refusal
    session.close(result)
    return Outcome(result)


def _work(work: Work | Handler) -> Work:
    return work if isinstance(work, Work) else Work(work)


def _verdict(outcome: Outcome | BaseException | None) -> str:
    if isinstance(outcome, Outcome):
        return "replayed" if outcome.replayed else "accepted"
    return "refused" if isinstance(outcome, DomainError | CommandError) else "failed"


def _count(pending: _Pending) -> None:
    COMMANDS.labels(command_type(pending.work.handle), _verdict(pending.outcome)).inc()


def _traced(context: CommandContext, span: Span | None) -> CommandContext:
    """The command's span goes with the events it records (their `traceparent`)."""
    return context if span is None else replace(context, traceparent=tracing.traceparent(span))


def _note(span: Span | None, pending: _Pending) -> None:
    """The verdict on the command's span: a refusal is an answer, only a failure is an error."""
    if span is not None:
        verdict = _verdict(pending.outcome)
        span.set_attribute("fdcs.command.verdict", verdict)
        if verdict == "failed":
            outcome = pending.outcome
            tracing.failed(span, outcome if isinstance(outcome, BaseException) else "no outcome")


def command_type(handle: Handler) -> str:
    """The handler's name as the code spells it (`Signing.sign_contract`): a bounded label, the
    same for every command of its kind. Handlers are closures made by an application's method."""
    function = getattr(handle, "func", handle)  # a functools.partial
    name = str(getattr(function, "__qualname__", type(function).__name__))
    return name.split(".<locals>", 1)[0]


def _settle(pending: _Pending) -> None:
    future, outcome = pending.future, pending.outcome
    if future is None or future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)  # type: ignore[arg-type]


__all__ = ["RECEIPT_TYPE", "CommandProcessor", "Handler", "Outcome", "Work"]
