"""The conductor's direct hand-over of a stream's messages to its take (issue 12).

A real Faust app (no broker: nothing here connects), its real conductor building the
hand-over of a partition, a real stream on a topic iterator and the service's take on it:
each message the hand-over gets ends in a batch as the Event the stream would have made,
counted as unacknowledged until the batch loop acknowledges it, without going through the
channel's queue or the stream's task.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import faust
import pytest
from aiokafka.structs import TopicPartition  # type: ignore[import-untyped]
from faust.types import TP
from faust.types.tuples import ConsumerMessage

from services.common import faust_fixes
from services.common.take import filling_take

TOPIC = "in"


class _Worker:
    """A Faust app with one raw topic's iterator and a stream on it, as an agent has."""

    def __init__(self, key_type: Any = bytes) -> None:
        faust_fixes.apply()
        app: Any = faust.App(
            "xinfang-test", broker="kafka://127.0.0.1:1", key_serializer="raw",
            value_serializer="raw",
        )  # fmt: skip
        self.app = app
        topic = self.app.topic(TOPIC, key_type=key_type, value_type=bytes)
        self.channel: Any = topic.clone(is_iterator=True)
        self.app.topics.add(self.channel)
        self.app.topics._acking_topics.add(TOPIC)
        self.stream: Any = self.app.stream(self.channel)
        self.app.flow_control.resume()  # as at the end of a rebalance

    def hand_over(self, partition: int) -> Callable[[Any], Awaitable[None]]:
        """The conductor's hand-over of one assigned partition."""
        channels = {self.channel}
        handler: Callable[[Any], Awaitable[None]] = self.app.topics._build_handler(
            TP(TOPIC, partition), channels
        )
        return handler

    def message(self, partition: int, offset: int, *, generation: int | None = None) -> Any:
        # As Faust's aiokafka driver makes it: its tp is aiokafka's TopicPartition, not
        # Faust's TP (which the consumer's partition sets hold).
        return ConsumerMessage(
            TOPIC, partition, offset, 0.0, 0, [("h", b"1")], b"k%d" % offset,
            b"v%d" % offset, None, tp=TopicPartition(TOPIC, partition),
            generation_id=self.app.consumer_generation_id if generation is None else generation,
        )  # fmt: skip


async def _within(awaitable: Awaitable[Any], seconds: float = 5.0) -> Any:
    return await asyncio.wait_for(awaitable, seconds)


@contextlib.asynccontextmanager
async def _taking(
    worker: _Worker, max_: int, within: float
) -> AsyncGenerator[AsyncGenerator[list[Any], None], None]:
    batches = filling_take(worker.stream, max_, within)
    try:
        yield batches
    finally:
        await batches.aclose()


async def test_handed_over_messages_reach_the_batch_as_events_unacknowledged() -> None:
    worker = _Worker()
    consumer: Any = worker.app.consumer
    async with _taking(worker, 3, 0.05) as batches:
        first = asyncio.ensure_future(anext(batches))
        await asyncio.sleep(0.01)  # the take has started: its sink is in place
        hand_over = worker.hand_over(0)
        messages = [worker.message(0, offset) for offset in range(3)]
        for message in messages:
            await _within(hand_over(message))
        batch = await _within(first)
        # Neither the stream's queue nor its task: straight from the hand-over.
        assert worker.channel.queue.empty()
        assert worker.stream.events_total == 0
        assert [event.message for event in batch] == messages
        decoded = [await worker.channel.decode(message, propagate=True) for message in messages]
        assert [(e.key, e.value, e.headers) for e in batch] == [
            (d.key, d.value, d.headers) for d in decoded
        ]
        # Counted as in hand (a rebalance waits for them), not yet safe to commit.
        assert set(consumer._unacked_messages) == set(messages)
        assert all(m.refcount == 1 and m.tracked and not m.acked for m in messages)
        assert not consumer._acked[TP(TOPIC, 0)]
        for event in batch:
            assert await worker.stream.ack(event)
        assert consumer._acked[TP(TOPIC, 0)] == [0, 1, 2]
        assert not set(consumer._unacked_messages)


