"""A send's first step runs at once (``Flights.start``): the same outcome as a task's.

Each sender below is run twice: through ``Flights.start`` and, as before, through a task
of ``deliver`` from its start; the outcome and what the sender saw must be the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from schemas.notices import Notice
from schemas.notifications import FailureReason
from services.notification.inflight import Flights, TransportGate
from services.notification.retry import Delivered, DeliveryResult, Failed, RetryPolicy, deliver
from services.notification.senders import PermanentDeliveryError, RetryableDeliveryError
from tests.unit.notification.test_plan import email_notice

T0 = datetime(2027, 1, 1, tzinfo=UTC)
#: Two quick attempts with a short pause between them, as a new notice's first send has.
INLINE = RetryPolicy(timedelta(milliseconds=1), timedelta(milliseconds=1), 1.0, 2, 0.0)


class Sender:
    """Does what ``steps`` say, one list per call: 'ok', 'retry', 'permanent', 'bug',
    'yield' (one turn of the event loop), 'future' (waits for a future another task sets
    to 7, and notes what it got), 'hold' (waits until released; notes a cancellation)."""

    #: Run at once by ``Flights.start`` (see ``RecordSender.immediate``).
    immediate = True

    def __init__(self, *calls: list[str]) -> None:
        self.calls = list(calls)
        self.seen: list[object] = []
        self.release = asyncio.Event()
        self.tasks: list[asyncio.Task[object] | None] = []

    async def send(self, notice: Notice) -> None:
        self.tasks.append(asyncio.current_task())
        steps = self.calls.pop(0) if self.calls else ["ok"]
        for step in steps:
            self.seen.append(step)
            if step == "retry":
                raise RetryableDeliveryError("451 busy")
            if step == "permanent":
                raise PermanentDeliveryError("550 no such mailbox")
            if step == "bug":
                raise ZeroDivisionError("a sender's bug")
            if step == "yield":
                await asyncio.sleep(0)
            if step == "future":
                future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
                asyncio.get_running_loop().call_soon(future.set_result, 7)
                self.seen.append(await future)
            if step == "hold":
                try:
                    await self.release.wait()
                except asyncio.CancelledError:
                    self.seen.append("cancelled")
                    raise
                finally:
                    self.seen.append("cleaned up")

    async def aclose(self) -> None:
        return None


class TaskSender(Sender):
    """A sender that may rely on the task it runs in (as httpx's anyio does)."""

    immediate = False


def _flights(sender: Sender) -> Flights:
    return Flights({"smtp": sender}, limit=4, gate=TransportGate(INLINE), draw=lambda: 0.0)


async def _through_flights(sender: Sender) -> tuple[bool, DeliveryResult, list[object]]:
    flights = _flights(sender)
    flight = flights.start(email_notice(), INLINE, 0, 0, T0)
    ended_at_once = flight.ended
    await asyncio.wait([flight.task], timeout=5)
    return ended_at_once, flights.land(flight, T0), sender.seen


async def _through_a_task(sender: Sender) -> tuple[DeliveryResult, list[object]]:
    # What Flights did before: a task of the whole send, a sender's bug caught the same way.
    async def send() -> DeliveryResult:
        try:
            return await deliver(sender, email_notice(), INLINE, draw=lambda: 0.0)
        except Exception as exc:
            return Failed(FailureReason.RETRIES_EXHAUSTED, f"{type(exc).__name__}: {exc}", 1)

    return await asyncio.create_task(send()), sender.seen


@pytest.mark.parametrize(
    ("calls", "at_once"),
    [
        ([["ok"]], True),
        ([["permanent"]], True),
        ([["yield", "ok"]], False),
        ([["future", "ok"]], False),
        ([["yield", "yield", "future", "permanent"]], False),
        ([["retry"], ["ok"]], False),  # the pause between the quick attempts waits
        ([["retry"], ["retry"]], False),
        ([["bug"]], True),
    ],
)
async def test_a_send_ends_as_it_would_in_a_task_and_at_once_when_it_waits_for_nothing(
    calls: list[list[str]], at_once: bool
) -> None:
    ended_at_once, result, seen = await _through_flights(Sender(*calls))
    expected, seen_in_task = await _through_a_task(Sender(*calls))
    assert (result, seen) == (expected, seen_in_task)
    assert ended_at_once is at_once


async def test_a_senders_bug_in_its_first_step_is_a_retryable_failure_at_once() -> None:
    ended_at_once, result, _ = await _through_flights(Sender(["bug"]))
    assert ended_at_once
    assert isinstance(result, Failed)
    assert result.detail == "ZeroDivisionError: a sender's bug"


async def test_a_send_that_ended_at_once_takes_no_room_and_no_task() -> None:
    flights = Flights({"smtp": Sender()}, limit=1, gate=TransportGate(INLINE), draw=lambda: 0.0)
    flight = flights.start(email_notice(), INLINE, 0, 0, T0)
    assert flight.ended
    assert flights.has_room("smtp")
    assert flights.get(flight.notice.notification_id) is flight  # until it is landed
    assert flights.land(flight, T0) == Delivered(1)


async def test_a_send_under_way_is_cut_short_by_close_and_cleans_up() -> None:
    sender = Sender(["yield", "hold"])
    flights = Flights({"smtp": sender}, limit=1, gate=TransportGate(INLINE), draw=lambda: 0.0)
    flight = flights.start(email_notice(), INLINE, 0, 0, T0)
    assert not flight.ended
    assert not flights.has_room("smtp")
    await _turns(lambda: asyncio.sleep(0), 3)
    assert sender.seen == ["yield", "hold"]
    await flights.close()
    assert flight.task.cancelled()
    assert sender.seen == ["yield", "hold", "cancelled", "cleaned up"]
    assert flights.has_room("smtp")


async def test_a_held_send_released_later_is_delivered() -> None:
    sender = Sender(["hold"])
    flights = _flights(sender)
    flight = flights.start(email_notice(), INLINE, 0, 0, T0)
    assert not flight.ended
    sender.release.set()
    await asyncio.wait([flight.task], timeout=5)
    assert flights.land(flight, T0) == Delivered(1)
    assert sender.seen == ["hold", "cleaned up"]


async def _turns(turn: Callable[[], Awaitable[None]], count: int) -> None:
    for _ in range(count):
        await turn()


async def test_a_send_cancelled_as_what_it_waits_for_ends_sees_the_cancellation() -> None:
    # The cancellation is thrown into the send where it waits, as into a task's own
    # coroutine, even when what it waited for has just got its result.
    async def run(start: Callable[[Sender], asyncio.Future[DeliveryResult]]) -> list[object]:
        sender = Sender(["yield", "hold"])
        task = start(sender)
        await _turns(lambda: asyncio.sleep(0), 3)
        sender.release.set()
        task.cancel()
        await asyncio.wait([task], timeout=5)
        assert task.cancelled()
        return sender.seen

    def through_flights(sender: Sender) -> asyncio.Future[DeliveryResult]:
        return _flights(sender).start(email_notice(), INLINE, 0, 0, T0).task

    def through_a_task(sender: Sender) -> asyncio.Future[DeliveryResult]:
        return asyncio.create_task(deliver(sender, email_notice(), INLINE, draw=lambda: 0.0))

    seen = await run(through_flights)
    assert seen == await run(through_a_task)
    assert seen == ["yield", "hold", "cancelled", "cleaned up"]


async def test_a_sender_that_may_wait_runs_in_its_own_task_from_its_start() -> None:
    # httpx's anyio cancel scopes must be left in the task they were entered in: such a
    # sender is never run by hand in the handler's task.
    for steps in (["ok"], ["yield", "future", "ok"]):
        sender = TaskSender(steps)
        flights = _flights(sender)
        flight = flights.start(email_notice(), INLINE, 0, 0, T0)
        assert not flight.ended
        assert not sender.tasks  # not begun in the caller's task
        await asyncio.wait([flight.task], timeout=5)
        assert sender.tasks == [flight.task]
        assert flights.land(flight, T0) == Delivered(1)


async def test_the_record_sender_is_run_at_once() -> None:
    from services.notification.senders import RECORD_TRANSPORT, RecordSender

    flights = Flights(
        {RECORD_TRANSPORT: RecordSender()}, limit=1, gate=TransportGate(INLINE), draw=lambda: 0.0
    )
    notice = email_notice().model_copy(update={"transport": RECORD_TRANSPORT})
    flight = flights.start(notice, INLINE, 0, 0, T0)
    assert flight.ended
    assert flights.land(flight, T0) == Delivered(1)
