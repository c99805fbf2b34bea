"""The consumer loop and Faust wiring every service shares.

A service is a Faust app plus one or more :class:`Step` handlers. A handler is a plain
coroutine: it gets one message and returns the output messages it wants published; it
raises :class:`~services.common.dlq.Rejected` for input that must go to the DLQ. The loop
publishes the outputs, waits for the broker to acknowledge them (acks=all), and only then
lets Faust commit the input offset: committing is always the last step.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import logging
import logging.config
import os
import shutil
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, NoReturn, TypeVar

import faust
from faust.sensors.prometheus import setup_prometheus_sensors
from faust.web import Request, Response, View
from pydantic import ValidationError

from schemas.base import Contract
from schemas.internal import Tick
from schemas.petitions import RejectReason, Stage
from schemas.registry import DAY_MS, PARTITIONS, PETITIONS_REJECTED, TopicSpec
from services.common import faust_fixes
from services.common.dlq import FailureLimit, FailureLimitExceededError, Rejected, dead_letter
from services.common.logs import logging_config
from services.common.metrics import Metrics, Outcome
from services.common.settings import ServiceSettings
from services.common.topics import ensure_topics

log = logging.getLogger(__name__)

#: Exit status when the failure limit stops a service (EX_SOFTWARE): a supervisor restarts
#: it, and the operator finds the reason in the log and the DLQ.
EXIT_FAILURE_LIMIT: Final = 70
#: Exit status when outputs could not be published or state not written (EX_IOERR).
EXIT_OUTPUT_FAILED: Final = 74
#: Exit status when a handler has been stuck on one message for ``handler_timeout_seconds``
#: (EX_TEMPFAIL): nothing is committed, and the restart gets the message again.
EXIT_HANDLER_STUCK: Final = 75
LAG_INTERVAL_SECONDS: Final = 5.0
#: Rounds of the lag timer with records waiting, none in hand and the committed offset
#: unmoved before a partition is sought back to it (see ``StallWatch``).
STALL_CHECKS: Final = 4
#: An output the broker has not acknowledged after this long is sent again (``publish``).
ACK_WAIT_SECONDS: Final = 10.0
#: A handler still at work on one message after this long is reported, with its stack.
SLOW_HANDLER_SECONDS: Final = 30.0


@dataclass(frozen=True)
class Output:
    """One message to publish: the topic's spec, key and value bytes (None: a tombstone)."""

    spec: TopicSpec
    key: bytes
    value: bytes | None
    agency_code: str | None = None