async def _first_batch_taken(
    worker: _Worker, batches: AsyncGenerator[list[Any], None], partition: int
) -> Callable[[Any], Awaitable[None]]:
    """The partition's hand-over, after a take of two took a first batch (offsets 0 and 1)
    from it: the buffer is empty and the next batch is not being taken."""
    first = asyncio.ensure_future(anext(batches))
    await asyncio.sleep(0.01)  # the take has started: its sink is in place
    hand_over = worker.hand_over(partition)
    for offset in range(2):
        await _within(hand_over(worker.message(partition, offset)))
    assert [e.message.offset for e in await _within(first)] == [0, 1]
    return hand_over


async def test_a_full_buffer_never_holds_the_hand_over_but_pauses_its_partition() -> None:
    # The fetch loop delivers every agent's partitions: a wait there for one busy take
    # would hold up the others. Faust's queue pauses a partition's fetch instead.
    worker = _Worker()
    consumer: Any = worker.app.consumer
    tp = TP(TOPIC, 1)
    consumer._active_partitions = {tp, TP(TOPIC, 2)}
    async with _taking(worker, 2, 0.05) as batches:
        hand_over = await _first_batch_taken(worker, batches, 1)
        # No batch is being taken: every hand-over still ends at once, and the
        # partition's fetch stops when two batches are buffered (4 events).
        for offset in range(2, 5):
            await _within(hand_over(worker.message(1, offset)), 0.5)
            assert tp not in consumer._buffered_partitions
        await _within(hand_over(worker.message(1, 5)), 0.5)
        assert tp in consumer._buffered_partitions
        assert tp not in consumer._active_partitions
        assert TP(TOPIC, 2) in consumer._active_partitions
        await _within(hand_over(worker.message(1, 6)), 0.5)  # fetched already: added
        # Batches stay at most two; the fetch resumes when one batch or less is left.
        assert [e.message.offset for e in await _within(anext(batches))] == [2, 3]
        assert tp in consumer._buffered_partitions  # three left
        assert [e.message.offset for e in await _within(anext(batches))] == [4, 5]
        assert tp not in consumer._buffered_partitions
        assert tp in consumer._active_partitions
        # Faust's own TPs only: the consumer asserts it when it reads the set.
        assert consumer._get_active_partitions() == {tp, TP(TOPIC, 2)}
        assert [e.message.offset for e in await _within(anext(batches))] == [6]


async def test_a_closed_take_puts_its_paused_partitions_back_in_the_fetch() -> None:
    # Faust starts a crashed agent again on the same stream: its new take knows nothing of
    # what the old one took out of the fetch (a review found it left out until a rebalance).
    worker = _Worker()
    consumer: Any = worker.app.consumer
    tp = TP(TOPIC, 1)
    consumer._active_partitions = {tp}
    async with _taking(worker, 2, 0.05) as batches:
        hand_over = await _first_batch_taken(worker, batches, 1)
        for offset in range(2, 6):
            await _within(hand_over(worker.message(1, offset)), 0.5)
        assert tp in consumer._buffered_partitions
    assert tp not in consumer._buffered_partitions
    assert tp in consumer._active_partitions


async def test_a_partition_faust_left_in_the_fetch_is_taken_out_at_the_next_message() -> None:
    # During recovery Faust ignores on_buffer_full; an assignment puts partitions back in
    # the fetch. Either way the next message past the mark takes it out (bounded buffer).
    worker = _Worker()
    consumer: Any = worker.app.consumer
    tp = TP(TOPIC, 1)
    consumer._active_partitions = {tp}
    async with _taking(worker, 2, 0.05) as batches:
        hand_over = await _first_batch_taken(worker, batches, 1)
        worker.app.in_recovery = True
        for offset in range(2, 6):
            await _within(hand_over(worker.message(1, offset)), 0.5)
        assert tp in consumer._active_partitions  # ignored in recovery
        worker.app.in_recovery = False
        await _within(hand_over(worker.message(1, 6)), 0.5)
        assert tp in consumer._buffered_partitions
        assert tp not in consumer._active_partitions
        consumer._reset_state()  # as a new assignment: back in the fetch
        consumer._active_partitions = {tp}
        await _within(hand_over(worker.message(1, 7)), 0.5)
        assert tp not in consumer._active_partitions
        while len(await _within(anext(batches))) == 2 and tp in consumer._buffered_partitions:
            pass
        assert tp in consumer._active_partitions


