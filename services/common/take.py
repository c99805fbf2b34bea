"""A service's batches off its Faust stream: the next batch fills while one is handled.

Faust's ``noack_take`` stops adding to its buffer from the moment it hands a batch over
until the batch's loop comes back for the next one, and then admits only what its stream
passes within ``within`` (20 ms). A batch's commit (outputs, then changelogs) holds the
partitions' locks for 60-400 ms on a loaded machine, so under a backlog dedup's batches
stayed at 9-35 messages, each paying a commit. Here the buffer keeps filling, up to the
same maximum, while a batch is handled and committed; the next batch then starts with
what came meanwhile and, as before, waits up to ``within`` for the rest of its maximum.

Events are handed over unacknowledged, as ``noack_take`` does: the batch loop acknowledges
each one after its batch's commit. Faust counts an event as being processed from the moment
it is tracked (when it enters the buffer), so a rebalance (``stream_wait_empty``) still
waits for the events buffered here to be handled and acknowledged before the partitions
move.

The filling itself (``Filling``) knows nothing of Faust: it is given how to wait, so the
unit tests drive it from plain tasks. ``_take`` is the Faust adaptor: the conductor hands
each fetched message of the stream's channel straight to ``direct_sink``, which does what
the stream's iterator did with it (checks, tracking, Event, sensors) and adds the event;
Faust's own way in (the channel's queue, the stream's task and its processor
``add_to_buffer``) remains for a partition the conductor cannot deliver directly. The
stream's waits (which also end when it stops) are used.

When the stream stops, or the generator is closed, events may remain buffered that no batch
was handed: they were never acknowledged, so their offsets are not committed and the
consumer group reads them again (a restart, or the partition's next owner). Nothing is
lost; a stop costs at most one maximum of events read twice, as any uncommitted batch does.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, Final, Generic, TypeVar

from faust.types import TP
from mode.utils.aiter import aiter

from services.common import faust_fixes

T = TypeVar("T")

#: Waits for the event to be set (Faust's ``stream.wait``: or for the stream to stop).
WaitRoom = Callable[[asyncio.Event], Awaitable[object]]
#: Waits for the event to be set, at most the given seconds (None: no limit), without
#: raising on the timeout (Faust's ``stream.wait_for_stopped``: or for the stream to stop).
WaitFull = Callable[[asyncio.Event, "float | None"], Awaitable[object]]


async def _wait_room(room: asyncio.Event) -> None:
    await room.wait()


async def _wait_full(full: asyncio.Event, seconds: float | None) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(full.wait(), seconds)


class Filling(Generic[T]):
    """A buffer one producer fills, in order, while its batches are being handled.

    ``room_for_one`` holds the producer back while ``max_`` items wait, so that no batch is
    larger than ``max_``; ``batches`` hands over what is buffered when ``max_`` are there,
    or ``within`` seconds after its consumer came back for the next batch (None: only
    when full), never an empty batch.
    """

    def __init__(self, max_: int, within: float | None) -> None:
        if max_ < 1:
            raise ValueError(f"a batch's maximum must be at least 1, not {max_}")
        self.max_ = max_
        self.within = within
        self._buffer: list[T] = []
        self._full = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        #: Called after each batch is taken from the buffer (``direct_sink`` resumes the
        #: fetch of the partitions it paused there), and when the take closes.
        self.on_taken: Callable[[], None] | None = None
        self.on_close: Callable[[], None] | None = None

    @property
    def pending(self) -> list[T]:
        """What is buffered and not yet handed over in a batch (a copy), oldest first."""
        return list(self._buffer)

    async def room_for_one(self, wait: WaitRoom = _wait_room) -> None:
        """Return when one more item may be added (or when ``wait`` gives up)."""
        if len(self._buffer) >= self.max_:
            self._room.clear()
            await wait(self._room)

    def add(self, item: T) -> None:
        self._buffer.append(item)
        if len(self._buffer) >= self.max_:
            self._full.set()

    async def put(self, item: T, wait: WaitRoom = _wait_room) -> None:
        await self.room_for_one(wait)
        self.add(item)

    async def batches(
        self, should_stop: Callable[[], bool], wait: WaitFull = _wait_full
    ) -> AsyncGenerator[list[T], None]:
        while not should_stop():
            if len(self._buffer) < self.max_:
                await wait(self._full, self.within)
            if self._buffer:
                batch = self._buffer[: self.max_]
                del self._buffer[: self.max_]
                self._full.clear()
                self._room.set()
                if self.on_taken is not None:
                    self.on_taken()
                yield batch


def filling_take(stream: Any, max_: int, within: float) -> AsyncGenerator[list[Any], None]:
    """Batches of at most ``max_`` of ``stream``'s events, each handed over when it is full
    or ``within`` seconds after the batch before it was done (0: only when full, as Faust's)."""
    batches = _take(stream, max_, within or None)
    # As Faust's own takes: the stream closes the generator when it stops.
    stream._active_agens.add(batches)
    return batches


async def _take(stream: Any, max_: int, within: float | None) -> AsyncGenerator[list[Any], None]:
    filling: Filling[Any] = Filling(max_, within)

    async def add_to_buffer(value: Any) -> Any:
        # Runs in the stream's own task, for each event it delivers: waiting here holds
        # the stream back, so that no batch is larger than max_. (The way in when the
        # conductor cannot deliver directly: see direct_sink.)
        try:
            await filling.room_for_one(stream.wait)
            event = stream.current_event
            if event is None:
                raise RuntimeError("the take found no current event")
            filling.add(event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # as Faust's take: the stream crashes, the worker stops
            stream.log.exception("error adding to the take's buffer: %r", exc)
            await stream.crash(exc)
        return value

    acks_enabled = stream.enable_acks
    stream.enable_acks = False  # the batch loop acknowledges each event after its commit
    stream.add_processor(add_to_buffer)
    stream._enable_passive(aiter(stream.channel))
    undo_direct = faust_fixes.deliver_directly(stream.channel, direct_sink(stream, filling))

    async def wait_full(full: asyncio.Event, seconds: float | None) -> None:
        await stream.wait_for_stopped(full, timeout=seconds)

    try:
        batches = filling.batches(lambda: bool(stream.should_stop), wait_full)
        async with contextlib.aclosing(batches):
            async for batch in batches:
                yield batch
    finally:
        undo_direct()
        if filling.on_close is not None:
            filling.on_close()
        stream.enable_acks = acks_enabled
        stream._processors.remove(add_to_buffer)


#: A directly delivered partition's fetch is paused while this many batches are buffered,
#: and resumed when a batch taken leaves one or less (Faust's queue pauses at 80% of its
#: 4,096 events and resumes at half).
PAUSE_AT_BATCHES: Final = 2


def direct_sink(stream: Any, filling: Filling[Any]) -> Callable[[Any], Awaitable[None]]:
    """What ``stream`` does with a message its channel delivers, straight into ``filling``.

    The conductor calls it for each fetched message of the stream's channel
    (``faust_fixes.deliver_directly``), in the consumer's fetch loop, instead of queueing
    an event for the stream's task. It does what the stream's iterator and ``add_to_buffer``
    did, in their order:

    - once the stream stops, nothing more is added (left for a later read);
    - a message fetched before the flow stopped or of an earlier generation of the group
      is left (Faust's stream skips it too; the seek of the rebalance brings it again);
    - the message is counted once more in its reference count, and as unacknowledged
      (``Consumer.track_message``: a rebalance with ``stream_wait_empty`` waits for it
      to be acknowledged, and the sensors count it in);
    - its Event is made as the topic's raw decode makes it (key and value as they came),
      the stream's "event in" sensor called (its "event out" is the batch loop's
      acknowledgement, as with ``noack_take``), and the event is added to the buffer,
      unacknowledged: the batch loop acknowledges it after its batch's commit.

    It never waits for room: the fetch loop it runs in delivers every agent's partitions
    of the worker, and a wait there for one busy agent would hold up the others (their
    inputs, the ticks, the standbys' changelogs). As Faust's queue does, a partition whose
    messages fill ``PAUSE_AT_BATCHES`` batches is taken out of the fetch
    (``Consumer.on_buffer_full``: what is fetched already is still added) and put back
    when a batch taken leaves one batch or less (``on_buffer_drop``). Batches stay at most
    ``max_`` events.

    An error crashes the stream, as one in ``add_to_buffer`` did: the worker stops.
    """
    app = stream.app
    consumer = app.consumer
    flow_control = app.flow_control
    acking_topics = app.topics.acking_topics
    track_message = consumer.track_message
    on_topic_buffer_full = app.sensors.on_topic_buffer_full
    event_type = app.conf.Event  # what ``app.create_event`` makes, its setting read once
    on_stream_event_in = stream._on_stream_event_in
    buffer_ = filling._buffer
    max_ = filling.max_
    pause_at = PAUSE_AT_BATCHES * max_
    paused: set[Any] = set()  # taken out of the fetch here

    def resume(*, all_: bool = False) -> None:
        if paused and (all_ or len(buffer_) <= max_):
            for tp in paused:
                consumer.on_buffer_drop(tp)
            paused.clear()

    filling.on_taken = resume
    # When the take closes (the stream stops, or its agent crashes and Faust starts it
    # again on the same stream), the partitions it took out of the fetch are put back:
    # a new take knows nothing of them.
    filling.on_close = functools.partial(resume, all_=True)

    async def deliver(message: Any) -> None:
        try:
            if stream.should_stop:  # no batch would take it: left for a later read
                return
            if (
                not flow_control.is_active()
                or message.generation_id != app.consumer_generation_id
            ):
                return
            message.incref()
            event = event_type(app, message.key, message.value, message.headers, message)
            tp = message.tp
            if message.topic in acking_topics and not message.tracked:
                message.tracked = True
                track_message(message)
            on_stream_event_in(tp, message.offset, stream, event)
            filling.add(event)
            if len(buffer_) >= pause_at:
                # For every message past the mark, not once: a partition Faust put back
                # in the fetch itself (an assignment, a resume), or did not take out
                # (during recovery), is taken out again, so the buffer stays bounded
                # (a few sets' operations, only while the buffer is that full).
                # Faust's own TP: a fetched message's ``tp`` is aiokafka's TopicPartition,
                # which the consumer's partition sets must not hold (it asserts on them).
                faust_tp = TP(message.topic, message.partition)
                consumer.on_buffer_full(faust_tp)
                if faust_tp not in paused and faust_tp in consumer._buffered_partitions:
                    paused.add(faust_tp)
                    on_topic_buffer_full(faust_tp)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            stream.log.exception("error delivering to the take's buffer: %r", exc)
            await stream.crash(exc)

    return deliver
