"""The watchdogs every service runs beside its consumer loop.

* the lag exporter, which also seeks back an input partition the consumer stopped reading
  (``StallWatch``);
* the handler watch, which reports a batch that takes long and stops the service, with
  nothing committed, when one is stuck (exit ``EXIT_HANDLER_STUCK``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any, Final

from services.common.diagnostics import producer_state, task_stack
from services.common.handler import Incoming
from services.common.worker import EXIT_HANDLER_STUCK, exit_now

if TYPE_CHECKING:
    from services.common.service import Service

log = logging.getLogger(__name__)

LAG_INTERVAL_SECONDS: Final = 5.0
#: Rounds of the lag timer with records waiting, none in hand and the committed offset
#: unmoved before a partition is sought back to it (see ``StallWatch``).
STALL_CHECKS: Final = 4
#: A handler still at work on one batch after this long is reported, with its stack.
SLOW_HANDLER_SECONDS: Final = 30.0


class StallWatch:
    """Which input partitions a consumer has stopped reading, from what it reports.

    A partition has stopped when records wait past its committed offset, no message of it
    is in the service's hands (delivered to a stream and not yet acknowledged), and the
    committed offset has not moved for ``checks`` rounds in a row. A busy handler keeps
    its message in hand, and a consumer that is reading moves the committed offset, so
    neither counts; what is left is records the consumer fetched and dropped, or never
    fetched. It does not rely on Faust's read offsets: a record Faust dropped can leave
    its read offset at the record's own offset (see services/common/faust_fixes.py).
    """

    def __init__(self, checks: int) -> None:
        self._checks = checks
        self._unmoved: dict[Any, tuple[int, int]] = {}

    def observe(self, partition: Any, *, end: int, committed: int | None, in_hand: bool) -> bool:
        """One round's view of ``partition``; True once it has stopped."""
        done = committed or 0
        if end <= done or in_hand:
            self._unmoved.pop(partition, None)
            return False
        last, rounds = self._unmoved.get(partition, (done, 0))
        rounds = rounds + 1 if last == done else 1
        self._unmoved[partition] = (done, rounds)
        return rounds >= self._checks

    def forget(self, partition: Any) -> None:
        """Start counting ``partition`` afresh (it was just sought back)."""
        self._unmoved.pop(partition, None)

    def reset(self) -> None:
        """Start every count afresh (a rebalance: committed offsets and hands change)."""
        self._unmoved.clear()


def add_lag_exporter(service: Service) -> None:
    """Export the lag per input partition, and unstick a partition Faust stopped reading.

    Every ``LAG_INTERVAL_SECONDS`` the broker's end offsets of the worker's input
    partitions are read (not the fetcher's last highwater, which a partition that is not
    being fetched never updates): the lag is the end offset less the committed offset.
    Faust's consumer can drop fetched records (``Consumer.getmany`` discards the rest of a
    batch when the flow stops or the generation changes, and records of partitions it does
    not count as active) and relies on a later seek to fetch them again; when that seek
    does not come, the partition sits with records waiting and nothing read. A
    ``StallWatch`` notices it and the partition is sought back to its committed offset
    (its first offset if it never committed): the records come again, and handlers skip
    what they had done.
    """
    app = service.app
    lag = service.metrics.gauge("xinfang_consumer_lag_messages")
    reseeks = service.metrics.counter("xinfang_consumer_stall_reseeks_total")
    stage = service.stage.value
    watch = StallWatch(STALL_CHECKS)

    @app.timer(LAG_INTERVAL_SECONDS)  # type: ignore[untyped-decorator]
    async def export_lag() -> None:
        consumer: Any = app.consumer
        if app.rebalancing or not consumer.flow_active:
            watch.reset()
            return
        inputs = [tp for tp in consumer.assignment() if tp.topic in service.topics]
        if not inputs:
            return
        try:
            ends = await consumer.highwaters(*inputs)
        except Exception as exc:  # the broker away or a rebalance starting: next round
            log.info("could not read end offsets", extra={"error": repr(exc)})
            return
        committed = consumer._committed_offset
        in_hand = {message.tp for message in consumer.unacked}
        paused = consumer._paused_partitions
        stalled = []
        for tp in inputs:
            end = ends.get(tp)
            if end is None:
                continue
            done = committed.get(tp)
            lag.labels(service=stage, topic=tp.topic, partition=str(tp.partition)).set(
                max(0, end - (done or 0))
            )
            if tp not in paused and watch.observe(
                tp, end=end, committed=done, in_hand=tp in in_hand
            ):
                stalled.append(tp)
        if not stalled or app.rebalancing:
            return
        never = [tp for tp in stalled if committed.get(tp) is None]
        starts = await consumer.earliest_offsets(*never) if never else {}
        targets = {tp: committed.get(tp) or starts.get(tp, 0) for tp in stalled}
        log.warning(
            "records waiting on input partitions that are no longer being read: "
            "seeking them back to their committed offsets",
            extra={"service": stage,
                   "partitions": {f"{tp.topic}/{tp.partition}": offset
                                  for tp, offset in targets.items()}},
        )  # fmt: skip
        reseeks.labels(service=stage).inc()
        await consumer.seek_wait(targets)
        for tp in stalled:
            watch.forget(tp)