@dataclass(frozen=True)
class Incoming:
    """The message a handler sees: raw bytes and where they came from."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass(frozen=True)
class Effects:
    """What handling one message does: outputs to publish, then state to remember.

    ``remember`` runs only after the broker has acknowledged every output, so a crash in
    between repeats the outputs (with the same deterministic ids) rather than losing them.
    """

    outputs: Sequence[Output] = ()
    remember: Callable[[], None] | None = None
    #: When the petition behind the outputs was received: feeds xinfang_event_age_seconds.
    received_at: datetime | None = None


NOTHING: Final = Effects()

Handler = Callable[[Incoming], Awaitable[Effects]]
M = TypeVar("M", bound=Contract)


def parse_value(model: type[M], message: Incoming) -> M:
    """The message's value as ``model``, or Rejected (schema_violation) with pydantic's words."""
    try:
        return model.model_validate_json(message.value or b"")
    except ValidationError as exc:
        raise Rejected(RejectReason.SCHEMA_VIOLATION, str(exc)[:2000]) from None


def internal_topic(
    stage: Stage,
    suffix: str,
    key_model: type[Contract],
    value_model: type[Contract],
    about: str,
    retention_ms: int = DAY_MS,
) -> TopicSpec:
    """A service's own topic, named ``<app id>-<suffix>`` (the prefix comes with full_name).

    Partitioned like the source topics, so it is co-partitioned with them.
    """
    return TopicSpec(
        name=f"xinfang-{stage.value}-{suffix}",
        description=about,
        key_model=key_model,
        value_model=value_model,
        producers=(stage.value,),
        consumers=(stage.value,),
        examples=(),
        partitions=PARTITIONS,
        retention_ms=retention_ms,
    )


@dataclass
class Service:
    """A Faust app of one stage with its settings, metrics and output topics."""

    stage: Stage
    settings: ServiceSettings
    app: faust.App
    metrics: Metrics
    topics: dict[str, faust.TopicT] = field(default_factory=dict)
    #: One lock per partition number, shared by every agent of the service: co-partitioned
    #: topics share their tables' partitions, and a handler reads state, waits for the
    #: broker, then writes; without the lock another agent's write in between is lost.
    partition_locks: dict[int, asyncio.Lock] = field(default_factory=dict)
    #: Changelog records the tables have handed to the producer and the broker has not yet
    #: acknowledged. The consumer loop waits for them before an input may be acknowledged:
    #: Faust's own pre-commit flush can give up before they are sent (see ``settle``).
    unsettled: set[asyncio.Future[Any]] = field(default_factory=set)
    #: After a crash, restore the tables from their changelogs rather than trust the local
    #: store (see ``discard_state_of_unclean_stop``). A service whose tables only ever
    #: gain keys that guard against repeating an effect may keep its local store instead.
    discard_state_after_crash: bool = True
    #: The handlers at work now: the agent task, its message and when it began
    #: (``time.monotonic()``). ``_add_handler_watch`` reports one that takes long, and stops
    #: the service when one is stuck.
    busy: dict[asyncio.Task[Any], tuple[Incoming, float]] = field(default_factory=dict)

    def topic(self, spec: TopicSpec, agency_code: str | None = None) -> faust.TopicT:
        """The Faust topic of a registry entry (raw bytes in and out)."""
        name = spec.full_name(self.settings.topic_prefix, agency_code)
        if name not in self.topics:
            self.topics[name] = self.app.topic(
                name,
                key_type=bytes,
                value_type=bytes,
                key_serializer="raw",
                value_serializer="raw",
                partitions=spec.partitions,
                internal=False,
            )
        return self.topics[name]

    def table(self, name: str, partitions: int, help_text: str, *, raw: bool = False) -> Any:
        """A changelogged table of JSON values (bytes when ``raw``), one RocksDB per partition."""
        # Faust takes a table's serializers from its types: bytes is raw, anything else JSON.
        table = self.app.Table(
            name,
            default=None,
            value_type=bytes if raw else None,
            partitions=partitions,
            help=help_text,
        )
        send_changelog = table.send_changelog
        unsettled = self.unsettled

        def tracked(*args: Any, **kwargs: Any) -> Any:
            future = send_changelog(*args, **kwargs)
            unsettled.add(future)
            future.add_done_callback(unsettled.discard)
            return future

        # Every write of the table goes through send_changelog (Collection._send_changelog).
        table.send_changelog = tracked  # type: ignore[method-assign]
        return table

    async def settle(self) -> None:
        """Wait until every table write made so far is acknowledged in its changelog.

        Faust commits an input offset after ``producer.flush()``, whose buffer stage gives
        up after 0.1 s without progress and does not count the record it is handing over
        (faust/transport/producer.py, ProducerBuffer.flush_atmost), so an offset could
        be committed before the state it produced is in Kafka; a kill -9 then loses that
        state. Called before an input is acknowledged, this restores Kafka Streams' order:
        outputs, then state, then the commit.
        """
        # A snapshot: the writes of the event in hand are in it; waiting for later writes
        # of other partitions too could starve this one.
        pending = list(self.unsettled)
        if pending:
            await asyncio.gather(*pending)

    def create_internal_topics(self, *specs: TopicSpec) -> None:
        """Create this service's own topics now, before the worker's first assignment."""
        prefix = self.settings.topic_prefix
        for spec in specs:
            ensure_topics(
                self.settings.bootstrap_servers,
                [spec.full_name(prefix)],
                partitions=spec.partitions,
                replication_factor=self.settings.replication_factor,
                config=spec.topic_config(),
            )

    def tick(self, spec: TopicSpec, interval_seconds: float) -> None:
        """Every ``interval_seconds``, one Tick to each partition of ``spec`` this worker owns.

        Consume ``spec`` with a handler to do periodic work in event context (see Tick).
        """
        app = self.app
        ticks = self.topic(spec)
        name = spec.full_name(self.settings.topic_prefix)

        async def send_ticks() -> None:
            if app.consumer is None or app.rebalancing:
                return
            value = Tick(issued_at=datetime.now(UTC)).to_json_bytes()
            for tp in app.consumer.assignment():
                if tp.topic == name:
                    await ticks.send(key=None, value=value, partition=tp.partition)

        send_ticks.__name__ = f"tick_{spec.name.replace('.', '_').replace('-', '_')}"
        app.timer(interval_seconds)(send_ticks)

    async def publish(self, outputs: Sequence[Output]) -> None:
        """Send every output and wait until the broker has acknowledged all of them.

        An output not acknowledged within ``ACK_WAIT_SECONDS`` is sent again (ids are
        deterministic, so a second copy is the same record, which downstream skips):
        acknowledgements take milliseconds, and a send the client has lost must not hold
        the partition. What still does not come ends with ``stuck_handler``.
        """
        waiting = {}
        for output in outputs:
            waiting[await self._send(output)] = output
        while waiting:
            done, _ = await asyncio.wait(waiting, timeout=ACK_WAIT_SECONDS)
            for future in done:
                future.result()  # a send that failed raises here
                del waiting[future]
            if not waiting:
                return
            log.warning(
                "no acknowledgement from the broker: sending again",
                extra={"seconds": ACK_WAIT_SECONDS,
                       "topics": sorted({self.topic(o.spec, o.agency_code).get_topic_name()
                                         for o in waiting.values()}),
                       "producer": producer_state(self.app)},
            )  # fmt: skip
            for future, output in list(waiting.items()):
                # The first copy may still end: keep its outcome from being reported unread.
                future.add_done_callback(_ignore_outcome)
                del waiting[future]
                waiting[await self._send(output)] = output

    async def _send(self, output: Output) -> asyncio.Future[Any]:
        topic = self.topic(output.spec, output.agency_code)
        sent = await topic.send(key=output.key, value=output.value)
        return asyncio.ensure_future(sent)

    def consume(self, spec: TopicSpec, handler: Handler, *, concurrency: int = 1) -> None:
        """Run ``handler`` on every message of ``spec``'s topic with the DLQ policy."""
        source = self.topic(spec)
        limit = FailureLimit(self.settings.max_consecutive_failures)
        m = self.metrics
        service = self.stage.value
        received = m.counter("xinfang_messages_received_total").labels(service=service)
        latency = m.histogram("xinfang_processing_latency_seconds").labels(service=service)
        age = m.histogram("xinfang_event_age_seconds").labels(service=service)
        processed = m.counter("xinfang_messages_processed_total")
        failed = m.counter("xinfang_messages_failed_total")
        consecutive = m.gauge("xinfang_consecutive_failures").labels(service=service)

        async def agent(stream: faust.StreamT[bytes]) -> None:
            async for event in stream.events():
                lock = self.partition_locks.setdefault(event.message.partition, asyncio.Lock())
                async with lock:
                    await handle_event(event)

        async def handle_event(event: Any) -> None:
            started = time.perf_counter()
            received.inc()
            message = event.message
            incoming = Incoming(
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                key=message.key,
                value=message.value,
            )
            task = asyncio.current_task()
            if task is not None:
                self.busy[task] = (incoming, time.monotonic())
            try:
                await handle_incoming(incoming, started)
            finally:
                if task is not None:
                    self.busy.pop(task, None)

        async def handle_incoming(incoming: Incoming, started: float) -> None:
            failure: Rejected | None = None
            try:
                effects = await handler(incoming)
            except Rejected as rejection:
                failure = rejection
            except Exception as exc:  # a bug must not stop the stream for one message
                log.exception(
                    "processing failed",
                    extra={"topic": incoming.topic, "partition": incoming.partition,
                           "offset": incoming.offset},
                )  # fmt: skip
                failure = Rejected(RejectReason.PROCESSING_ERROR, f"{type(exc).__name__}: {exc}")
            if failure is not None:
                await self._dead_letter(incoming, failure, limit, consecutive)
                failed.labels(service=service, reason=failure.reason.value).inc()
                processed.labels(service=service, outcome=Outcome.DEAD_LETTERED.value).inc()
                return
            try:
                await self.publish(effects.outputs)
                if effects.remember is not None:
                    effects.remember()
                # Also the writes a handler made itself (dedup's matcher writes as it goes).
                await self.settle()
            except Exception:
                # The outputs or the state could not be written. Faust would ack this
                # message when the agent raises; leave instead, so it is redelivered.
                log.critical("could not publish or remember: stopping", exc_info=True)
                self.exit_now(EXIT_OUTPUT_FAILED)
            if effects.received_at is not None and effects.outputs:
                age.observe(max(0.0, (datetime.now(UTC) - effects.received_at).total_seconds()))
            limit.success()
            consecutive.set(0)
            processed.labels(service=service, outcome=Outcome.PROCESSED.value).inc()
            latency.observe(time.perf_counter() - started)

        agent.__name__ = f"consume_{spec.name.replace('.', '_')}"
        agent.__qualname__ = agent.__name__
        self.app.agent(source, name=f"{service}.{agent.__name__}", concurrency=concurrency)(agent)

    def exit_now(self, code: int) -> NoReturn:
        """Leave at once, without acknowledging the message in hand (it will be redelivered)."""
        logging.shutdown()
        os._exit(code)

    async def _dead_letter(
        self,
        incoming: Incoming,
        rejection: Rejected,
        limit: FailureLimit,
        consecutive: Any,
    ) -> None:
        try:
            limit.failure()
        except FailureLimitExceededError as exc:
            # Stop before this message is dead-lettered or acknowledged: Faust acks an event
            # when an agent raises, so the process leaves at once and the offset stays.
            log.critical(str(exc), extra={"topic": incoming.topic, "offset": incoming.offset})
            # Commit what is done (the dead letters before this one), not this message.
            await self.app.producer.flush()
            try:
                await self.app.consumer.commit()
            except Exception:  # the restart will redo the uncommitted letters: harmless
                log.warning("could not commit before stopping", exc_info=True)
            self.exit_now(EXIT_FAILURE_LIMIT)
        consecutive.set(limit.consecutive)
        key, value = dead_letter(
            stage=self.stage,
            reason=rejection.reason,
            detail=rejection.detail,
            topic=incoming.topic,
            partition=incoming.partition,
            offset=incoming.offset,
            key=incoming.key,
            value=incoming.value,
            submission_id=rejection.submission_id,
        )
        log.warning(
            "dead-lettered",
            extra={"reason": rejection.reason.value, "detail": rejection.detail[:300],
                   "topic": incoming.topic, "partition": incoming.partition,
                   "offset": incoming.offset},
        )  # fmt: skip
        await self.publish([Output(PETITIONS_REJECTED, key, value)])


