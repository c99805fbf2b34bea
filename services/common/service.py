"""A service: the Faust app of one stage, its topics, tables and timers, and its inputs.

``Service.consume`` runs a handler (``services.common.handler``) over an input topic in
batches with the commit protocol of ``services.common.batch_loop``; its outputs leave
through ``services.common.sending``; its tables hold their changelog records back while a
batch is handled (``services.common.batch``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import faust
from faust.sensors.prometheus import setup_prometheus_sensors
from faust.stores.base import SerializedStore

from schemas.internal import Tick
from schemas.petitions import Stage
from schemas.registry import MAX_MESSAGE_BYTES, PARTITIONS, TopicSpec
from services.common import faust_fixes
from services.common.batch import hold_back_changelog
from services.common.batch_loop import BatchLoop
from services.common.faust_sensors import QuickPrometheusMonitor
from services.common.handler import BatchFlush, Handler, Incoming
from services.common.metrics import Metrics
from services.common.partition_lock import PartitionLock
from services.common.partitioner import default_partition
from services.common.sending import Sender
from services.common.settings import ServiceSettings
from services.common.take import filling_take
from services.common.topics import ensure_topics
from services.common.watchdogs import add_handler_watch, add_lag_exporter
from services.common.worker import add_health


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
    #: A batch holds its partitions' locks until its commit is done; an agent's next
    #: (pipelined) batch may take them again meanwhile (``PartitionLock``).
    partition_locks: dict[int, PartitionLock] = field(default_factory=dict)
    #: Changelog records written outside a batch (timers, recovery) that the broker has not
    #: yet acknowledged: a batch waits for them too before its inputs are acknowledged.
    unsettled: set[asyncio.Future[Any]] = field(default_factory=set)
    #: After a crash, restore the tables from their changelogs rather than trust the local
    #: store (see ``worker.discard_state_of_unclean_stop``).
    discard_state_after_crash: bool = True
    #: The batches at work now: the agent task (or a pipelined batch's commit task), the
    #: batch's first message and when the batch began (``time.monotonic()``). The handler
    #: watch reports one that takes long, and stops the service when one is stuck.
    busy: dict[asyncio.Task[Any], tuple[Incoming, float]] = field(default_factory=dict)
    #: Tables whose held-back changelog records are written, and acknowledged, before the
    #: other tables' of the same batch. Records of two tables go to two topics, and a crash
    #: between them can keep either; naming one here keeps only "this one without the
    #: other", the state a service's redelivery knows how to mend (dedup: a case recorded
    #: whose matter does not list it yet).
    changelog_first: frozenset[str] = frozenset()
    #: What sends the service's outputs and waits for their acknowledgements.
    sender: Sender = field(init=False)

    def __post_init__(self) -> None:
        self.sender = Sender(self.app, self.topic)

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
        quiet.get = _single_lookup(table)
        hold_back_changelog(table, name, self.unsettled)
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

    def consume(
        self, spec: TopicSpec, handler: Handler, *, flush: BatchFlush | None = None
    ) -> None:
        """Run ``handler`` on every message of ``spec``'s topic, in batches, with the DLQ policy.

        ``flush``, when given, runs at the end of each batch once per partition the batch
        read (see ``BatchFlush``).
        """
        source = self.topic(spec)
        loop = BatchLoop(self, spec, handler, flush)
        settings = self.settings

        async def agent(stream: Any) -> None:
            batches = filling_take(stream, settings.batch_max_messages, settings.batch_wait_seconds)
            try:
                async for events in batches:
                    await loop.run(stream, events)
                # The stream has stopped: the commits in flight finish.
                await loop.drain()
            finally:
                # Cancelled, or failed: a commit still in flight acknowledges nothing.
                await loop.abandon()

        agent.__name__ = f"consume_{spec.name.replace('.', '_')}"
        agent.__qualname__ = agent.__name__
        self.app.agent(source, name=f"{self.stage.value}.{agent.__name__}")(agent)


def _no_sensor(*_: Any) -> None:
    return None


def _single_lookup(table: Any) -> Callable[..., Any]:
    """``table.get`` in one store lookup, raising nothing for a missing key.

    Faust's ``get`` is Mapping's: ``table[key]`` asks the store whether it has the key,
    then reads it again, and a missing key raises KeyError through both layers to be
    caught; the services read far more keys than they write, most of them missing. The
    store's ``_get`` is what its own ``__getitem__`` calls (None: no such key).
    """
    table_get = table.get

    def get(key: Any, default: Any = None) -> Any:
        store = table.data
        if not isinstance(store, SerializedStore):  # the memory store: a plain dict inside
            return table_get(key, default)
        raw = store._get(store._encode_key(key))
        return default if raw is None else store._decode_value(raw)

    return get


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
        producer_linger=settings.producer_linger_seconds,
        producer_max_batch_size=512 * 1024,
        producer_max_request_size=MAX_MESSAGE_BYTES,
        # aiokafka's default placement (the key's murmur2), computed in fewer steps.
        producer_partitioner=default_partition,
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
    faust_fixes.set_fetch_max_wait(app, settings.fetch_max_wait_seconds)
    service = Service(stage=stage, settings=settings, app=app, metrics=metrics or Metrics())
    service.metrics.initialise(stage.value)
    # In the service's registry (the process's default one but in tests), so that two
    # services built in one process do not register Faust's series twice in one registry.
    setup_prometheus_sensors(
        app, pattern="/metrics", registry=service.metrics.registry, name_prefix="xinfang_faust"
    )
    # The same figures, each labelled series looked up once (faust_sensors).
    app.monitor = QuickPrometheusMonitor(metrics=cast(Any, app.monitor)._metrics)
    add_health(service)
    add_lag_exporter(service)
    add_handler_watch(service)
    return service
