"""A service: a Faust app of one stage, its handlers, and the commit protocol of its batches.

A handler (``services.common.handler``) gets one message and returns the outputs it wants
published and the state it wants remembered. The service takes its input in batches
(Faust's ``noack_take``: up to ``batch_max_messages`` messages, or what came within
``batch_wait_seconds``) and, for each batch, keeps Kafka Streams' order per batch instead of
per message:

1. every handler of the batch runs in offset order; its outputs are handed to the producer
   without waiting for the broker, and its ``remember`` runs at once, so the next message
   sees its state;
2. the table writes of the batch are held back (``Batch.changelog``) while
3. every output of the batch is acknowledged (acks=all);
4. then the held-back changelog records are sent and acknowledged;
5. only then are the batch's input messages acknowledged, and Faust commits their offsets.

A crash anywhere before 5 leaves the offsets where they were: the restart restores the
tables from their changelogs (``worker.discard_state_of_unclean_stop``), which hold no
write whose outputs were not acknowledged, and handles the batch again; outputs carry
deterministic ids, so a second copy is the same record and downstream skips it.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import AsyncExitStack
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, cast

import faust
from faust.sensors.prometheus import setup_prometheus_sensors
from faust.streams import _current_event

from schemas.internal import Tick
from schemas.petitions import RejectReason, Stage
from schemas.registry import MAX_MESSAGE_BYTES, PARTITIONS, PETITIONS_REJECTED, TopicSpec
from services.common import faust_fixes
from services.common.diagnostics import producer_state
from services.common.dlq import FailureLimit, FailureLimitExceededError, Rejected, dead_letter
from services.common.handler import BatchFlush, Effects, Handler, Incoming, Output
from services.common.metrics import Metrics, Outcome
from services.common.settings import ServiceSettings
from services.common.topics import ensure_topics
from services.common.watchdogs import add_handler_watch, add_lag_exporter
from services.common.worker import (
    EXIT_FAILURE_LIMIT,
    EXIT_OUTPUT_FAILED,
    add_health,
    exit_now,
)

log = logging.getLogger(__name__)

#: An output the broker has not acknowledged after this long is sent again (``publish``).
ACK_WAIT_SECONDS: Final = 10.0
#: The longest a batch's handlers run without giving the event loop a turn.
TURN_SECONDS: Final = 0.02


#: A table write held back: the table's name, its own ``send_changelog`` and the arguments
#: (partition, key, value, and maybe the serializers).
ChangelogWrite = tuple[str, Callable[..., Any], tuple[Any, ...], dict[str, Any]]


@dataclass
class Batch:
    """The messages of one batch and what handling them has produced so far."""

    #: Outputs handed to the producer and not yet acknowledged, with the output each is.
    sends: dict[asyncio.Future[Any], Output] = field(default_factory=dict)
    #: Table writes held back until every output is acknowledged, in the order made.
    changelog: list[ChangelogWrite] = field(default_factory=list)
    #: Writes that wait for every output of the batch (``hold_until_acknowledged``).
    held: list[Callable[[], None]] = field(default_factory=list)


@dataclass(frozen=True)
class _HeldMessage:
    partition: int


@dataclass(frozen=True)
class HeldRecord:
    """What a held-back changelog write returns in place of Faust's FutureMessage."""

    message: _HeldMessage


#: The batch being handled in this task; table writes made in it are held back.
_OPEN_BATCH: ContextVar[Batch | None] = ContextVar("xinfang_open_batch", default=None)


def hold_until_acknowledged(write: Callable[[], None]) -> None:
    """Run ``write`` once every output of the batch in hand is acknowledged (now if none).

    For state a service keeps across a crash (``services.common.held``): it must never
    hold a write whose outputs the broker does not have.
    """
    batch = _OPEN_BATCH.get()
    if batch is None:
        write()
    else:
        batch.held.append(write)


