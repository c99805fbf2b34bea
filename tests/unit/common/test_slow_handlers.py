"""A handler stuck on one message is reported once, with what it is waiting for."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.common.diagnostics import task_stack
from services.common.handler import Incoming
from services.common.watchdogs import report_slow_handlers, stuck_handler

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


OTHER = Incoming(topic="cases.updates", partition=0, offset=7, key=None, value=None)


@pytest.fixture
async def two_handlers() -> AsyncIterator[tuple[asyncio.Task[None], asyncio.Task[None]]]:
    """Two handler tasks waiting on an acknowledgement that comes when the test is done."""
    ack: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    tasks = asyncio.create_task(handler(ack)), asyncio.create_task(handler(ack))
    await asyncio.sleep(0)
    yield tasks
    ack.set_result(None)
    await asyncio.gather(*tasks)


async def test_a_slow_handler_is_reported_once_and_a_quick_one_not(
    caplog: pytest.LogCaptureFixture,
    two_handlers: tuple[asyncio.Task[None], asyncio.Task[None]],
) -> None:
    slow, quick = two_handlers
    busy: dict[asyncio.Task[Any], tuple[Incoming, float]] = {
        slow: (MESSAGE, 100.0),
        quick: (OTHER, 125.0),
    }
    reported: set[tuple[int, str, int, int]] = set()
    with caplog.at_level(logging.WARNING, logger="services.common.watchdogs"):
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
    assert report_slow_handlers(busy, "notification", reported, now=171.0) == [following, OTHER]
    assert report_slow_handlers(busy, "notification", reported, now=176.0) == []
    assert len(reported) == 2


async def test_the_handler_busy_longest_is_stuck_once_past_the_timeout(
    two_handlers: tuple[asyncio.Task[None], asyncio.Task[None]],
) -> None:
    first, second = two_handlers
    busy: dict[asyncio.Task[Any], tuple[Incoming, float]] = {
        second: (OTHER, 50.0),
        first: (MESSAGE, 10.0),
    }
    assert stuck_handler({}, 120.0, now=1_000.0) is None
    assert stuck_handler(busy, 120.0, now=129.0) is None
    assert stuck_handler(busy, 120.0, now=130.0) == (first, MESSAGE, 120.0)
