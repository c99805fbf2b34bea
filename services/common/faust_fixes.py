"""Fixes to faust-streaming's recovery and fetching, applied by ``build_service``.

After a table restore, ``Recovery.on_recovery_completed`` (faust-streaming 0.15) resumes the
input partitions and only then seeks them to their committed offsets, while the fetcher it
started for the changelogs is already running. Records fetched in between are handed to
the agents; the seek then moves the consumer's read offsets back, and Faust's gap
detection (``Consumer._drain_messages``: a jump past the read offset marks the skipped
offsets as acknowledged) and its "already read" filter can together skip input records
for good and hold the committed offset below them. A worker restarted after a kill -9
then lost updates (seen as missing and extra escalations in
tests/integration/test_escalation_on_kafka.py). Faust fixed the same order in the
table-less path (faust-streaming PR #217, "Fix Recovery._resume_streams"); this applies it
to both: seek while the inputs are still paused, then resume them.

The seek itself is the remedy Faust relies on after it drops fetched records (its
``Consumer.getmany`` discards the rest of a batch when the flow stops or the generation
changes, and the fetch position has already moved past them). But aiokafka's
``seek_to_committed`` seeks only partitions with a committed offset above 0: a partition
of a group that never committed (a worker killed before its first commit) kept the
position past the dropped records, which were then never processed by that worker (seen
in tests/integration/test_notification_on_kafka.py: ready, lag, nothing consumed). Here a
partition without a committed offset goes back to its earliest offset, as
``consumer_auto_offset_reset="earliest"`` means.

The third fix closes the way those records were dropped after the seek. Faust hands its
live set of active partitions to the consumer thread (``Consumer._wait_next_records``),
and pauses partitions by taking them out of that set. At the end of a recovery every
partition is paused for a moment (the changelogs are done, the inputs not yet resumed):
the set is empty, and aiokafka's ``Fetcher.fetched_records`` reads an empty set as "every
partition". A fetch waiting in the thread then returns the inputs' records, moving
aiokafka's position past them, and Faust's ``getmany`` drops them as not active. After
the seek above nothing brought them back (seen in tests/integration/test_dedup_on_kafka.py:
a record fetched 50 ms into the seek, never processed, committed offset stuck below it).
Here each fetch gets a copy of the set taken when it starts, and no fetch starts with none.

Not fixes but installed here too: ``Recovery._build_offsets`` is followed by a bulk
restore of the active changelog partitions (``services/common/bulk_restore.py``), which
reads them some twenty times faster than Faust's own recovery; the consumer's hand-over
of each fetched message to its stream (``_quick_wait_first``) skips four tasks per message
when the hand-over does not have to wait; and a channel given a sink (``deliver_directly``)
has its messages handed to the sink by the conductor instead of through its queue and its
stream (``_direct_handler``).

The last fix is aiokafka's (0.14), under Faust's producer and ``services.common.sending``.
Its client keeps asking about the topics it tracks, and about every topic while it tracks
none; ``_wait_on_metadata``, which every ``send`` awaits, tracks a topic only when the
client does not know it yet. A topic known from a refresh that asked for every topic is
written to untracked; the first write to a topic created later tracks that one, the
refresh it forces asks for it alone, and the first topic drops out of the metadata. Its
batch waiting in the accumulator then has no leader, and the sender asks again and again
for the one tracked topic: the batch is never sent unless something else is written to
its topic, and a service whose next batch waits for this one's commit writes nothing (seen
under ``xinfang bench``: notification stopped by its stuck-handler watchdog with a
changelog batch waiting and nothing in flight; tests/integration/test_producer_metadata.py).
Here a topic is tracked from its first write (``_tracking_wait_on_metadata``).
"""

from __future__ import annotations

import asyncio
import types
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any, Final, cast

from aiokafka.client import AIOKafkaClient  # type: ignore[import-untyped]
from faust.tables.recovery import Recovery
from faust.transport.conductor import Conductor
from faust.transport.consumer import Consumer, RecordMap, ensure_TP
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread
from faust.transport.producer import ProducerBuffer
from faust.types import TP
from mode.services import WaitResults

from services.common import bulk_restore

_APPLIED = False
_BUILD_OFFSETS = Recovery._build_offsets


