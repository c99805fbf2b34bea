"""A handler stuck on one message is reported once, with what it is waiting for."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from services.common.service import Incoming, report_slow_handlers, stuck_handler, task_stack

MESSAGE = Incoming(topic="cases.deduplicated", partition=3, offset=41, key=None, value=None)


async def waits_for_the_broker(ack: asyncio.Future[None]) -> None:
    await ack


async def handler(ack: asyncio.Future[None]) -> None:
    await waits_for_the_broker(ack)


async def test_the_stack_names_every_coroutine_down_to_the_awaited_future() -> None:
    ack: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(handler(ack))
    await asyncio.sleep(0)
    stack = task_stack(task)
    lines = stack.splitlines()
    assert "in handler" in lines[0]
    assert "in waits_for_the_broker" in lines[1]
    assert lines[2].startswith("  awaiting ")
    ack.set_result(None)
    await task


async def test_a_slow_handler_is_reported_once_and_a_quick_one_not(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ack: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    slow = asyncio.create_task(handler(ack))
    quick = asyncio.create_task(handler(ack))
    await asyncio.sleep(0)
    other = Incoming(topic="cases.updates", partition=0, offset=7, key=None, value=None)
    busy: dict[asyncio.Task[Any], tuple[Incoming, float]] = {
        slow: (MESSAGE, 100.0),
        quick: (other, 125.0),
    }
    reported: set[tuple[int, str, int, int]] = set()
    with caplog.at_level(logging.WARNING, logger="services.common.service"):
        assert report_slow_handlers(busy, "notification", reported, now=131.0) == [MESSAGE]
        # The same message, still in hand: not again.
        assert report_slow_handlers(busy, "notification", reported, now=136.0) == []
    (record,) = caplog.records
    assert record.offset == 41  # type: ignore[attr-defined]
    assert record.seconds == 31.0  # type: ignore[attr-defined]
    assert "waits_for_the_broker" in record.stack  # type: ignore[attr-defined]
    # The next message the same task takes for as long is reported afresh; the quick
    # one has grown slow by now too.
    following = Incoming(topic="cases.deduplicated", partition=3, offset=42, key=None, value=None)
    busy[slow] = (following, 140.0)
    assert report_slow_handlers(busy, "notification", reported, now=171.0) == [following, other]
    assert report_slow_handlers(busy, "notification", reported, now=176.0) == []
    assert len(reported) == 2
    ack.set_result(None)
    await asyncio.gather(slow, quick)


async def test_the_handler_busy_longest_is_stuck_once_past_the_timeout() -> None:
    ack: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    first = asyncio.create_task(handler(ack))
    second = asyncio.create_task(handler(ack))
    await asyncio.sleep(0)
    other = Incoming(topic="cases.updates", partition=0, offset=7, key=None, value=None)
    busy: dict[asyncio.Task[Any], tuple[Incoming, float]] = {
        second: (other, 50.0),
        first: (MESSAGE, 10.0),
    }
    assert stuck_handler({}, 120.0, now=1_000.0) is None
    assert stuck_handler(busy, 120.0, now=129.0) is None
    assert stuck_handler(busy, 120.0, now=130.0) == (first, MESSAGE, 120.0)
    ack.set_result(None)
    await asyncio.gather(first, second)
