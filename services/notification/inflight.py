"""Sends under way: every notice is sent in its own task, so a slow transport holds no partition.

The engine starts the sends of an event's notices and waits for them at most its hand-off
time. A send that takes longer goes on in the background: the engine writes its notice to
the retry table marked ``unconfirmed`` (should the service stop now, nobody would know
whether the other side took it) and goes on with the next event; the timer's tick for the
notice's partition collects the outcome later and records it. While a send is under way
its notice is never sent again, which is what keeps a relay that is slow to confirm a
message from being sent it twice.

Per transport at most ``limit`` sends run at once, so a stalled relay ties up that many
connections and no more; further notices wait in the retry table. After a retryable
failure a transport rests (``TransportGate``) for the retry policy's delay, growing with
consecutive failures up to ``max_delay``: a new notice then goes straight to the retry
table instead of making its first attempt while its event is in hand, so events are not
slowed by a relay known to be failing. Notices in the retry table keep their own backoff
schedule, rest or not, so none is starved of its attempts and none uses them faster than
the policy says. A delivery, or a definite answer such as a permanent refusal, ends the
rest.

This is process memory, not state: a restart forgets the sends under way, and the retry
table, with its ``unconfirmed`` mark, says what to send again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import (
    Awaitable,
    Callable,
    Collection,
    Coroutine,
    Generator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from schemas.notices import Notice
from schemas.notifications import FailureReason
from services.notification.retry import DeliveryResult, Failed, RetryPolicy, deliver
from services.notification.senders import Sender

log = logging.getLogger(__name__)


def _retryable(result: DeliveryResult) -> bool:
    return isinstance(result, Failed) and result.reason is FailureReason.RETRIES_EXHAUSTED


class TransportGate:
    """Rests a transport after a retryable failure; a delivery or a definite answer ends it.

    Failures that end while the transport is already resting do not lengthen the rest: a
    burst of sends that all hit the same outage counts as one failure, not as many.
    """

    def __init__(self, retry: RetryPolicy) -> None:
        self._retry = retry
        self._failures: Counter[str] = Counter()
        self._until: dict[str, datetime] = {}

    def is_open(self, transport: str, now: datetime) -> bool:
        until = self._until.get(transport)
        return until is None or now >= until

    def record(self, transport: str, result: DeliveryResult, now: datetime) -> None:
        if not _retryable(result):
            self._failures.pop(transport, None)
            self._until.pop(transport, None)
            return
        if not self.is_open(transport, now):
            return
        self._failures[transport] += 1
        rest = self._retry.delay(self._failures[transport], 0.0)
        self._until[transport] = now + timedelta(seconds=rest)


@dataclass(frozen=True)
class Flight:
    """One send under way, or ended and not yet recorded."""

    notice: Notice
    partition: int
    #: Attempts made before this send (from the retry table; 0 for a new notice).
    attempts_before: int
    first_attempt_at: datetime
    #: ``time.monotonic()`` when the send began.
    started: float
    #: The send's task; for a send that ended in its first step (``Flights.start``), a
    #: future that holds its outcome.
    task: asyncio.Future[DeliveryResult]

    @property
    def ended(self) -> bool:
        return self.task.done()


class Flights:
    """The sends under way in this process, by notification id (see the module's doc)."""

    def __init__(
        self,
        senders: Mapping[str, Sender],
        *,
        limit: int,
        gate: TransportGate,
        draw: Callable[[], float],
    ) -> None:
        if limit < 1:
            raise ValueError("at least one send per transport must be allowed")
        self._senders = senders
        self._limit = limit
        self._gate = gate
        self._draw = draw
        self._flights: dict[str, Flight] = {}
        self._running: Counter[str] = Counter()
        self._tasks: set[asyncio.Future[DeliveryResult]] = set()

    def reaches_no_one(self, transport: str) -> bool:
        """Whether a send on ``transport`` reaches no one outside the process (its sender
        says so: ``senders.RecordSender``), so that its sent marks can be left out."""
        return getattr(self._senders.get(transport), "reaches_no_one", False) is True

    def has_room(self, transport: str) -> bool:
        """Whether another send on ``transport`` may begin: fewer than ``limit`` under way."""
        return self._running[transport] < self._limit

    def resting(self, transport: str, now: datetime) -> bool:
        """Whether ``transport`` failed so recently that new notices should not try it."""
        return not self._gate.is_open(transport, now)

    def get(self, notification_id: str) -> Flight | None:
        return self._flights.get(notification_id)

    def start(
        self,
        notice: Notice,
        policy: RetryPolicy,
        partition: int,
        attempts_before: int,
        first_attempt_at: datetime,
    ) -> Flight:
        """Begin sending ``notice`` (with ``policy``'s quick attempts) in its own task.

        A sender that says it never waits (``immediate``: the record transport) is run
        here, at once, as its task would run it in the next turn of the event loop: it
        ends in that first step and needs no task (making and running one cost some 40 µs
        a notice). Every other sender runs in a task of its own from its start: one that
        waits may rely on the task it runs in (anyio's cancel scopes in httpx do).
        """
        if notice.notification_id in self._flights:
            raise ValueError(f"{notice.notification_id} is already being sent")
        transport = notice.transport
        started = time.monotonic()
        send = self._send(notice, policy)
        if not getattr(self._senders.get(transport), "immediate", False):
            task = self._begin(send, transport)
            flight = Flight(notice, partition, attempts_before, first_attempt_at, started, task)
            self._flights[notice.notification_id] = flight
            return flight
        try:
            waits_for = send.send(None)
        except StopIteration as finished:
            outcome: asyncio.Future[DeliveryResult] = asyncio.get_running_loop().create_future()
            outcome.set_result(finished.value)
            flight = Flight(notice, partition, attempts_before, first_attempt_at, started, outcome)
            self._flights[notice.notification_id] = flight
            return flight
        # It waited after all: the rest in a task, from where it waits.
        task = self._begin(_Rest(send, waits_for), transport)
        flight = Flight(notice, partition, attempts_before, first_attempt_at, started, task)
        self._flights[notice.notification_id] = flight
        return flight

    def _begin(
        self, send: Awaitable[DeliveryResult], transport: str
    ) -> asyncio.Future[DeliveryResult]:
        """``send`` in a task of its own, counted as under way on ``transport`` until it ends."""
        task = asyncio.ensure_future(send)
        self._running[transport] += 1
        self._tasks.add(task)

        def ended(done: asyncio.Future[DeliveryResult]) -> None:
            self._running[transport] -= 1
            self._tasks.discard(done)

        task.add_done_callback(ended)
        return task

    async def _send(self, notice: Notice, policy: RetryPolicy) -> DeliveryResult:
        sender = self._senders.get(notice.transport)
        if sender is None:
            return Failed(FailureReason.PERMANENT_REJECTION, f"no sender {notice.transport!r}", 0)
        try:
            return await deliver(sender, notice, policy, draw=self._draw)
        except Exception as exc:  # a sender's bug: keep the notice, retry it, say so
            log.exception(
                "a sender failed unexpectedly",
                extra={"notification_id": notice.notification_id, "transport": notice.transport},
            )
            return Failed(FailureReason.RETRIES_EXHAUSTED, f"{type(exc).__name__}: {exc}", 1)

    @staticmethod
    async def wait(flights: Sequence[Flight], seconds: float) -> None:
        """Wait until every flight has ended, or ``seconds`` have passed."""
        running = [flight.task for flight in flights if not flight.ended]
        if running:
            await asyncio.wait(running, timeout=seconds)

    def has(self, flight: Flight) -> bool:
        """Whether ``flight`` is still this process's (not landed, its partition kept)."""
        return self._flights.get(flight.notice.notification_id) is flight

    def land(self, flight: Flight, now: datetime) -> DeliveryResult:
        """The outcome of an ended flight, which is forgotten; the gate learns from it."""
        result = flight.task.result()
        del self._flights[flight.notice.notification_id]
        self._gate.record(flight.notice.transport, result, now)
        return result

    def keep_only(self, partitions: Collection[int]) -> None:
        """Forget the flights of partitions this worker no longer owns.

        Their retry entries went with the partitions; the new owner sends them again.
        """
        for nid, flight in list(self._flights.items()):
            if flight.partition not in partitions:
                del self._flights[nid]

    async def close(self) -> None:
        """Cut every send short (cancelling closes its connection) and forget them all.

        Their notices stay in the retry table, marked unconfirmed: the next start sends
        them again.
        """
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._flights.clear()


class _Rest:
    """The rest of a coroutine run by hand up to where it first waits, to await in a task.

    ``waits_for`` is what the coroutine yielded there (the future it waits for): yielded
    up to the task, which wakes it as it wakes any coroutine, and everything the task
    sends or throws in later (a cancellation) goes on to the coroutine, as ``await`` would
    have passed it had the task run the coroutine from its start.
    """

    def __init__(self, coroutine: Coroutine[Any, Any, DeliveryResult], waits_for: Any) -> None:
        self._coroutine = coroutine
        self._waits_for = waits_for

    def __await__(self) -> Generator[Any, Any, DeliveryResult]:
        coroutine, waits_for = self._coroutine, self._waits_for
        while True:
            try:
                woken = yield waits_for
            except GeneratorExit:
                coroutine.close()
                raise
            except BaseException as thrown:  # passed on, as await would
                try:
                    waits_for = coroutine.throw(thrown)
                except StopIteration as ended:
                    return cast(DeliveryResult, ended.value)
            else:
                try:
                    waits_for = coroutine.send(woken)
                except StopIteration as ended:
                    return cast(DeliveryResult, ended.value)