async def _on_recovery_completed(self: Recovery, generation_id: int = 0) -> None:
    """``Recovery.on_recovery_completed`` with the seek before the resume."""
    app: Any = self.app
    consumer = app.consumer
    self.log.info("Restore complete!")
    await app.on_rebalance_complete.send()
    self._set_recovery_ended()
    callbacks = [
        asyncio.ensure_future(
            table.on_recovery_completed(
                self.actives_for_table[table], self.standbys_for_table[table]
            )
        )
        for table in self.tables.values()
    ]
    if callbacks:
        await asyncio.wait(callbacks)
    assignment = consumer.assignment()
    if app.consumer_generation_id != generation_id:
        self.log.warning(
            f"Recovery rebalancing again app id {app.consumer_generation_id} "
            f"param {generation_id}"
        )
        return
    if assignment:
        self.log.info("Seek stream partitions to committed offsets.")
        await self._wait(consumer.perform_seek(), timeout=app.conf.broker_request_timeout)
    consumer.resume_partitions({tp for tp in assignment if not self._is_changelog_tp(tp)})
    self.completed.set()
    app.flow_control.resume()
    consumer.resume_flow()
    await app._fetcher.maybe_start()
    self.tables.on_actives_ready()
    if not app.assignor.assigned_standbys():
        self.tables.on_standbys_ready()
    app.on_rebalance_end()
    self.log.info("Worker ready")


async def _resume_streams(self: Recovery, generation_id: int = 0) -> None:
    """``Recovery._resume_streams`` (no tables to restore) with the seek before the resume."""
    app: Any = self.app
    consumer = app.consumer
    await app.on_rebalance_complete.send()
    assignment = consumer.assignment()
    if app.consumer_generation_id != generation_id:
        self.log.warning("Recovery rebalancing again")
        return
    if assignment:
        self.log.info("Seek stream partitions to committed offsets.")
        await self._wait(consumer.perform_seek(), timeout=app.conf.broker_request_timeout)
        consumer.resume_partitions({tp for tp in assignment if not self._is_changelog_tp(tp)})
    else:
        self.log.info("Resuming streams with empty assignment")
    self.completed.set()
    self.log.info("Resuming flow...")
    app.flow_control.resume()
    consumer.resume_flow()
    await app._fetcher.maybe_start()
    self.tables.on_actives_ready()
    self.tables.on_standbys_ready()
    app.on_rebalance_end()
    self.log.info("Worker ready")


async def _perform_seek(self: Consumer) -> None:
    """``Consumer.perform_seek``, and partitions never committed back to their start."""
    consumer: Any = self
    read_offset = consumer._read_offset
    committed = await self.seek_to_committed()
    uncommitted = [
        tp for tp, offset in committed.items() if not offset and not self._is_changelog_tp(tp)
    ]
    if uncommitted:
        # The aiokafka driver's consumer thread has it (its TopicPartition keys pass as is).
        await consumer._thread.seek_to_beginning(*uncommitted)
    read_offset.update(
        {
            tp: offset if offset is not None and offset >= 0 else None
            for tp, offset in committed.items()
        }
    )
    consumer._committed_offset.update(
        {
            ensure_TP(tp): offset if offset else None
            for tp, offset in committed.items()
            if offset is not None
        }
    )


async def _wait_next_records(
    self: Consumer,
    timeout: float,  # noqa: ASYNC109 (the signature of the method it replaces)
) -> tuple[RecordMap | None, set[TP] | None]:
    """``Consumer._wait_next_records`` fetching for a copy of the active partitions."""
    consumer: Any = self
    if not consumer.flow_active:
        await consumer.wait(consumer.can_resume_flow)
    try:
        consumer.not_waiting_next_records.set()
        active: set[TP] | None = (
            None if consumer.app.client_only else set(consumer._get_active_partitions())
        )
        records: RecordMap = {}
        if active is None or active:
            records = await consumer._getmany(active_partitions=active, timeout=timeout)
        else:
            await consumer.sleep(1)  # nothing to fetch: still release the event loop
        return records, active
    finally:
        consumer.not_waiting_next_records.set()


async def _build_offsets(
    self: Recovery, consumer: Any, tps: set[TP], destination: Any, title: str
) -> None:
    """``Recovery._build_offsets``, then the active partitions restored in bulk."""
    await _BUILD_OFFSETS(self, consumer, tps, destination, title)
    await bulk_restore.restore(self, tps, destination, title)


def _verify_event_path(original: Any) -> Any:
    """Faust's livelock detector, minus its crash on a partition just assigned.

    ``verify_event_path`` reads aiokafka's position of every assigned partition; one that
    is still waiting for its offset reset has none, aiokafka's ``position`` asserts, and
    the AssertionError crashed the whole consumer (seen in the scale-out test: a second
    worker joined, the first crashed in its next check). The check only logs slow
    processing, so such a partition is skipped until its next round.
    """

    def verify(self: Any, now: float, tp: Any) -> Any:
        try:
            return original(self, now, tp)
        except AssertionError:
            return None

    return verify


