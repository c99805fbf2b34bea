"""The consumer loop of a service: its handlers over batches, and the commit protocol.

A handler (``services.common.handler``) gets one message and returns the outputs it wants
published and the state it wants remembered. The service takes its input in batches
(Faust's ``noack_take``: up to ``batch_max_messages`` messages, or what came within
``batch_wait_seconds``) and, for each batch, keeps Kafka Streams' order per batch instead of
per message:

1. every handler of the batch runs in offset order; its outputs are handed to the producer
   without waiting for the broker, and its ``remember`` runs at once, so the next message
   sees its state (the keys a table writes once per batch, ``batch_reads``, reach it when
   the last handler has run);
2. the table writes of the batch are held back (``Batch.changelog``) while
3. every output of the batch is acknowledged (acks=all);
4. then the held-back changelog records are handed to the producer together
   (``services.common.changelog``) and acknowledged, and each table partition's persisted
   offset recorded;
5. only then are the batch's input messages acknowledged, and Faust commits their offsets.

A crash anywhere before 5 leaves the offsets where they were: the restart restores the
tables from their changelogs (``worker.discard_state_of_unclean_stop``), which hold no
write whose outputs were not acknowledged, and handles the batch again; outputs carry
deterministic ids, so a second copy is the same record and downstream skips it.

Pipelined (``pipeline_depth`` 2, the default): steps 3-5 of a batch run in a task of its
own, which keeps the batch's partition locks (``PartitionLock``: the same loop may take
them again for its next batch, unless another agent waits), while the agent handles the
next batch and hands its outputs to the producer. A commit waits for its own outputs,
then for the whole commit of the batch before it, and only then applies its held writes
and hands its changelog records over; so per partition, changelog records reach the
changelog and inputs are acknowledged batch after batch, as one at a time. What the next
batch reads is what a sequential run reads: the local store has the batch before's
writes, and its held writes (``services.common.held``) are read from memory until
applied. A failed commit stops the worker (exit 74) before the commit after it can
acknowledge anything; the failure limit first waits for the commits in flight; an agent
that leaves (cancelled) cancels them, and a cancelled commit acknowledges nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from faust.streams import Stream, _current_event

from schemas.petitions import RejectReason
from schemas.registry import PETITIONS_REJECTED, TopicSpec
from services.common import changelog as changelog_records
from services.common.batch import (
    OPEN_BATCH,
    Batch,
    ChangelogWrite,
    StateTooLargeError,
    latest_writes,
)
from services.common.dlq import (
    FailureLimit,
    FailureLimitExceededError,
    Rejected,
    UnavailableError,
    dead_letter,
)
from services.common.handler import BatchFlush, Effects, Handler, Incoming, Output
from services.common.metrics import Outcome, observe_many
from services.common.partition_lock import PartitionLock
from services.common.sending import too_large
from services.common.worker import EXIT_FAILURE_LIMIT, EXIT_OUTPUT_FAILED, exit_now

if TYPE_CHECKING:
    from services.common.service import Service

log = logging.getLogger(__name__)

#: The longest a batch's handlers run without giving the event loop a turn.
TURN_SECONDS: Final = 0.02

#: Faust's own ``Stream.ack`` (``_acknowledger`` runs its body without a coroutine).
_FAUST_STREAM_ACK: Final = Stream.ack


@dataclass
class Handled:
    """What handling a batch leaves for its commit to count."""

    #: When each message's handling began (``time.perf_counter``).
    started: list[float] = field(default_factory=list)
    #: When the petition of each handled message was received (None: no output).
    received_at: list[datetime | None] = field(default_factory=list)
    #: The dead letter's reason of each handled message (None: processed).
    outcomes: list[RejectReason | None] = field(default_factory=list)
    #: The message at which the failure limit was reached (None: every one handled).
    stop_after: int | None = None


class BatchLoop:
    """One input's handler over batches of its messages, with the commit protocol."""

    def __init__(
        self,
        service: Service,
        spec: TopicSpec,
        handler: Handler,
        flush: BatchFlush | None = None,
    ) -> None:
        self.service = service
        self.spec = spec
        self.handler = handler
        self.flush = flush
        self.limit = FailureLimit(service.settings.max_consecutive_failures)
        m = service.metrics
        name = self.stage = service.stage.value
        self.received = m.counter("xinfang_messages_received_total").labels(service=name)
        self.latency = m.histogram("xinfang_processing_latency_seconds").labels(service=name)
        self.age = m.histogram("xinfang_event_age_seconds").labels(service=name)
        outcomes = m.counter("xinfang_messages_processed_total")
        self.processed = outcomes.labels(service=name, outcome=Outcome.PROCESSED.value)
        self.dead_lettered = outcomes.labels(service=name, outcome=Outcome.DEAD_LETTERED.value)
        self.failed = m.counter("xinfang_messages_failed_total")
        self.consecutive = m.gauge("xinfang_consecutive_failures").labels(service=name)
        #: Batches handled and not yet committed at most (1: each commit awaited at once).
        self.depth: int = service.settings.pipeline_depth
        #: The commits in flight (pipelined), oldest first.
        self._committing: deque[asyncio.Task[None]] = deque()

    async def run(self, stream: Any, events: Sequence[Any]) -> None:
        """Handle one batch under the locks of its partitions, then commit it.

        With ``pipeline_depth`` 1 the commit is awaited here. Deeper, it goes on in a task
        of its own (``_commit_in_turn``), which keeps the batch's locks until it is done,
        and this returns for the next batch: at most ``pipeline_depth`` batches are
        handled and not yet committed. Each commit waits for the one before it.
        """
        service = self.service
        await self._room_for_one()
        partitions = sorted({event.message.partition for event in events})
        task = asyncio.current_task()
        locks: list[PartitionLock] = []
        batch: Batch | None = None
        handed_off = False  # to a commit task, which finishes it and releases its locks
        try:
            for partition in partitions:
                lock = service.partition_locks.setdefault(partition, PartitionLock())
                await lock.acquire(self)
                locks.append(lock)
            # Numbered once its locks are held: batches of a partition are numbered in
            # the order they commit (``TableChangelog.pending``).
            batch = Batch()
            first = (incoming_of(events[0], self.spec), time.monotonic())
            if task is not None:
                service.busy[task] = first
            try:
                handled = await self._handle_batch(events, batch)
                self.received.inc(len(handled.started))
                if self.depth > 1 and handled.stop_after is None:
                    # The commit's own task takes the batch and its locks over.
                    previous = self._committing[-1] if self._committing else None
                    over = _BatchOver(batch, locks)
                    committing = asyncio.create_task(
                        self._commit_in_turn(stream, batch, events, handled, over, first, previous),
                        name=f"commit-{self.stage}-{batch.number}",
                    )
                    # Also when the task ends: one cancelled before its first step (the
                    # agent leaving at once) never enters _commit_in_turn's finally.
                    committing.add_done_callback(over.done_callback)
                    self._committing.append(committing)
                    handed_off = True
                    return
                if handled.stop_after is not None:
                    # What came before is committed first (``_stop_at_the_failure_limit``).
                    await self.drain()
                await self._commit_or_stop(stream, batch, events, handled)
            finally:
                if task is not None:
                    service.busy.pop(task, None)
        finally:
            if not handed_off:
                # Committed, or given up (its task cancelled): the keys it held back are
                # written outside a batch at once again.
                _BatchOver(batch, locks)()
        if handled.stop_after is not None:
            await self._stop_at_the_failure_limit(events[handled.stop_after])

    async def _room_for_one(self) -> None:
        """Wait until fewer than ``pipeline_depth`` batches are handled and uncommitted."""
        committing = self._committing
        while committing and (committing[0].done() or len(committing) >= self.depth):
            await _committed(committing[0])
            committing.popleft()

    async def drain(self) -> None:
        """Wait until every batch handed to a commit task is committed."""
        while self._committing:
            await _committed(self._committing[0])
            self._committing.popleft()

    async def abandon(self) -> None:
        """Cancel the commits in flight and wait for them to end (the agent is leaving).

        A cancelled commit acknowledges none of its inputs (they are acknowledged last,
        without a wait in between): they come again, as a cancelled batch's always did.
        """
        committing = list(self._committing)
        self._committing.clear()
        for task in committing:
            task.cancel()
        if committing:
            await asyncio.wait(committing)

    async def _handle_batch(self, events: Sequence[Any], batch: Batch) -> Handled:
        """Run the handlers (and the flush) of a batch; its writes end in ``batch``."""
        handled = Handled()
        started, received_at, outcomes = handled.started, handled.received_at, handled.outcomes
        opened = OPEN_BATCH.set(batch)
        try:
            turn = time.perf_counter()
            for index, event in enumerate(events):
                started.append(now := time.perf_counter())
                if now - turn > TURN_SECONDS:
                    # Sends no longer give the event loop a turn (``Sender.send``): give
                    # it one now and then, so that a long batch does not hold up Faust's
                    # rebalance callbacks, timers and the watchdogs.
                    await asyncio.sleep(0)
                    turn = time.perf_counter()
                # Faust's tables find the partition of a read or write in the current event.
                _current_event.set(weakref.ref(event))
                try:
                    result = await self._handle(batch, incoming_of(event, self.spec))
                except Exception:  # an output the producer would not take
                    log.critical("could not publish: stopping", exc_info=True)
                    exit_now(EXIT_OUTPUT_FAILED)
                if result is None:  # the failure limit: commit what came before, then stop
                    handled.stop_after = index
                    break
                outcome, moment = result
                outcomes.append(outcome)
                received_at.append(moment)
            if self.flush is not None:
                await self._flush(batch, events[: len(outcomes)])
            try:
                # The writes kept until the batch ends (``batch_reads``) reach the tables
                # now, their changelog records held back with the batch's others.
                batch.end()
            except Exception:  # nothing of the batch is committed: it comes again
                log.critical("could not write the batch's state: stopping", exc_info=True)
                exit_now(EXIT_OUTPUT_FAILED)
        finally:
            OPEN_BATCH.reset(opened)
            _current_event.set(None)
        return handled

    async def _commit_in_turn(
        self,
        stream: Any,
        batch: Batch,
        events: Sequence[Any],
        handled: Handled,
        over: _BatchOver,
        first: tuple[Incoming, float],
        previous: asyncio.Task[None] | None,
    ) -> None:
        """A pipelined batch's commit, in a task of its own, after the batch before it.

        Its outputs' acknowledgements are awaited at once; the rest (held writes, the
        changelogs, the inputs) waits until the commit before it is done, so changelog
        records and acknowledgements keep the order of the batches.
        """
        service = self.service
        task = asyncio.current_task()
        if task is not None:
            service.busy[task] = first
        try:
            await self._commit_or_stop(stream, batch, events, handled, previous)
        finally:
            if task is not None:
                service.busy.pop(task, None)
            # Here rather than only in the task's done callback: a finish that raises
            # fails the commit, and with it the agent's next wait for it.
            over()

    async def _commit_or_stop(
        self,
        stream: Any,
        batch: Batch,
        events: Sequence[Any],
        handled: Handled,
        previous: asyncio.Task[None] | None = None,
    ) -> None:
        """Commit the handled messages of ``events`` and count them, or leave (exit 74)."""
        stop_after = handled.stop_after
        done = events if stop_after is None else events[:stop_after]
        try:
            await self._commit(stream, batch, done, previous)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The outputs or the state could not be written. Leave without acknowledging
            # the batch (nor any after it), so that it is redelivered.
            log.critical("could not publish or remember: stopping", exc_info=True)
            exit_now(EXIT_OUTPUT_FAILED)
        now = time.perf_counter()
        wall = datetime.now(UTC)
        latencies: list[float] = []
        ages: list[float] = []
        for began, moment, outcome in zip(
            handled.started, handled.received_at, handled.outcomes, strict=False
        ):
            if outcome is None:
                latencies.append(now - began)
                if moment is not None:
                    ages.append(max(0.0, (wall - moment).total_seconds()))
            else:
                self.failed.labels(service=self.stage, reason=outcome.value).inc()
                self.dead_lettered.inc()
        # One observation per message, each histogram's buckets counted once per batch.
        observe_many(self.latency, latencies)
        observe_many(self.age, ages)
        self.processed.inc(len(latencies))
        self.consecutive.set(self.limit.consecutive)

    async def _handle(
        self, batch: Batch, incoming: Incoming
    ) -> tuple[RejectReason | None, datetime | None] | None:
        """Run the handler on one message and hand its outputs over.

        Returns the dead letter's reason (None when processed) and when the petition was
        received; None when the failure limit is reached at this message.
        """
        service = self.service
        failure: Rejected | None = None
        effects: Effects | None = None
        try:
            effects = await self.handler(incoming)
        except Rejected as rejection:
            failure = rejection
        except UnavailableError:
            # The broker, not the message: nothing of this batch is committed, it comes again.
            log.critical(
                "what the handler needs does not answer: stopping",
                exc_info=True,
                extra={"topic": incoming.topic, "partition": incoming.partition,
                       "offset": incoming.offset},
            )  # fmt: skip
            exit_now(EXIT_OUTPUT_FAILED)
        except Exception as exc:  # a bug must not stop the stream for one message
            log.exception(
                "processing failed",
                extra={"topic": incoming.topic, "partition": incoming.partition,
                       "offset": incoming.offset},
            )  # fmt: skip
            failure = Rejected(RejectReason.PROCESSING_ERROR, f"{type(exc).__name__}: {exc}")
        if effects is not None:
            oversized = too_large(effects.outputs)
            if oversized is not None:
                size = len(oversized.key) + len(oversized.value or b"")
                failure = Rejected(
                    RejectReason.OUTPUT_TOO_LARGE,
                    f"an output to {oversized.spec.name} would be {size} bytes, more than "
                    f"the {oversized.spec.max_message_bytes} the topic takes",
                )
            elif effects.remember is not None:
                # The state first: a write too large for its changelog rejects the message
                # before any of its outputs is handed over.
                failure = self._remember(batch, effects.remember)
        if failure is not None:
            try:
                # Processing errors only: input refused as invalid is no failure of ours.
                self.limit.dead_lettered(failure.reason)
            except FailureLimitExceededError as exc:
                log.critical(str(exc), extra={"topic": incoming.topic, "offset": incoming.offset})
                return None
            self.consecutive.set(self.limit.consecutive)
            await self._dead_letter(batch, incoming, failure)
            return failure.reason, None
        assert effects is not None
        for output in effects.outputs:
            batch.sends[await service.sender.send(output)] = output
        self.limit.success()
        return None, effects.received_at if effects.outputs else None

    @staticmethod
    def _remember(batch: Batch, remember: Callable[[], None]) -> Rejected | None:
        """Run a handler's state writes; a rejection if one is too large for its changelog."""
        taken, held, kept = len(batch.changelog), len(batch.held), len(batch.unkept)
        try:
            remember()
        except StateTooLargeError as exc:
            if len(batch.changelog) == taken:
                # Its held writes (services.common.held) and those kept until the batch
                # ends (services.common.batch_reads) wait in memory: taken back.
                batch.take_back_held(held)
                batch.take_back_kept(kept)
                return Rejected(RejectReason.OUTPUT_TOO_LARGE, str(exc))
            # Writes before it are in the local store: only a restart from the
            # changelogs undoes them.
            log.critical("could not remember all of a message: stopping", exc_info=True)
            exit_now(EXIT_OUTPUT_FAILED)
        except Exception:
            log.critical("could not remember: stopping", exc_info=True)
            exit_now(EXIT_OUTPUT_FAILED)
        return None

    async def _flush(self, batch: Batch, handled: Sequence[Any]) -> None:
        """The flush of each partition of the handled messages, in the event of its last
        message (Faust's tables find a write's partition there)."""
        assert self.flush is not None
        last = {event.message.partition: event for event in handled}
        for partition, event in sorted(last.items()):
            _current_event.set(weakref.ref(event))
            try:
                effects = self.flush(partition)
                oversized = too_large(effects.outputs)
                if oversized is not None:
                    raise ValueError(f"an output to {oversized.spec.name} is too large")
                for output in effects.outputs:
                    batch.sends[await self.service.sender.send(output)] = output
                if effects.remember is not None:
                    effects.remember()
            except Exception:  # nothing of the batch is committed: it comes again
                log.critical("could not flush the batch: stopping", exc_info=True)
                exit_now(EXIT_OUTPUT_FAILED)

    async def _dead_letter(self, batch: Batch, incoming: Incoming, rejection: Rejected) -> None:
        key, value = dead_letter(
            stage=self.service.stage,
            reason=rejection.reason,
            detail=rejection.detail,
            topic=incoming.topic,
            partition=incoming.partition,
            offset=incoming.offset,
            key=incoming.key,
            value=incoming.value,
            submission_id=rejection.submission_id,
        )
        log.warning(
            "dead-lettered",
            extra={"reason": rejection.reason.value, "detail": rejection.detail[:300],
                   "topic": incoming.topic, "partition": incoming.partition,
                   "offset": incoming.offset},
        )  # fmt: skip
        output = Output(PETITIONS_REJECTED, key, value)
        batch.sends[await self.service.sender.send(output)] = output

    async def _commit(
        self,
        stream: Any,
        batch: Batch,
        events: Sequence[Any],
        previous: asyncio.Task[None] | None = None,
    ) -> None:
        """Outputs, then state, then the inputs: the batch's commit protocol.

        ``previous``: the commit of the batch before (pipelined), which must be done before
        this one's held writes are applied and its changelog records handed over.
        """
        service = self.service
        waiting_since = time.perf_counter()
        await service.sender.acknowledged(batch.sends)
        service.sender.count_sent(batch.sends.values(), time.perf_counter() - waiting_since)
        if previous is not None:
            await _committed(previous)
        # Until a record is handed over, a write outside any batch (a timer, a send ending
        # in the background) to its key is put at the end of ``batch.changelog``
        # (``hold_back_changelog``): read it only when handing over.
        changelog = batch.changelog
        first = service.changelog_first
        since = 0
        if first:
            early = [write for write in latest_writes(changelog) if write[0] in first]
            since = len(changelog)
            if early:
                await self._hand_over(batch, early)
        # The changelog records in the order the local store took the writes: the held
        # ones (services.common.held) were taken last, so they go last. Their writes,
        # applied now, are held back in the batch as its others were, to be handed over
        # with them.
        if batch.held:
            opened = OPEN_BATCH.set(batch)
            try:
                for write in batch.held:
                    write()
            finally:
                OPEN_BATCH.reset(opened)
        if since:
            # What came after the early tables' hand-over: writes outside a batch to the
            # others' keys, and the held writes.
            changelog = [write for write in changelog[:since] if write[0] not in first]
            changelog += batch.changelog[since:]
        await self._hand_over(batch, latest_writes(changelog))
        unsettled = list(service.unsettled)
        if unsettled:
            await asyncio.gather(*unsettled)
        ack = _acknowledger(stream)
        if ack is None:
            for event in events:
                await stream.ack(event)
        else:
            for event in events:
                ack(event)

    async def _hand_over(self, batch: Batch, writes: Sequence[ChangelogWrite]) -> None:
        """Hand ``writes`` (the batch's latest) to the producer, wait for the broker, then
        record each table partition's persisted offset and count the sends."""
        waiting_since = time.perf_counter()
        handed = changelog_records.hand_over(self.service.app, writes)
        batch.handing_over(writes)
        await handed.acknowledged()
        # Only now, as Faust's acknowledgement callbacks would have: a crash before it
        # leaves a lower persisted offset, from which recovery re-reads records the
        # store has already taken.
        handed.persist_offsets()
        handed.count(self.service.sender, time.perf_counter() - waiting_since)

    async def _stop_at_the_failure_limit(self, event: Any) -> None:
        """Commit what is done (the dead letters before this message), then leave."""
        app = self.service.app
        try:
            await app.consumer.commit()
        except Exception:  # the restart will redo the uncommitted letters: harmless
            log.warning("could not commit before stopping", exc_info=True)
        log.critical(
            "stopping at the failure limit",
            extra={"topic": event.message.topic, "partition": event.message.partition,
                   "offset": event.message.offset},
        )  # fmt: skip
        exit_now(EXIT_FAILURE_LIMIT)


