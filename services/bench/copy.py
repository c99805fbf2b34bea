"""The two ceilings: a plain aiokafka batch copy, and the simplest Faust agent's copy.

Both copy the same records (the generated petitions' bytes and keys) from one topic to
another on the same broker as the stages, so a stage's figure divided by the first ceiling
says how much of what the broker and client allow the stage gets.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # type: ignore[import-untyped]

from services.bench.figures import Span

#: Records per getmany: large enough that per-batch costs (acks, commit) are spread thin.
BATCH_RECORDS = 5000
#: The producer's batch per partition: a getmany's worth of petitions in a few requests.
BATCH_BYTES = 1 << 20


async def batch_copy(
    bootstrap: str,
    source: str,
    destination: str,
    group: str,
    total: int,
    on_progress: Callable[[int], None],
    patience: float = 120.0,
) -> Span:
    """Copy ``total`` records in batches: send a batch, await its acks, then commit it.

    acks=all and an idempotent producer, as the services'; the window runs from the first
    batch in hand to the last batch committed (the group's join is not in it).
    """
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=8 << 20,
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        # aiokafka's default (16 KiB) holds some 30 petitions: every few sends wait for a
        # batch to drain, and the copy runs at a tenth of the speed (measured: 2,000/s).
        max_batch_size=BATCH_BYTES,
    )
    await consumer.start()
    await producer.start()
    try:
        copied = 0
        first: float | None = None
        deadline = time.monotonic() + patience
        while copied < total:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the batch copy moved {copied} of {total} in {patience:.0f}s")
            batches = await consumer.getmany(timeout_ms=1000, max_records=BATCH_RECORDS)
            if not batches:
                continue
            if first is None:
                first = time.monotonic()
            sends = [
                await producer.send(destination, key=message.key, value=message.value)
                for messages in batches.values()
                for message in messages
            ]
            await asyncio.gather(*sends)
            await consumer.commit({tp: messages[-1].offset + 1 for tp, messages in batches.items()})
            copied += len(sends)
            on_progress(copied)
        assert first is not None  # copied > 0 means a batch came
        return Span(first, time.monotonic(), copied)
    finally:
        await producer.stop()
        await consumer.stop()