#: The fetch wait of each app's consumer, in milliseconds (``set_fetch_max_wait``).
_FETCH_MAX_WAIT_MS: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()


def set_fetch_max_wait(app: Any, seconds: float) -> None:
    """Make ``app``'s consumer ask the broker to hold a fetch at most ``seconds``.

    Faust passes aiokafka a fixed ``fetch_max_wait_ms=1500``. aiokafka sends a node no
    second fetch while one is in flight, and leaves out of a fetch the partitions whose
    records it holds unread: a record arriving on such a partition once they are read waits
    for the fetch in flight, up to the whole wait when the other partitions are quiet.
    """
    _FETCH_MAX_WAIT_MS[app] = max(1, round(seconds * 1000))


def _create_worker_consumer(original: Any) -> Any:
    """Faust's consumer factory, with the fetch wait of ``set_fetch_max_wait``."""

    def create(self: Any, transport: Any) -> Any:
        consumer = original(self, transport)
        wait_ms = _FETCH_MAX_WAIT_MS.get(self.app)
        if wait_ms is not None:
            # Read by the consumer's start(), which builds its fetcher with it.
            consumer._fetch_max_wait_ms = wait_ms
        return consumer

    return create


#: Table writes Faust's producer buffer holds before the fetcher waits for it: room for
#: the changelog records written outside batches (they once held every batch's too).
PRODUCER_BUFFER_MESSAGES: Final = 50_000


def _quick_wait_first(
    original: Callable[..., Awaitable[WaitResults]],
) -> Callable[..., Awaitable[WaitResults]]:
    """``Consumer.wait_first`` that runs a hand-over to its end at once when it can.

    The consumer's fetch loop (``Consumer._drain_messages``) hands every message to its
    stream with ``wait_first(callback(message), suspend_flow.wait())``: mode makes a task of
    each (and of the service's stopped and crashed events), waits for the first, and cancels
    the rest, some 4% of a stage's CPU under a backlog. The hand-over (``Conductor.on_message``:
    decode, put the event in the stream's queue) mostly ends without waiting. Here, while the
    flow runs and the consumer neither stops nor crashed, its first step is run at once: if
    it ends there, that is what ``wait_first`` would have returned (the hand-over finished
    first); if it waits (a full queue, a full producer buffer), the rest of it goes to
    ``wait_first`` as before, so a suspended flow or a stop still interrupts it.
    Every other call (one awaitable, a timeout, a stopped flow) is ``wait_first``'s own.
    """

    async def wait_first(self: Any, *coros: Any, timeout: Any = None) -> WaitResults:  # noqa: ASYNC109
        if (
            len(coros) != 2
            or timeout is not None
            or not isinstance(coros[0], types.CoroutineType)
            or not isinstance(coros[1], types.CoroutineType)
            or self.suspend_flow.is_set()
            or self._stopped.is_set()
            or self._crashed.is_set()
        ):
            return await original(self, *coros, timeout=timeout)
        first, interrupt = coros
        try:
            waiting_on = first.send(None)
        except StopIteration as stop:
            interrupt.close()
            return WaitResults([first], [stop.value], False)
        except BaseException:
            interrupt.close()
            raise
        return await original(self, _rest_of(first, waiting_on), interrupt)

    return wait_first


async def _rest_of(coro: Coroutine[Any, Any, Any], waiting_on: Any) -> Any:
    """The rest of ``coro``, whose first step has run and yielded ``waiting_on``."""
    return await _resumed(coro, waiting_on)


@types.coroutine
def _resumed(coro: Coroutine[Any, Any, Any], waiting_on: Any) -> Generator[Any, Any, Any]:
    # As ``yield from coro`` would have gone on after its first yield.
    while True:
        try:
            sent = yield waiting_on
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as exc:  # thrown in: a cancellation
            try:
                waiting_on = coro.throw(exc)
            except StopIteration as stop:
                return stop.value
        else:
            try:
                waiting_on = coro.send(sent)
            except StopIteration as stop:
                return stop.value


#: The channels whose messages go straight to a sink (``deliver_directly``).
_SINKS: weakref.WeakKeyDictionary[Any, Callable[[Any], Awaitable[None]]] = (
    weakref.WeakKeyDictionary()
)