@dataclass
class Service:
    """A Faust app of one stage with its settings, metrics and output topics."""

    stage: Stage
    settings: ServiceSettings
    app: faust.App
    metrics: Metrics
    topics: dict[str, faust.TopicT] = field(default_factory=dict)
    #: One lock per partition number, shared by every agent of the service: co-partitioned
    #: topics share their tables' partitions, and a batch reads state, waits for the
    #: broker, then writes; without the lock another agent's write in between is lost.
    partition_locks: dict[int, asyncio.Lock] = field(default_factory=dict)
    #: Changelog records written outside a batch (timers, recovery) that the broker has not
    #: yet acknowledged: a batch waits for them too before its inputs are acknowledged.
    unsettled: set[asyncio.Future[Any]] = field(default_factory=set)
    #: After a crash, restore the tables from their changelogs rather than trust the local
    #: store (see ``worker.discard_state_of_unclean_stop``).
    discard_state_after_crash: bool = True
    #: The batches at work now: the agent task, the batch's first message and when the
    #: batch began (``time.monotonic()``). The handler watch reports one that takes long,
    #: and stops the service when one is stuck.
    busy: dict[asyncio.Task[Any], tuple[Incoming, float]] = field(default_factory=dict)
    #: Tables whose held-back changelog records are written, and acknowledged, before the
    #: other tables' of the same batch. Records of two tables go to two topics, and a crash
    #: between them can keep either; naming one here keeps only "this one without the
    #: other", the state a service's redelivery knows how to mend (dedup: a case recorded
    #: whose matter does not list it yet).
    changelog_first: frozenset[str] = frozenset()
    #: (spec name, agency code) -> the full topic name, so a send does not rebuild it.
    topic_names: dict[tuple[str, str | None], str] = field(default_factory=dict)

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
        """A changelogged table of JSON values (bytes when ``raw``), one RocksDB per partition.

        A write made while a batch is handled changes the local store at once and holds
        its changelog record back until the batch's outputs are acknowledged.
        """
        # Faust takes a table's serializers from its types: bytes is raw, anything else JSON.
        table = self.app.Table(
            name,
            default=None,
            value_type=bytes if raw else None,
            partitions=partitions,
            help=help_text,
        )
        # Faust reports every read and write of a table to its sensors; no dashboard or
        # alert reads those figures, and at several reads per message (dedup) they cost
        # as much as the store's own lookups.
        quiet: Any = table  # the sensor hooks are Collection's, not in TableT
        quiet._sensor_on_get = quiet._sensor_on_set = quiet._sensor_on_del = _no_sensor
        send_changelog = table.send_changelog
        unsettled = self.unsettled

        def tracked(*args: Any, **kwargs: Any) -> Any:
            batch = _OPEN_BATCH.get()
            if batch is not None:
                batch.changelog.append((name, send_changelog, args, kwargs))
                # Table.on_key_set reads the partition of what it gets back (the tables
                # here do not use the partitioner: it is the event's, always given).
                return HeldRecord(_HeldMessage(partition=args[0]))
            future = send_changelog(*args, **kwargs)
            unsettled.add(future)
            future.add_done_callback(unsettled.discard)
            return future

        # Every write of the table goes through send_changelog.
        table.send_changelog = tracked  # type: ignore[method-assign]
        return table

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
        """Send every output and wait until the broker has acknowledged all of them."""
        sends = {}
        for output in outputs:
            sends[await self._send(output)] = output
        await self._acknowledged(sends)

    async def _acknowledged(self, waiting: dict[asyncio.Future[Any], Output]) -> None:
        """Wait until the broker has acknowledged every send of ``waiting``.

        An output not acknowledged within ``ACK_WAIT_SECONDS`` is sent again (ids are
        deterministic, so a second copy is the same record, which downstream skips):
        acknowledgements take milliseconds, and a send the client has lost must not hold
        the partition. What still does not come ends with the handler watch's exit.
        """
        waiting = dict(waiting)
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

    def topic_name(self, output: Output) -> str:
        """The full name of an output's topic (declared as a Faust topic on first use)."""
        slot = (output.spec.name, output.agency_code)
        name = self.topic_names.get(slot)
        if name is None:
            name = self.topic_names[slot] = self.topic(
                output.spec, output.agency_code
            ).get_topic_name()
        return name

    async def _send(self, output: Output) -> asyncio.Future[Any]:
        # Straight to the producer, past Faust's Topic.send: its channel, FutureMessage
        # and per-record sensor calls cost more than the send itself. What the sensor
        # counted is counted per batch instead (``count_sent``); the producer and its
        # default partitioner (the key's murmur2) are the ones Topic.send uses.
        producer = self.app.producer
        sent = await producer.send(
            self.topic_name(output), output.key, output.value,
            partition=None, timestamp=None, headers=None,
        )  # fmt: skip
        return cast("asyncio.Future[Any]", sent)

    def count_sent(self, outputs: Iterable[Output], waited_seconds: float) -> None:
        """Count acknowledged outputs in Faust's send metrics, as its Topic.send would.

        The send latency is observed once per batch: how long its acknowledgements took.
        """
        monitor = self.app.monitor
        metrics = getattr(monitor, "_metrics", None)
        if metrics is None:  # not the Prometheus monitor: nothing to count into
            return
        by_topic = Counter(self.topic_name(output) for output in outputs)
        for name, count in by_topic.items():
            metrics.topic_messages_sent.labels(topic=f"topic.{name}").inc(count)
        if by_topic:
            metrics.total_sent_messages.inc(sum(by_topic.values()))
            metrics.producer_send_latency.observe(waited_seconds * 1000)

    @staticmethod
    def too_large(outputs: Sequence[Output]) -> Output | None:
        """The first output larger than its topic takes (the producer would refuse it)."""
        return next((o for o in outputs if not o.spec.fits(o.key, o.value)), None)

    def consume(
        self, spec: TopicSpec, handler: Handler, *, flush: BatchFlush | None = None
    ) -> None:
        """Run ``handler`` on every message of ``spec``'s topic, in batches, with the DLQ policy.

        ``flush``, when given, runs at the end of each batch once per partition the batch
        read (see ``BatchFlush``).
        """
        source = self.topic(spec)
        loop = BatchLoop(self, handler, flush)
        settings = self.settings

        async def agent(stream: Any) -> None:
            # StreamT does not declare noack_take; faust.Stream has it.
            batches = stream.noack_take(
                settings.batch_max_messages, within=settings.batch_wait_seconds
            )
            async for events in batches:
                await loop.run(stream, events)

        agent.__name__ = f"consume_{spec.name.replace('.', '_')}"
        agent.__qualname__ = agent.__name__
        self.app.agent(source, name=f"{self.stage.value}.{agent.__name__}")(agent)