async def test_one_busy_take_holds_up_no_other_take_of_the_worker() -> None:
    # A reviewer's case: two agents' takes on one worker, the first's batches not taken.
    worker = _Worker()
    other_channel: Any = worker.app.topic("other", key_type=bytes, value_type=bytes).clone(
        is_iterator=True
    )
    worker.app.topics.add(other_channel)
    worker.app.topics._acking_topics.add("other")
    other_stream: Any = worker.app.stream(other_channel)
    busy = filling_take(worker.stream, 2, 0.05)
    free = filling_take(other_stream, 2, 0.05)
    try:
        busy_first = asyncio.ensure_future(anext(busy))
        free_first = asyncio.ensure_future(anext(free))
        await asyncio.sleep(0.01)
        busy_hand_over = worker.hand_over(0)
        free_hand_over = worker.app.topics._build_handler(TP("other", 0), {other_channel})
        for offset in range(20):  # the fetch loop alternates the two partitions
            await _within(busy_hand_over(worker.message(0, offset)), 0.5)
            message = worker.message(0, offset)
            message.topic, message.tp = "other", TopicPartition("other", 0)
            await _within(free_hand_over(message), 0.5)
        await _within(busy_first)
        assert len(await _within(free_first)) == 2
        got = 2
        while got < 20:
            got += len(await _within(anext(free)))
        assert got == 20
    finally:
        await busy.aclose()
        await free.aclose()


async def test_a_message_of_an_earlier_generation_or_a_stopped_flow_is_left() -> None:
    worker = _Worker()
    consumer: Any = worker.app.consumer
    async with _taking(worker, 10, 0.05) as batches:
        first = asyncio.ensure_future(anext(batches))
        await asyncio.sleep(0.01)
        hand_over = worker.hand_over(0)
        stale = worker.message(0, 0, generation=worker.app.consumer_generation_id - 1)
        await _within(hand_over(stale))
        worker.app.flow_control.suspend()
        during = worker.message(0, 1)
        waiting = asyncio.ensure_future(hand_over(during))  # the flow is stopped: it waits
        await asyncio.sleep(0.02)
        assert not waiting.done()
        waiting.cancel()  # as the consumer's stop of the flow cuts it short
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
        worker.app.flow_control.resume()
        fresh = worker.message(0, 0)
        await _within(hand_over(fresh))
        batch = await _within(first)
        # Neither is counted anywhere: the rebalance's seek fetches them again.
        assert [event.message for event in batch] == [fresh]
        assert set(consumer._unacked_messages) == {fresh}
        assert stale.refcount == during.refcount == 0
        assert not stale.tracked
        assert not during.tracked


async def test_without_a_take_the_hand_over_queues_for_the_stream_as_faust_does() -> None:
    worker = _Worker()
    async with _taking(worker, 3, 0.05) as batches:
        first = asyncio.ensure_future(anext(batches))
        await asyncio.sleep(0.01)
        await _within(worker.hand_over(0)(worker.message(0, 6)))
        assert len(await _within(first)) == 1
        assert worker.channel.queue.empty()
    # The take is closed: its sink is gone, the queue is Faust's way in again.
    assert worker.stream.events_total == 0
    await _within(worker.hand_over(0)(worker.message(0, 7)))
    for _ in range(100):  # the stream's task takes it from the queue
        await asyncio.sleep(0.001)
    assert worker.stream.events_total == 1


async def test_a_partition_with_two_channels_goes_to_their_queues() -> None:
    worker = _Worker()
    other: Any = worker.app.topic(TOPIC, key_type=bytes, value_type=bytes).clone(
        is_iterator=True
    )
    async with _taking(worker, 3, 0.05) as batches:
        first = asyncio.ensure_future(anext(batches))
        await asyncio.sleep(0.01)
        handler = worker.app.topics._build_handler(TP(TOPIC, 0), {worker.channel, other})
        await _within(handler(worker.message(0, 0)))
        assert other.queue.get_nowait().message.offset == 0
        # The take's stream had it from its queue, through its task.
        assert [e.message.offset for e in await _within(first)] == [0]
        assert worker.stream.events_total == 1


def test_only_a_raw_channel_is_delivered_directly() -> None:
    worker = _Worker()

    async def sink(message: Any) -> None:
        return None

    typed: Any = worker.app.topic("typed", value_type=str).clone(is_iterator=True)
    with pytest.raises(ValueError, match="types"):
        faust_fixes.deliver_directly(typed, sink)
    encoded: Any = worker.app.topic("json", value_serializer="json").clone(is_iterator=True)
    with pytest.raises(ValueError, match="json"):
        faust_fixes.deliver_directly(encoded, sink)
    undo = faust_fixes.deliver_directly(worker.channel, sink)
    undo()