class _BatchOver:
    """Ends a batch once (committed, failed or given up): releases the keys it held back
    (``Batch.finish``), then its partition locks, even if the finish raises."""

    __slots__ = ("batch", "locks", "over")

    def __init__(self, batch: Batch | None, locks: Sequence[PartitionLock]) -> None:
        self.batch = batch
        self.locks = locks
        self.over = False

    def __call__(self) -> None:
        if self.over:
            return
        self.over = True
        try:
            if self.batch is not None:
                self.batch.finish()
        finally:
            for lock in reversed(self.locks):
                lock.release()

    def done_callback(self, _commit: asyncio.Task[None]) -> None:
        """For a commit task's ``add_done_callback``: a no-op if its body ended it."""
        self()


async def _committed(commit: asyncio.Task[None]) -> None:
    """Wait for a pipelined batch's commit to end; raise unless it committed.

    Waited for with ``asyncio.wait``, not awaited: cancelling the waiter (the agent
    leaving) would cancel the commit too.
    """
    if not commit.done():
        await asyncio.wait({commit})
    if commit.cancelled():
        raise asyncio.CancelledError("a batch's commit before this one was cancelled")
    if commit.exception() is not None:  # it stopped the worker (exit 74): never past it
        raise RuntimeError("a batch's commit before this one failed")


def incoming_of(event: Any, spec: TopicSpec) -> Incoming:
    """The handler's view of a Faust event's message, from ``spec``'s topic."""
    message = event.message
    return Incoming(
        message.topic, message.partition, message.offset, message.key, message.value, spec
    )


def _acknowledger(stream: Any) -> Callable[[Any], None] | None:
    """What Faust's ``Stream.ack`` does with an event, as a plain call (None: not Faust's
    ``Stream.ack``, awaited as it is).

    ``Stream.ack`` is a coroutine whose body never waits: one coroutine per input message
    made and run for nothing. This runs the same body (faust-streaming 0.15: the event's
    ack, the "event out" sensor, and the "message out" sensor when it was the message's
    last reference), in the same order.
    """
    if getattr(type(stream), "ack", None) is not _FAUST_STREAM_ACK:
        return None
    on_event_out = stream._on_stream_event_out
    on_message_out = stream._on_message_out

    def ack(event: Any) -> None:
        last_stream_to_ack = event.ack()
        message = event.message
        tp = message.tp
        offset = message.offset
        on_event_out(tp, offset, stream, event)
        if last_stream_to_ack:
            on_message_out(tp, offset, message)

    return ack
