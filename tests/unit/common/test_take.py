"""The filling take's batches (issue 12): bounded, timely, in order, filling while handled.

``Filling`` is the take without Faust: a producer task puts items in as the stream's
processor does, and the tests read its batches as the batch loop does.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncGenerator

import pytest

from services.common.take import Filling


async def _produce(filling: Filling[tuple[int, int]], items: list[tuple[int, int]]) -> None:
    for item in items:
        await filling.put(item)


def _items(partitions: int, per_partition: int, seed: int) -> list[tuple[int, int]]:
    """(partition, offset) pairs, the partitions interleaved as a consumer's fetches are."""
    rng = random.Random(seed)
    offsets = dict.fromkeys(range(partitions), 0)
    items = []
    while any(offset < per_partition for offset in offsets.values()):
        partition = rng.choice([p for p, offset in offsets.items() if offset < per_partition])
        items.append((partition, offsets[partition]))
        offsets[partition] += 1
    return items


def _never() -> bool:
    return False


async def test_no_batch_exceeds_the_maximum_and_all_arrive_once_in_order() -> None:
    items = _items(partitions=4, per_partition=50, seed=1)
    filling: Filling[tuple[int, int]] = Filling(7, within=0.01)
    producer = asyncio.create_task(_produce(filling, items))
    rng = random.Random(2)
    got: list[list[tuple[int, int]]] = []
    batches = filling.batches(_never)
    async with contextlib.aclosing(batches):
        async for batch in batches:
            got.append(batch)
            await asyncio.sleep(rng.choice([0, 0, 0.001, 0.005]))  # the batch being handled
            if sum(map(len, got)) == len(items):
                break
    await producer
    assert all(1 <= len(batch) <= 7 for batch in got)
    assert any(len(batch) == 7 for batch in got)  # it did fill while batches were handled
    # Nothing lost, nothing doubled, across the batches' boundaries, and each partition's
    # offsets in order (the whole sequence is, which is stronger).
    assert [item for batch in got for item in batch] == items
    for partition in range(4):
        offsets = [offset for batch in got for p, offset in batch if p == partition]
        assert offsets == list(range(50))


async def test_a_slow_input_gets_a_partial_batch_after_within() -> None:
    loop = asyncio.get_running_loop()
    filling: Filling[int] = Filling(100, within=0.2)
    await filling.put(1)
    await filling.put(2)
    batches = filling.batches(_never)
    async with contextlib.aclosing(batches):
        asked = loop.time()
        batch = await anext(batches)
        waited = loop.time() - asked
    assert batch == [1, 2]
    assert 0.15 <= waited < 1.0


async def test_a_full_batch_is_handed_over_at_once_and_the_next_partial_one_waits() -> None:
    loop = asyncio.get_running_loop()
    filling: Filling[int] = Filling(3, within=0.5)
    for i in range(3):
        await filling.put(i)
    batches = filling.batches(_never)
    async with contextlib.aclosing(batches):
        asked = loop.time()
        assert await anext(batches) == [0, 1, 2]
        assert loop.time() - asked < 0.25
        await filling.put(3)
        asked = loop.time()
        assert await anext(batches) == [3]  # the batch before being full counts for nothing
        assert loop.time() - asked >= 0.4


async def test_a_buffer_overfilled_by_a_stopping_stream_still_gives_batches_of_max() -> None:
    # Faust's wait for room also returns when the stream stops; the event is added anyway
    # (it was delivered, so it must reach a batch or stay pending, unacknowledged).
    async def gives_up(_room: asyncio.Event) -> None:
        return None

    filling: Filling[int] = Filling(3, within=None)
    for i in range(8):
        await filling.put(i, gives_up)
    batches = filling.batches(_never)
    async with contextlib.aclosing(batches):
        assert await anext(batches) == [0, 1, 2]
        assert await anext(batches) == [3, 4, 5]
    assert filling.pending == [6, 7]


async def test_nothing_is_handed_over_empty_and_without_within_only_when_full() -> None:
    filling: Filling[int] = Filling(3, within=None)
    batches = filling.batches(_never)
    async with contextlib.aclosing(batches):
        waiting = asyncio.ensure_future(anext(batches))
        await filling.put(1)
        await asyncio.sleep(0.1)
        assert not waiting.done()  # a partial batch waits for the rest when within is 0
        await filling.put(2)
        await filling.put(3)
        assert await asyncio.wait_for(waiting, 1.0) == [1, 2, 3]

    filling = Filling(3, within=0.02)
    batches = filling.batches(_never)
    async with contextlib.aclosing(batches):
        waiting = asyncio.ensure_future(anext(batches))
        await asyncio.sleep(0.1)  # several within periods with nothing come
        assert not waiting.done()
        await filling.put(9)
        assert await asyncio.wait_for(waiting, 1.0) == [9]


async def test_what_arrives_while_a_batch_is_handled_fills_the_next_up_to_the_maximum() -> None:
    loop = asyncio.get_running_loop()
    filling: Filling[int] = Filling(3, within=30)
    for i in range(3):
        await filling.put(i)
    batches = filling.batches(_never)
    async with contextlib.aclosing(batches):
        assert await anext(batches) == [0, 1, 2]
        # The batch is being handled (its consumer is awaiting): the producer goes on.
        producer = asyncio.create_task(_produce_ints(filling, range(3, 7)))
        await asyncio.sleep(0.05)
        assert filling.pending == [3, 4, 5]
        assert not producer.done()  # held back at the maximum: item 6 waits for room
        asked = loop.time()
        assert await anext(batches) == [3, 4, 5]  # already full: no wait for within
        assert loop.time() - asked < 1.0
        await asyncio.wait_for(producer, 1.0)  # the room the batch left lets 6 in
        assert filling.pending == [6]


async def _produce_ints(filling: Filling[int], items: range) -> None:
    for item in items:
        await filling.put(item)


async def test_a_stop_leaves_the_unhanded_events_buffered_never_dropped_or_doubled() -> None:
    # When the stream stops, what is buffered and no batch received stays in ``pending``:
    # the adaptor never acknowledged it, so its offsets are not committed and the group
    # reads it again. Here: everything put is either in a batch or pending, once, in order.
    stopping = asyncio.Event()
    filling: Filling[tuple[int, int]] = Filling(5, within=0.01)
    items = _items(partitions=3, per_partition=20, seed=3)
    producer = asyncio.create_task(_produce(filling, items))
    got: list[tuple[int, int]] = []
    batches = filling.batches(stopping.is_set)
    async with contextlib.aclosing(batches):
        async for batch in batches:
            got.extend(batch)
            if len(got) >= 20:
                stopping.set()
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # the producer, held back at the maximum, stays so
    assert not producer.done()
    producer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await producer
    assert len(filling.pending) == 5
    put = got + filling.pending
    assert put == items[: len(put)]


async def test_closing_the_batches_mid_wait_keeps_what_was_buffered() -> None:
    filling: Filling[int] = Filling(10, within=None)
    batches: AsyncGenerator[list[int], None] = filling.batches(_never)
    waiting = asyncio.ensure_future(anext(batches))
    await filling.put(1)
    await asyncio.sleep(0.01)
    waiting.cancel()  # as the agent's task is cancelled while the take waits
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await batches.aclose()
    assert filling.pending == [1]


def test_a_maximum_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Filling(0, within=None)