def build_service(
    stage: Stage, settings: ServiceSettings, metrics: Metrics | None = None
) -> Service:
    """A Faust app for one stage: its own consumer group, state directory and web port."""
    faust_fixes.apply()
    prefix = settings.topic_prefix
    datadir = settings.data_dir / f"{prefix}{stage.value}"
    datadir.parent.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        f"{prefix}xinfang-{stage.value}",
        broker=[f"kafka://{server}" for server in settings.bootstrap_servers.split(",")],
        store="rocksdb://" if settings.store == "rocksdb" else "memory://",
        datadir=str(datadir),
        web_enabled=True,
        web_host=settings.web_host,
        web_bind=settings.web_host,
        web_port=settings.web_port,
        web_in_thread=False,
        topic_partitions=PARTITIONS,
        topic_replication_factor=settings.replication_factor,
        table_standby_replicas=settings.standby_replicas,
        producer_acks=-1,
        broker_session_timeout=settings.session_timeout_seconds,
        broker_heartbeat_interval=min(3.0, settings.session_timeout_seconds / 3),
        consumer_auto_offset_reset="earliest",
        key_serializer="raw",
        value_serializer="raw",
        broker_commit_every=100,
        broker_commit_interval=1.0,
        stream_wait_empty=True,
        worker_redirect_stdouts=False,
    )
    service = Service(stage=stage, settings=settings, app=app, metrics=metrics or Metrics())
    service.metrics.initialise(stage.value)
    setup_prometheus_sensors(app, pattern="/metrics", name_prefix="xinfang_faust")
    _add_health(service)
    _add_lag_exporter(service)
    _add_handler_watch(service)
    return service