def add_handler_watch(service: Service) -> None:
    """Report a handler that takes long, and leave when one is stuck (``stuck_handler``).

    A timer of its own: the lag timer waits on the broker, and this one must not.
    """
    app = service.app
    stage = service.stage.value
    reported: set[tuple[int, str, int, int]] = set()
    timeout = service.settings.handler_timeout_seconds

    @app.timer(LAG_INTERVAL_SECONDS)  # type: ignore[untyped-decorator]
    async def watch_handlers() -> None:
        if report_slow_handlers(service.busy, stage, reported):
            log.warning(
                "the producer while a handler waits",
                extra={"service": stage, "producer": producer_state(app),
                       "unsettled_table_writes": len(service.unsettled)},
            )  # fmt: skip
        stuck = stuck_handler(service.busy, timeout)
        if stuck is not None:
            task, incoming, seconds = stuck
            log.critical(
                "a handler is stuck: stopping without a commit, so that the restart "
                "processes the message again",
                extra={"service": stage, "topic": incoming.topic,
                       "partition": incoming.partition, "offset": incoming.offset,
                       "seconds": round(seconds, 1), "stack": task_stack(task),
                       "producer": producer_state(app)},
            )  # fmt: skip
            exit_now(EXIT_HANDLER_STUCK)


def report_slow_handlers(
    busy: dict[asyncio.Task[Any], tuple[Incoming, float]],
    stage: str,
    reported: set[tuple[int, str, int, int]],
    now: float | None = None,
) -> list[Incoming]:
    """Log each handler busy on one message for ``SLOW_HANDLER_SECONDS`` or more, once.

    The log line names the message and carries the handler's stack: what it is waiting
    for. Such a handler holds its partition's lock, so every agent that reaches a message
    of that partition waits behind it. Returns the messages reported this time.
    """
    now = time.monotonic() if now is None else now
    slow = []
    for task, (incoming, began) in list(busy.items()):
        key = (id(task), incoming.topic, incoming.partition, incoming.offset)
        if now - began < SLOW_HANDLER_SECONDS or key in reported:
            continue
        reported.add(key)
        slow.append(incoming)
        log.warning(
            "a handler has been busy on one message for a long time",
            extra={"service": stage, "topic": incoming.topic,
                   "partition": incoming.partition, "offset": incoming.offset,
                   "seconds": round(now - began, 1), "stack": task_stack(task)},
        )  # fmt: skip
    current = {(id(t), i.topic, i.partition, i.offset) for t, (i, _) in busy.items()}
    reported &= current
    return slow


def stuck_handler(
    busy: dict[asyncio.Task[Any], tuple[Incoming, float]],
    timeout: float,
    now: float | None = None,
) -> tuple[asyncio.Task[Any], Incoming, float] | None:
    """The handler busy longest on one message, if that is ``timeout`` seconds or more.

    Nothing a handler waits for legitimately takes that long: sends that outlast their
    hand-off go on in the background, and every lookup is in memory, but for the admin
    call that makes an agency's inbox on first use (kafka-python's own timeouts bound it,
    some 30 s each step). What is left is a
    wait that will not end (a produce acknowledgement that never comes), and it holds its
    partition's lock, so every agent stops at that partition's next message. Leaving lets
    the supervisor's restart redo the message with a new producer.
    """
    now = time.monotonic() if now is None else now
    oldest = min(busy.items(), key=lambda item: item[1][1], default=None)
    if oldest is None:
        return None
    task, (incoming, began) = oldest
    return (task, incoming, now - began) if now - began >= timeout else None
