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
its stream delivers it, so a rebalance (``stream_wait_empty``) still waits for the events
buffered here to be handled and acknowledged before the partitions move.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from mode.utils.aiter import aiter


def filling_take(stream: Any, max_: int, within: float) -> AsyncGenerator[list[Any], None]:
    """Batches of at most ``max_`` of ``stream``'s events, each handed over when it is full
    or ``within`` seconds after the batch before it was done (0: only when full, as Faust's)."""
    batches = _take(stream, max_, within or None)
    # As Faust's own takes: the stream closes the generator when it stops.
    stream._active_agens.add(batches)
    return batches


async def _take(stream: Any, max_: int, within: float | None) -> AsyncGenerator[list[Any], None]:
    buffer: list[Any] = []
    full = asyncio.Event()
    room = asyncio.Event()
    room.set()

    async def add_to_buffer(value: Any) -> Any:
        # Runs in the stream's own task, for each event it delivers: waiting here holds
        # the stream back, so that no batch is larger than max_.
        try:
            if len(buffer) >= max_:
                room.clear()
                await stream.wait(room)
            event = stream.current_event
            if event is None:
                raise RuntimeError("the take found no current event")
            buffer.append(event)
            if len(buffer) >= max_:
                full.set()
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
    try:
        while not stream.should_stop:
            if len(buffer) < max_:
                await stream.wait_for_stopped(full, timeout=within)
            if buffer:
                batch = buffer[:max_]
                del buffer[:max_]
                full.clear()
                room.set()
                yield batch
    finally:
        stream.enable_acks = acks_enabled
        stream._processors.remove(add_to_buffer)