class BatchLoop:
    """One input's handler over batches of its messages, with the commit protocol."""

    def __init__(
        self, service: Service, handler: Handler, flush: BatchFlush | None = None
    ) -> None:
        self.service = service
        self.handler = handler
        self.flush = flush
        self.limit = FailureLimit(service.settings.max_consecutive_failures)
        m = service.metrics
        name = self.stage = service.stage.value
        self.received = m.counter("xinfang_messages_received_total").labels(service=name)
        self.latency = m.histogram("xinfang_processing_latency_seconds").labels(service=name)
        self.age = m.histogram("xinfang_event_age_seconds").labels(service=name)
        outcomes = m.counter("xinfang_messages_processed_total")
        self.processed = outcomes.labels(service=name, outcome=Outcome.PROCESSED.value)
        self.dead_lettered = outcomes.labels(service=name, outcome=Outcome.DEAD_LETTERED.value)
        self.failed = m.counter("xinfang_messages_failed_total")
        self.consecutive = m.gauge("xinfang_consecutive_failures").labels(service=name)

    async def run(self, stream: Any, events: Sequence[Any]) -> None:
        """Handle one batch under the locks of its partitions, then commit it."""
        service = self.service
        partitions = sorted({event.message.partition for event in events})
        task = asyncio.current_task()
        async with AsyncExitStack() as locks:
            for partition in partitions:
                lock = service.partition_locks.setdefault(partition, asyncio.Lock())
                await locks.enter_async_context(lock)
            if task is not None:
                service.busy[task] = (incoming_of(events[0]), time.monotonic())
            try:
                await self._handle_and_commit(stream, events)
            finally:
                if task is not None:
                    service.busy.pop(task, None)

    async def _handle_and_commit(self, stream: Any, events: Sequence[Any]) -> None:
        batch = Batch()
        started: list[float] = []
        received_at: list[datetime | None] = []
        outcomes: list[RejectReason | None] = []
        stop_after: int | None = None
        opened = _OPEN_BATCH.set(batch)
        try:
            turn = time.perf_counter()
            for index, event in enumerate(events):
                started.append(now := time.perf_counter())
                if now - turn > TURN_SECONDS:
                    # Sends no longer give the event loop a turn (``Service._send``): give
                    # it one now and then, so that a long batch does not hold up Faust's
                    # rebalance callbacks, timers and the watchdogs.
                    await asyncio.sleep(0)
                    turn = time.perf_counter()
                # Faust's tables find the partition of a read or write in the current event.
                _current_event.set(weakref.ref(event))
                try:
                    handled = await self._handle(batch, incoming_of(event))
                except Exception:  # an output the producer would not take
                    log.critical("could not publish: stopping", exc_info=True)
                    exit_now(EXIT_OUTPUT_FAILED)
                if handled is None:  # the failure limit: commit what came before, then stop
                    stop_after = index
                    break
                outcome, moment = handled
                outcomes.append(outcome)
                received_at.append(moment)
            if self.flush is not None:
                await self._flush(batch, events[: len(outcomes)])
        finally:
            _OPEN_BATCH.reset(opened)
            _current_event.set(None)
        done = events if stop_after is None else events[:stop_after]
        self.received.inc(len(started))
        try:
            await self._commit(stream, batch, done)
        except Exception:
            # The outputs or the state could not be written. Leave without acknowledging
            # the batch, so that it is redelivered.
            log.critical("could not publish or remember: stopping", exc_info=True)
            exit_now(EXIT_OUTPUT_FAILED)
        now = time.perf_counter()
        wall = datetime.now(UTC)
        processed = 0
        for began, moment, outcome in zip(started, received_at, outcomes, strict=False):
            if outcome is None:
                processed += 1
                self.latency.observe(now - began)
                if moment is not None:
                    self.age.observe(max(0.0, (wall - moment).total_seconds()))
            else:
                self.failed.labels(service=self.stage, reason=outcome.value).inc()
                self.dead_lettered.inc()
        self.processed.inc(processed)
        self.consecutive.set(self.limit.consecutive)
        if stop_after is not None:
            await self._stop_at_the_failure_limit(events[stop_after])

    async def _handle(
        self, batch: Batch, incoming: Incoming
    ) -> tuple[RejectReason | None, datetime | None] | None:
        """Run the handler on one message and hand its outputs over.

        Returns the dead letter's reason (None when processed) and when the petition was
        received; None when the failure limit is reached at this message.
        """
        service = self.service
        failure: Rejected | None = None
        effects: Effects | None = None
        try:
            effects = await self.handler(incoming)
        except Rejected as rejection:
            failure = rejection
        except Exception as exc:  # a bug must not stop the stream for one message
            log.exception(
                "processing failed",
                extra={"topic": incoming.topic, "partition": incoming.partition,
                       "offset": incoming.offset},
            )  # fmt: skip
            failure = Rejected(RejectReason.PROCESSING_ERROR, f"{type(exc).__name__}: {exc}")
        if effects is not None:
            oversized = service.too_large(effects.outputs)
            if oversized is not None:
                size = len(oversized.key) + len(oversized.value or b"")
                failure = Rejected(
                    RejectReason.OUTPUT_TOO_LARGE,
                    f"an output to {oversized.spec.name} would be {size} bytes, more than "
                    f"the {oversized.spec.max_message_bytes} the topic takes",
                )
        if failure is not None:
            try:
                self.limit.failure()
            except FailureLimitExceededError as exc:
                log.critical(
                    str(exc), extra={"topic": incoming.topic, "offset": incoming.offset}
                )
                return None
            self.consecutive.set(self.limit.consecutive)
            await self._dead_letter(batch, incoming, failure)
            return failure.reason, None
        assert effects is not None
        for output in effects.outputs:
            batch.sends[await service._send(output)] = output
        if effects.remember is not None:
            try:
                effects.remember()
            except Exception:
                log.critical("could not remember: stopping", exc_info=True)
                exit_now(EXIT_OUTPUT_FAILED)
        self.limit.success()
        return None, effects.received_at if effects.outputs else None

    async def _flush(self, batch: Batch, handled: Sequence[Any]) -> None:
        """The flush of each partition of the handled messages, in the event of its last
        message (Faust's tables find a write's partition there)."""
        assert self.flush is not None
        last = {event.message.partition: event for event in handled}
        for partition, event in sorted(last.items()):
            _current_event.set(weakref.ref(event))
            try:
                effects = self.flush(partition)
                oversized = self.service.too_large(effects.outputs)
                if oversized is not None:
                    raise ValueError(f"an output to {oversized.spec.name} is too large")
                for output in effects.outputs:
                    batch.sends[await self.service._send(output)] = output
                if effects.remember is not None:
                    effects.remember()
            except Exception:  # nothing of the batch is committed: it comes again
                log.critical("could not flush the batch: stopping", exc_info=True)
                exit_now(EXIT_OUTPUT_FAILED)

    async def _dead_letter(self, batch: Batch, incoming: Incoming, rejection: Rejected) -> None:
        key, value = dead_letter(
            stage=self.service.stage,
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
        output = Output(PETITIONS_REJECTED, key, value)
        batch.sends[await self.service._send(output)] = output

    async def _commit(self, stream: Any, batch: Batch, events: Sequence[Any]) -> None:
        """Outputs, then state, then the inputs: the batch's commit protocol."""
        service = self.service
        waiting_since = time.perf_counter()
        await service._acknowledged(batch.sends)
        service.count_sent(batch.sends.values(), time.perf_counter() - waiting_since)
        changelog = latest_writes(batch.changelog)
        first = service.changelog_first
        if first:
            early = [
                send(*args, **kwargs) for table, send, args, kwargs in changelog if table in first
            ]
            if early:
                await asyncio.gather(*early)
        # The changelog records in the order the local store took the writes: the held
        # ones (services.common.held) were taken last, so they go last.
        written = [
            send(*args, **kwargs) for table, send, args, kwargs in changelog if table not in first
        ]
        for write in batch.held:
            write()
        pending = written + list(service.unsettled)
        if pending:
            await asyncio.gather(*pending)
        for event in events:
            await stream.ack(event)

    async def _stop_at_the_failure_limit(self, event: Any) -> None:
        """Commit what is done (the dead letters before this message), then leave."""
        app = self.service.app
        try:
            await app.consumer.commit()
        except Exception:  # the restart will redo the uncommitted letters: harmless
            log.warning("could not commit before stopping", exc_info=True)
        log.critical(
            "stopping at the failure limit",
            extra={"topic": event.message.topic, "partition": event.message.partition,
                   "offset": event.message.offset},
        )  # fmt: skip
        exit_now(EXIT_FAILURE_LIMIT)


def latest_writes(changelog: Sequence[ChangelogWrite]) -> list[ChangelogWrite]:
    """The last write of each key of each table partition, in the order they were made.

    A batch often writes one key several times (dedup rewrites a matter for each case
    that joins it): the changelog needs only the value the local store ended with.
    ``send_changelog``'s first two arguments are the partition and the key.
    """
    last: dict[tuple[str, Any, Any], int] = {}
    for index, (table, _, args, _) in enumerate(changelog):
        last[(table, args[0], args[1])] = index
    if len(last) == len(changelog):
        return list(changelog)
    return [changelog[index] for index in sorted(last.values())]


def incoming_of(event: Any) -> Incoming:
    """The handler's view of a Faust event's message."""
    message = event.message
    return Incoming(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        value=message.value,
    )


def _no_sensor(*_: Any) -> None:
    return None


def _ignore_outcome(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


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
        # A batch's records leave together: a short linger and room for many records per
        # partition (aiokafka's default is 16 KiB, a handful of cases) fill the produce
        # requests, so there are few of them.
        producer_linger_ms=5,
        producer_max_batch_size=512 * 1024,
        producer_max_request_size=MAX_MESSAGE_BYTES,
        broker_session_timeout=settings.session_timeout_seconds,
        broker_heartbeat_interval=min(3.0, settings.session_timeout_seconds / 3),
        consumer_auto_offset_reset="earliest",
        key_serializer="raw",
        value_serializer="raw",
        # Offsets are committed on the interval: a commit inside the fetch loop (every N
        # acknowledged messages) stops fetching while it waits for the broker.
        broker_commit_every=100_000,
        broker_commit_interval=1.0,
        stream_wait_empty=True,
        worker_redirect_stdouts=False,
    )
    service = Service(stage=stage, settings=settings, app=app, metrics=metrics or Metrics())
    service.metrics.initialise(stage.value)
    setup_prometheus_sensors(app, pattern="/metrics", name_prefix="xinfang_faust")
    add_health(service)
    add_lag_exporter(service)
    add_handler_watch(service)
    return service