def _add_health(service: Service) -> None:
    app = service.app
    up = service.metrics.gauge("xinfang_up").labels(service=service.stage.value)
    started_at = datetime.now(UTC)

    # xinfang_up follows the consumer: 1 once a rebalance completes (partitions assigned
    # and tables recovered), 0 from a revocation until the next completion, and at stop.
    async def ready(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        up.set(1)

    async def not_ready(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        up.set(0)

    app.on_rebalance_complete.connect(ready)
    app.on_partitions_revoked.connect(not_ready)
    app.on_before_shutdown.connect(not_ready)

    @app.page("/health")
    async def health(web: View, request: Request) -> Response:
        consumer_ready = app.consumer is not None and not app.rebalancing
        healthy = not app.should_stop and consumer_ready
        body = {
            "status": "ok" if healthy else "starting" if not app.should_stop else "stopping",
            "service": service.stage.value,
            "started_at": started_at.isoformat(),
            "rebalancing": bool(app.rebalancing),
            "assigned_partitions": len(app.consumer.assignment()) if app.consumer else 0,
        }
        return web.json(body, status=200 if healthy else 503)


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


def _add_lag_exporter(service: Service) -> None:
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


def _add_handler_watch(service: Service) -> None:
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
            service.exit_now(EXIT_HANDLER_STUCK)


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
    hand-off go on in the background, and every lookup is in memory. What is left is a
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


def _ignore_outcome(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def _task_state(task: asyncio.Task[Any] | None) -> str:
    if task is None:
        return "none"
    if not task.done():
        return "running"
    if task.cancelled():
        return "cancelled"
    return f"ended: {task.exception()!r}"


def producer_state(app: Any) -> dict[str, object]:
    """What the app's Kafka producer has in hand, for a report on a handler that waits.

    Faust's buffer of table writes not yet handed over, aiokafka's metadata and sender
    tasks, the nodes with a produce request in flight and the batches not yet sent. Read
    from private attributes (faust-streaming 0.15, aiokafka 0.14), so nothing here may fail.
    """
    state: dict[str, object] = {}
    try:
        buffer = app.producer.buffer
        state["buffer_pending"] = buffer.size
        aio = app.producer._producer
        if aio is not None:
            state["metadata_task"] = _task_state(aio.client._sync_task)
            update = aio.client._md_update_fut
            state["metadata_update"] = (
                "none" if update is None else ("done" if update.done() else "waiting")
            )
            state["sender_task"] = _task_state(aio._sender.sender_task)
            state["in_flight_nodes"] = sorted(str(node) for node in aio._sender._in_flight)
            state["muted_partitions"] = len(aio._sender._muted_partitions)
            batches = aio._message_accumulator._batches
            state["batches_waiting"] = {
                f"{tp.topic}/{tp.partition}": len(queue) for tp, queue in batches.items() if queue
            }
            state["batches_in_flight"] = len(aio._message_accumulator._pending_batches)
    except Exception as exc:  # a report must never fail
        state["error"] = repr(exc)
    return state


def task_stack(task: asyncio.Task[Any]) -> str:
    """Where ``task`` waits: each coroutine of its await chain, outermost first, then what
    the innermost one awaits (``Task.get_stack`` shows only the outermost frame).

    An awaitable that is not itself a coroutine (``coro.__await__()``'s wrapper, which
    Faust's agents await) is looked through to the coroutine it holds.
    """
    lines = []
    awaited: Any = task.get_coro()
    for _ in range(80):
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is None:
            inner = next(
                (r for r in gc.get_referents(awaited) if inspect.iscoroutine(r)), None
            )
            if inner is None:
                future = next(
                    (r for r in gc.get_referents(awaited) if isinstance(r, asyncio.Future)),
                    awaited,
                )
                lines.append(f"  awaiting {future!r}"[:500])
                break
            awaited = inner
            continue
        code = frame.f_code
        lines.append(f'  File "{code.co_filename}", line {frame.f_lineno}, in {code.co_name}')
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
        if awaited is None:
            break
    return "\n".join(lines)


def internal_topics(service: Service) -> list[str]:
    """The changelog topics of this app's tables."""
    return [table.changelog_topic.get_topic_name() for table in service.app.tables.values()]


#: Written into the table directory when the worker has stopped gracefully.
CLEAN_STOP_MARKER: Final = "CLEAN_STOP"


def discard_state_of_unclean_stop(tabledir: Path) -> bool:
    """Delete the local table state unless the last run stopped gracefully; True if so.

    After a crash or kill -9 the local RocksDB may hold writes whose changelog records
    never reached Kafka, while Faust's recovery re-applies the changelog from the last
    offset it saw acknowledged over those newer values: the result is neither the state
    before the crash nor a prefix of the writes. Restoring from the changelog alone gives
    a prefix of the writes in their order (every input committed after its writes, see
    ``Service.settle``), which is what the services are built to resume from. A graceful
    stop flushes and commits, so its local state is kept and the restart is quick.
    """
    marker = tabledir / CLEAN_STOP_MARKER
    if marker.exists():
        marker.unlink()
        return False
    if not tabledir.exists() or not any(tabledir.iterdir()):
        return False
    shutil.rmtree(tabledir)
    return True


def run_worker(service: Service) -> None:
    """Run the service until SIGTERM or SIGINT, then stop gracefully (commit, close)."""
    from faust.worker import Worker

    settings = service.settings
    config = logging_config(service.stage.value, settings.log_level, settings.log_format)
    logging.config.dictConfig(config)  # the worker applies the same; this is for what follows
    tabledir = Path(service.app.conf.tabledir)
    if not service.discard_state_after_crash:
        (tabledir / CLEAN_STOP_MARKER).unlink(missing_ok=True)
    elif discard_state_of_unclean_stop(tabledir):
        log.warning(
            "the last run did not stop gracefully: local table state discarded, "
            "restoring it from the changelog topics",
            extra={"service": service.stage.value, "tabledir": str(tabledir)},
        )
    # Faust declares its changelogs itself, but its first partition assignment can run
    # before the new topics are in its metadata, and then never assigns them. Creating
    # them beforehand (compacted, partitions equal to the source) removes the race.
    ensure_topics(
        settings.bootstrap_servers,
        internal_topics(service),
        partitions=4,
        replication_factor=settings.replication_factor,
        config={"cleanup.policy": "compact"},
    )
    worker = Worker(
        service.app,
        loglevel=settings.log_level,
        logging_config=config,
        redirect_stdouts=False,
        quiet=True,
    )
    log.info("starting", extra={"service": service.stage.value, "port": settings.web_port})
    code: int | str | None = 0
    try:
        worker.execute_from_commandline()
    except SystemExit as stop:
        code = stop.code
    if not code and not getattr(service.app, "crashed", False):
        # Faust has stopped: offsets committed, producer flushed, RocksDB closed.
        tabledir.mkdir(parents=True, exist_ok=True)
        (tabledir / CLEAN_STOP_MARKER).touch()
    sys.exit(code)