def deliver_directly(channel: Any, sink: Callable[[Any], Awaitable[None]]) -> Callable[[], None]:
    """Have the conductor hand each message of ``channel`` to ``sink``; returns the undo.

    ``channel`` is a stream's topic iterator (what the conductor delivers to). Its messages
    then skip Faust's per-message path: the topic's decode, an Event built through the
    serializer registry, the queue with its pressure callbacks, and the stream's task
    (a turn of the event loop, the processors, the sensors) for each one. ``sink`` gets
    the raw ``Message`` and takes over what the stream did with it (``services.common.take``):
    Faust's checks, tracking it as unacknowledged, the Event, the sensors.

    Only a channel of raw bytes qualifies (key and value typed bytes or not at all, the
    raw serializer): its Event holds the message's own key and value, as the decode would
    have made them. The conductor's hand-over of a partition takes this path only while
    the channel is the partition's only subscriber; otherwise the queue, as before.
    """
    app = channel.app
    key_serializer = channel.key_serializer or app.conf.key_serializer
    value_serializer = channel.value_serializer or app.conf.value_serializer
    # bytes as a type is what the services' topics say (``Service.topic``): the decode
    # takes the raw codec's bytes as they are, as it does with no type.
    if channel.key_type not in (None, bytes) or channel.value_type not in (None, bytes):
        raise ValueError(f"{channel} decodes its messages into types: not deliverable raw")
    if key_serializer != "raw" or value_serializer != "raw":
        raise ValueError(f"{channel} decodes its messages ({key_serializer}, "
                         f"{value_serializer}): not deliverable raw")  # fmt: skip
    _SINKS[channel] = sink

    def undo() -> None:
        if _SINKS.get(channel) is sink:
            del _SINKS[channel]

    return undo


def _direct_handler(original: Callable[..., Any]) -> Callable[..., Any]:
    """``Conductor._build_handler``: a partition's hand-over that goes to its sink if any.

    The handler the conductor builds for each assigned partition waits for Faust's flow
    control and producer buffer, then decodes and queues the message for every channel
    subscribed to the partition. Here, when the partition's one channel has a sink
    (``deliver_directly``), the same two waits are made and the message goes to the sink;
    otherwise (no sink, or several channels) to the handler Faust built. Which one is
    decided per message: a sink may come after the partition's assignment.
    """

    def build(self: Any, tp: TP, channels: Any) -> Any:
        queued = original(self, tp, channels)
        app = self.app
        flow_control = app.flow_control
        buffer = app.producer.buffer
        # The producer buffer's ``size`` reads a setting per call (Faust's settings cost
        # microseconds per read): its queue is known now.
        pending = buffer.queue if app.conf.producer_threaded else buffer.pending
        sinks = _SINKS

        async def on_message(message: Any) -> None:
            if len(channels) == 1:
                for channel in channels:
                    sink = sinks.get(channel)
                    if sink is not None:
                        if not flow_control.is_active():
                            await flow_control.acquire()
                        if pending is None or pending.qsize() > buffer.max_messages:
                            await buffer.wait_until_ebb()
                        await sink(message)
                        return
            await queued(message)

        return on_message

    return build


def _tracking_wait_on_metadata(original: Any) -> Any:
    """``AIOKafkaClient._wait_on_metadata`` that tracks the topic when it is known already,
    so that no refresh asking for the tracked topics drops it from the metadata."""

    async def wait_on_metadata(self: Any, topic: str) -> Any:
        if topic not in self._topics:
            self._topics.add(topic)
        return await original(self, topic)

    return wait_on_metadata


def apply() -> None:
    """Install the fixed methods on faust's Recovery and Consumer (once per process)."""
    global _APPLIED
    if _APPLIED:
        return
    recovery = cast(Any, Recovery)
    recovery.on_recovery_completed = _on_recovery_completed
    recovery._resume_streams = _resume_streams
    recovery._build_offsets = _build_offsets
    cast(Any, Consumer).perform_seek = _perform_seek
    cast(Any, Consumer)._wait_next_records = _wait_next_records
    cast(Any, Consumer).wait_first = _quick_wait_first(Consumer.wait_first)
    cast(Any, Conductor)._build_handler = _direct_handler(Conductor._build_handler)
    # Table writes outside a batch (timers, a send ending in the background) go through
    # Faust's producer buffer one by one (a batch's records take one item of it,
    # services.common.changelog). At the default of 100 the fetcher stops to drain the
    # buffer down, with a "producer buffer full" warning, whenever more are waiting.
    cast(Any, ProducerBuffer).max_messages = PRODUCER_BUFFER_MESSAGES
    client = cast(Any, AIOKafkaClient)
    client._wait_on_metadata = _tracking_wait_on_metadata(client._wait_on_metadata)
    thread = cast(Any, AIOKafkaConsumerThread)
    thread.verify_event_path = _verify_event_path(thread.verify_event_path)
    thread._create_worker_consumer = _create_worker_consumer(thread._create_worker_consumer)
    _APPLIED = True
