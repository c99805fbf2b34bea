"""A batch's held-back changelog records, handed to the producer together.

Faust sends a table write's changelog record through ``Table.send_changelog``:
``Topic.send_soon`` makes a ``FutureMessage`` and puts it in the producer buffer, whose
task publishes it (``Topic.publish_message``: two sensor calls, a callback chained on the
producer's future), one event-loop turn per record, and its acknowledgement runs
``Table._on_changelog_sent``, which writes the record's offset into the partition's
RocksDB as the persisted offset (where recovery starts reading the changelog). For the
few records of each message of a batch, that path cost more than the sends themselves
(~10-13% of the notification stage).

:func:`hand_over` puts one item for all of a batch's records in that same buffer: where
each record's ``FutureMessage`` would have been, so the records keep their place among
those written outside a batch (timers, a send ending in the background: Faust's path,
which a synchronous table write needs), and a key's records reach its partition in the
order the buffer has always given them. When the buffer's task comes to the item, it
hands each record to the producer as ``Topic.publish_message`` would: the key and value
prepared by the changelog topic with the table's serializers (``Channel.as_future_message``),
the partition and (empty) headers Faust's path gives them, no timestamp (the producer's
clock), in their order. :meth:`Handed.acknowledged` waits for all of them; then
:meth:`Handed.persist_offsets` records, for each table partition, the highest offset
acknowledged, once, as ``_on_changelog_sent`` would have left it record by record (and
never lower than the partition's persisted offset already is: a record written outside
the batch and acknowledged meanwhile may have moved it on). The records are counted in
Faust's send metrics once per batch (``Sender.count_by_topic``).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from services.common.batch import ChangelogWrite, TableChangelog
from services.common.sending import Sender, send_record


@dataclass(eq=False)
class Handed:
    """The changelog records of one batch, put in the producer buffer together."""

    app: Any
    writes: Sequence[ChangelogWrite]
    #: Ends once every record is handed to the producer, with the producer's futures.
    handed: asyncio.Future[list[asyncio.Future[Any]]] = field(init=False)
    #: Sent through Faust's ``send_changelog`` instead (its FutureMessages do the rest).
    through_faust: list[Any] = field(default_factory=list)
    #: The producer's acknowledgements of the records, once handed over.
    results: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.handed = asyncio.get_running_loop().create_future()
        # What Faust's ProducerBuffer reads of a FutureMessage: ``message.channel``.
        self.message = self
        self.channel = self

    async def publish_message(self, fut: Any, wait: bool = False) -> None:
        """Called by the producer buffer's task in the item's turn: send every record.

        Sent even if the batch no longer waits (its task cancelled), as the buffer sent
        each record's FutureMessage: the local store has taken the writes.
        """
        producer = self.app.producer
        sent: list[asyncio.Future[Any]] = []
        try:
            changelogs = self._changelogs()
            for changelog, (_, _, args, kwargs) in zip(changelogs, self.writes, strict=True):
                sent.append(await _send(producer, changelog, args, kwargs))
        except Exception as exc:  # the batch loop stops on it (not Faust's buffer task)
            if not self.handed.done():
                self.handed.set_exception(exc)
            for future in sent:
                future.add_done_callback(_ignore_outcome)
            return
        if not self.handed.done():
            self.handed.set_result(sent)

    async def acknowledged(self) -> None:
        """Wait until the broker has acknowledged every record (raises if one failed)."""
        if self.through_faust:
            await asyncio.gather(*self.through_faust)
        elif self.writes:
            # Shielded: a cancelled batch must not cancel the records' sends.
            self.results = await asyncio.shield(self._all_acknowledged())

    async def _all_acknowledged(self) -> list[Any]:
        sent = await self.handed
        return list(await asyncio.gather(*sent)) if sent else []

    def persist_offsets(self) -> None:
        """Record each table partition's highest acknowledged offset in its store.

        As Faust's ``Table._on_changelog_sent`` with at-least-once processing (the only
        guarantee handled here, see :func:`hand_over`): ``set_persisted_offset`` of the
        table's store, with the record's topic partition and offset. RocksDB keeps it
        beside the partition's data; the memory store ignores it.
        """
        highest: dict[tuple[int, Any], tuple[TableChangelog, Any]] = {}
        for changelog, result in zip(self._changelogs(), self.results, strict=False):
            slot = (id(changelog), result.topic_partition)
            kept = highest.get(slot)
            if kept is None or result.offset > kept[1].offset:
                highest[slot] = (changelog, result)
        for changelog, result in highest.values():
            store = changelog.table.data
            tp = result.topic_partition
            try:
                persisted = store.persisted_offset(tp)
            except NotImplementedError:  # the memory store keeps none
                persisted = None
            if persisted is None or persisted < result.offset:
                store.set_persisted_offset(tp, result.offset)

    def _changelogs(self) -> list[TableChangelog]:
        # Handed over only when every write is a service table's (``hand_over``).
        return [cast("TableChangelog", write[1]) for write in self.writes]

    def count(self, sender: Sender, waited_seconds: float) -> None:
        """Count the records in Faust's send metrics, as its sensors would have."""
        if self.results:
            by_topic = Counter(changelog.topic_name for changelog in self._changelogs())
            sender.count_by_topic(by_topic, waited_seconds)


def hand_over(app: Any, writes: Sequence[ChangelogWrite]) -> Handed:
    """Put ``writes`` in the producer buffer, in their order, as one item.

    Synchronous, as each ``send_changelog`` was: the records take their place in the
    buffer now. Faust's own path, record by record, where the item cannot stand in:
    with exactly-once processing (Faust sends through the transaction of the event's
    partition and records offsets on commit, ``persist_offset_on_commit``), with the
    threaded producer (its buffer is another thread's queue), and for a write not of a
    service's table (a unit test's writer).
    """
    handed = Handed(app, writes)
    if not writes:
        return handed
    if (
        app.in_transaction
        or app.conf.producer_threaded
        or not all(isinstance(write[1], TableChangelog) for write in writes)
    ):
        handed.through_faust = [send(*args, **kwargs) for _, send, args, kwargs in writes]
        return handed
    app.producer.send_soon(handed)
    return handed


async def _send(
    producer: Any, changelog: TableChangelog, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> asyncio.Future[Any]:
    """One record as ``Table.send_changelog`` and ``Topic.publish_message`` send it."""
    partition, key, value = args
    table, topic = changelog.table, changelog.topic
    key_serializer = kwargs.get("key_serializer")
    if key_serializer is None:
        key_serializer = table.key_serializer
    value_serializer = kwargs.get("value_serializer")
    if value_serializer is None:
        value_serializer = table.value_serializer
    # Channel.as_future_message: headers, key, value, then the partition (eagerly).
    headers = topic.prepare_headers(None)
    final_key, headers = topic.prepare_key(key, key_serializer, None, headers)
    final_value, headers = topic.prepare_value(value, value_serializer, None, headers)
    if partition is None:
        partition = producer.key_partition(changelog.topic_name, final_key).partition
    future = await send_record(
        producer, changelog.topic_name, final_key, final_value, partition, headers
    )
    return future  # type: ignore[no-any-return]


def _ignore_outcome(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
